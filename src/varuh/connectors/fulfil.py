"""Fulfilment: answering a data-subject request in the organisation's own stores, driven by the data map.

    fulfil(model, datamap, here, "erasure", {"email": "…"}, today=…, key=…, ledger=engine) -> FulfilmentResult
    fulfil_request(ledger, model, datamap, here, "Z-2025-0001", …)  the same, for a recorded request

Per request type (GDPR article):
  access (15), portability (20)  the subject's rows per store and table into a bundle (bundle.py);
  erasure (17)                   each field's strategy, except what the model says must stay
                                 (erasure.py: Art. 17(3)(b) and (e)), which is kept, restricted and
                                 listed with its reason and date; the recipients to inform (Art. 19);
                                 HTTP stores are notified, manual stores get a task;
  rectification (16)             the named fields set to the new values; before and after go to the
                                 request's history only (never to logs or the audit chain);
  restriction (18)               the rows marked (the table's flag column, else Varuh's side table);
                                 `lift_restriction` tells the subject before lifting (Art. 18(3));
  objection (21), objection_marketing (21(2)), consent_withdrawal (7(3))
                                 the subject is put on the suppression list for the activities
                                 concerned and the data held only for them is erased.

Every store is one transaction: a store that fails (unreachable, wrong credentials, a table that
vanished, a type mismatch) is reported by id with a masked message, nothing of it is committed,
and the other stores go on; the request can simply be run again. Every run is recorded in the
ledger (fulfilment_runs/steps) and the audit chain with counts only. A step is written `prepared`
before the store commits and `done` after, so a run killed in between is settled by the next run:
nothing is erased twice (every change is conditional on the data still being there) or missed
(the walk starts again from the identities), and the counts of the earlier run are kept.
A dry run walks and counts exactly as the real run does, in a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
import graphlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from varuh.connectors import http as http_connector
from varuh.connectors.bundle import Bundle, BundleWriter, create_download, export_columns, purge_expired
from varuh.connectors.erasure import TableOutcome, erase_table, field_activities, typed
from varuh.connectors.manual import task_for
from varuh.connectors.sql import SqlStore, batch_size, batched, forget, is_true, open_sql_store
from varuh.connectors.walk import Found, walk
from varuh.errors import InvalidInput, NotAllowed, StoreError
from varuh.law.clock import utcnow
from varuh.ledger import audit
from varuh.ledger.fulfilment import fulfilment_runs, fulfilment_steps, restrictions, suppressions
from varuh.ledger.subjects import digest
from varuh.model.datasets import DataMap, Store, TableSpec
from varuh.model.privacy import LegalBasis, PrivacyModel

TYPES = ("access", "portability", "erasure", "rectification", "restriction", "objection", "objection_marketing",
         "consent_withdrawal")
ERASING = {"erasure", "objection", "objection_marketing", "consent_withdrawal"}
#: what an HTTP endpoint is asked to do for each request type (HttpSpec.operations)
HTTP_OPERATION = {"access": "access", "portability": "access", "erasure": "erasure",
                  "rectification": "rectification", "restriction": "restriction", "objection": "objection",
                  "objection_marketing": "objection", "consent_withdrawal": "objection"}

Hook = Callable[[str, str], None]  # (store id, phase: "before_commit" | "after_commit")


@dataclass
class Exported:
    table: str
    rows: int


@dataclass
class Rectified:
    table: str
    field: str
    rows: int


@dataclass
class StoreResult:
    id: str
    kind: str
    status: str = "done"  # done, failed, waiting (manual task), skipped
    error: str | None = None
    found: dict[str, int] = field(default_factory=dict)  # table -> rows of the subject
    tables: list[TableOutcome] = field(default_factory=list)  # erasure: what changed and what was kept
    exported: list[Exported] = field(default_factory=list)
    rectified: list[Rectified] = field(default_factory=list)
    restricted: dict[str, int] = field(default_factory=dict)
    notified: bool = False  # http: the endpoint confirmed
    attempts: int = 0
    instructions: str | None = None  # manual
    note: str | None = None
    statements: int = 0


@dataclass
class KeptItem:
    store: str
    table: str
    rows: int
    fields: list[str]
    reason: str
    reason_sl: str
    article: str
    rule: str
    until: dt.date | None


@dataclass
class Recipient:
    id: str
    name: str
    role: str


@dataclass
class BundleInfo:
    folder: str
    zip: str
    files: int
    download_url: str | None = None
    expires_at: dt.datetime | None = None


@dataclass
class FulfilmentResult:
    run: str
    request: str | None
    type: str
    dry_run: bool
    as_of: dt.date
    status: str = "done"  # done, partial (a store failed or a manual task waits), failed
    stores: list[StoreResult] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    kept: list[KeptItem] = field(default_factory=list)
    recipients: list[Recipient] = field(default_factory=list)  # GDPR Art. 19
    bundle: BundleInfo | None = None
    suppressed: list[str] = field(default_factory=list)  # activities
    earlier: dict[str, int] = field(default_factory=dict)  # counts committed by earlier runs of the request
    messages: list[str] = field(default_factory=list)


@dataclass
class _Run:
    """Context shared by the stores of one run."""

    model: PrivacyModel
    datamap: DataMap
    here: Path
    kind: str
    identities: Mapping[str, str | list[str]]
    dry_run: bool
    today: dt.date
    key: bytes
    ledger: sa.Engine | None
    request_ref: str | None
    lang: str
    changes: dict[tuple[str, str], Any]
    scope: set[str] | None
    hook: Hook | None
    run_id: int | None = None
    bundle: BundleWriter | None = None
    before_after: list[dict[str, Any]] = field(default_factory=list)  # rectification: to the request record
    side_restrictions: list[tuple[str, str, Any, str, dt.date | None]] = field(default_factory=list)


# --- the entry points ------------------------------------------------------------------------------


def fulfil(model: PrivacyModel, datamap: DataMap, here: str | Path, request_type: str,
           identities: Mapping[str, str | Sequence[str]],
           *, dry_run: bool = False, today: dt.date, key: bytes, ledger: sa.Engine | None = None,
           request_ref: str | None = None, actor: str = "system", lang: str = "sl",
           changes: Mapping[str, Any] | None = None, activities: list[str] | None = None,
           hook: Hook | None = None, before_after: list[dict[str, Any]] | None = None) -> FulfilmentResult:
    """Run one request type for one subject over every store of the data map.

    `before_after` (rectification) receives the values before and after, for the caller to keep in
    the request record and nowhere else; the result itself holds field names and counts only.
    """
    if request_type not in TYPES:
        raise InvalidInput(f"fulfilment does not handle {request_type!r}; it handles {', '.join(TYPES)}")
    ids = _clean(identities)
    if not ids:
        raise InvalidInput("no identity to search by (e-mail, phone, user id)")
    run = _Run(model, datamap, Path(here), request_type, ids, dry_run, today, key, ledger, request_ref, lang,
               _parse_changes(datamap, request_type, changes), _scope(model, request_type, activities), hook)
    result = FulfilmentResult("F-" + secrets.token_hex(5), request_ref, request_type, dry_run, today)
    if ledger is not None:
        with ledger.begin() as conn:
            run.run_id = conn.execute(sa.insert(fulfilment_runs).values(
                ref=result.run, request_ref=request_ref, request_type=request_type, dry_run=dry_run,
                status="running", actor=actor, started_at=utcnow())).inserted_primary_key[0]
            if request_type in ("access", "portability"):
                purge_expired(conn)
    if request_type in ("access", "portability"):
        run.bundle = BundleWriter(f"{request_ref or result.run}-{request_type}")
    for store in datamap.stores:
        if store.kind == "sql":
            outcome = _sql_store(run, store)
        elif store.kind == "http":
            outcome = _http_store(run, store)
        else:
            outcome = _manual_store(run, store)
        result.stores.append(outcome)
    _summarise(run, result)
    if run.bundle is not None:
        _finish_bundle(run, result)
    if request_type in ERASING and request_type != "erasure" and run.scope:
        result.suppressed = sorted(run.scope)
    if ledger is not None:
        with ledger.begin() as conn:
            _record_outcome(conn, run, result, actor)
    if before_after is not None:
        before_after += run.before_after
    return result


def _clean(identities: Mapping[str, str | Sequence[str]]) -> dict[str, str | list[str]]:
    """Identities without blanks; a list of values is a batch of subjects (benchmarks, bulk erasure)."""
    out: dict[str, str | list[str]] = {}
    for kind, value in identities.items():
        if isinstance(value, str):
            if value.strip():
                out[kind] = value.strip()
        else:
            values = [str(v).strip() for v in value or [] if v and str(v).strip()]
            if values:
                out[kind] = values
    return out


def _values(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _scope(model: PrivacyModel, kind: str, activities: list[str] | None) -> set[str] | None:
    """The activities an objection or a withdrawal stops; None: all (erasure)."""
    if kind not in ERASING or kind == "erasure":
        if activities:
            raise InvalidInput("--activity applies to objection and consent withdrawal only")
        return None
    known = {a.id for a in model.activities}
    if activities:
        unknown = [a for a in activities if a not in known]
        if unknown:
            raise InvalidInput(f"unknown activity {unknown[0]!r}; the model declares {', '.join(sorted(known))}")
        return set(activities)
    if kind == "consent_withdrawal":
        chosen = {a.id for a in model.activities if a.legal_basis == LegalBasis.consent}
    elif kind == "objection":  # Art. 21(1): processing on public task or legitimate interests
        chosen = {a.id for a in model.activities
                  if a.legal_basis in (LegalBasis.legitimate_interests, LegalBasis.public_task)}
    else:  # Art. 21(2): direct marketing, which must then stop (21(3))
        chosen = {a.id for a in model.activities if any(w in a.id for w in ("marketing", "newsletter"))}
    if not chosen:
        raise InvalidInput(f"no activity of the model fits {kind}: name them with --activity")
    return chosen


def _parse_changes(datamap: DataMap, kind: str, changes: Mapping[str, Any] | None) -> dict[tuple[str, str], Any]:
    """`table.field=value` (or `store.table.field`) -> {(table, field): value}; checked against the map."""
    if kind != "rectification":
        if changes:
            raise InvalidInput("--set applies to rectification only")
        return {}
    if not changes:
        raise InvalidInput("rectification needs the new values: --set table.field=value")
    tables = {t.name: t for s in datamap.stores for t in s.tables}
    out: dict[tuple[str, str], Any] = {}
    for name, value in changes.items():
        parts = name.split(".")
        if len(parts) == 3:
            parts = parts[1:]
        if len(parts) != 2 or parts[0] not in tables:
            raise InvalidInput(f"--set {name}: write table.field, with a table of datasets.yaml "
                               f"({', '.join(sorted(tables))})")
        spec = tables[parts[0]]
        if parts[1] not in [f.name for f in spec.fields] and parts[1] not in spec.identities.values():
            raise InvalidInput(f"--set {name}: {parts[1]!r} is not a field of {parts[0]!r} in datasets.yaml")
        if parts[1] == spec.primary_key:
            raise InvalidInput(f"--set {name}: the primary key is not personal data to rectify")
        out[(parts[0], parts[1])] = value
    return out


# --- SQL stores ----------------------------------------------------------------------------------


def _sql_store(run: _Run, store: Store) -> StoreResult:
    out = StoreResult(store.id, "sql")
    try:
        opened = open_sql_store(store, run.here)
    except StoreError as e:
        return _failed(run, out, e)
    prepared: list[int] = []
    committed = False
    try:
        with opened.engine.connect() as conn, conn.begin() as tx:
            found = walk(conn, opened, run.identities)
            out.found = {t: found.count(t) for t in found.tables()}
            if run.kind in ("access", "portability"):
                _export(run, conn, opened, found, out)
            elif run.kind in ERASING:
                _erase(run, conn, opened, found, out)
            elif run.kind == "rectification":
                _rectify(run, conn, opened, found, out)
            else:
                _restrict(run, conn, opened, found, out)
            out.statements = found.statements
            if run.dry_run or run.kind in ("access", "portability"):
                # a dry run ran every statement the real run would (so its counts are exact); undo them
                tx.rollback()
                if run.kind in ("access", "portability") and not run.dry_run:
                    _write_steps(run, out, "done")
            else:
                prepared = _write_steps(run, out, "prepared")
                if run.hook:
                    run.hook(store.id, "before_commit")
                tx.commit()
                committed = True
                if run.hook:  # committed, steps still `prepared`: a kill here is settled by the next run
                    run.hook(store.id, "after_commit")
    except SQLAlchemyError as e:
        _drop_steps(run, prepared)
        forget(opened)
        return _failed(run, out, opened.error(e))
    except StoreError as e:
        _drop_steps(run, prepared)
        forget(opened)
        return _failed(run, out, e)
    except BaseException:
        # an injected failure or an interrupt before the commit rolls this store back, so its
        # prepared steps are void; after the commit they stay `prepared` for the next run to settle
        # (as after a kill -9, when no handler runs at all)
        if not committed:
            _drop_steps(run, prepared)
        raise
    if prepared:
        _mark_steps(run, prepared, "done")
        _settle_earlier(run, store.id, out)
    return out


def _failed(run: _Run, out: StoreResult, error: StoreError) -> StoreResult:
    out.status = "failed"
    out.error = error.message
    out.tables, out.exported, out.rectified, out.restricted = [], [], [], {}
    if run.ledger is not None and run.run_id is not None and not run.dry_run:
        with run.ledger.begin() as conn:
            conn.execute(sa.insert(fulfilment_steps).values(
                run_id=run.run_id, request_ref=run.request_ref, store=out.id, table_name=None, action=run.kind[:24],
                status="failed", counts=None, at=utcnow(), note=error.message))
    return out


def _children_first(store: Store, names: list[str]) -> list[str]:
    """Tables that reference others come before the tables they reference (foreign keys)."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    specs = {t.name: t for t in store.tables}
    for name in names:
        sorter.add(name, *[r for r in names if any(ref.table == name for ref in specs[r].references) and r != name])
    try:
        return list(sorter.static_order())
    except graphlib.CycleError:
        return names


def _export(run: _Run, conn: sa.Connection, opened: SqlStore, found: Found, out: StoreResult) -> None:
    assert run.bundle is not None
    portability = run.kind == "portability"
    for spec in opened.store.tables:
        keys = sorted(found.keys.get(spec.name, ()), key=str)
        if not keys:
            continue
        table = opened.tables[spec.name]
        columns = export_columns(table, spec, run.model, portability)
        if not columns:
            continue
        pk = opened.pk(spec.name)

        def rows(keys=keys, table=table, columns=columns, pk=pk):
            for chunk in batched(keys, batch_size()):
                result = conn.execution_options(stream_results=True).execute(
                    sa.select(*(table.c[c] for c in columns)).where(pk.in_(chunk)).order_by(pk))
                yield from result
                found.statements += 1

        written = run.bundle.write_table(opened.store.id, spec, columns, rows(), run.lang)
        out.exported.append(Exported(spec.name, written.rows))


def _blocked(conn: sa.Connection, opened: SqlStore, name: str, keys: list[Any]) -> set[Any]:
    """Keys of `name` that rows still in the database point at through a real foreign key: those
    rows cannot be deleted (their children stay, e.g. a kept invoice), only emptied."""
    target = opened.tables[name]
    blocked: set[Any] = set()
    for other in opened.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table.name != target.name:
                continue
            to_col = fk.column.name
            col = fk.parent
            if to_col == opened.spec(name).primary_key:
                for chunk in batched(keys, batch_size()):
                    blocked.update(v for (v,) in conn.execute(sa.select(col).distinct().where(col.in_(chunk))))
    return blocked


def _erase(run: _Run, conn: sa.Connection, opened: SqlStore, found: Found, out: StoreResult) -> None:
    names = [t.name for t in opened.store.tables if found.count(t.name)]
    for name in _children_first(opened.store, names):
        spec = opened.spec(name)
        keys = list(found.keys[name])
        outcome = erase_table(conn, opened, spec, keys, model=run.model, today=run.today, key=run.key,
                              scope=run.scope, blocked=_blocked(conn, opened, name, keys))
        out.tables.append(outcome)
        if outcome.held_keys and not (spec.restriction and spec.restriction.column):
            run.side_restrictions += [(opened.store.id, name, k, "legal_hold", until)
                                      for k, until in outcome.held_keys.items()]
        outcome.held_keys = {}  # row keys stay out of the result


def _rectify(run: _Run, conn: sa.Connection, opened: SqlStore, found: Found, out: StoreResult) -> None:
    for (name, column), value in run.changes.items():
        if name not in opened.tables:
            continue
        keys = list(found.keys.get(name, ()))
        if not keys:
            continue
        table, pk = opened.tables[name], opened.pk(name)
        col = table.c[column]
        value = _typed_value(opened, name, col, value)
        rows = 0
        before: set[Any] = set()
        for chunk in batched(keys, batch_size()):
            pending = sa.and_(pk.in_(chunk), sa.or_(col.is_(None), col != value))
            before.update(v for (v,) in conn.execute(sa.select(col).distinct().where(pending)))
            rows += conn.execute(sa.update(table).where(pending).values({column: value})).rowcount
        out.rectified.append(Rectified(name, column, rows))
        if rows:
            run.before_after.append({"store": opened.store.id, "table": name, "field": column,
                                     "before": sorted(str(b) for b in before if b is not None), "after": str(value)})


def _typed_value(opened: SqlStore, table: str, column: sa.Column, value: Any) -> Any:
    """The new value as the column holds it; a value it cannot hold fails the store (the message
    names the field, never the value: it is personal data)."""
    if value is None or value == "":
        return None if column.nullable else value
    try:
        if isinstance(column.type, sa.DateTime):
            return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        if isinstance(column.type, sa.Date):
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if isinstance(column.type, sa.Boolean | sa.Integer):
            return typed(column, value) if isinstance(column.type, sa.Boolean) else int(value)
    except (TypeError, ValueError):
        raise StoreError(opened.store.id, f"the new value of {table}.{column.name} does not fit the column's type "
                                          f"({column.type})") from None
    return value


def _restrict(run: _Run, conn: sa.Connection, opened: SqlStore, found: Found, out: StoreResult) -> None:
    for name in found.tables():
        spec = opened.spec(name)
        keys = list(found.keys[name])
        if spec.restriction and spec.restriction.column:
            table, pk = opened.tables[name], opened.pk(name)
            col = table.c[spec.restriction.column]
            n = 0
            for chunk in batched(keys, batch_size()):
                where = sa.and_(pk.in_(chunk), sa.not_(is_true(col)))
                n += conn.execute(sa.update(table).where(where).values({spec.restriction.column: True})).rowcount
            out.restricted[name] = n
        else:
            out.restricted[name] = len(keys)
            run.side_restrictions += [(opened.store.id, name, k, "restriction", None) for k in keys]


# --- HTTP and manual stores --------------------------------------------------------------------


def _http_store(run: _Run, store: Store) -> StoreResult:
    out = StoreResult(store.id, "http")
    assert store.http is not None
    operation = HTTP_OPERATION[run.kind]
    if operation not in store.http.operations:
        out.status = "skipped"
        out.note = f"the endpoint takes {', '.join(store.http.operations)}"
        return out
    if run.dry_run:
        out.status = "skipped"
        out.note = f"dry run: would send {operation!r}"
        return out
    key = http_connector.idempotency_key(run.request_ref or "", store.id, run.kind)
    payload: dict[str, Any] = {"request": run.request_ref, "identities": dict(run.identities), "dry_run": False}
    if run.kind == "rectification":
        payload["changes"] = {f"{t}.{f}": v for (t, f), v in run.changes.items()}
    if run.scope:
        payload["activities"] = sorted(run.scope & set(store.activities)) or sorted(run.scope)
    try:
        answer = http_connector.call(store, operation, payload, key)
    except StoreError as e:
        return _failed(run, out, e)
    out.notified = True
    out.attempts = answer.attempts
    if run.bundle is not None and "data" in answer.body:
        folder = run.bundle.folder / "data" / store.id
        folder.mkdir(parents=True, exist_ok=True)
        import json

        (folder / "response.json").write_text(json.dumps(answer.body["data"], ensure_ascii=False, indent=2),
                                              encoding="utf-8")
    if run.ledger is not None and run.run_id is not None:
        with run.ledger.begin() as conn:
            conn.execute(sa.insert(fulfilment_steps).values(
                run_id=run.run_id, request_ref=run.request_ref, store=store.id, table_name=None, action="notify",
                status="done", counts={"attempts": answer.attempts, "status": answer.status}, at=utcnow()))
    return out


def _manual_store(run: _Run, store: Store) -> StoreResult:
    out = StoreResult(store.id, "manual", status="waiting")
    if run.scope is not None and not (set(store.activities) & run.scope):
        out.status = "skipped"
        return out
    if run.ledger is None:
        out.instructions = store.instructions(run.lang) if store.instructions else None
        return out
    with run.ledger.begin() as conn:
        task = task_for(conn, store, run.kind, run.request_ref, run.lang)
        out.instructions = task.instructions
        out.status = task.status
        out.note = task.note
        if task.status == "waiting" and not run.dry_run and run.run_id is not None:
            conn.execute(sa.insert(fulfilment_steps).values(
                run_id=run.run_id, request_ref=run.request_ref, store=store.id, table_name=run.kind, action="manual",
                status="waiting", counts=None, at=utcnow()))
    return out


# --- the ledger: steps, settling an interrupted run, side tables ---------------------------------


def _counts(t: TableOutcome | None = None, **extra: Any) -> dict[str, Any]:
    if t is None:
        return extra
    return {"found": t.found, "deleted": t.deleted, "updated": t.updated, "fields": dict(t.fields),
            "kept": sum(k.rows for k in t.kept), "restricted": t.restricted}


def _write_steps(run: _Run, out: StoreResult, status: str) -> list[int]:
    if run.ledger is None or run.run_id is None:
        return []
    rows: list[dict[str, Any]] = []
    for t in out.tables:
        rows.append({"table_name": t.name, "counts": _counts(t)})
    for r in out.rectified:
        rows.append({"table_name": r.table, "counts": {"field": r.field, "rows": r.rows}})
    for name, n in out.restricted.items():
        rows.append({"table_name": name, "counts": {"restricted": n}})
    for e in out.exported:
        rows.append({"table_name": e.table, "counts": {"exported": e.rows}})
    if not rows:
        rows.append({"table_name": None, "counts": {"found": 0}})
    ids = []
    with run.ledger.begin() as conn:
        for row in rows:
            ids.append(conn.execute(sa.insert(fulfilment_steps).values(
                run_id=run.run_id, request_ref=run.request_ref, store=out.id, action=run.kind[:24], status=status,
                at=utcnow(), **row)).inserted_primary_key[0])
    return ids


def _mark_steps(run: _Run, ids: list[int], status: str) -> None:
    if run.ledger is None or not ids:
        return
    with run.ledger.begin() as conn:
        conn.execute(sa.update(fulfilment_steps).where(fulfilment_steps.c.id.in_(ids)).values(status=status))


def _drop_steps(run: _Run, ids: list[int]) -> None:
    _mark_steps(run, ids, "rolled_back")


def _settle_earlier(run: _Run, store_id: str, out: StoreResult) -> None:
    """Steps an earlier, killed run left `prepared`: if this run found nothing left to change in that
    table, the earlier commit went through (done); otherwise it did not (rolled_back)."""
    if run.ledger is None or not run.request_ref:
        return
    changed = {t.name: t.changed() for t in out.tables}
    changed.update({r.table: r.rows for r in out.rectified})
    changed.update(out.restricted)
    with run.ledger.begin() as conn:
        earlier = conn.execute(sa.select(fulfilment_steps.c.id, fulfilment_steps.c.table_name).where(
            fulfilment_steps.c.request_ref == run.request_ref, fulfilment_steps.c.store == store_id,
            fulfilment_steps.c.status == "prepared", fulfilment_steps.c.run_id != run.run_id)).all()
        for step_id, table in earlier:
            status = "done" if not changed.get(table or "", 0) else "rolled_back"
            conn.execute(sa.update(fulfilment_steps).where(fulfilment_steps.c.id == step_id).values(status=status))


def _earlier_totals(conn: sa.Connection, run: _Run) -> dict[str, int]:
    totals: dict[str, int] = {"deleted": 0, "updated": 0}
    rows = conn.execute(sa.select(fulfilment_steps.c.counts).where(
        fulfilment_steps.c.request_ref == run.request_ref, fulfilment_steps.c.status == "done",
        fulfilment_steps.c.action == run.kind[:24], fulfilment_steps.c.run_id != run.run_id)).all()
    for (counts,) in rows:
        for k in totals:
            totals[k] += int((counts or {}).get(k, 0) or 0)
    return totals


def _record_side_restrictions(conn: sa.Connection, run: _Run) -> None:
    """Rows restricted in Varuh's side table (tables without a flag column); idempotent."""
    if run.dry_run or not run.side_restrictions:
        return
    now = utcnow()
    by_table: dict[tuple[str, str, str], list[tuple[Any, dt.date | None]]] = {}
    for store, table, key, reason, until in run.side_restrictions:
        by_table.setdefault((store, table, reason), []).append((str(key), until))
    for (store, table, reason), items in by_table.items():
        keys = [k for k, _ in items]
        existing: set[str] = set()
        for chunk in batched(keys, 1000):
            existing.update(v for (v,) in conn.execute(sa.select(restrictions.c.row_key).where(
                restrictions.c.store == store, restrictions.c.table_name == table, restrictions.c.reason == reason,
                restrictions.c.row_key.in_(chunk))))
        new = [{"store": store, "table_name": table, "row_key": k, "request_ref": run.request_ref, "reason": reason,
                "until": until, "created_at": now} for k, until in items if k not in existing]
        if new:
            conn.execute(sa.insert(restrictions), new)


def _record_suppressions(conn: sa.Connection, run: _Run) -> None:
    """Objection and withdrawal: the subject's keyed-hash identities on the list for each activity."""
    if run.dry_run or not run.scope or run.kind not in ERASING or run.kind == "erasure":
        return
    now = utcnow()
    for activity in sorted(run.scope):
        for kind, value in ((k, v) for k, vs in run.identities.items() for v in _values(vs)):
            try:
                d = digest(kind, value, run.key)
            except InvalidInput:
                continue
            exists = conn.execute(sa.select(suppressions.c.id).where(
                suppressions.c.activity == activity, suppressions.c.kind == kind, suppressions.c.digest == d)).first()
            if not exists:
                conn.execute(sa.insert(suppressions).values(activity=activity, kind=kind, digest=d, reason=run.kind,
                                                            request_ref=run.request_ref, created_at=now))


def is_suppressed(conn: sa.Connection, activity: str, identities: Mapping[str, str], key: bytes) -> bool:
    """Whether processing for `activity` must stop for this person (GDPR Art. 21(3), 7(3))."""
    digests = []
    for kind, value in identities.items():
        try:
            digests.append((kind, digest(kind, value, key)))
        except InvalidInput:
            continue
    return any(conn.execute(sa.select(suppressions.c.id).where(
        suppressions.c.activity == activity, suppressions.c.kind == k, suppressions.c.digest == d)).first()
        for k, d in digests)


# --- the result ----------------------------------------------------------------------------------


def _summarise(run: _Run, result: FulfilmentResult) -> None:
    totals = {"found": 0, "deleted": 0, "updated": 0, "kept": 0, "restricted": 0, "exported": 0, "rectified": 0}
    touched: set[str] = set()
    specs = {(s.id, t.name): t for s in run.datamap.stores for t in s.tables}
    for s in result.stores:
        totals["found"] += sum(s.found.values())
        totals["exported"] += sum(e.rows for e in s.exported)
        totals["rectified"] += sum(r.rows for r in s.rectified)
        totals["restricted"] += sum(s.restricted.values())
        for t in s.tables:
            totals["deleted"] += t.deleted
            totals["updated"] += t.updated
            totals["restricted"] += t.restricted
            spec = specs[(s.id, t.name)]
            if t.deleted:
                touched.update(a for f in spec.fields for a in field_activities(f, spec))
                touched.update(spec.activities)
            touched.update(a for f in spec.fields if f.name in t.fields for a in field_activities(f, spec))
            for k in t.kept:
                totals["kept"] += k.rows
                result.kept.append(KeptItem(s.id, t.name, k.rows, k.fields, k.reason, k.reason_sl, k.article, k.rule,
                                            k.until))
        for r in s.rectified:
            spec = specs.get((s.id, r.table))
            if spec and r.rows:
                touched.update(a for f in spec.fields if f.name == r.field for a in field_activities(f, spec))
        for name in s.restricted:
            spec = specs.get((s.id, name))
            if spec and s.restricted[name]:
                touched.update(_table_activities(spec))
        if s.kind == "http" and s.notified:
            touched.update(run.datamap.store(s.id).activities)  # type: ignore[union-attr]
    result.totals = totals
    if run.kind in ERASING or run.kind in ("rectification", "restriction"):
        result.recipients = _recipients(run.model, touched)
    failed = [s for s in result.stores if s.status == "failed"]
    waiting = [s for s in result.stores if s.status == "waiting"]
    sql = [s for s in result.stores if s.kind == "sql"]
    if sql and len(failed) == len(result.stores):
        result.status = "failed"
    else:
        result.status = "partial" if failed or waiting else "done"
    for s in failed:
        result.messages.append(f"{s.error} — nothing was changed in that store; run the request again")
    for s in waiting:
        result.messages.append(f"store {s.id} needs an operator: {s.instructions or ''}".strip())
    if result.kept:
        result.messages.append("some data are kept because the law or a pending claim requires it "
                               "(GDPR Art. 17(3)); they are restricted and listed under 'kept'")


def _table_activities(spec: TableSpec) -> set[str]:
    return set(spec.activities) | {a for f in spec.fields for a in f.activities}


def _recipients(model: PrivacyModel, activities: set[str]) -> list[Recipient]:
    """GDPR Art. 19: the recipients to whom the data were disclosed are told of the erasure,
    rectification or restriction (unless impossible or disproportionate)."""
    ids: list[str] = []
    for a in model.activities:
        if a.id in activities:
            ids += [r for r in a.recipients if r not in ids]
    out = []
    for rid in ids:
        r = model.recipient(rid)
        if r is not None:
            out.append(Recipient(r.id, r.name("sl"), r.role.value))
    return out


def _finish_bundle(run: _Run, result: FulfilmentResult) -> None:
    assert run.bundle is not None
    used = sorted({a for s in run.datamap.stores for t in s.tables
                   for a in _table_activities(t)
                   if any(e.table == t.name for r in result.stores if r.id == s.id for e in r.exported)})
    others = [(s.name(run.lang) if s.name else s.id) for s in run.datamap.stores if s.kind != "sql"]
    context = {"request": run.request_ref, "type": run.kind, "portability": run.kind == "portability",
               "created": utcnow().isoformat(timespec="seconds"), "created_on": run.today,
               "activities": used, "other_stores": others}
    bundle: Bundle = run.bundle.finish(run.model, context, run.lang)
    info = BundleInfo(str(bundle.folder), str(bundle.zip), len(bundle.files))
    if run.ledger is not None:
        with run.ledger.begin() as conn:
            info.download_url, info.expires_at = create_download(conn, bundle.zip, run.request_ref)
    result.bundle = info


def _record_outcome(conn: sa.Connection, run: _Run, result: FulfilmentResult, actor: str) -> None:
    _record_side_restrictions(conn, run)
    _record_suppressions(conn, run)
    if run.request_ref and not run.dry_run:
        result.earlier = {k: v for k, v in _earlier_totals(conn, run).items() if v}
    summary = {s.id: {"status": s.status, **({"found": sum(s.found.values())} if s.found else {}),
                      **({"deleted": sum(t.deleted for t in s.tables), "updated": sum(t.updated for t in s.tables),
                          "kept": sum(k.rows for t in s.tables for k in t.kept)} if s.tables else {})}
               for s in result.stores}
    errors = "; ".join(f"{s.id}: {s.error}" for s in result.stores if s.error) or None
    conn.execute(sa.update(fulfilment_runs).where(fulfilment_runs.c.id == run.run_id).values(
        status=result.status, finished_at=utcnow(), summary=summary, error=errors))
    if not run.request_ref:  # a request's run is audited with its request step (fulfil_request)
        audit.record(conn, actor, f"fulfilment.{run.kind}", "fulfilment_run", result.run,
                     {"dry_run": run.dry_run, "status": result.status, "stores": summary})


def ensure_allowed(kind: str) -> None:
    if kind not in TYPES:
        raise NotAllowed(f"a {kind} request is not fulfilled in the stores (fulfilment handles {', '.join(TYPES)})")
