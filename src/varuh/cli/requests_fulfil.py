"""`varuh requests fulfil [PATH] ID`: answer a request in the organisation's stores (issue: fulfilment).

Also `requests confirm ID STORE --note` (an operator confirms a manual store's task) and
`requests lift ID` (lift a restriction, telling the subject first, GDPR Art. 18(3)).
PATH is optional before the id: `fulfil examples/ecpp Z-2025-0001` and `fulfil Z-2025-0001` both work.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from varuh.cli.options import AsOf, JsonFlag, model_dir, print_json, today
from varuh.cli.requests import By, _actor, requests_app
from varuh.errors import InvalidInput

REF = re.compile(r"^[A-Za-z]+-\d{4}-\d+$")

First = Annotated[str, typer.Argument(help="PATH (folder holding privacy.yaml and datasets.yaml), or the request "
                                           "id when PATH is left out.", show_default=False)]
Second = Annotated[str | None, typer.Argument(help="The request id, e.g. Z-2025-0001, when PATH is given.",
                                              show_default=False)]


def _path_and_ref(first: str, second: str | None) -> tuple[Path, str]:
    if second is None:
        if not REF.match(first) and Path(first).is_dir():
            raise InvalidInput("give the request id after PATH, e.g. `varuh requests fulfil examples/ecpp Z-2025-0001`")
        return model_dir(None), first
    return model_dir(Path(first)), second


def _inputs(folder: Path):
    from varuh.model.datamap import require_datamap
    from varuh.model.load import load_model

    folder = folder.parent if folder.is_file() else folder
    return folder, load_model(folder), require_datamap(folder)


def _changes(values: list[str] | None) -> dict[str, str]:
    out = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--set {item!r}: write table.field=value")
        out[name.strip()] = value
    return out


@requests_app.command("fulfil")
def fulfil(
    first: First,
    second: Second = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show exactly what would change; change nothing.")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Rectification: table.field=value (repeatable).",
                                                   show_default=False)] = None,
    activity: Annotated[list[str] | None, typer.Option("--activity", help="Objection or withdrawal: the activity it "
                                                       "stops (repeatable; default: those its type implies).",
                                                       show_default=False)] = None,
    by: By = None,
    as_of: AsOf = None,
    json_: JsonFlag = False,
) -> int:
    """Find, export, erase, rectify or restrict the subject's data in every store of the data map.

    Access and portability write a bundle (JSON, CSV, report, manifest, zip) with an expiring
    download link; erasure keeps what the law requires (GDPR Art. 17(3)) and says why and until
    when. Exit code 0: done; 1: a store failed or a manual task waits (run again later); 2: bad input.
    """
    from varuh.connectors.request_fulfilment import fulfil_request
    from varuh.ledger.db import get_engine
    from varuh.ledger.secret import secret_key

    folder, ref = _path_and_ref(first, second)
    folder, model, datamap = _inputs(folder)
    engine = get_engine()
    result = fulfil_request(engine, model, datamap, folder, ref, actor=_actor(by), today=today(as_of),
                            key=secret_key(), dry_run=dry_run, changes=_changes(set_) or None,
                            activities=activity or None)
    if json_:
        print_json(result)
    else:
        _show(result)
    return 0 if result.status == "done" else 1


def _show(result) -> None:
    head = f"{result.request or result.run}: {result.type}{' (dry run: nothing changed)' if result.dry_run else ''}"
    typer.echo(f"{head} — {result.status}")
    for s in result.stores:
        line = f"  {s.id} ({s.kind}): {s.status}"
        if s.error:
            line += f" — {s.error}"
        typer.echo(line)
        for e in s.exported:
            typer.echo(f"      {e.table}: {e.rows} exported")
        for t in s.tables:
            fields = ", ".join(f"{k} {v}" for k, v in sorted(t.fields.items()))
            typer.echo(f"      {t.name}: found {t.found}, deleted {t.deleted}, updated {t.updated}"
                       + (f" ({fields})" if fields else ""))
        for r in s.rectified:
            typer.echo(f"      {r.table}.{r.field}: {r.rows} rectified")
        for name, n in s.restricted.items():
            typer.echo(f"      {name}: {n} restricted")
        if s.instructions and s.status == "waiting":
            typer.echo(f"      → {s.instructions}")
    for k in result.kept:
        until = f", until {k.until.isoformat()}" if k.until else ""
        typer.echo(f"  kept: {k.store}.{k.table}: {k.rows} row(s) — {k.reason}{until}")
    if result.recipients:
        typer.echo("  inform (GDPR Art. 19): " + ", ".join(f"{r.name} ({r.role})" for r in result.recipients))
    if result.bundle:
        typer.echo(f"  bundle: {result.bundle.zip}")
        if result.bundle.download_url:
            until = f"{result.bundle.expires_at:%Y-%m-%d %H:%M} UTC"
            typer.echo(f"  download: {result.bundle.download_url} (until {until})")
    for m in result.messages:
        typer.echo(f"  {m}")


@requests_app.command("confirm")
def confirm(
    ref: Annotated[str, typer.Argument(help="The request id.", show_default=False)],
    store: Annotated[str, typer.Argument(help="The manual store's id (datasets.yaml).", show_default=False)],
    note: Annotated[str, typer.Option("--note", help="What was done (no personal data).")],
    model_path: Annotated[Path | None, typer.Option("--model", help="Folder holding datasets.yaml.")] = None,
    by: By = None,
    json_: JsonFlag = False,
) -> None:
    """An operator confirms the task of a manual store (e.g. 'deleted in Mailchimp')."""
    from varuh.connectors.manual import confirm_task
    from varuh.ledger.db import get_engine
    from varuh.requests.records import request_row

    _folder, _model, datamap = _inputs(model_dir(model_path))
    with get_engine().begin() as conn:
        row = request_row(conn, ref)
        task = confirm_task(conn, datamap, row.ref, store, row.type, _actor(by), note)
    if json_:
        print_json(task)
    else:
        typer.echo(f"{row.ref}: {store} confirmed")


@requests_app.command("lift")
def lift(
    ref: Annotated[str, typer.Argument(help="The restriction request's id.", show_default=False)],
    model_path: Annotated[Path | None, typer.Option("--model", help="Folder holding privacy.yaml and datasets.yaml.")]
    = None,
    by: By = None,
    as_of: AsOf = None,
    json_: JsonFlag = False,
) -> None:
    """Lift a restriction of processing; the subject is told first (GDPR Art. 18(3))."""
    from varuh.connectors.request_fulfilment import lift_restriction
    from varuh.ledger.db import get_engine

    folder, model, datamap = _inputs(model_dir(model_path))
    result = lift_restriction(get_engine(), model, datamap, folder, ref, actor=_actor(by), today=today(as_of))
    if json_:
        print_json(result)
    else:
        typer.echo(f"{result.request}: restriction lifted ({sum(result.lifted.values())} row(s)); "
                   f"the subject was told first")
