"""Security on every answer and the checks routes depend on: headers, API keys, CSRF.

- Headers: set by a plain ASGI middleware (cheaper than Starlette's BaseHTTPMiddleware on the
  hot consent-check path).
- API keys (`require_scope("consent:read")`): `Authorization: Bearer varuh_…` or `X-API-Key`.
  A verified key is remembered for VARUH_CONSENT_CACHE_SECONDS, so a revocation reaches a
  running service within that time.
- CSRF for HTML forms (`csrf_protect`, `csrf_token`): a cross-site form post is refused when
  its Origin (or Referer) names another site, and the form must echo the double-submit token
  of the `varuh_csrf` cookie. Pages put `csrf_token(request, response)` in a hidden field
  named `csrf_token` (or send it as the `X-CSRF-Token` header from script).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from varuh import settings
from varuh.errors import NotAllowed
from varuh.ledger.apikeys import ApiKey, verify_key

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
_CSP = (b"content-security-policy", b"frame-ancestors 'none'")


class SecurityHeaders:
    """Adds the headers to every response unless the route set them itself."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        add = list(_HEADERS) if scope["path"].startswith("/docs") else [*_HEADERS, _CSP]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in add if k not in present]
                if extra:
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)


# --- API keys ------------------------------------------------------------------------------------


class MissingKey(NotAllowed):
    """No credentials at all: 401, so clients know to send a key."""

    status = 401


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer varuh_…`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key in the X-API-Key header")
_verified: dict[str, tuple[float, ApiKey]] = {}
_verified_lock = threading.Lock()


def _verified_key(presented: str) -> ApiKey | None:
    hit = _verified.get(presented)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _check_key(request: Request, presented: str) -> ApiKey:
    from varuh.web.state import get_state

    with get_state(request).engine.connect() as conn:
        key = verify_key(conn, presented)
    ttl = float(settings.get("VARUH_CONSENT_CACHE_SECONDS") or 0)
    if ttl > 0:
        with _verified_lock:
            if len(_verified) > 10_000:
                _verified.clear()
            _verified[presented] = (time.monotonic() + ttl, key)
    return key


async def authorize(request: Request, scope: str) -> ApiKey:
    """The request's API key, which must hold `scope`; MissingKey (401) or NotAllowed (403) otherwise.

    For lean routes on the hot path; other routes use the `require_scope` dependency.
    """
    presented = request.headers.get("x-api-key")
    if not presented:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        presented = credentials.strip() if scheme.lower() == "bearer" else None
    if not presented:
        raise MissingKey(f"this endpoint needs an API key with scope {scope} "
                         "(Authorization: Bearer … or X-API-Key; create one with `varuh keys create`)")
    # a key verified moments ago is answered from memory; otherwise the ledger is read off the event loop
    key = _verified_key(presented) or await run_in_threadpool(_check_key, request, presented)
    if not key.allows(scope):
        raise NotAllowed(f"API key {key.key_id} lacks scope {scope}")
    return key


def require_scope(scope: str):
    """A dependency: the request's API key, which must hold `scope`; 401/403 otherwise."""

    async def dependency(request: Request, bearer: HTTPAuthorizationCredentials | None = Depends(_bearer),
                         header: str | None = Depends(_header)) -> ApiKey:
        # _bearer and _header only declare the schemes in OpenAPI (the /docs "Authorize" button)
        return await authorize(request, scope)

    return dependency


# --- CSRF ----------------------------------------------------------------------------------------

CSRF_COOKIE = "varuh_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def csrf_token(request: Request, response: Response) -> str:
    """The token to put in the page's forms; sets the cookie when the visitor has none yet."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 20:
        token = secrets.token_urlsafe(24)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
    return token


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request) -> bool:
    """False when the browser says the request came from another site (Origin, else Referer)."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return claimed is None  # "null" (sandboxed or privacy-redirected) is not ours
    allowed = {_origin(str(request.base_url))}
    base = settings.get("VARUH_BASE_URL")
    if base:
        allowed.add(_origin(base))
    return _origin(claimed) in allowed


async def csrf_protect(request: Request) -> None:
    """A dependency for HTML form posts: same origin and the double-submit token, or 403."""
    if request.method not in _UNSAFE:
        return
    if not same_origin(request):
        raise NotAllowed("this form was sent from another site; reload the page and send it again")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get(CSRF_FIELD)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie, sent):
        raise NotAllowed("the form's security token is missing or stale; reload the page and send it again")
