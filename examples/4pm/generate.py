"""Synthetic database of 4PM (Arctur d.o.o.), a project-management SaaS (seed 004).

Arctur is controller for its own relations and processor for what its customers enter:

  customers            customer companies: contact person, contract dates, licences, and the
                       retention period each customer set for its data (Art. 28(3)(g))
  trial_users          trial sign-ups; a trial that became a contract points to the customer
  invoices             invoices to customers
  usage_statistics     app usage per customer or trial
  event_registrants    webinar and event registrations
  contact_messages     the contact form
  newsletter           newsletter subscribers
  support_sessions     remote-support sessions (location, IP, chat transcript)
  customer_records     processor data: tasks and notes the customers' employees enter
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from varuh.connectors.synthetic import Ids, Synthetic, ascii_fold, history_start, midnight

metadata = sa.MetaData()
S = sa.String


def _t(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), *columns)


def _contact() -> list[sa.Column]:
    return [
        sa.Column("company", S(200)),
        sa.Column("name", S(200), nullable=False),
        sa.Column("email", S(254), nullable=False, index=True),
        sa.Column("phone", S(30), index=True),
    ]


customers = _t(
    "customers",
    *_contact(),
    sa.Column("licences", sa.Integer, nullable=False),
    sa.Column("contract_started_at", sa.DateTime, nullable=False),
    sa.Column("contract_ended_at", sa.DateTime, index=True),
    sa.Column("retention_days", sa.Integer),
)  # set by the customer; null: the default
trial_users = _t(
    "trial_users",
    *_contact(),
    sa.Column("trial_started_at", sa.DateTime, nullable=False),
    sa.Column("trial_ended_at", sa.DateTime, index=True),
    sa.Column("customer_id", sa.Integer, index=True),
)  # set when a contract was concluded
invoices = _t(
    "invoices",
    sa.Column("customer_id", sa.Integer, nullable=False, index=True),
    sa.Column("company", S(200), nullable=False),
    sa.Column("name", S(200)),
    sa.Column("licences", sa.Integer, nullable=False),
    sa.Column("amount_eur", sa.Numeric(10, 2)),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("contract_ended_at", sa.DateTime, index=True),
)  # copied when the contract ends
usage_statistics = _t(
    "usage_statistics",
    sa.Column("customer_id", sa.Integer, index=True),
    sa.Column("trial_user_id", sa.Integer, index=True),
    sa.Column("month", S(7), nullable=False),
    sa.Column("active_users", sa.Integer),
    sa.Column("actions", sa.Integer),
    sa.Column("contract_ended_at", sa.DateTime, index=True),
    sa.Column("trial_ended_at", sa.DateTime, index=True),
)
event_registrants = _t(
    "event_registrants",
    *_contact(),
    sa.Column("event", S(200), nullable=False),
    sa.Column("registered_at", sa.DateTime, nullable=False, index=True),
    sa.Column("attended", sa.Boolean, nullable=False),
    sa.Column("attended_at", sa.DateTime, index=True),
)
contact_messages = _t(
    "contact_messages",
    *_contact(),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False, index=True),
)
newsletter = _t("newsletter", *_contact(), sa.Column("received_at", sa.DateTime, nullable=False))
support_sessions = _t(
    "support_sessions",
    sa.Column("customer_id", sa.Integer, index=True),
    sa.Column("name", S(200)),
    sa.Column("email", S(254), index=True),
    sa.Column("location", S(100)),
    sa.Column("ip", S(45)),
    sa.Column("transcript", sa.Text),
    sa.Column("started_at", sa.DateTime, nullable=False),
)
customer_records = _t(
    "customer_records",
    sa.Column("customer_id", sa.Integer, nullable=False, index=True),
    sa.Column("kind", S(20), nullable=False),  # task | note | timesheet
    sa.Column("title", S(200), nullable=False),
    sa.Column("person_name", S(200)),
    sa.Column("person_email", S(254), index=True),
    sa.Column("content", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
)

COMPANY_KINDS = ["d.o.o.", "d.o.o.", "d.d.", "s.p."]
COMPANY_WORDS = [
    "Gradnje",
    "Inženiring",
    "Projekt",
    "Informatika",
    "Svetovanje",
    "Elektro",
    "Mont",
    "Les",
    "Digital",
    "Arhitektura",
    "Energija",
    "Logistika",
]
EVENTS = ["Spletni seminar: vodenje projektov s 4PM", "Delavnica: časovnice in viri", "Dan odprtih vrat Arctur"]
TASKS = [
    "Priprava ponudbe",
    "Pregled gradbene dokumentacije",
    "Sestanek z naročnikom",
    "Obračun ur za maj",
    "Testiranje nove verzije",
    "Naročilo materiala",
]


def _company(syn: Synthetic, last_name: str) -> tuple[str, str]:
    name = (
        f"{syn.rng.choice([last_name, syn.rng.choice(COMPANY_WORDS)])} {syn.rng.choice(COMPANY_WORDS)} "
        f"{syn.rng.choice(COMPANY_KINDS)}"
    )
    domain = ascii_fold(name.split()[0]).lower() + ".si"
    return name, domain


def generate(out, subjects: int, rng: random.Random, today: dt.date) -> None:
    syn = Synthetic(rng)
    ids = Ids()
    start, now = history_start(today, 10), midnight(today) + dt.timedelta(hours=8)
    for _ in range(subjects):
        p = syn.person(born=(1960, 1998))
        company, domain = _company(syn, p.last_name)
        first = syn.instant(start, now)
        contact = {"company": company, "name": p.name, "email": p.email, "phone": p.phone}
        role = rng.choices(["trial", "lead", "registrant"], [45, 25, 30])[0]
        if role == "trial":
            trial_end = first + dt.timedelta(days=30)
            customer_id = None
            if rng.random() < 0.3:  # the trial became a contract
                customer_id = ids("customers")
                began = trial_end + dt.timedelta(days=rng.randint(0, 20))
                ends = began + dt.timedelta(days=365 * rng.randint(1, 6))
                ended = ends if ends <= now else None
                licences = rng.choice((3, 5, 10, 25, 50))
                out.add(
                    "customers",
                    {
                        "id": customer_id,
                        **contact,
                        "licences": licences,
                        "contract_started_at": began,
                        "contract_ended_at": ended,
                        "retention_days": rng.choice([None, None, 90, 365, 730]),
                    },
                )
                year = began
                while year <= min(now, ended or now):
                    out.add(
                        "invoices",
                        {
                            "id": ids("invoices"),
                            "customer_id": customer_id,
                            "company": company,
                            "name": p.name,
                            "licences": licences,
                            "amount_eur": f"{licences * 96:.2f}",
                            "issued_at": year,
                            "contract_ended_at": ended,
                        },
                    )
                    out.add(
                        "usage_statistics",
                        {
                            "id": ids("usage_statistics"),
                            "customer_id": customer_id,
                            "trial_user_id": None,
                            "month": f"{year.year}-{year.month:02d}",
                            "active_users": rng.randint(1, licences),
                            "actions": rng.randint(50, 9000),
                            "contract_ended_at": ended,
                            "trial_ended_at": None,
                        },
                    )
                    year += dt.timedelta(days=365)
                for _ in range(rng.randint(2, 8)):
                    colleague = syn.person(born=(1965, 2000))
                    out.add(
                        "customer_records",
                        {
                            "id": ids("customer_records"),
                            "customer_id": customer_id,
                            "kind": rng.choice(["task", "note", "timesheet"]),
                            "title": rng.choice(TASKS),
                            "person_name": colleague.name,
                            "person_email": f"{ascii_fold(colleague.first_name).lower()}@{domain}",
                            "content": f"Odgovorna oseba: {colleague.name}.",
                            "created_at": syn.instant(began, ended or now),
                        },
                    )
                if rng.random() < 0.3:
                    out.add(
                        "support_sessions",
                        {
                            "id": ids("support_sessions"),
                            "customer_id": customer_id,
                            "name": p.name,
                            "email": p.email,
                            "location": syn.place()[1],
                            "ip": syn.ip(),
                            "transcript": "Uporabnik: Ne vidim časovnice projekta.\nPodpora: Preverite filter pogleda.",
                            "started_at": syn.instant(began, ended or now),
                        },
                    )
            trial_id = ids("trial_users")
            out.add(
                "trial_users",
                {
                    "id": trial_id,
                    **contact,
                    "trial_started_at": first,
                    "trial_ended_at": trial_end if trial_end <= now else None,
                    "customer_id": customer_id,
                },
            )
            out.add(
                "usage_statistics",
                {
                    "id": ids("usage_statistics"),
                    "customer_id": None,
                    "trial_user_id": trial_id,
                    "month": f"{first.year}-{first.month:02d}",
                    "active_users": 1,
                    "actions": rng.randint(5, 400),
                    "contract_ended_at": None,
                    "trial_ended_at": trial_end if trial_end <= now else None,
                },
            )
        elif role == "lead":
            out.add(
                "contact_messages",
                {
                    "id": ids("contact_messages"),
                    **contact,
                    "received_at": first,
                    "message": "Zanima me ponudba za 4PM za naše podjetje.",
                },
            )
        else:
            attended = rng.random() < 0.6
            out.add(
                "event_registrants",
                {
                    "id": ids("event_registrants"),
                    **contact,
                    "event": rng.choice(EVENTS),
                    "registered_at": first,
                    "attended": attended,
                    "attended_at": first + dt.timedelta(days=rng.randint(1, 20)) if attended else None,
                },
            )
        if rng.random() < 0.3:
            out.add("newsletter", {"id": ids("newsletter"), **contact, "received_at": syn.instant(first, now)})
        out.tick()
