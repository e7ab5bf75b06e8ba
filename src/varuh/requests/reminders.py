"""Reminders: an e-mail to whoever handles a request some working days before its deadline.

Sent when today is on or after the working day VARUH_REMINDER_DAYS working days before the
deadline in force (the extended one once extended), overdue requests included. Once per request
and deadline: an extension sets a new deadline and so earns a new reminder; running the command
twice on one day sends nothing the second time (the unique (request, deadline) row decides).

Who: the assignee when they are an operator with an address (or an address themselves), else
the DPO, else the organisation's contact address. The message names the request id, type and
deadline, never the subject.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from varuh.law.clock import utcnow
from varuh.law.workdays import subtract_working_days
from varuh.ledger import audit
from varuh.ledger.db import savepoint
from varuh.ledger.requests import request_reminders, requests
from varuh.ledger.tables import operators
from varuh.model.privacy import PrivacyModel
from varuh.requests.letters import render_text
from varuh.requests.records import list_requests
from varuh.requests.verification import Mailer


@dataclass
class Reminder:
    id: str
    deadline: dt.date
    overdue: bool
    sent_to: str  # the operator's name, or "dpo" / "organisation": never an address


def _recipient(conn, model: PrivacyModel, assignee: str | None) -> tuple[str, str] | None:
    """(label for the ledger, address) of the person to remind."""
    if assignee:
        if "@" in assignee:
            return "assignee", assignee
        email = conn.execute(select(operators.c.email).where(operators.c.name == assignee)).scalar()
        if email:
            return assignee, email
    org = model.organisation
    if org.dpo and org.dpo.email:
        return "dpo", org.dpo.email
    if org.contact.email:
        return "organisation", org.contact.email
    return None


def due_for_reminder(deadline: dt.date, today: dt.date, days: int) -> bool:
    return today >= subtract_working_days(deadline, days)


def send_reminders(engine: Engine, model: PrivacyModel, today: dt.date, mailer: Mailer, *, days: int,
                   now: dt.datetime | None = None) -> list[Reminder]:
    """Send the reminders due as of `today`; returns those sent now (idempotent)."""
    from varuh import mail

    now = now or utcnow()
    with engine.connect() as conn:
        candidates = [r for r in list_requests(conn, today) if due_for_reminder(r.deadline, today, days)]
    sent: list[Reminder] = []
    for record in candidates:
        with engine.begin() as conn:  # one transaction per reminder: a failed mail is retried next run
            to = _recipient(conn, model, record.assignee)
            if to is None:
                continue
            label, address = to
            try:
                with savepoint(conn):
                    conn.execute(insert(request_reminders).values(
                        request_id=record.pk, deadline=record.deadline, sent_at=now, sent_to=label))
            except IntegrityError:
                continue  # already reminded for this deadline
            text = render_text("reminder_email.txt.j2", model, record, "sl", days=(record.deadline - today).days)
            flag = "ZAMUJENO / OVERDUE: " if record.overdue else ""
            mailer(mail.build(address, f"{flag}Varuh: {record.id} rok / due {record.deadline.isoformat()}", text))
            audit.record(conn, "system", "request.reminder", "request", record.id,
                         {"deadline": record.deadline.isoformat(), "to": label, "overdue": record.overdue})
            sent.append(Reminder(record.id, record.deadline, record.overdue, label))
    return sent


def reminded(engine: Engine, ref: str) -> list[dt.date]:
    """The deadlines a request was already reminded of."""
    with engine.connect() as conn:
        return list(conn.execute(select(request_reminders.c.deadline).join(requests)
                                 .where(requests.c.ref == ref).order_by(request_reminders.c.deadline)).scalars())
