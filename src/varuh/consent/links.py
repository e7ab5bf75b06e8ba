"""Signed one-click withdrawal links: the "odjava" link in every e-mail (GDPR Art. 7(3): withdrawing
must be as easy as giving).

A token names the holder and the purpose and carries an expiry, signed with an HMAC of the
ledger's secret. It never holds an e-mail address in clear: links end up in server logs, mail
archives and link scanners, so a subject is named by the keyed hash of their identity (the same
digest the ledger looks identities up by) or by the banner's random consent id.

Token: base64url(JSON payload) "." base64url(HMAC-SHA256(key, "withdraw:" + payload)[:16]).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from varuh import settings
from varuh.errors import VerificationFailed
from varuh.law.clock import utcnow
from varuh.ledger.subjects import digest

_DOMAIN = b"varuh-withdraw-link:"
_PREFERRED_KINDS = ("email", "user_id", "phone", "custom")


@dataclass(frozen=True)
class WithdrawalToken:
    purpose: str
    expires: dt.datetime
    identity: tuple[str, str] | None = None  # (kind, keyed digest)
    consent_id: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, _DOMAIN + body.encode(), hashlib.sha256).digest()[:16])


def make_token(key: bytes, holder: Mapping[str, str] | str, purpose: str, *,
               valid_for: dt.timedelta | None = None, now: dt.datetime | None = None) -> str:
    """A token for `holder`: identities {"email": …} (one is used, its keyed hash) or a consent id."""
    if valid_for is None:
        valid_for = dt.timedelta(days=int(settings.get("VARUH_WITHDRAW_LINK_DAYS") or 400))
    expires = int(((now or utcnow()) + valid_for).timestamp())
    payload: dict = {"p": purpose, "x": expires}
    if isinstance(holder, str):
        payload["c"] = holder
    else:
        kind = next((k for k in _PREFERRED_KINDS if k in holder), None) or next(iter(holder), None)
        if kind is None:
            raise ValueError("a withdrawal link needs an identity or a consent id")
        payload["i"] = [kind, digest(kind, holder[kind], key)]
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_sign(key, body)}"


def read_token(key: bytes, token: str, *, now: dt.datetime | None = None) -> WithdrawalToken:
    """The token's content if the signature holds and it has not expired; VerificationFailed otherwise."""
    forged = VerificationFailed("this withdrawal link is not valid: it was changed or cut short. "
                                "Copy the whole link, or use the preference centre.")
    body, _, signature = token.partition(".")
    if not body or not signature or not hmac.compare_digest(_sign(key, body), signature):
        raise forged
    try:
        payload = json.loads(_unb64(body))
        purpose, expires = str(payload["p"]), dt.datetime.fromtimestamp(int(payload["x"]), dt.UTC)
        identity = tuple(payload["i"]) if "i" in payload else None
        consent_id = payload.get("c")
    except (ValueError, KeyError, TypeError):
        raise forged from None
    if (identity is None) == (consent_id is None):
        raise forged
    if (now or utcnow()) > expires:
        raise VerificationFailed("this withdrawal link has expired; withdraw in the preference centre instead")
    return WithdrawalToken(purpose, expires, identity, consent_id)  # type: ignore[arg-type]


def withdrawal_link(key: bytes, base_url: str, identities_or_consent_id: Mapping[str, str] | str,
                    purpose: str, *, valid_for: dt.timedelta | None = None, now: dt.datetime | None = None) -> str:
    """The one-click link to put in an e-mail: GET shows a page with one button, POST withdraws."""
    token = make_token(key, identities_or_consent_id, purpose, valid_for=valid_for, now=now)
    return f"{base_url.rstrip('/')}/withdraw/{token}"


def list_unsubscribe_headers(link: str) -> dict[str, str]:
    """Mail headers for one-click unsubscribe in the mail client (RFC 2369, RFC 8058)."""
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
