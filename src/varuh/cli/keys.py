"""`varuh keys …`: API keys for the organisation's systems (create, list, revoke)."""

from __future__ import annotations

from typing import Annotated

import typer

from varuh.cli.app import app
from varuh.cli.options import JsonFlag, print_json
from varuh.ledger import apikeys
from varuh.ledger.db import get_engine

keys_app = typer.Typer(help="API keys for the HTTP API: stored hashed, scoped, revocable.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="What uses the key, e.g. 'web shop' or 'newsletter sender'.")],
    scope: Annotated[list[str], typer.Option("--scope", help="A scope such as consent:read (repeat for more).")],
    as_json: JsonFlag = False,
) -> None:
    """Create a key; the full key is printed once and cannot be shown again."""
    with get_engine().begin() as conn:
        record, key = apikeys.create_key(conn, name, scope)
    if as_json:
        print_json({"key_id": record.key_id, "name": record.name, "scopes": sorted(record.scopes), "key": key})
    else:
        typer.echo(key)
        typer.echo(f"key {record.key_id} ({', '.join(sorted(record.scopes))}): store it now, it is not shown again",
                   err=True)


@keys_app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Every key with its scopes; secrets are never shown."""
    with get_engine().connect() as conn:
        keys = apikeys.list_keys(conn)
    if as_json:
        print_json([{"key_id": k.key_id, "name": k.name, "scopes": sorted(k.scopes), "created_at": k.created_at,
                     "revoked_at": k.revoked_at} for k in keys])
        return
    for k in keys:
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        typer.echo(f"{k.key_id}  {k.name}  [{' '.join(sorted(k.scopes))}]  {state}")


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key id (kXXXXXXXXXXXX).")]) -> None:
    """Revoke a key: requests with it are refused (within VARUH_CONSENT_CACHE_SECONDS in running services)."""
    with get_engine().begin() as conn:
        apikeys.revoke_key(conn, key_id)
    typer.echo(f"key {key_id} revoked")
