"""`varuh examples …`: the five seed organisations' synthetic databases (issue: fulfilment)."""

import typer

from varuh.cli.app import app

examples_app = typer.Typer(help="The example organisations: seed their synthetic databases.", no_args_is_help=True)
app.add_typer(examples_app, name="examples")
