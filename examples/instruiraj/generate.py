"""Synthetic database of instruiraj.me (ePROF d.o.o.): online tutoring by subscription (seed 002).

  users                   students, parents (who pay) and tutors
  subscriptions           plans per student and subject, with the tutor
  billing                 monthly bills: payer, IBAN, reference, due and paid dates, reminders, claims
  invoices                invoices (kept 10 years after the year they refer to)
  lesson_usage            lessons attended (usage data, for analytics and personalised offers)
  traffic_aggregates      daily traffic per user (kept 6 months)
  connection_diagnostics  network diagnostics of video lessons
  chat_messages           support chat
  satisfaction_feedback   satisfaction surveys
  marketing_contacts      e-mail marketing list (consent)
  offer_profiles          segments for personalised offers (consent)
  abuse_reports           detected abuse (account sharing, fraud)
  claims                  unpaid claims and creditworthiness checks
  contact_requests        the contact form (before anyone subscribes)
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from varuh.connectors.synthetic import Ids, Synthetic, history_start, midnight

metadata = sa.MetaData()
S = sa.String


def _t(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), *columns)


def _user_ref(nullable: bool = False) -> sa.Column:
    return sa.Column("user_id", sa.Integer, nullable=nullable, index=True)


users = _t("users",
           sa.Column("role", S(10), nullable=False),  # student | parent | tutor
           sa.Column("first_name", S(100), nullable=False), sa.Column("last_name", S(100), nullable=False),
           sa.Column("email", S(254), nullable=False, index=True), sa.Column("phone", S(30), index=True),
           sa.Column("address", S(200)), sa.Column("postcode", S(10)), sa.Column("city", S(100)),
           sa.Column("parent_id", sa.Integer, index=True),  # a minor student's paying parent
           sa.Column("registered_at", sa.DateTime, nullable=False))
subscriptions = _t("subscriptions", _user_ref(),
                   sa.Column("tutor_id", sa.Integer, index=True),
                   sa.Column("plan", S(20), nullable=False), sa.Column("school_subject", S(40), nullable=False),
                   sa.Column("monthly_eur", sa.Numeric(8, 2), nullable=False),
                   sa.Column("started_at", sa.DateTime, nullable=False),
                   sa.Column("ended_at", sa.DateTime, index=True))  # null while active
billing = _t("billing", _user_ref(),
             sa.Column("subscription_id", sa.Integer, nullable=False, index=True),
             sa.Column("payer_name", S(200)), sa.Column("payer_address", S(300)),
             sa.Column("email", S(254), index=True),
             sa.Column("iban", S(40)), sa.Column("payment_reference", S(40)),
             sa.Column("period", S(7), nullable=False), sa.Column("amount_eur", sa.Numeric(8, 2), nullable=False),
             sa.Column("due_at", sa.DateTime, nullable=False, index=True),
             sa.Column("paid_at", sa.DateTime, index=True),
             sa.Column("reminders", sa.Integer, nullable=False),
             sa.Column("claim_pending", sa.Boolean, nullable=False))
invoices = _t("invoices", _user_ref(),
              sa.Column("billing_id", sa.Integer, index=True),
              sa.Column("number", S(20), nullable=False, unique=True),
              sa.Column("name", S(200), nullable=False), sa.Column("address", S(300), nullable=False),
              sa.Column("email", S(254), index=True),
              sa.Column("amount_eur", sa.Numeric(8, 2), nullable=False),
              sa.Column("issued_at", sa.DateTime, nullable=False, index=True))
lesson_usage = _t("lesson_usage", _user_ref(),
                  sa.Column("school_subject", S(40), nullable=False), sa.Column("minutes", sa.Integer, nullable=False),
                  sa.Column("held_at", sa.DateTime, nullable=False))
traffic_aggregates = _t("traffic_aggregates", _user_ref(),
                        sa.Column("recorded_at", sa.DateTime, nullable=False, index=True),
                        sa.Column("sessions", sa.Integer, nullable=False), sa.Column("megabytes", sa.Integer),
                        sa.Column("device", S(20)))
connection_diagnostics = _t("connection_diagnostics", _user_ref(),
                            sa.Column("ip", S(45), nullable=False), sa.Column("rtt_ms", sa.Integer),
                            sa.Column("packet_loss", sa.Numeric(5, 2)),
                            sa.Column("recorded_at", sa.DateTime, nullable=False))
chat_messages = _t("chat_messages", _user_ref(),
                   sa.Column("body", sa.Text, nullable=False), sa.Column("sent_at", sa.DateTime, nullable=False))
satisfaction_feedback = _t("satisfaction_feedback", _user_ref(True),
                           sa.Column("name", S(200)), sa.Column("email", S(254), index=True), sa.Column("phone", S(30)),
                           sa.Column("score", sa.Integer), sa.Column("comment", sa.Text),
                           sa.Column("answered_at", sa.DateTime, nullable=False))
marketing_contacts = _t("marketing_contacts", _user_ref(True),
                        sa.Column("name", S(200)), sa.Column("email", S(254), nullable=False, index=True),
                        sa.Column("subscribed_at", sa.DateTime, nullable=False))
offer_profiles = _t("offer_profiles", _user_ref(),
                    sa.Column("segment", S(60), nullable=False), sa.Column("computed_at", sa.DateTime, nullable=False))
abuse_reports = _t("abuse_reports", _user_ref(),
                   sa.Column("kind", S(60), nullable=False), sa.Column("detected_at", sa.DateTime, nullable=False))
contact_requests = _t("contact_requests",
                      sa.Column("name", S(200), nullable=False), sa.Column("email", S(254), nullable=False, index=True),
                      sa.Column("phone", S(30), index=True), sa.Column("address", S(300)),
                      sa.Column("message", sa.Text, nullable=False),
                      sa.Column("received_at", sa.DateTime, nullable=False))
claims = _t("claims", _user_ref(),
            sa.Column("billing_id", sa.Integer, index=True),
            sa.Column("status", S(20), nullable=False), sa.Column("amount_eur", sa.Numeric(8, 2), nullable=False),
            sa.Column("creditworthiness", S(40)), sa.Column("opened_at", sa.DateTime, nullable=False))

PLANS = [("Osnovni", "39.00"), ("Premium", "69.00"), ("Intenzivni", "99.00")]
SUBJECTS = ["matematika", "fizika", "kemija", "angleščina", "nemščina", "slovenščina", "biologija"]
CHATS = ["Kako prestavim uro inštrukcij?", "Tutor se ni prikazal na uri.", "Ali lahko zamenjam predmet?",
         "Video se zatika, ko delim zaslon.", "Kdaj bo izdan račun za ta mesec?"]
COMMENTS = ["Tutorka je odlično razložila odvode.", "Več terminov zvečer, prosim.", "Zelo zadovoljni.", None]
SEGMENTS = ["matura-matematika", "nacionalno-preverjanje", "popravni-izpit", "jeziki"]


def generate(out, subjects: int, rng: random.Random, today: dt.date) -> None:
    syn = Synthetic(rng)
    ids = Ids()
    start, now = history_start(today, 8), midnight(today) + dt.timedelta(hours=8)
    tutors = []
    for _ in range(max(3, subjects // 40)):
        p = syn.person(born=(1975, 2002))
        tutor_id = ids("users")
        tutors.append(tutor_id)
        out.add("users", _user(tutor_id, "tutor", p, syn.instant(start, now), None))
    for _ in range(subjects):
        student = syn.person(born=(2005, 2013))
        registered = syn.instant(start, now)
        minor = rng.random() < 0.7
        payer, payer_id = student, None
        if minor:
            payer = syn.person(born=(1965, 1990))
            payer_id = ids("users")
            out.add("users", _user(payer_id, "parent", payer, registered, None))
        student_id = ids("users")
        out.add("users", _user(student_id, "student", student, registered, payer_id))
        bill_to = payer_id or student_id
        started = registered + dt.timedelta(hours=rng.randint(1, 72))
        months = min(int(rng.expovariate(1 / 7)) + 1, 36)
        ended = started + dt.timedelta(days=30 * months)
        ended_at = ended if ended <= now else None
        plan, price = rng.choice(PLANS)
        subject = rng.choice(SUBJECTS)
        sub_id = ids("subscriptions")
        out.add("subscriptions", {"id": sub_id, "user_id": student_id, "tutor_id": rng.choice(tutors), "plan": plan,
                                  "school_subject": subject, "monthly_eur": price, "started_at": started,
                                  "ended_at": ended_at})
        iban, _ = syn.iban()
        for m in range(months):
            due = started + dt.timedelta(days=30 * m + 15)
            if due > now:
                break
            late = rng.random() < 0.08
            paid = None if late and rng.random() < 0.4 else due - dt.timedelta(days=rng.randint(0, 10)) + (
                dt.timedelta(days=rng.randint(10, 60)) if late else dt.timedelta())
            paid = paid if paid is None or paid <= now else None
            bill_id = ids("billing")
            out.add("billing", {
                "id": bill_id, "user_id": bill_to, "subscription_id": sub_id, "payer_name": payer.name,
                "payer_address": payer.address, "email": payer.email, "iban": iban,
                "payment_reference": syn.reference(),
                "period": f"{due.year}-{due.month:02d}", "amount_eur": price, "due_at": due, "paid_at": paid,
                "reminders": (rng.randint(1, 3) if late else 0), "claim_pending": paid is None and rng.random() < 0.5})
            invoice_id = ids("invoices")
            out.add("invoices", {"id": invoice_id, "user_id": bill_to, "billing_id": bill_id,
                                 "number": f"{due.year}-{invoice_id:06d}", "name": payer.name, "address": payer.address,
                                 "email": payer.email, "amount_eur": price, "issued_at": due - dt.timedelta(days=15)})
            if paid is None and due < now - dt.timedelta(days=60):
                out.add("claims", {"id": ids("claims"), "user_id": bill_to, "billing_id": bill_id,
                                   "status": rng.choice(["opomin", "izvršba", "poravnano"]), "amount_eur": price,
                                   "creditworthiness": rng.choice(["dobra", "slaba", "neznana"]),
                                   "opened_at": due + dt.timedelta(days=60)})
        last = ended_at or now
        for _ in range(min(months * 2, 24)):
            out.add("lesson_usage", {"id": ids("lesson_usage"), "user_id": student_id, "school_subject": subject,
                                     "minutes": rng.choice((45, 60, 90)), "held_at": syn.instant(started, last)})
        for _ in range(rng.randint(1, 6)):
            day = syn.instant(started, last)
            out.add("traffic_aggregates", {"id": ids("traffic_aggregates"), "user_id": student_id, "recorded_at": day,
                                           "sessions": rng.randint(1, 6), "megabytes": rng.randint(20, 900),
                                           "device": rng.choice(["računalnik", "tablica", "telefon"])})
        if rng.random() < 0.3:
            out.add("connection_diagnostics", {
                "id": ids("connection_diagnostics"), "user_id": student_id, "ip": syn.ip(),
                "rtt_ms": rng.randint(8, 300), "packet_loss": round(rng.random() * 3, 2),
                "recorded_at": syn.instant(started, last)})
        if rng.random() < 0.25:
            out.add("chat_messages", {"id": ids("chat_messages"), "user_id": bill_to, "body": rng.choice(CHATS),
                                      "sent_at": syn.instant(started, last)})
        if rng.random() < 0.2:
            out.add("satisfaction_feedback", {
                "id": ids("satisfaction_feedback"), "user_id": bill_to, "name": payer.name, "email": payer.email,
                "phone": payer.phone if rng.random() < 0.3 else None,
                "score": rng.choices([1, 2, 3, 4, 5], [1, 2, 8, 30, 59])[0],
                "comment": rng.choice(COMMENTS), "answered_at": syn.instant(started, last)})
        if rng.random() < 0.35:
            out.add("marketing_contacts", {"id": ids("marketing_contacts"), "user_id": bill_to, "name": payer.name,
                                           "email": payer.email, "subscribed_at": registered})
            if rng.random() < 0.5:
                out.add("offer_profiles", {"id": ids("offer_profiles"), "user_id": student_id,
                                           "segment": rng.choice(SEGMENTS), "computed_at": syn.instant(started, last)})
        if rng.random() < 0.15:
            out.add("contact_requests", {
                "id": ids("contact_requests"), "name": payer.name, "email": payer.email, "phone": payer.phone,
                "address": payer.address if rng.random() < 0.2 else None,
                "message": f"Zanimajo me inštrukcije iz predmeta {subject} za {rng.choice(['sina', 'hčer', 'sebe'])}.",
                "received_at": registered - dt.timedelta(days=rng.randint(1, 20))})
        if rng.random() < 0.01:
            out.add("abuse_reports", {"id": ids("abuse_reports"), "user_id": student_id,
                                      "kind": rng.choice(["deljenje računa", "zloraba plačila"]),
                                      "detected_at": syn.instant(started, last)})
        out.tick()


def _user(user_id: int, role: str, p, registered: dt.datetime, parent_id: int | None) -> dict:
    adult = role != "student" or parent_id is None
    return {"id": user_id, "role": role, "first_name": p.first_name, "last_name": p.last_name, "email": p.email,
            "phone": p.phone, "address": p.street if adult else None, "postcode": p.postcode if adult else None,
            "city": p.city if adult else None, "parent_id": parent_id, "registered_at": registered}
