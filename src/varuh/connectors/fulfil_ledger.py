"""A fulfilment run's bookkeeping in the ledger: the run, its steps, and settling an interrupted run.

A store's steps are written `prepared` (with the counts about to be committed) before the store
commits and `done` after; a run killed in between leaves them `prepared`, and the next run of the
same request settles them (`settle_earlier`): done when nothing was left to change in that table
(the earlier commit went through), else rolled back. So no erasure goes unrecorded and none is
counted twice. Also here: the side table of restricted rows, the suppression list (keyed hashes
of identities, GDPR Art. 21(3), 7(3)) and the run's closing record in the audit chain.
Counts and ids only, never the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from varuh.connectors.bundle import purge_expired
from varuh.connectors.erasure import TableOutcome
from varuh.connectors.fulfil_context import ERASING, Run, identity_values_of
from varuh.connectors.fulfil_result import FulfilmentResult, StoreResult
from varuh.connectors.sql import batched
from varuh.errors import InvalidInput, StoreError
from varuh.law.clock import utcnow
from varuh.ledger import audit
from varuh.ledger.fulfilment import fulfilment_runs, fulfilment_steps, restrictions, suppressions
from varuh.ledger.subjects import digest


def start_run(run: Run, ref: str, actor: str) -> None:
    """The run's row (status `running`); its id goes into every step."""
    assert run.ledger is not None
    with run.ledger.begin() as conn:
        run.run_id = conn.execute(sa.insert(fulfilment_runs).values(
            ref=ref, request_ref=run.request_ref, request_type=run.kind, dry_run=run.dry_run,
            status="running", actor=actor, started_at=utcnow())).inserted_primary_key[0]
        if run.kind in ("access", "portability"):
            purge_expired(conn)


def add_step(run: Run, store: str, *, table: str | None, action: str, status: str,
             counts: dict[str, Any] | None = None, note: str | None = None) -> None:
    """One step that needs no settling (a failure, an HTTP notice, a manual task)."""
    assert run.ledger is not None
    with run.ledger.begin() as conn:
        conn.execute(sa.insert(fulfilment_steps).values(
            run_id=run.run_id, request_ref=run.request_ref, store=store, table_name=table, action=action,
            status=status, counts=counts, at=utcnow(), note=note))


def failed(run: Run, out: StoreResult, error: StoreError) -> StoreResult:
    out.status = "failed"
    out.error = error.message
    out.tables, out.exported, out.rectified, out.restricted = [], [], [], {}
    if run.ledger is not None and run.run_id is not None and not run.dry_run:
        add_step(run, out.id, table=None, action=run.kind[:24], status="failed", note=error.message)
    return out


def step_counts(t: TableOutcome | None = None, **extra: Any) -> dict[str, Any]:
    if t is None:
        return extra
    return {"found": t.found, "deleted": t.deleted, "updated": t.updated, "fields": dict(t.fields),
            "kept": sum(k.rows for k in t.kept), "restricted": t.restricted}


def write_steps(run: Run, out: StoreResult, status: str) -> list[int]:
    if run.ledger is None or run.run_id is None:
        return []
    rows: list[dict[str, Any]] = []
    for t in out.tables:
        rows.append({"table_name": t.name, "counts": step_counts(t)})
    for r in out.rectified:
        rows.append({"table_name": r.table, "counts": {"field": r.field, "rows": r.rows}})
    for name, n in out.restricted.items():
        rows.append({"table_name": name, "counts": {"restricted": n}})
    for e in out.exported:
        rows.append({"table_name": e.table, "counts": {"exported": e.rows}})
    if not rows:
        rows.append({"table_name": None, "counts": {"found": 0}})
    now = utcnow()
    rows = [{"run_id": run.run_id, "request_ref": run.request_ref, "store": out.id, "action": run.kind[:24],
             "status": status, "at": now, **row} for row in rows]
    with run.ledger.begin() as conn:
        if conn.dialect.insert_executemany_returning:  # one statement for all of the store's steps
            return list(conn.execute(sa.insert(fulfilment_steps).returning(fulfilment_steps.c.id), rows).scalars())
        return [conn.execute(sa.insert(fulfilment_steps).values(**row)).inserted_primary_key[0] for row in rows]


def mark_steps(run: Run, ids: list[int], status: str) -> None:
    if run.ledger is None or not ids:
        return
    with run.ledger.begin() as conn:
        conn.execute(sa.update(fulfilment_steps).where(fulfilment_steps.c.id.in_(ids)).values(status=status))


def drop_steps(run: Run, ids: list[int]) -> None:
    mark_steps(run, ids, "rolled_back")


def settle_earlier(run: Run, store_id: str, out: StoreResult) -> None:
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


def earlier_totals(conn: sa.Connection, run: Run) -> dict[str, int]:
    totals: dict[str, int] = {"deleted": 0, "updated": 0}
    rows = conn.execute(sa.select(fulfilment_steps.c.counts).where(
        fulfilment_steps.c.request_ref == run.request_ref, fulfilment_steps.c.status == "done",
        fulfilment_steps.c.action == run.kind[:24], fulfilment_steps.c.run_id != run.run_id)).all()
    for (counts,) in rows:
        for k in totals:
            totals[k] += int((counts or {}).get(k, 0) or 0)
    return totals


def record_side_restrictions(conn: sa.Connection, run: Run) -> None:
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


def record_suppressions(conn: sa.Connection, run: Run) -> None:
    """Objection and withdrawal: the subject's keyed-hash identities on the list for each activity."""
    if run.dry_run or not run.scope or run.kind not in ERASING or run.kind == "erasure":
        return
    now = utcnow()
    for activity in sorted(run.scope):
        for kind, value in ((k, v) for k, vs in run.identities.items() for v in identity_values_of(vs)):
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


def record_outcome(conn: sa.Connection, run: Run, result: FulfilmentResult, actor: str) -> None:
    record_side_restrictions(conn, run)
    record_suppressions(conn, run)
    if run.request_ref and not run.dry_run:
        result.earlier = {k: v for k, v in earlier_totals(conn, run).items() if v}
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
