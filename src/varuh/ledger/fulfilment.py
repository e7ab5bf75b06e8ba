"""Fulfilment in the ledger: runs and their per-store/table steps, suppressions, restrictions,
download tokens for access bundles.

What is kept here is proof and progress, never the data itself: counts per store, table and
field; which rows of a table are restricted (by primary key, which the organisation's own
database already holds); keyed hashes of a subject's identities on the suppression list (GDPR
Art. 21(3): after an objection to direct marketing the data may no longer be processed for it, so
the organisation must be able to recognise the person without keeping a readable list); digests
of download tokens, never the tokens.

A step is written `prepared` (with the counts about to be committed) before the organisation's
store commits, and `done` after; a run killed in between leaves a `prepared` step that the next
run settles (see connectors.fulfil), so no erasure goes unrecorded and none is counted twice.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
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

fulfilment_runs = Table(
    "fulfilment_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ref", String(32), nullable=False, unique=True),  # F-…, safe to log
    Column("request_ref", String(20), nullable=True, index=True),  # Z-2025-0001; None for a bare engine run
    Column("request_type", String(32), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("status", String(16), nullable=False),  # running, done, partial, failed
    Column("actor", String(120), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("summary", JSON, nullable=True),  # counts per store; never personal data
    Column("error", Text, nullable=True),  # masked messages of failed stores
)

fulfilment_steps = Table(
    "fulfilment_steps",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", BigId, ForeignKey("fulfilment_runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("request_ref", String(20), nullable=True),
    Column("store", String(80), nullable=False),
    Column("table_name", String(160), nullable=True),  # None: the whole store (http, manual)
    Column("action", String(24), nullable=False),  # access, erasure, rectification, restriction, notify, manual
    Column("status", String(16), nullable=False),  # prepared, done, rolled_back, failed, waiting
    Column("counts", JSON, nullable=True),  # {"deleted": n, "updated": n, "fields": {...}, "kept": n}
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=True),  # manual: what the operator confirmed; failed: the masked error
    Index("ix_fulfilment_steps_request_store", "request_ref", "store"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("activity", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # email, phone, user_id, custom
    Column("digest", String(64), nullable=False),  # HMAC-SHA256 of the normalised identity (ledger.subjects)
    Column("reason", String(32), nullable=False),  # objection, objection_marketing, consent_withdrawal
    Column("request_ref", String(20), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("activity", "kind", "digest", name="uq_suppressions_activity"),
)

restrictions = Table(
    "restrictions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("store", String(80), nullable=False),
    Column("table_name", String(160), nullable=False),
    Column("row_key", String(120), nullable=False),  # the row's primary key, as text
    Column("request_ref", String(20), nullable=True, index=True),
    Column("reason", String(40), nullable=False),  # restriction (Art. 18(1)), legal_hold (Art. 17(3))
    Column("until", Date, nullable=True),  # legal hold: the day the data may go
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("lifted_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("store", "table_name", "row_key", "reason", name="uq_restrictions_store"),
)

download_tokens = Table(
    "download_tokens",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("request_ref", String(20), nullable=True),
    Column("path", String(500), nullable=False),  # the zip under VARUH_EXPORTS
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("downloads", Integer, nullable=False, default=0),
)
