"""Manual tasks: where Varuh cannot reach (a paper archive, a SaaS without an API), an operator
does the work by the store's instructions and confirms it; the request shows the task as waiting
until then.

A fulfilment run records one `waiting` step per manual store and request operation; `confirm_task`
records the operator's confirmation (`done`, with a note on what was done — never the data) in the
fulfilment steps, the request's history and the audit chain. A rerun of the fulfilment does not
reopen a confirmed task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from varuh.errors import InvalidInput, NotFound
from varuh.law.clock import utcnow
from varuh.ledger import audit
from varuh.ledger.fulfilment import fulfilment_runs, fulfilment_steps
from varuh.model.datasets import DataMap, Store


@dataclass
class ManualTask:
    store: str
    action: str
    status: str  # waiting, done
    instructions: str
    note: str | None = None
    confirmed_at: dt.datetime | None = None


def task_for(conn: sa.Connection, store: Store, action: str, request_ref: str | None, lang: str) -> ManualTask:
    """The task's state for this request: done if an operator confirmed it earlier."""
    instructions = store.instructions(lang) if store.instructions else ""
    if request_ref:
        row = conn.execute(
            sa.select(fulfilment_steps.c.note, fulfilment_steps.c.at)
            .where(fulfilment_steps.c.request_ref == request_ref, fulfilment_steps.c.store == store.id,
                   fulfilment_steps.c.action == "manual", fulfilment_steps.c.status == "done",
                   fulfilment_steps.c.table_name == action)
            .order_by(fulfilment_steps.c.id.desc())).first()
        if row:
            return ManualTask(store.id, action, "done", instructions, row.note, row.at)
    return ManualTask(store.id, action, "waiting", instructions)


def confirm_task(conn: sa.Connection, datamap: DataMap, request_ref: str, store_id: str, action: str,
                 actor: str, note: str, *, now: dt.datetime | None = None) -> ManualTask:
    """The operator confirms a manual store's task for a request (e.g. 'deleted in Mailchimp')."""
    store = datamap.store(store_id)
    if store is None or store.kind != "manual":
        manual = [s.id for s in datamap.stores if s.kind == "manual"]
        raise NotFound(f"no manual store {store_id!r}" + (f"; manual stores: {', '.join(manual)}" if manual else ""))
    note = (note or "").strip()
    if not note:
        raise InvalidInput("say what was done (--note): it stays with the request")
    now = now or utcnow()
    run = conn.execute(sa.select(fulfilment_runs.c.id).where(fulfilment_runs.c.request_ref == request_ref)
                       .order_by(fulfilment_runs.c.id.desc())).first()
    if run is None:
        raise NotFound(f"{request_ref}: no fulfilment run yet: run `varuh requests fulfil {request_ref}` first")
    conn.execute(sa.insert(fulfilment_steps).values(
        run_id=run.id, request_ref=request_ref, store=store.id, table_name=action, action="manual", status="done",
        counts=None, at=now, note=note))
    audit.record(conn, actor, "fulfilment.manual", "request", request_ref, {"store": store.id, "action": action})
    return ManualTask(store.id, action, "done", store.instructions("sl") if store.instructions else "", note, now)
