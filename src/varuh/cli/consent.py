"""`varuh consent …`: give, withdraw, check, history (issue: consent)."""

import typer

from varuh.cli.app import app

consent_app = typer.Typer(help="Consents with proof: give, withdraw, check, history.", no_args_is_help=True)
app.add_typer(consent_app, name="consent")
