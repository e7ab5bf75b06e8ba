"""The HTTP connector: a signed JSON request to an endpoint of the organisation (e.g. its newsletter
service), for stores Varuh cannot reach with SQL.

The request

    POST <url from url_env>
    Content-Type: application/json
    Idempotency-Key: <the same for every retry and every rerun of one request's operation>
    X-Varuh-Timestamp: <unix seconds>
    X-Varuh-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<body>" with the key from secret_env>

    {"operation": "erasure", "request": "Z-2025-0001", "identities": {"email": "…"}, "dry_run": false}

The endpoint verifies the signature (and may refuse old timestamps), does the work and answers
2xx with a JSON object (for access: the data it holds, under "data"). Network errors, 429 and 5xx
are retried with exponential backoff; other answers fail at once. Because the idempotency key is
fixed per request and operation, a retry or a rerun after a crash never does the work twice on
an endpoint that honours the header. Messages show the endpoint's host only, never its path,
query or the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from varuh.errors import StoreError
from varuh.model.datasets import Store

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
BACKOFF_SECONDS = 0.5  # the first wait; doubled after every failed attempt


@dataclass
class HttpOutcome:
    status: int
    attempts: int
    body: dict[str, Any]


def idempotency_key(request_ref: str | None, store_id: str, operation: str) -> str:
    """Stable for one request, store and operation: retries and reruns send the same key."""
    return hashlib.sha256(f"varuh:{request_ref or '-'}:{store_id}:{operation}".encode()).hexdigest()[:40]


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    """For endpoints written in Python (and the tests): constant-time comparison."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")


def call(store: Store, operation: str, payload: dict[str, Any], key: str, *,
         client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
         backoff: float | None = None) -> HttpOutcome:
    """Send one signed operation to the store's endpoint, retrying with exponential backoff."""
    spec = store.http
    assert spec is not None
    if operation not in spec.operations:
        raise StoreError(store.id, f"the endpoint does not take {operation!r} "
                                   f"(operations: {', '.join(spec.operations)})")
    url, secret = os.environ.get(spec.url_env), os.environ.get(spec.secret_env)
    if not url or not secret:
        missing = spec.url_env if not url else spec.secret_env
        raise StoreError(store.id, f"set the environment variable {missing}")
    body = json.dumps({"operation": operation, **payload}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()
    backoff = BACKOFF_SECONDS if backoff is None else backoff
    own = client is None
    client = client or httpx.Client(timeout=spec.timeout_seconds)
    attempts = 0
    problem = "no answer"
    try:
        while True:
            attempts += 1
            stamp = str(int(time.time()))
            headers = {"Content-Type": "application/json", "Idempotency-Key": key, "X-Varuh-Timestamp": stamp,
                       "X-Varuh-Signature": sign(secret.encode(), stamp, body)}
            try:
                response = client.post(url, content=body, headers=headers)
            except httpx.HTTPError as e:
                problem = f"{type(e).__name__} reaching {_host(url)}"
            else:
                if response.is_success:
                    try:
                        data = response.json() if response.content else {}
                    except ValueError:
                        raise StoreError(store.id, f"{_host(url)} answered {response.status_code} "
                                                   "with a body that is not JSON") from None
                    answer = data if isinstance(data, dict) else {"data": data}
                    return HttpOutcome(response.status_code, attempts, answer)
                problem = f"{_host(url)} answered {response.status_code}"
                if response.status_code not in RETRY_STATUS:
                    hint = " (check the signing key)" if response.status_code in (401, 403) else ""
                    raise StoreError(store.id, problem + hint)
            if attempts > spec.retries:
                raise StoreError(store.id, f"{problem}; gave up after {attempts} attempts")
            sleep(backoff * 2 ** (attempts - 1))
    finally:
        if own:
            client.close()
