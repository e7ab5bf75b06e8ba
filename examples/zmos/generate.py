"""Synthetic database of ZMOS (Združenje mestnih občin Slovenije): event registrations and
correspondence (seed 001).

  events               the association's events (seminars, working groups, conferences)
  event_registrations  who registered: name, e-mail, municipality or institution, phone
  correspondence       letters and e-mails kept under the classification plan (file numbers)

The e-newsletter list lives in Mailchimp (a manual store in datasets.yaml): it is not generated.
The people are municipal officials, so e-mail addresses are mostly at their municipality.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from varuh.connectors.synthetic import Ids, Synthetic, ascii_fold, history_start, midnight

metadata = sa.MetaData()
S = sa.String

events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", S(200), nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("place", S(100), nullable=False),
    sa.Column("co_organiser", S(200)),
)

event_registrations = sa.Table(
    "event_registrations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.Integer, nullable=False, index=True),
    sa.Column("first_name", S(100), nullable=False),
    sa.Column("last_name", S(100), nullable=False),
    sa.Column("email", S(254), nullable=False, index=True),
    sa.Column("employer", S(200), nullable=False),
    sa.Column("phone", S(30), index=True),
    sa.Column("registered_at", sa.DateTime, nullable=False),
    sa.Column("attended", sa.Boolean),
)

correspondence = sa.Table(
    "correspondence", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_number", S(30), nullable=False, index=True),  # classification plan: 0100-12/2023-3
    sa.Column("name", S(200), nullable=False),
    sa.Column("email", S(254), index=True),
    sa.Column("phone", S(30), index=True),
    sa.Column("postal_address", S(300)),
    sa.Column("subject", S(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False, index=True),
)

MUNICIPALITIES = [("Mestna občina Ljubljana", "ljubljana.si"), ("Mestna občina Maribor", "maribor.si"),
                  ("Mestna občina Koper", "koper.si"), ("Mestna občina Celje", "celje.si"),
                  ("Mestna občina Kranj", "kranj.si"), ("Mestna občina Novo mesto", "novomesto.si"),
                  ("Mestna občina Velenje", "velenje.si"), ("Mestna občina Nova Gorica", "nova-gorica.si"),
                  ("Mestna občina Ptuj", "ptuj.si"), ("Mestna občina Murska Sobota", "murska-sobota.si"),
                  ("Mestna občina Slovenj Gradec", "slovenjgradec.si"), ("Mestna občina Krško", "krsko.si"),
                  ("Ministrstvo za javno upravo", "gov.si"), ("Služba Vlade RS za lokalno samoupravo", "gov.si")]
EVENT_TITLES = ["Posvet o financiranju mestnih občin", "Delovna skupina za trajnostno mobilnost",
                "Seminar: javna naročila v občinah", "Konferenca mestnih občin", "Delavnica o kohezijskih sredstvih",
                "Posvet o stanovanjski politiki", "Izobraževanje: varstvo osebnih podatkov v občinah"]
CO_ORGANISERS = [None, None, "Skupnost občin Slovenije", "Inštitut za lokalno samoupravo"]
SUBJECTS = [("Pobuda glede zakona o financiranju občin", "Pošiljamo pripombe naše občine k predlogu zakona."),
            ("Vprašanje o članarini", "Prosimo za pojasnilo glede izračuna članarine za leto."),
            ("Prijava na delovno skupino", "Želim sodelovati v delovni skupini za mobilnost."),
            ("Gradivo s posveta", "Ali lahko prejmem predstavitve s posveta?")]


def _work_email(syn: Synthetic, p, domain: str) -> str:
    """ime.priimek@obcina.si, with a digit when the name is taken."""
    local = f"{ascii_fold(p.first_name).lower()}.{ascii_fold(p.last_name).lower()}".replace(" ", "")
    return syn.unique(lambda: f"{local}{syn.rng.choice(['', '', str(syn.rng.randint(1, 9))])}@{domain}", syn._emails)


def generate(out, subjects: int, rng: random.Random, today: dt.date) -> None:
    syn = Synthetic(rng)
    ids = Ids()
    start, now = history_start(today, 10), midnight(today) + dt.timedelta(hours=8)
    n_events = max(3, subjects // 25)
    held: list[tuple[int, dt.date]] = []
    for _ in range(n_events):
        day = syn.instant(start, now + dt.timedelta(days=90)).date()
        event_id = ids("events")
        held.append((event_id, day))
        out.add("events", {"id": event_id, "title": rng.choice(EVENT_TITLES), "held_on": day,
                           "place": rng.choice(["Ljubljana", "Maribor", "Koper", "Celje", "Kranj", "Portorož"]),
                           "co_organiser": rng.choice(CO_ORGANISERS)})
    for _ in range(subjects):
        p = syn.person(born=(1960, 1998))
        employer, domain = rng.choice(MUNICIPALITIES)
        email = syn.email(p.first_name, p.last_name) if rng.random() < 0.2 else _work_email(syn, p, domain)
        phone = syn.landline() if rng.random() < 0.6 else p.phone
        for event_id, day in rng.sample(held, min(len(held), rng.choice((1, 1, 2, 3)))):
            registered = midnight(day) - dt.timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 12))
            out.add("event_registrations", {
                "id": ids("event_registrations"), "event_id": event_id, "first_name": p.first_name,
                "last_name": p.last_name, "email": email, "employer": employer,
                "phone": phone if rng.random() < 0.7 else None, "registered_at": registered,
                "attended": (rng.random() < 0.85) if day < today else None})
        if rng.random() < 0.25:
            at = syn.instant(start, now)
            subject, body = rng.choice(SUBJECTS)
            out.add("correspondence", {
                "id": ids("correspondence"), "file_number": f"0100-{rng.randint(1, 60)}/{at.year}-{rng.randint(1, 9)}",
                "name": p.name, "email": email, "phone": phone, "postal_address": f"{employer}, {p.address}",
                "subject": subject, "body": f"{body}\n\nLep pozdrav,\n{p.name}\n{employer}", "received_at": at})
        out.tick()
