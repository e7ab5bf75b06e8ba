"""`varuh audit …`: the hash-chained audit log."""

from __future__ import annotations

import typer

from varuh.cli.app import app
from varuh.cli.options import JsonFlag, print_json
from varuh.ledger import audit as audit_chain
from varuh.ledger.db import get_engine

audit_app = typer.Typer(help="The audit log: every step of every request, consent and sweep.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(json_: JsonFlag = False) -> int:
    """Recompute the hash chain; exit 1 if any entry was edited or removed."""
    with get_engine().connect() as conn:
        verdict = audit_chain.verify(conn)
    if json_:
        print_json(verdict)
    elif verdict.ok:
        typer.echo(f"audit log intact: {verdict.entries} entries")
    else:
        typer.echo(f"audit log BROKEN: {verdict.reason}", err=True)
    return 0 if verdict.ok else 1
