"""`varuh render …`: documents from the model (issue: model)."""

import typer

from varuh.cli.app import app

render_app = typer.Typer(help="Render documents: the notice, the Art. 30 record, the retention schedule.",
                         no_args_is_help=True)
app.add_typer(render_app, name="render")
