"""API keys for the organisation's systems: stored hashed, scoped, revocable.

A key reads `varuh_<key id>_<secret>`. The key id is public (shown in lists, written to the
audit log as the actor); only the SHA-256 of the secret is stored, so a copy of the ledger does
not hand out working keys. The full key is shown once, when it is created.

Scopes are `area:action` words; the ones in use: consent:read, consent:write, requests:read,
requests:write, retention:run, audit:read. `*` grants every scope.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from varuh.errors import InvalidInput, NotAllowed, NotFound
from varuh.law.clock import utcnow
from varuh.ledger import audit
from varuh.ledger.tables import api_keys

KNOWN_SCOPES = ("consent:read", "consent:write", "requests:read", "requests:write", "retention:run", "audit:read")
_SCOPE = re.compile(r"^(\*|[a-z_]+:[a-z_]+)$")
PREFIX = "varuh"


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    scopes: frozenset[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    def allows(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(conn: Connection, name: str, scopes: list[str], *, actor: str = "cli") -> tuple[ApiKey, str]:
    """A new key: (its record, the full key to hand over once)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("a key needs a name of 1 to 120 characters (what system uses it)")
    if not scopes:
        raise InvalidInput(f"give at least one --scope: {', '.join(KNOWN_SCOPES)} or *")
    bad = [s for s in scopes if not _SCOPE.match(s)]
    if bad:
        raise InvalidInput(f"scope {bad[0]!r} is not area:action; known scopes: {', '.join(KNOWN_SCOPES)}")
    key_id = "k" + secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    now = utcnow()
    conn.execute(insert(api_keys).values(key_id=key_id, digest=_digest(secret), name=name,
                                         scopes=" ".join(sorted(set(scopes))), created_at=now))
    audit.record(conn, actor, "apikey.create", "api_key", key_id, {"scopes": sorted(set(scopes))})
    return ApiKey(key_id, name, frozenset(scopes), now), f"{PREFIX}_{key_id}_{secret}"


def _row(row) -> ApiKey:
    return ApiKey(row.key_id, row.name, frozenset(row.scopes.split()), row.created_at, row.revoked_at)


def verify_key(conn: Connection, presented: str) -> ApiKey:
    """The key's record if `presented` is a valid, unrevoked key; NotAllowed otherwise."""
    invalid = NotAllowed("the API key is not valid")
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise invalid
    row = conn.execute(select(api_keys).where(api_keys.c.key_id == parts[1])).first()
    if row is None or not hmac.compare_digest(row.digest, _digest(parts[2])):
        raise invalid
    if row.revoked_at is not None:
        raise NotAllowed(f"API key {row.key_id} was revoked")
    return _row(row)


def list_keys(conn: Connection) -> list[ApiKey]:
    return [_row(r) for r in conn.execute(select(api_keys).order_by(api_keys.c.id))]


def revoke_key(conn: Connection, key_id: str, *, actor: str = "cli") -> ApiKey:
    row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
    if row is None:
        raise NotFound(f"no API key {key_id}")
    if row.revoked_at is None:
        conn.execute(update(api_keys).where(api_keys.c.key_id == key_id).values(revoked_at=utcnow()))
        audit.record(conn, actor, "apikey.revoke", "api_key", key_id, None)
    return _row(conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first())
