"""Fulfilment of a recorded request: read it, check the identity was verified, run, record the step.

    fulfil_request(ledger, model, datamap, here, "Z-2025-0001", actor=…, today=…)  -> FulfilmentResult
    lift_restriction(ledger, model, datamap, here, "Z-2025-0001", actor=…)         -> LiftResult

The request's history gets one step per run (`fulfil.<type>` or `fulfil.dry_run`) with the counts,
and for a rectification the values before and after: the request record is the only place they
are kept (GDPR Art. 5(1)(c)); the audit chain gets counts only. No personal data leaves Varuh for
a request whose identity is not confirmed (`requests.require_verified`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from varuh import mail
from varuh.connectors.fulfil import TYPES, FulfilmentResult, Hook, fulfil
from varuh.connectors.sql import batched, is_true, open_sql_store
from varuh.connectors.walk import walk
from varuh.documents.wording import format_date
from varuh.errors import NotAllowed, StoreError
from varuh.law.clock import utcnow
from varuh.ledger import audit
from varuh.ledger.fulfilment import restrictions
from varuh.model.datasets import DataMap
from varuh.model.privacy import PrivacyModel
from varuh.requests import get_request, record_step, require_verified


def _identities(record) -> dict[str, str]:
    ids = {k: v for k, v in (record.identities or {}).items() if v}
    if record.email and "email" not in ids:
        ids["email"] = record.email
    return ids


def fulfil_request(ledger: sa.Engine, model: PrivacyModel, datamap: DataMap, here: str | Path, ref: str, *,
                   actor: str, today: dt.date, key: bytes, dry_run: bool = False,
                   changes: Mapping[str, Any] | None = None, activities: list[str] | None = None,
                   hook: Hook | None = None) -> FulfilmentResult:
    """Run the request's type over the stores and record what was done in its history."""
    with ledger.connect() as conn:
        record = get_request(conn, ref, today, history=False)
    require_verified(record)
    if record.type not in TYPES:
        raise NotAllowed(f"{record.id}: a {record.type} request is not fulfilled in the stores "
                         f"(fulfilment handles {', '.join(TYPES)})")
    before_after: list[dict[str, Any]] = []
    result = fulfil(model, datamap, here, record.type, _identities(record), dry_run=dry_run, today=today, key=key,
                    ledger=ledger, request_ref=record.id, actor=actor, lang=record.lang, changes=changes,
                    activities=activities, hook=hook, before_after=before_after)
    counts = {k: v for k, v in result.totals.items() if v}
    details: dict[str, Any] = {"run": result.run, "status": result.status, "dry_run": dry_run, "totals": counts,
                               "stores": {s.id: s.status for s in result.stores}}
    if result.bundle:
        details["bundle"] = {"zip": result.bundle.zip, "files": result.bundle.files,
                             "expires_at": result.bundle.expires_at.isoformat() if result.bundle.expires_at else None}
    if result.kept:
        details["kept"] = [{"store": k.store, "table": k.table, "rows": k.rows, "article": k.article, "rule": k.rule,
                            "until": k.until.isoformat() if k.until else None} for k in result.kept]
    if result.recipients:
        details["recipients"] = [r.id for r in result.recipients]
    if before_after and not dry_run:
        details["rectified"] = before_after  # before and after: the request record only
    audit_details = {"run": result.run, "dry_run": dry_run, "status": result.status, "totals": counts}
    with ledger.begin() as conn:
        record_step(conn, record.id, actor, "fulfil.dry_run" if dry_run else f"fulfil.{record.type}"[:40],
                    _note(result), details=details, audit_details=audit_details)
    return result


def _note(result: FulfilmentResult) -> str:
    t = result.totals
    parts = [f"{result.type}{' (dry run)' if result.dry_run else ''}: {result.status}"]
    for k in ("found", "exported", "deleted", "updated", "kept", "restricted", "rectified"):
        if t.get(k):
            parts.append(f"{k} {t[k]}")
    failed = [s.id for s in result.stores if s.status == "failed"]
    if failed:
        parts.append("failed: " + ", ".join(failed))
    return "; ".join(parts)


# --- lifting a restriction ---------------------------------------------------------------------


@dataclass
class LiftResult:
    request: str
    notified: str  # where the notice went (outbox file or 'smtp')
    lifted: dict[str, int] = field(default_factory=dict)  # store.table -> rows
    errors: list[str] = field(default_factory=list)


def lift_restriction(ledger: sa.Engine, model: PrivacyModel, datamap: DataMap, here: str | Path, ref: str, *,
                     actor: str, today: dt.date, send: Callable[[EmailMessage], str] = mail.send) -> LiftResult:
    """Lift a restriction, telling the subject first (GDPR Art. 18(3)): the notice is sent before
    any flag is cleared, so a failed notice leaves the restriction in place."""
    with ledger.connect() as conn:
        record = get_request(conn, ref, today, history=False)
    if record.type != "restriction":
        raise NotAllowed(f"{record.id} is a {record.type} request: only a restriction can be lifted")
    if not record.email:
        raise NotAllowed(f"{record.id}: no e-mail address to tell the subject before lifting (GDPR Art. 18(3))")
    where = send(_lift_notice(model, record.email, record.id, record.lang, today))
    out = LiftResult(record.id, where if where == "smtp" else str(where))
    ids = _identities(record)
    for store in datamap.stores:
        if store.kind != "sql":
            continue
        try:
            opened = open_sql_store(store, here)
            with opened.engine.begin() as conn:
                found = walk(conn, opened, ids)
                for name in found.tables():
                    spec = opened.spec(name)
                    if not (spec.restriction and spec.restriction.column):
                        continue
                    table, pk = opened.tables[name], opened.pk(name)
                    col = table.c[spec.restriction.column]
                    n = 0
                    for chunk in batched(list(found.keys[name]), 1000):
                        n += conn.execute(sa.update(table).where(pk.in_(chunk), is_true(col))
                                          .values({spec.restriction.column: False})).rowcount
                    if n:
                        out.lifted[f"{store.id}.{name}"] = n
        except StoreError as e:
            out.errors.append(e.message)
        except sa.exc.SQLAlchemyError as e:
            out.errors.append(opened.error(e).message)
    with ledger.begin() as conn:
        now = utcnow()
        rows = conn.execute(sa.update(restrictions).where(
            restrictions.c.request_ref == record.id, restrictions.c.reason == "restriction",
            restrictions.c.lifted_at.is_(None)).values(lifted_at=now)).rowcount
        if rows:
            out.lifted["side_table"] = rows
        record_step(conn, record.id, actor, "fulfil.lift_restriction", "restriction lifted; the subject was told first",
                    details={"lifted": out.lifted}, audit_details={"lifted": sum(out.lifted.values())})
        audit.record(conn, actor, "fulfilment.lift_restriction", "request", record.id, {"notified": True})
    return out


def _lift_notice(model: PrivacyModel, to: str, ref: str, lang: str, today: dt.date) -> EmailMessage:
    org = model.organisation.name
    if lang == "en":
        subject = f"{org}: the restriction of processing will be lifted ({ref})"
        text = (f"Dear Sir or Madam,\n\nas required by Article 18(3) GDPR, we inform you that the restriction of "
                f"processing of your personal data that you requested (request {ref}) is being lifted as of "
                f"{format_date(today, 'en')}.\n\nIf you disagree, please reply to this message.\n\n{org}\n")
    else:
        subject = f"{org}: omejitev obdelave bo odpravljena ({ref})"
        text = (f"Spoštovani,\n\nskladno s členom 18(3) Splošne uredbe o varstvu podatkov vas obveščamo, da z dnem "
                f"{format_date(today, 'sl')} odpravljamo omejitev obdelave vaših osebnih podatkov, ki ste jo "
                f"zahtevali (zahteva {ref}).\n\nČe se s tem ne strinjate, odgovorite na to sporočilo.\n\n{org}\n")
    return mail.build(to, subject, text)
