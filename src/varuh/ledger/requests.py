"""Tables of data-subject requests: the request, its history, attachments, verification tokens,
reminders sent, and the throttle that rate-limits public intake.

The request row holds the contact e-mail (and any other identities given) in plain form, because
Varuh must reply to the subject and fulfilment must search the organisation's stores; the subject
itself is known to the rest of the ledger by keyed hashes (`identities`) and a random reference.
The audit log names the request by its readable id (Z-2025-0001), never by the address.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from varuh.ledger.tables import BigId, metadata

requests = Table(
    "requests",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ref", String(20), nullable=False, unique=True),  # Z-2025-0001: readable, safe to log
    Column("type", String(32), nullable=False),  # access, rectification, erasure, … (varuh.requests.types)
    Column("procedure", String(64), nullable=True),  # for type appeal: the model's rights.procedures id
    Column("status", String(20), nullable=False, index=True),
    Column("channel", String(16), nullable=False),  # web_form, email, post, phone, in_person
    Column("lang", String(2), nullable=False),  # the language of letters to the subject
    Column("subject_id", BigId, ForeignKey("subjects.id"), nullable=False, index=True),
    Column("subject_ref", String(32), nullable=False),
    Column("email", String(254), nullable=True),  # contact address, plain: Varuh replies to it
    Column("identities", JSON, nullable=False),  # {"email": …, "phone": …, "user_id": …} as given, plain
    Column("name", String(200), nullable=True),  # how the subject signed, for the salutation
    Column("details", Text, nullable=True),  # what the subject asked, in their words
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("received_on", Date, nullable=False),  # the Ljubljana date the deadline counts from
    Column("due", Date, nullable=False, index=True),
    # the periods in force at intake (from the model), so later steps need not reload it
    Column("deadline_period", String(16), nullable=False),  # P1M, or "5WD" for working days
    Column("extension_period", String(16), nullable=True),  # P2M; None: cannot be extended
    Column("extended_due", Date, nullable=True),
    Column("extension_reason", Text, nullable=True),
    Column("verified_at", DateTime(timezone=True), nullable=True),
    Column("verified_by", String(120), nullable=True),  # operator, or "link"/"code" for the subject
    Column("assignee", String(120), nullable=True),
    Column("fee", String(120), nullable=True),  # Art. 12(5)(a): amount and currency, when charged
    Column("refusal_reason", Text, nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

request_events = Table(
    "request_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("request_id", BigId, ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=True),
    Column("note", Text, nullable=True),
    Column("details", JSON, nullable=True),
)

request_attachments = Table(
    "request_attachments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("request_id", BigId, ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("stored_as", String(500), nullable=False),  # path under VARUH_ATTACHMENTS
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", String(120), nullable=False),
)

verification_tokens = Table(
    "verification_tokens",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("request_id", BigId, ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("link_digest", String(64), nullable=False, unique=True),  # HMAC of the link token, never the token
    Column("code_digest", String(64), nullable=False),  # HMAC of request id + the short code
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
)

request_reminders = Table(
    "request_reminders",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("request_id", BigId, ForeignKey("requests.id", ondelete="CASCADE"), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("sent_to", String(120), nullable=False),  # operator name or "dpo": not the address
    UniqueConstraint("request_id", "deadline", name="uq_request_reminders_request_id"),
)

request_throttle = Table(
    "request_throttle",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("bucket", String(80), nullable=False),  # "ip:<hmac>" or "id:<hmac>": no address in clear
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_request_throttle_bucket_at", "bucket", "at"),
)
