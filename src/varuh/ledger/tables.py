"""Core tables: subjects and their identities, operators, the audit chain.

Identities are stored as keyed hashes (HMAC-SHA256 with the ledger's secret), so a subject can be
found by e-mail without the ledger holding a readable list of addresses; logs and the audit log
use the subject's random reference.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BigInteger ids that are plain INTEGER on SQLite (so SQLite's rowid autoincrement works)
BigId = BigInteger().with_variant(Integer(), "sqlite")

subjects = Table(
    "subjects",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ref", String(32), nullable=False, unique=True),  # random, safe to log
    Column("created_at", DateTime(timezone=True), nullable=False),
)

identities = Table(
    "identities",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("subject_id", BigId, ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # email, phone, user_id, custom
    Column("digest", String(64), nullable=False),  # HMAC-SHA256 hex of the normalised value
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "digest", name="uq_identities_kind_digest"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(120), nullable=False),  # operator name, api key id, "system", "subject:<ref>"
    Column("action", String(80), nullable=False),
    Column("object_type", String(40), nullable=True),
    Column("object_id", String(80), nullable=True),
    Column("details", JSON, nullable=True),  # never personal data
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

operators = Table(
    "operators",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("email", String(254), nullable=True),
    Column("role", String(20), nullable=False),  # admin, dpo, operator, viewer
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key_id", String(24), nullable=False, unique=True),  # the public part, shown and logged
    Column("digest", String(64), nullable=False),  # SHA-256 of the secret part
    Column("name", String(120), nullable=False),
    Column("scopes", Text, nullable=False),  # space-separated
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
