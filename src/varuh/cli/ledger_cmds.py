"""`varuh db …`: the ledger's schema."""

from __future__ import annotations

import typer

from varuh.cli.app import app
from varuh.ledger import db

db_app = typer.Typer(help="The ledger database (VARUH_DATABASE_URL): migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade() -> None:
    """Create or migrate the ledger's tables to the latest version (safe to run again)."""
    db.upgrade()
    typer.echo(f"ledger at revision {db.current_revision()}")
