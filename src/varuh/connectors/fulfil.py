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

The parts: fulfil_context.py (request types, inputs, the run's shared context), fulfil_sql.py
(SQL stores: walk.py, erasure.py, bundle.py), fulfil_remote.py (HTTP and manual stores),
fulfil_ledger.py (runs, steps, settling an interrupted run, suppressions, side restrictions),
fulfil_summary.py (totals, recipients, the bundle's report), fulfil_result.py (what is returned).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from varuh.connectors.bundle import BundleWriter
from varuh.connectors.fulfil_context import (
    ERASING,
    HTTP_OPERATION,
    TYPES,
    Hook,
    Run,
    clean_identities,
    ensure_allowed,
    parse_changes,
    scope_of,
)
from varuh.connectors.fulfil_ledger import is_suppressed, record_outcome, start_run
from varuh.connectors.fulfil_remote import http_store, manual_store
from varuh.connectors.fulfil_result import (
    BundleInfo,
    Exported,
    FulfilmentResult,
    KeptItem,
    Recipient,
    Rectified,
    StoreResult,
)
from varuh.connectors.fulfil_sql import sql_store
from varuh.connectors.fulfil_summary import finish_bundle, summarise
from varuh.errors import InvalidInput
from varuh.model.datasets import DataMap
from varuh.model.privacy import PrivacyModel

__all__ = ["ERASING", "HTTP_OPERATION", "TYPES", "BundleInfo", "Exported", "FulfilmentResult", "Hook", "KeptItem",
           "Recipient", "Rectified", "StoreResult", "ensure_allowed", "fulfil", "is_suppressed"]


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
    ids = clean_identities(identities)
    if not ids:
        raise InvalidInput("no identity to search by (e-mail, phone, user id)")
    run = Run(model, datamap, Path(here), request_type, ids, dry_run, today, key, ledger, request_ref, lang,
               parse_changes(datamap, request_type, changes), scope_of(model, request_type, activities), hook)
    result = FulfilmentResult("F-" + secrets.token_hex(5), request_ref, request_type, dry_run, today)
    if ledger is not None:
        start_run(run, result.run, actor)
    if request_type in ("access", "portability"):
        run.bundle = BundleWriter(f"{request_ref or result.run}-{request_type}")
    for store in datamap.stores:
        if store.kind == "sql":
            outcome = sql_store(run, store)
        elif store.kind == "http":
            outcome = http_store(run, store)
        else:
            outcome = manual_store(run, store)
        result.stores.append(outcome)
    summarise(run, result)
    if run.bundle is not None:
        finish_bundle(run, result)
    if request_type in ERASING and request_type != "erasure" and run.scope:
        result.suppressed = sorted(run.scope)
    if ledger is not None:
        with ledger.begin() as conn:
            record_outcome(conn, run, result, actor)
    if before_after is not None:
        before_after += run.before_after
    return result
