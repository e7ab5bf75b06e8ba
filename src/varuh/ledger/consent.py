"""Consent tables: the append-only event log (the proofs) and the current state per holder.

A *holder* is either a known data subject (`subject_id`, found through the keyed-hash identities
of ledger/tables.py) or an anonymous browser (`consent_id`, a random id the cookie banner keeps in
a first-party cookie). A state row has exactly one of the two; an event has at least one (a
signed-in visitor's banner choice names both, and updates the state of both holders).

`consent_events` is never updated or deleted by the consent engine: each give or withdrawal is a
new row carrying its proof (GDPR Art. 7(1): the controller must be able to demonstrate consent).
Only the retention sweep deletes proofs, once the period the model declares after the consent
ended (`ConsentSpec.proof_retention`) has passed.

`consent_state` holds, per holder and purpose, the latest event (highest id) and when the current
or last consent period began and ended. It is written in the same transaction as the event, so
`check` reads one indexed row, and the retention sweep asks "whose consent ended before T" from
`ended_at` without scanning the log. Columns:

    subject_id / consent_id   the holder (one of them)
    purpose                   the id of a consent-based activity of the model
    given                     the latest event gave (true) or withdrew/refused (false) consent
    event_id                  that latest event; the state follows the event with the highest id
    at                        instant of the latest event (UTC)
    given_at                  start of the current (or last) period of consent; NULL if never given
    ended_at                  instant the last period of consent ended (first withdrawal after a
                              give); NULL while consent is given or if it was never given
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from varuh.ledger.tables import BigId, metadata

consent_events = Table(
    "consent_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("receipt_id", String(36), nullable=False, unique=True),  # public id of the receipt (uuid4)
    # no ON DELETE CASCADE: proofs outlive an erased account until their own retention ends
    Column("subject_id", BigId, ForeignKey("subjects.id"), nullable=True),
    Column("consent_id", String(64), nullable=True),
    Column("purpose", String(64), nullable=False),
    Column("given", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("channel", String(16), nullable=False),  # web_form, banner, email, paper, phone, api
    Column("notice_version", String(40), nullable=True),
    Column("text_hash", String(64), nullable=False),  # SHA-256 hex of the exact text shown
    Column("wording", Text, nullable=True),  # the text shown, so the hash can be checked later
    Column("given_by", String(8), nullable=False),  # subject | parent (ZVOP-2 Art. 8)
    Column("ip", String(64), nullable=True),  # truncated: IPv4 /24, IPv6 /48
    Column("user_agent", String(400), nullable=True),
    Column("actor", String(120), nullable=False),  # who recorded it: cli, api:<key id>, banner, …
    CheckConstraint("subject_id IS NOT NULL OR consent_id IS NOT NULL", name="ck_consent_events_holder"),
)
Index("ix_consent_events_subject", consent_events.c.subject_id, consent_events.c.purpose, consent_events.c.id)
Index("ix_consent_events_consent_id", consent_events.c.consent_id, consent_events.c.purpose, consent_events.c.id)

consent_state = Table(
    "consent_state",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("subject_id", BigId, ForeignKey("subjects.id"), nullable=True),
    Column("consent_id", String(64), nullable=True),
    Column("purpose", String(64), nullable=False),
    Column("given", Boolean, nullable=False),
    Column("event_id", BigId, ForeignKey("consent_events.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("given_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("subject_id", "purpose", name="uq_consent_state_subject_id"),
    UniqueConstraint("consent_id", "purpose", name="uq_consent_state_consent_id"),
    CheckConstraint("(subject_id IS NULL) <> (consent_id IS NULL)", name="ck_consent_state_holder"),
)
Index("ix_consent_state_ended", consent_state.c.purpose, consent_state.c.ended_at)
