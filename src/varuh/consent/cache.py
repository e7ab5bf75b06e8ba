"""An in-process cache for the consent check, the hot path (every page view, every e-mail sent).

How fresh an answer is:

1. A change made through this process is visible to the next check in this process. The engine
   drops the holder's entries when it writes (before commit) and again when the writing
   connection goes back to the pool (after commit); a read that raced with a write is never
   stored (every invalidation bumps a generation counter, and a reader stores its answer only
   if the generation did not move while it was reading).
2. A change made by another process (another `varuh serve` worker, the CLI) is visible within
   VARUH_CONSENT_CACHE_SECONDS (default 1 s): at most that often the cache reads the events
   appended since its last look (one indexed range query) and drops the entries of the holders
   they name. Entries that nothing changed stay warm, so a hot working set is served from
   memory. On PostgreSQL ids can commit out of order (a transaction that took id 100 may commit
   after the one that took 101), so each look re-reads a window of the last OVERLAP ids and
   acts on the ones it had not seen.
3. Backstops: an entry lives at most MAX_AGE seconds (covers changes that append no event, such
   as an erasure deleting state rows); a cached "no such subject" lives VARUH_CONSENT_CACHE_SECONDS
   (a subject or identity created elsewhere appears in time).
4. VARUH_CONSENT_CACHE_SECONDS=0 turns the cache off: every check reads the ledger.

Entries are tagged by what invalidates them: the subject id, the keyed digest of each identity
and the consent id.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Hashable, Iterable
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, event, func, select

from varuh import settings
from varuh.ledger.consent import consent_events

MAX_ENTRIES = 500_000  # then start over: cheaper than an LRU on the hot path, and rare
MAX_AGE = 60.0
OVERLAP = 1000  # ids re-read on each look, PostgreSQL only (SQLite commits in id order)

clock = time.monotonic  # tests replace it

_MAX_ID = select(func.max(consent_events.c.id))
_SINCE = select(consent_events.c.id, consent_events.c.subject_id, consent_events.c.consent_id).where(
    consent_events.c.id > bindparam("after"))


class StateCache:
    def __init__(self, ttl: float, overlap: int = 0) -> None:
        self.ttl = ttl
        self.overlap = overlap
        self.entries: dict[Hashable, tuple[float, Any]] = {}
        self.tags: dict[Hashable, set[Hashable]] = {}
        self.generation = 0
        self.next_look = 0.0  # entries are trusted only before this instant
        self.watermark: int | None = None  # the highest event id looked at
        self.seen: set[int] = set()  # ids in the overlap window already acted on
        self._lock = threading.Lock()
        self._look_lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        now = clock()
        if now >= self.next_look:  # time to look for other processes' changes first
            return None
        entry = self.entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        return None

    def put(self, key: Hashable, value: Any, tags: Iterable[Hashable], generation: int, short: bool = False) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if generation != self.generation:  # something changed while we read: our answer may be old
                return
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()
                self.tags.clear()
            self.entries[key] = (clock() + (self.ttl if short else MAX_AGE), value)
            for tag in tags:
                self.tags.setdefault(tag, set()).add(key)

    def invalidate(self, tags: Iterable[Hashable]) -> None:
        with self._lock:
            self.generation += 1
            for tag in tags:
                for key in self.tags.pop(tag, ()):
                    self.entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self.entries.clear()
            self.tags.clear()

    def look(self, conn: Connection) -> None:
        """Drop the entries of holders whose events other processes appended since the last look."""
        if self.ttl <= 0 or clock() < self.next_look or not self._look_lock.acquire(blocking=False):
            return
        try:
            started = clock()
            if self.watermark is None:
                with self._lock:  # nothing cached can predate the first look
                    self.generation += 1
                    self.entries.clear()
                    self.tags.clear()
                self.watermark = conn.execute(_MAX_ID).scalar() or 0
            else:
                rows = conn.execute(_SINCE, {"after": self.watermark - self.overlap}).all()
                new = [r for r in rows if r.id > self.watermark or r.id not in self.seen]
                if new:
                    self.invalidate([("s", r.subject_id) for r in new if r.subject_id is not None]
                                    + [("c", r.consent_id) for r in new if r.consent_id is not None])
                    self.watermark = max(self.watermark, *(r.id for r in new))
                if self.overlap:
                    self.seen = {r.id for r in rows if r.id > self.watermark - self.overlap}
            self.next_look = started + self.ttl
        finally:
            self._look_lock.release()


_caches: weakref.WeakKeyDictionary[Engine, StateCache] = weakref.WeakKeyDictionary()
_PENDING = "varuh_consent_pending"  # key in the DBAPI connection's info: tags written, not yet committed


def cache_for(engine: Engine) -> StateCache:
    cache = _caches.get(engine)
    if cache is None:
        overlap = OVERLAP if engine.dialect.name != "sqlite" else 0
        cache = StateCache(float(settings.get("VARUH_CONSENT_CACHE_SECONDS") or 0), overlap)
        _caches[engine] = cache
        event.listen(engine, "checkin", _on_checkin(cache))
    return cache


def _on_checkin(cache: StateCache):
    def checkin(dbapi_connection, record) -> None:
        if record is not None and record.info.get(_PENDING):
            cache.invalidate(record.info.pop(_PENDING))

    return checkin


def note_write(conn: Connection, tags: list[Hashable]) -> None:
    """Called by the engine inside the writing transaction: drop now, and again after commit."""
    cache = cache_for(conn.engine)
    cache.invalidate(tags)
    conn.info.setdefault(_PENDING, []).extend(tags)


def has_pending(conn: Connection) -> bool:
    """This connection wrote consents in its open transaction: its reads must bypass the cache."""
    return bool(conn.info.get(_PENDING))
