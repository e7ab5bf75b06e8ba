"""Reading requests: one request with its history, or a list filtered by what is due.

`RequestRecord` is what every surface shows and what fulfilment works from: the type, the status,
the subject's identities in plain form (the e-mail to search the stores and to reply to), and the
deadline as of a given day. `overdue` is computed, never stored, so "as of 1 March" is just a
different argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, Row, select

from varuh.errors import NotFound
from varuh.ledger.requests import request_attachments, request_events, requests
from varuh.requests.types import OPEN, VERIFIED, Status


@dataclass
class Event:
    at: dt.datetime
    actor: str
    action: str
    from_status: str | None = None
    to_status: str | None = None
    note: str | None = None
    details: dict | None = None


@dataclass
class Attachment:
    filename: str
    sha256: str
    size: int
    added_at: dt.datetime
    added_by: str
    stored_as: str


@dataclass
class RequestRecord:
    id: str  # the readable reference, Z-2025-0001
    type: str
    status: str
    channel: str
    lang: str
    received: dt.date  # the Ljubljana date the deadline counts from
    received_at: dt.datetime
    due: dt.date
    extended_due: dt.date | None
    deadline: dt.date  # the one in force: extended_due if extended, else due
    overdue: bool
    days_left: int | None  # calendar days to the deadline as of `as_of`; None once closed
    verified: bool
    subject_ref: str
    email: str | None
    identities: dict[str, str]
    as_of: dt.date
    name: str | None = None
    details: str | None = None
    procedure: str | None = None
    assignee: str | None = None
    fee: str | None = None
    extension_reason: str | None = None
    refusal_reason: str | None = None
    verified_at: dt.datetime | None = None
    verified_by: str | None = None
    closed_at: dt.datetime | None = None
    closed_on: dt.date | None = None
    late: bool = False  # closed after its deadline
    deadline_period: str = "P1M"
    extension_period: str | None = None
    pk: int = 0  # the row id, for other tables' foreign keys (fulfilment tasks)
    events: list[Event] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def to_record(row: Row, as_of: dt.date) -> RequestRecord:
    status = row.status
    deadline = row.extended_due or row.due
    is_open = status in OPEN
    return RequestRecord(
        id=row.ref, type=row.type, status=status, channel=row.channel, lang=row.lang,
        received=row.received_on, received_at=utc(row.received_at), due=row.due, extended_due=row.extended_due,
        deadline=deadline, overdue=is_open and as_of > deadline,
        days_left=(deadline - as_of).days if is_open else None,
        verified=status in VERIFIED or row.verified_at is not None,
        subject_ref=row.subject_ref, email=row.email, identities=dict(row.identities or {}), as_of=as_of,
        name=row.name, details=row.details, procedure=row.procedure, assignee=row.assignee, fee=row.fee,
        extension_reason=row.extension_reason, refusal_reason=row.refusal_reason,
        verified_at=utc(row.verified_at), verified_by=row.verified_by, closed_at=utc(row.closed_at),
        closed_on=row.closed_on, late=bool(row.closed_on and row.closed_on > deadline),
        deadline_period=row.deadline_period, extension_period=row.extension_period, pk=row.id,
    )


def request_row(conn: Connection, ref: str, for_update: bool = False) -> Row:
    query = select(requests).where(requests.c.ref == ref.strip().upper())
    if for_update and conn.dialect.name != "sqlite":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no request {ref!r}")
    return row


def get_request(conn: Connection, ref: str, as_of: dt.date, history: bool = True) -> RequestRecord:
    """One request with its events and attachments (NotFound if there is none)."""
    row = request_row(conn, ref)
    record = to_record(row, as_of)
    if history:
        record.events = [
            Event(at=utc(e.at), actor=e.actor, action=e.action, from_status=e.from_status, to_status=e.to_status,
                  note=e.note, details=e.details)
            for e in conn.execute(select(request_events).where(request_events.c.request_id == row.id)
                                  .order_by(request_events.c.id))
        ]
        record.attachments = [
            Attachment(filename=a.filename, sha256=a.sha256, size=a.size, added_at=utc(a.added_at),
                       added_by=a.added_by, stored_as=a.stored_as)
            for a in conn.execute(select(request_attachments).where(request_attachments.c.request_id == row.id)
                                  .order_by(request_attachments.c.id))
        ]
    return record


def list_requests(conn: Connection, as_of: dt.date, *, overdue: bool = False, due_within: int | None = None,
                  include_closed: bool = False, status: str | None = None) -> list[RequestRecord]:
    """Requests as of a day, overdue ones first, then by the deadline in force.

    `due_within` days: open requests whose deadline is at most that many days after `as_of`
    (overdue ones included: they are due all the more).
    """
    query = select(requests)
    if status:
        query = query.where(requests.c.status == Status(status).value)
    elif not include_closed:
        query = query.where(requests.c.status.in_([s.value for s in OPEN]))
    records = [to_record(row, as_of) for row in conn.execute(query)]
    if overdue:
        records = [r for r in records if r.overdue]
    if due_within is not None:
        limit = as_of + dt.timedelta(days=due_within)
        records = [r for r in records if r.is_open and r.deadline <= limit]
    records.sort(key=lambda r: (not r.overdue, not r.is_open, r.deadline, r.id))
    return records
