"""Identity verification by e-mail: a single-use, expiring link and a short code.

Whoever can read the mailbox a request names is the holder of that e-mail identity, so a request
made in someone else's name stops here: the link goes to the real owner, who either confirms or
ignores it. Until the request is verified (this way, or by an operator with a note, see
`workflow.verify_identity`), nothing about the subject leaves Varuh.

The link token is 32 random bytes; the ledger keeps only its keyed hash (HMAC-SHA256 with the
ledger's secret), so neither a copy of the database nor a guessed value yields a working link.
The code (6 digits, for people who read mail on another device) is bound to its request, allows 5
attempts, and both expire after VARUH_VERIFY_HOURS. Using either one spends both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import Connection, Engine, select, update

from varuh import settings
from varuh.errors import Conflict, VerificationFailed
from varuh.law.clock import utcnow
from varuh.ledger.requests import requests, verification_tokens
from varuh.model.privacy import PrivacyModel
from varuh.requests import workflow
from varuh.requests.records import RequestRecord, request_row, to_record, utc
from varuh.requests.types import Status

MAX_CODE_ATTEMPTS = 5
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
Mailer = Callable[[EmailMessage], object]


@dataclass(frozen=True)
class Challenge:
    """What is mailed to the subject. Never stored: the ledger has only the hashes."""

    request: str
    token: str
    code: str
    expires_at: dt.datetime


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def link_path(token: str) -> str:
    return f"/zahteva/potrdi/{token}"


def verify_hours() -> int:
    return int(settings.get("VARUH_VERIFY_HOURS") or "48")


def issue_challenge(conn: Connection, key: bytes, ref: str, actor: str, *, now: dt.datetime | None = None,
                    hours: int | None = None) -> Challenge:
    """A fresh link and code for an unverified request; earlier unused ones stop working."""
    now = now or utcnow()
    row = request_row(conn, ref, for_update=True)
    if row.status not in (Status.received, Status.identity_check):
        raise Conflict(f"{row.ref} is {row.status}: only an unverified request gets a verification link")
    conn.execute(update(verification_tokens)
                 .where(verification_tokens.c.request_id == row.id, verification_tokens.c.used_at.is_(None))
                 .values(expires_at=now))
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**6):06d}"
    expires = now + dt.timedelta(hours=hours or verify_hours())
    conn.execute(verification_tokens.insert().values(
        request_id=row.id, link_digest=_mac(key, f"link:{token}"), code_digest=_mac(key, f"code:{row.id}:{code}"),
        created_at=now, expires_at=expires, used_at=None, attempts=0))
    workflow.mark_verification_sent(conn, row.ref, actor, now=now)
    return Challenge(row.ref, token, code, expires)


def _spend(conn: Connection, token_row, request_id: int, method: str, now: dt.datetime) -> RequestRecord:
    spent = conn.execute(update(verification_tokens)
                         .where(verification_tokens.c.id == token_row.id, verification_tokens.c.used_at.is_(None))
                         .values(used_at=now)).rowcount
    if spent != 1:  # a concurrent confirmation got there first
        raise VerificationFailed("this confirmation was already used")
    ref = conn.execute(select(requests.c.ref).where(requests.c.id == request_id)).scalar_one()
    row = request_row(conn, ref)
    if row.status not in (Status.received, Status.identity_check):
        raise VerificationFailed(f"request {ref} no longer awaits confirmation")
    return workflow.verify_identity(conn, ref, f"subject:{row.subject_ref}",
                                    f"confirmed by the e-mailed {method}", now=now, method=method)


def confirm_link(engine: Engine, key: bytes, token: str, *, now: dt.datetime | None = None) -> RequestRecord:
    """The subject followed the link. Forged, reused and expired links fail alike, revealing nothing."""
    now = now or utcnow()
    if not _TOKEN.match(token or ""):
        raise VerificationFailed("this confirmation link is not valid")
    with engine.begin() as conn:
        row = conn.execute(select(verification_tokens)
                           .where(verification_tokens.c.link_digest == _mac(key, f"link:{token}"))).first()
        if row is None:
            raise VerificationFailed("this confirmation link is not valid")
        if row.used_at is not None:
            raise VerificationFailed("this confirmation link was already used")
        if now >= utc(row.expires_at):
            raise VerificationFailed("this confirmation link has expired; please ask for a new one")
        return _spend(conn, row, row.request_id, "link", now)


def confirm_code(engine: Engine, key: bytes, ref: str, code: str, *,
                 now: dt.datetime | None = None) -> RequestRecord:
    """The subject typed the code. Each attempt is committed before it is judged, so guesses count."""
    now = now or utcnow()
    failure = VerificationFailed("the code is not valid for this request, or it has expired")
    with engine.begin() as conn:
        req = conn.execute(select(requests.c.id).where(requests.c.ref == (ref or "").strip().upper())).first()
        if req is None:
            raise failure  # the same answer as a wrong code: request ids are not to be probed
        row = conn.execute(select(verification_tokens)
                           .where(verification_tokens.c.request_id == req.id, verification_tokens.c.used_at.is_(None))
                           .order_by(verification_tokens.c.id.desc()).limit(1)).first()
        if row is None or now >= utc(row.expires_at):
            raise failure
        conn.execute(update(verification_tokens).where(verification_tokens.c.id == row.id)
                     .values(attempts=verification_tokens.c.attempts + 1))
    if row.attempts + 1 > MAX_CODE_ATTEMPTS:
        raise VerificationFailed("too many wrong codes; please ask for a new one")
    if not hmac.compare_digest(row.code_digest, _mac(key, f"code:{req.id}:{(code or '').strip()}")):
        raise failure
    with engine.begin() as conn:
        return _spend(conn, row, req.id, "code", now)


def challenge_message(model: PrivacyModel, record: RequestRecord, challenge: Challenge, base_url: str) -> EmailMessage:
    """The e-mail that carries the link and the code, in the request's language."""
    from varuh import mail
    from varuh.requests.letters import render_text

    link = base_url.rstrip("/") + link_path(challenge.token)
    text = render_text("verification_email.txt.j2", model, record, record.lang,
                       link=link, code=challenge.code, expires_at=challenge.expires_at)
    subject = (f"Potrdite zahtevo {record.id}" if record.lang == "sl" else f"Confirm your request {record.id}")
    return mail.build(record.email, subject, text)


def send_challenge(engine: Engine, key: bytes, model: PrivacyModel, ref: str, actor: str, *, base_url: str,
                   mailer: Mailer, now: dt.datetime | None = None) -> bool:
    """Issue a link and code and mail them. The issue commits first; a mail failure is logged and
    reported (False), and the operator can send again: the request itself is never lost."""
    now = now or utcnow()
    with engine.begin() as conn:
        challenge = issue_challenge(conn, key, ref, actor, now=now)
        record = to_record(request_row(conn, ref), now.date())
    if not record.email:
        raise Conflict(f"{ref}: the request has no e-mail address to send a verification link to")
    try:
        mailer(challenge_message(model, record, challenge, base_url))
    except OSError as e:
        with engine.begin() as conn:
            workflow.record_step(conn, ref, actor, "mail_failed", details={"what": "verification"},
                                 audit_details={"what": "verification", "error": type(e).__name__}, now=now)
        return False
    return True
