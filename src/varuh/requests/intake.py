"""Opening a request: from an operator (letters, e-mails, calls, visits) or from the public form and API.

The deadline is fixed at intake from the receipt date in Ljubljana and the model's `rights`
(GDPR Art. 12(3): one month, extendable by two further months; a declared procedure such as an
internal appeal by its own working days; a promise to honour objections to direct marketing
sooner). The subject is found or created by keyed hash of their identities (`ensure_subject`);
the request row keeps the contact address in plain form because Varuh must answer it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from varuh.errors import InvalidInput
from varuh.law.clock import LJUBLJANA, ljubljana_date, utcnow
from varuh.law.deadlines import period_end, procedure_deadline, receipt_date, roll
from varuh.ledger.db import savepoint
from varuh.ledger.requests import requests
from varuh.ledger.subjects import IDENTITY_KINDS, ensure_subject, normalise
from varuh.model.privacy import PrivacyModel
from varuh.requests import throttle, verification, workflow
from varuh.requests.records import RequestRecord, request_row, to_record
from varuh.requests.types import ChannelKind, RequestType, Status

LANGS = ("sl", "en")


@dataclass(frozen=True)
class DeadlineRule:
    due: dt.date
    deadline_period: str  # "P1M", "P30D", or "5WD" (working days)
    extension_period: str | None  # "P2M"; None where the deadline cannot be extended
    procedure: str | None = None


def _choice(value: str, enum, what: str) -> str:
    try:
        return enum(value.strip().lower().replace("-", "_")).value
    except (ValueError, AttributeError):
        raise InvalidInput(f"unknown {what} {value!r}; use one of {', '.join(e.value for e in enum)}") from None


def deadline_rule(model: PrivacyModel, kind: str, received_on: dt.date, procedure: str | None = None) -> DeadlineRule:
    """The deadline a request of `kind` received on `received_on` gets under the model's rights."""
    rights = model.rights
    if kind == RequestType.appeal:
        if not rights.procedures:
            raise InvalidInput("the model declares no procedure (rights.procedures): an appeal cannot be recorded")
        chosen = next((p for p in rights.procedures if p.id == procedure), None) if procedure else rights.procedures[0]
        if chosen is None:
            ids = ", ".join(p.id for p in rights.procedures)
            raise InvalidInput(f"unknown procedure {procedure!r}; the model declares {ids}")
        if chosen.decide_within_working_days is not None:
            due = procedure_deadline(received_on, working_days=chosen.decide_within_working_days)
            return DeadlineRule(due, f"{chosen.decide_within_working_days}WD", None, chosen.id)
        period = chosen.decide_within or rights.deadline
        return DeadlineRule(procedure_deadline(received_on, period=period), period.iso(), None, chosen.id)
    due = roll(period_end(received_on, rights.deadline))[0]
    promise = rights.marketing_objection_within
    if kind == RequestType.objection_marketing and promise is not None:
        promised = roll(period_end(received_on, promise))[0]
        if promised < due:  # the organisation promised more than the law asks: hold it to that
            return DeadlineRule(promised, promise.iso(), None)
    return DeadlineRule(due, rights.deadline.iso(), rights.extension.iso())


def next_ref(conn: Connection, year: int) -> str:
    """Z-2025-0001, Z-2025-0002, … numbered per year of receipt (Z for zahteva)."""
    prefix = f"Z-{year}-"
    last = conn.execute(select(requests.c.ref).where(requests.c.ref.like(prefix + "%"))
                        .order_by(func.length(requests.c.ref).desc(), requests.c.ref.desc()).limit(1)).scalar()
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _received_instant(received: dt.date | dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if received is None:
        return now
    if isinstance(received, dt.datetime):
        return received if received.tzinfo else received.replace(tzinfo=LJUBLJANA)
    # a date alone (a letter stamped on arrival): the start of that day in Ljubljana
    return dt.datetime.combine(received, dt.time(0), tzinfo=LJUBLJANA)


def open_request(conn: Connection, model: PrivacyModel, key: bytes, *, type: str, email: str,
                 actor: str, channel: str = "email", received: dt.date | dt.datetime | None = None,
                 lang: str = "sl", name: str | None = None, details: str | None = None,
                 identities: Mapping[str, str] | None = None, procedure: str | None = None,
                 assignee: str | None = None, today: dt.date | None = None,
                 now: dt.datetime | None = None) -> RequestRecord:
    """Record a request and fix its deadline. `received` is when it reached the organisation
    (entered by the operator for letters); it may not lie in the future."""
    now = now or utcnow()
    kind = _choice(type, RequestType, "request type")
    channel = _choice(channel, ChannelKind, "channel")
    if lang not in LANGS:
        raise InvalidInput(f"language {lang!r}: use sl or en")
    ids = {"email": normalise("email", email or "")}
    for k, v in (identities or {}).items():
        if k not in IDENTITY_KINDS:
            raise InvalidInput(f"unknown identity kind {k!r}; use one of {', '.join(IDENTITY_KINDS)}")
        if v and k != "email":
            ids[k] = normalise(k, v)
    received_at = _received_instant(received, now)
    received_on = receipt_date(received_at)
    today = today or ljubljana_date(now)
    if received_on > today:
        raise InvalidInput(f"the receipt date {received_on.isoformat()} is in the future")
    rule = deadline_rule(model, kind, received_on, procedure)
    subject_id, subject_ref = ensure_subject(conn, ids, key)
    values = dict(
        type=kind, procedure=rule.procedure, status=Status.received.value, channel=channel, lang=lang,
        subject_id=subject_id, subject_ref=subject_ref, email=ids["email"], identities=ids,
        name=(name or "").strip() or None, details=(details or "").strip() or None,
        received_at=received_at.astimezone(dt.UTC), received_on=received_on, due=rule.due,
        deadline_period=rule.deadline_period, extension_period=rule.extension_period,
        assignee=(assignee or "").strip() or None, created_at=now, updated_at=now,
    )
    for _ in range(5):  # two writers may take the same number; the unique ref decides, the loser retries
        ref = next_ref(conn, received_on.year)
        try:
            with savepoint(conn):
                conn.execute(insert(requests).values(ref=ref, **values))
            break
        except IntegrityError:
            continue
    else:
        raise InvalidInput("could not number the request; please try again")
    row = request_row(conn, ref)
    workflow.log_event(conn, row, actor, "open", now=now,
                       details={"channel": channel, "due": rule.due.isoformat()},
                       audit_details={"channel": channel, "due": rule.due.isoformat(), "subject": subject_ref})
    return to_record(row, today)


@dataclass
class Submitted:
    """What the public sees after submitting: the id and that a confirmation is on its way, nothing else."""

    id: str
    status: str
    received: dt.date
    due: dt.date
    verification_sent: bool


def submit_request(engine: Engine, model: PrivacyModel, key: bytes, *, type: str, email: str, ip: str | None,
                   base_url: str, mailer: verification.Mailer, lang: str = "sl", name: str | None = None,
                   details: str | None = None, channel: str = "web_form", now: dt.datetime | None = None,
                   today: dt.date | None = None) -> Submitted:
    """A request from the public form or the API: rate-limited, recorded, then a verification link mailed.

    Rate limits apply per client address and per e-mail address (VARUH_REQUEST_LIMIT_*); a request
    over the limit is refused whole, nothing recorded. The answer says nothing about whether the
    organisation holds data on the address given.
    """
    now = now or utcnow()
    # received now; unless the service's clock is moved (VARUH_TODAY), then on that day
    received = now if today is None or today == ljubljana_date(now) else today
    with engine.begin() as conn:
        throttle.take_intake(conn, key, ip, email or "", now)
        record = open_request(conn, model, key, type=type, email=email, actor="subject:web", channel=channel,
                              received=received, lang=lang, name=name, details=details, today=today, now=now)
    sent = verification.send_challenge(engine, key, model, record.id, "system", base_url=base_url,
                                       mailer=mailer, now=now)
    return Submitted(record.id, Status.identity_check.value, record.received, record.due, sent)
