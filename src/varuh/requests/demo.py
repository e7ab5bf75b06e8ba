"""Demo requests in every state, relative to a given day, for `make demo` and screenshots.

Fictional people at example.com (RFC 2606), dated so that as of `today` one letter was just
received, one request awaits confirmation, one is in progress, one is overdue, one is extended,
one completed, one refused, one withdrawn, and (where the model declares a procedure) one
internal appeal.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, select

from varuh.law.clock import LJUBLJANA
from varuh.ledger.requests import requests
from varuh.ledger.secret import secret_key
from varuh.model.privacy import PrivacyModel
from varuh.requests import verification, workflow
from varuh.requests.intake import open_request
from varuh.requests.records import RequestRecord, get_request, list_requests

MARK = "(demo) "
ACTOR = "operator:demo"


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=LJUBLJANA).astimezone(dt.UTC)


def seed_demo_requests(target: Connection | Engine, model: PrivacyModel, today: dt.date,
                       key: bytes | None = None) -> list[RequestRecord]:
    """Create the demo requests (once: a second call returns the existing ones)."""
    if isinstance(target, Engine):
        with target.begin() as conn:
            return seed_demo_requests(conn, model, today, key)
    conn = target
    key = key or secret_key(conn.engine.url.render_as_string(hide_password=False))
    existing = conn.execute(select(requests.c.ref).where(requests.c.details.like(MARK + "%"))).scalars().all()
    if existing:
        return [get_request(conn, ref, today) for ref in existing]

    def new(kind: str, email: str, days_ago: int, channel: str, name: str, **kw) -> str:
        day = today - dt.timedelta(days=days_ago)
        record = open_request(conn, model, key, type=kind, email=email, actor=ACTOR, channel=channel,
                              received=_noon(day), name=name, details=MARK + kw.pop("details", ""),
                              today=today, now=_noon(day), **kw)
        return record.id

    def at(days_ago: int) -> dt.datetime:
        return _noon(today - dt.timedelta(days=days_ago))

    refs = [new("rectification", "iztok.mlakar@example.com", 1, "post", "Iztok Mlakar",
                details="Pismo: napačen naslov v računih.")]  # just received, nothing done yet
    ref = new("access", "ana.novak@example.com", 3, "web_form", "Ana Novak", details="Kaj hranite o meni?")
    verification.issue_challenge(conn, key, ref, "system", now=at(3))
    refs.append(ref)

    ref = new("erasure", "bojan.kranjc@example.com", 10, "email", "Bojan Kranjc",
              details="Prosim, izbrišite moj račun.", assignee="dpo")
    workflow.verify_identity(conn, ref, ACTOR, "odgovor z naslova, ki ga imamo v evidenci", now=at(9))
    refs.append(ref)

    ref = new("access", "cene.zupan@example.com", 45, "post", "Cene Zupan", details="Pismo s kopijo osebne izkaznice.")
    workflow.verify_identity(conn, ref, ACTOR, "podpis primerjan s pogodbo", now=at(44))
    refs.append(ref)  # overdue as of today

    ref = new("portability", "dragica.horvat@example.com", 25, "email", "Dragica Horvat",
              details="Izvoz vseh mojih rezultatov.")
    workflow.verify_identity(conn, ref, ACTOR, "potrjeno s povezavo v e-pošti", now=at(24))
    workflow.extend_request(conn, ref, ACTOR, "podatki so v treh ločenih sistemih", today=today - dt.timedelta(days=20),
                            now=at(20))
    refs.append(ref)

    ref = new("access", "eva.kos@example.com", 50, "web_form", "Eva Kos", details="Dostop do podatkov.")
    workflow.verify_identity(conn, ref, ACTOR, "potrjeno s kodo", now=at(50))
    workflow.complete_request(conn, ref, ACTOR, "kopija poslana po e-pošti", now=at(35))
    refs.append(ref)

    ref = new("erasure", "franc.potocnik@example.com", 20, "email", "Franc Potočnik",
              details="Že petnajsta enaka zahteva ta mesec.")
    workflow.refuse_request(conn, ref, ACTOR, "enaka zahteva je bila v tem mesecu rešena štirinajstkrat",
                            ground="excessive", now=at(15))
    refs.append(ref)

    ref = new("objection_marketing", "gregor.vidmar@example.com", 6, "phone", "Gregor Vidmar",
              details="Ne želim več novic.")
    workflow.withdraw_request(conn, ref, ACTOR, "stranka je poklicala in zahtevo umaknila", now=at(5))
    refs.append(ref)

    if model.rights.procedures:
        ref = new("appeal", "helena.zajc@example.com", 2, "email", "Helena Zajc",
                  details="Nisem prejela vseh podatkov.")
        workflow.verify_identity(conn, ref, ACTOR, "isti naslov kot pri prvotni zahtevi", now=at(2))
        refs.append(ref)
    return [r for r in list_requests(conn, today, include_closed=True) if r.id in refs]
