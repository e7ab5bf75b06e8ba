"""The request state machine: only lawful steps, each logged in the request's history and the audit chain.

    received ──► identity_check ──► in_progress ──► extended ──► completed
        │              │                 │              │
        └──────────────┴─────────────────┴──────────────┴──► refused / withdrawn

- received → identity_check: a verification link/code was sent, or the operator asked for more
  information because of reasonable doubt about the requester's identity (GDPR Art. 12(6)).
- received / identity_check → in_progress: identity confirmed (the subject used the link or code,
  or an operator verified it and wrote down how).
- in_progress → extended: the deadline is extended by the further period (GDPR Art. 12(3)): the
  reasons are recorded and the subject must be told within the first month, so an extension
  recorded after the first deadline is refused. A request whose identity is not confirmed cannot
  be extended: there is nothing to work on yet.
- in_progress / extended → completed: the answer was given. Only verified requests can be
  completed: no personal data leaves Varuh for an unverified request.
- any open state → refused: with a reason, always (Art. 12(4): reasons and remedies; Art. 12(5):
  manifestly unfounded or excessive; Art. 12(2) with Art. 11(2): the subject cannot be identified).
- any open state → withdrawn: the subject took the request back.

Other steps (notes, assignment, attachments, a fee, fulfilment steps) leave the state alone.
Every function takes the caller's connection, so the step, its history event and its audit entry
commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Row, insert, update

from varuh.errors import Conflict, InvalidInput, NotAllowed
from varuh.law.clock import ljubljana_date, utcnow
from varuh.law.deadlines import period_end, roll
from varuh.ledger import audit
from varuh.ledger.requests import request_events, requests
from varuh.model.periods import Period
from varuh.model.privacy import PrivacyModel
from varuh.requests.records import RequestRecord, request_row, to_record
from varuh.requests.types import OPEN, Status

S = Status


@dataclass(frozen=True)
class Step:
    """A transition: the states it may start from and the state it leads to."""

    sources: frozenset[Status]
    target: Status


TRANSITIONS: dict[str, Step] = {
    "send_verification": Step(frozenset({S.received, S.identity_check}), S.identity_check),
    "request_identification": Step(frozenset({S.received, S.identity_check}), S.identity_check),
    "verify": Step(frozenset({S.received, S.identity_check}), S.in_progress),
    "extend": Step(frozenset({S.in_progress}), S.extended),
    "complete": Step(frozenset({S.in_progress, S.extended}), S.completed),
    "refuse": Step(OPEN, S.refused),
    "withdraw": Step(OPEN, S.withdrawn),
}

REFUSAL_GROUNDS = {
    "manifestly_unfounded": "GDPR Art. 12(5)(b)",
    "excessive": "GDPR Art. 12(5)(b)",
    "identity": "GDPR Art. 11(2), 12(2)",
    "exemption": "GDPR Art. 23; ZVOP-2",
    "other": "GDPR Art. 12(4)",
}


def _sl(d: dt.date) -> str:
    return f"{d.day}. {d.month}. {d.year}"


def log_event(conn: Connection, row: Row, actor: str, action: str, *, now: dt.datetime,
              to_status: str | None = None, note: str | None = None, details: dict | None = None,
              audit_details: dict | None = None) -> None:
    """One line of the request's history, and one entry of the audit chain.

    The history may hold the operator's note (it stays with the request); the audit entry holds only
    who, what and which request, plus `audit_details`, which must never carry personal data.
    """
    conn.execute(insert(request_events).values(
        request_id=row.id, at=now, actor=actor, action=action, from_status=row.status if to_status else None,
        to_status=to_status, note=note, details=details))
    entry = {"type": row.type}
    if to_status:
        entry.update({"from": row.status, "to": to_status})
    entry.update(audit_details or {})
    audit.record(conn, actor, f"request.{action}", "request", row.ref, entry)


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{what} must not be empty")
    return text


def _step(conn: Connection, ref: str, action: str, actor: str, now: dt.datetime, *, note: str | None = None,
          details: dict | None = None, audit_details: dict | None = None, **values) -> Row:
    """Apply a transition: check it is lawful from the current state, update, log."""
    row = request_row(conn, ref, for_update=True)
    step = TRANSITIONS[action]
    if row.status not in step.sources:
        allowed = ", ".join(sorted(s.value for s in step.sources))
        raise Conflict(f"{row.ref} is {row.status}: '{action}' is allowed only from {allowed}")
    conn.execute(update(requests).where(requests.c.id == row.id)
                 .values(status=step.target.value, updated_at=now, **values))
    log_event(conn, row, actor, action, now=now, to_status=step.target.value, note=note, details=details,
              audit_details=audit_details)
    return row


def _record(conn: Connection, ref: str, today: dt.date) -> RequestRecord:
    return to_record(request_row(conn, ref), today)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or utcnow()


def verify_identity(conn: Connection, ref: str, actor: str, note: str, *, now: dt.datetime | None = None,
                    method: str = "operator") -> RequestRecord:
    """Confirm the requester's identity (an operator with a note on how, or the subject by link/code)."""
    now = _now(now)
    note = _text(note, "the verification note (how the identity was confirmed)")
    _step(conn, ref, "verify", actor, now, note=note, audit_details={"method": method},
          verified_at=now, verified_by=actor if method == "operator" else method)
    return _record(conn, ref, ljubljana_date(now))


def request_identification(conn: Connection, ref: str, actor: str, note: str, *,
                           now: dt.datetime | None = None) -> RequestRecord:
    """GDPR Art. 12(6): reasonable doubt about identity; ask for the information needed to confirm it.

    The note says what was asked for; the identification letter (`letters.render_letter(...,
    "identification")`) carries it to the subject.
    """
    now = _now(now)
    _step(conn, ref, "request_identification", actor, now,
          note=_text(note, "the note (what information is asked for)"))
    return _record(conn, ref, ljubljana_date(now))


def extended_deadline(row: Row | RequestRecord) -> dt.date:
    """Three months from receipt (one plus the further two, GDPR Art. 12(3)), rolled (Reg. 1182/71 Art. 3(4))."""
    received = row.received_on if isinstance(row, Row) else row.received
    first = Period.parse(row.deadline_period)
    further = Period.parse(row.extension_period)
    total = Period(years=first.years + further.years, months=first.months + further.months,
                   weeks=first.weeks + further.weeks, days=first.days + further.days)
    return roll(period_end(received, total))[0]


def extend_request(conn: Connection, ref: str, actor: str, reason: str, *, today: dt.date,
                   now: dt.datetime | None = None) -> RequestRecord:
    """Extend the deadline by the further period, with reasons (GDPR Art. 12(3)).

    The subject must be informed of the extension and its reasons within one month of receipt,
    so the extension is recorded on or before the first deadline; `today` after it is a Conflict.
    """
    now = _now(now)
    reason = _text(reason, "the reason for the extension (GDPR Art. 12(3))")
    row = request_row(conn, ref)
    if row.status not in OPEN:
        raise Conflict(f"{row.ref} is {row.status}: a closed request cannot be extended")
    if row.extension_period is None:
        raise Conflict(f"{row.ref}: a {row.type} request has a fixed deadline and cannot be extended")
    if today > row.due:
        raise Conflict(f"{row.ref}: too late to extend: the subject must be told of an extension by the first "
                       f"deadline, {_sl(row.due)} (GDPR Art. 12(3)); today is {_sl(today)}")
    new_due = extended_deadline(row)
    _step(conn, ref, "extend", actor, now, note=reason, details={"extended_due": new_due.isoformat()},
          audit_details={"extended_due": new_due.isoformat()}, extended_due=new_due, extension_reason=reason)
    return _record(conn, ref, today)


def refuse_request(conn: Connection, ref: str, actor: str, reason: str, *, ground: str = "manifestly_unfounded",
                   now: dt.datetime | None = None) -> RequestRecord:
    """Refuse, always with reasons (GDPR Art. 12(4)); the refusal letter names the remedies."""
    now = _now(now)
    reason = _text(reason, "the reason for the refusal (GDPR Art. 12(4))")
    if ground not in REFUSAL_GROUNDS:
        raise InvalidInput(f"unknown refusal ground {ground!r}; use one of {', '.join(REFUSAL_GROUNDS)}")
    today = ljubljana_date(now)
    _step(conn, ref, "refuse", actor, now, note=reason, details={"ground": ground},
          audit_details={"ground": ground}, refusal_reason=reason, closed_at=now, closed_on=today)
    return _record(conn, ref, today)


def complete_request(conn: Connection, ref: str, actor: str, note: str | None = None, *,
                     now: dt.datetime | None = None) -> RequestRecord:
    """The answer was given. A completion after the deadline is allowed but marked late."""
    now = _now(now)
    today = ljubljana_date(now)
    row = request_row(conn, ref)
    if row.status in (S.received, S.identity_check):
        raise Conflict(f"{row.ref}: the requester's identity is not confirmed: verify it before completing "
                       "(no personal data leaves Varuh for an unverified request)")
    deadline = row.extended_due or row.due
    late = today > deadline
    _step(conn, ref, "complete", actor, now, note=(note or "").strip() or None, details={"late": late},
          audit_details={"late": late}, closed_at=now, closed_on=today)
    return _record(conn, ref, today)


def withdraw_request(conn: Connection, ref: str, actor: str, note: str | None = None, *,
                     now: dt.datetime | None = None) -> RequestRecord:
    """The subject withdrew the request."""
    now = _now(now)
    today = ljubljana_date(now)
    _step(conn, ref, "withdraw", actor, now, note=(note or "").strip() or None, closed_at=now, closed_on=today)
    return _record(conn, ref, today)


def mark_verification_sent(conn: Connection, ref: str, actor: str, *, now: dt.datetime) -> None:
    """A verification link and code went out (the state moves to identity_check)."""
    _step(conn, ref, "send_verification", actor, now)


# --- steps that keep the state ------------------------------------------------------------------


def record_step(conn: Connection, ref: str, actor: str, action: str, note: str | None = None, *,
                details: dict | None = None, audit_details: dict | None = None,
                now: dt.datetime | None = None) -> RequestRecord:
    """Log a step that does not change the state (a note, a fulfilment task, a letter sent).

    For fulfilment: `record_step(conn, "Z-2025-0001", "operator:ana", "fulfil.export", details={"store":
    "shop", "rows": 3})`. `details` stay in the request's history; `audit_details` go to the audit
    chain and must never hold personal data.
    """
    now = _now(now)
    if not action or len(action) > 40:
        raise InvalidInput("a step needs a short action name (at most 40 characters)")
    row = request_row(conn, ref, for_update=True)
    conn.execute(update(requests).where(requests.c.id == row.id).values(updated_at=now))
    log_event(conn, row, actor, action, now=now, note=note, details=details, audit_details=audit_details)
    return _record(conn, ref, ljubljana_date(now))


def add_note(conn: Connection, ref: str, actor: str, note: str, *, now: dt.datetime | None = None) -> RequestRecord:
    return record_step(conn, ref, actor, "note", _text(note, "the note"), now=now)


def assign_request(conn: Connection, ref: str, actor: str, assignee: str, *,
                   now: dt.datetime | None = None) -> RequestRecord:
    """Give the request to an operator (reminders go to them)."""
    now = _now(now)
    assignee = _text(assignee, "the assignee")
    row = request_row(conn, ref, for_update=True)
    conn.execute(update(requests).where(requests.c.id == row.id).values(assignee=assignee, updated_at=now))
    log_event(conn, row, actor, "assign", now=now, details={"assignee": assignee},
              audit_details={"assignee": assignee})
    return _record(conn, ref, ljubljana_date(now))


def charge_fee(conn: Connection, model: PrivacyModel, ref: str, actor: str, amount: str, reason: str, *,
               now: dt.datetime | None = None) -> RequestRecord:
    """A reasonable fee for a manifestly unfounded or excessive request, or further copies.

    GDPR Art. 12(5)(a) and Art. 15(3): only where the organisation's policy provides for one
    (the model's `rights.fee`).
    """
    now = _now(now)
    if model.rights.fee is None:
        raise NotAllowed("the model declares no fee (rights.fee): no fee can be charged")
    amount = _text(amount, "the fee amount")
    reason = _text(reason, "the reason for the fee (GDPR Art. 12(5))")
    row = request_row(conn, ref, for_update=True)
    if row.status not in OPEN:
        raise Conflict(f"{row.ref} is {row.status}: no fee on a closed request")
    conn.execute(update(requests).where(requests.c.id == row.id).values(fee=amount, updated_at=now))
    log_event(conn, row, actor, "fee", now=now, note=reason, details={"amount": amount},
              audit_details={"amount": amount})
    return _record(conn, ref, ljubljana_date(now))


def require_verified(record: RequestRecord) -> None:
    """Raise unless the requester's identity is confirmed: fulfilment calls this before it reads or
    changes anything in the organisation's stores."""
    if not record.verified or record.status in (S.received, S.identity_check):
        raise NotAllowed(f"{record.id}: the requester's identity is not confirmed; no personal data is "
                         "disclosed or changed for an unverified request")
    if record.status not in OPEN and record.status != S.completed:
        raise Conflict(f"{record.id} is {record.status}")
