"""Tokens of the preference centre: the e-mailed sign-in link and the session cookie.

The sign-in link and the session must carry the subject's e-mail address (the consent engine
finds a subject by its identities), yet links end up in server logs, mail archives and link
scanners. So both are sealed: encrypted and authenticated with Fernet (AES-128-CBC + HMAC-SHA256,
from the `cryptography` package) under a key derived from the ledger's secret, with the time of
issue inside, so they expire. A sign-in link is single-use: its random nonce is written to the
audit log when it is used, and a nonce found there is refused. (CSRF tokens for the forms are
web/security.py's.)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection, select

from varuh.errors import VerificationFailed
from varuh.law.clock import utcnow
from varuh.ledger import audit
from varuh.ledger.tables import audit_log

LINK_MINUTES = 30  # the e-mailed link
SESSION_MINUTES = 30  # signed in to the preference centre
SIGNIN_ACTION = "preferences.signin"


def _fernet(key: bytes, purpose: str) -> Fernet:
    derived = hmac.new(key, b"varuh-seal:" + purpose.encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(key: bytes, purpose: str, payload: dict[str, Any], now: dt.datetime | None = None) -> str:
    """An encrypted, authenticated token of `payload`, valid only for `purpose`."""
    at = int((now or utcnow()).timestamp())
    data = json.dumps(payload, separators=(",", ":")).encode()
    return _fernet(key, purpose).encrypt_at_time(data, at).decode()


def unseal(key: bytes, purpose: str, token: str, max_minutes: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """The payload of a token sealed for `purpose` less than `max_minutes` ago; VerificationFailed otherwise."""
    at = int((now or utcnow()).timestamp())
    try:
        data = _fernet(key, purpose).decrypt_at_time(token.encode(), max_minutes * 60, at)
    except InvalidToken:
        raise VerificationFailed("this link is not valid or has expired: ask for a new one") from None
    return json.loads(data)


def signin_link_token(key: bytes, email: str, lang: str, now: dt.datetime | None = None) -> str:
    return seal(key, "signin", {"e": email, "l": lang, "n": secrets.token_hex(12)}, now)


def use_signin_token(conn: Connection, key: bytes, token: str, actor: str,
                     now: dt.datetime | None = None) -> dict[str, Any]:
    """Check a sign-in link and spend it (in the caller's transaction): a second use is refused."""
    payload = unseal(key, "signin", token, LINK_MINUTES, now)
    nonce = str(payload.get("n", ""))
    used = conn.execute(select(audit_log.c.id).where(audit_log.c.action == SIGNIN_ACTION,
                                                     audit_log.c.object_id == nonce).limit(1)).first()
    if used or not nonce:
        raise VerificationFailed("this link has already been used: ask for a new one")
    audit.record(conn, actor, SIGNIN_ACTION, "preference_link", nonce)
    return payload


def session_token(key: bytes, email: str, now: dt.datetime | None = None) -> str:
    return seal(key, "session", {"e": email, "s": secrets.token_hex(12)}, now)


def read_session(key: bytes, token: str | None, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The session's payload, or None when there is none or it expired."""
    if not token:
        return None
    try:
        return unseal(key, "session", token, SESSION_MINUTES, now)
    except VerificationFailed:
        return None
