"""The audit chain: every step appends an entry whose hash covers the previous entry's hash.

Editing or removing any entry breaks the chain at that point, which `verify` reports. Entries
name actors, actions and object ids; they never hold personal data (the engines pass references).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, text

from varuh.law.clock import utcnow
from varuh.ledger.tables import audit_log

GENESIS = "0" * 64


def _hash(prev: str, at: str, actor: str, action: str, object_type: str | None, object_id: str | None,
          details: Any) -> str:
    payload = json.dumps([prev, at, actor, action, object_type, object_id, details],
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _stamp(at) -> str:
    # SQLite drops the time zone; hash the UTC wall time in one fixed format on every backend
    return at.replace(tzinfo=None).isoformat(timespec="microseconds")


def record(conn: Connection, actor: str, action: str, object_type: str | None = None,
           object_id: str | int | None = None, details: dict | None = None) -> None:
    """Append an entry in the caller's transaction (so the step and its audit entry commit together)."""
    if conn.dialect.name == "postgresql":  # serialise appenders: the chain is a single line
        conn.execute(text("SELECT pg_advisory_xact_lock(726117)"))
    last = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    prev = last or GENESIS
    at = utcnow()
    oid = None if object_id is None else str(object_id)
    digest = _hash(prev, _stamp(at), actor, action, object_type, oid, details)
    conn.execute(insert(audit_log).values(at=at, actor=actor, action=action, object_type=object_type,
                                          object_id=oid, details=details, prev_hash=prev, hash=digest))


@dataclass
class AuditVerdict:
    ok: bool
    entries: int
    broken_at: int | None = None
    reason: str | None = None


def verify(conn: Connection) -> AuditVerdict:
    prev = GENESIS
    count = 0
    last_id = 0
    for row in conn.execute(select(audit_log).order_by(audit_log.c.id)):
        count += 1
        if row.prev_hash != prev:
            return AuditVerdict(False, count, row.id, f"entry {row.id} does not follow entry {last_id}: "
                                "an entry was removed or reordered")
        expected = _hash(prev, _stamp(row.at), row.actor, row.action, row.object_type, row.object_id, row.details)
        if expected != row.hash:
            return AuditVerdict(False, count, row.id, f"entry {row.id} was edited after it was written")
        prev = row.hash
        last_id = row.id
    return AuditVerdict(True, count)
