"""Rate limits for public intake: per client address and per identity, kept in the ledger.

Kept in the ledger rather than in memory so that several service processes share one count and a
restart does not reset it. Buckets are keyed hashes ("ip:…", "id:…"): the throttle table holds no
address in clear.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from sqlalchemy import Connection, delete, func, insert, select

from varuh import settings
from varuh.errors import InvalidInput, RateLimited
from varuh.ledger.requests import request_throttle
from varuh.ledger.subjects import normalise

_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*([hd])\s*$")
WINDOWS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1)}


def parse_limit(text: str) -> tuple[int, dt.timedelta]:
    """`10/h` → (10, one hour); `3/d` → (3, one day)."""
    match = _LIMIT.match(text or "")
    if not match:
        raise InvalidInput(f"rate limit {text!r}: write N/h or N/d, e.g. 10/h")
    return int(match.group(1)), WINDOWS[match.group(2)]


def bucket(kind: str, value: str, key: bytes) -> str:
    return f"{kind}:" + hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


def ip_bucket(ip: str | None, key: bytes) -> str:
    return bucket("ip", ip or "unknown", key)


def identity_bucket(email: str, key: bytes) -> str:
    return bucket("id", normalise("email", email), key)


def take(conn: Connection, name: str, limit: int, window: dt.timedelta, now: dt.datetime) -> None:
    """Count one hit in `name`, or raise RateLimited if `limit` hits already fell inside `window`."""
    since = now - window
    used = conn.execute(select(func.count()).select_from(request_throttle)
                        .where(request_throttle.c.bucket == name, request_throttle.c.at > since)).scalar_one()
    if used >= limit:
        raise RateLimited("too many requests; please try again later")
    conn.execute(insert(request_throttle).values(bucket=name, at=now))


def take_intake(conn: Connection, key: bytes, ip: str | None, email: str, now: dt.datetime) -> None:
    """The two limits of a public request: per client address and per e-mail address (settings)."""
    ip_limit, ip_window = parse_limit(settings.get("VARUH_REQUEST_LIMIT_IP") or "10/h")
    id_limit, id_window = parse_limit(settings.get("VARUH_REQUEST_LIMIT_IDENTITY") or "3/d")
    # forget hits older than the longest window, so the table stays small
    conn.execute(delete(request_throttle).where(request_throttle.c.at < now - max(ip_window, id_window)))
    take(conn, ip_bucket(ip, key), ip_limit, ip_window, now)
    take(conn, identity_bucket(email, key), id_limit, id_window, now)
