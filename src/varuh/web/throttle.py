"""Rate limits for the public endpoints (banner choices, preference-centre links), which no API key
guards, and the client address they are keyed on.

A sliding window per key (the client address, or a keyed hash of an e-mail address), held in the
process. That is enough against a script hammering one service; several workers each keep their
own window, so the effective limit is per worker. Keys are never logged.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable

from fastapi import Request

from varuh.errors import VaruhError


class TooManyRequests(VaruhError):
    status = 429


class Throttle:
    """At most `limit` hits per `window` seconds for each key."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> None:
        """Count one hit; raise TooManyRequests when the key is over its limit."""
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise TooManyRequests("too many requests: try again in a minute")
        hits.append(now)
        if len(self._hits) > 10_000:  # forget idle keys so memory stays bounded
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}


def throttle_for(request: Request, name: str, limit: tuple[int, float]) -> Throttle:
    """One throttle per app and name, so separate apps (tests) do not share counters."""
    throttles = getattr(request.app.state, "throttles", None)
    if throttles is None:
        throttles = request.app.state.throttles = {}
    if name not in throttles:
        throttles[name] = Throttle(*limit)
    return throttles[name]


def client_ip(request: Request) -> str:
    """The peer address. Behind a proxy, run uvicorn with --proxy-headers so it is the visitor's."""
    return request.client.host if request.client else "unknown"


def proof_ip(request: Request) -> str | None:
    """The peer address for a consent proof (the engine truncates it), if it is an address at all."""
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None
