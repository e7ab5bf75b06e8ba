"""`varuh requests …`: data-subject requests (issue: requests)."""

import typer

from varuh.cli.app import app

requests_app = typer.Typer(help="Data-subject requests: intake, verification, deadlines, letters.",
                           no_args_is_help=True)
app.add_typer(requests_app, name="requests")
