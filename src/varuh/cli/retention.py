"""`varuh retention …`: plan and run the sweeps (issue: retention)."""

import typer

from varuh.cli.app import app

retention_app = typer.Typer(help="Retention: what is due, and the sweeps that erase it.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")
