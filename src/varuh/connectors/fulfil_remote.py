"""Fulfilment in HTTP and manual stores: a signed call to the organisation's endpoint, or a task.

An HTTP store gets the request type's operation (`HTTP_OPERATION`) with an idempotency key fixed per
request, store and type, so a rerun never does the work twice (connectors.http); a dry run sends
nothing. A manual store gets a task with its instructions and waits for an operator's
confirmation (connectors.manual); for an objection or withdrawal only when it serves an activity
in the scope.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from varuh.connectors import http as http_connector
from varuh.connectors.fulfil_context import HTTP_OPERATION, Run
from varuh.connectors.fulfil_ledger import add_step, failed
from varuh.connectors.fulfil_result import StoreResult
from varuh.connectors.manual import task_for
from varuh.errors import StoreError
from varuh.law.clock import utcnow
from varuh.ledger.fulfilment import fulfilment_steps
from varuh.model.datasets import Store


def http_store(run: Run, store: Store) -> StoreResult:
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
        return failed(run, out, e)
    out.notified = True
    out.attempts = answer.attempts
    if run.bundle is not None and "data" in answer.body:
        folder = run.bundle.folder / "data" / store.id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "response.json").write_text(json.dumps(answer.body["data"], ensure_ascii=False, indent=2),
                                              encoding="utf-8")
    if run.ledger is not None and run.run_id is not None:
        add_step(run, store.id, table=None, action="notify", status="done",
                 counts={"attempts": answer.attempts, "status": answer.status})
    return out


def manual_store(run: Run, store: Store) -> StoreResult:
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
