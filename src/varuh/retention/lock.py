"""One sweep at a time, across processes and machines that share a ledger.

A lease row in the ledger (`retention_locks`): taken by an atomic conditional write (insert when
absent, or take over when the lease has expired), renewed by every batch, released at the end. A
process that dies keeps the lock only until its lease runs out, so a crashed sweep never blocks
the next one for long. Renewal doubles as a fence: a sweep that finds its lease taken over (it
stalled longer than the lease) stops before its next batch. Works the same on SQLite and
PostgreSQL, which is why no PostgreSQL advisory lock is needed (one would not span SQLite ledgers
and would bind the lock to one connection for the whole run).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
from collections.abc import Callable, Iterator

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from varuh.errors import Conflict, InvalidInput
from varuh.law.clock import utcnow
from varuh.ledger.retention import retention_locks

LOCK_NAME = "retention"
LEASE = dt.timedelta(minutes=5)


@contextlib.contextmanager
def ledger_ready() -> Iterator[None]:
    """A ledger without the consent or retention tables is a setup step missed, not a crash."""
    try:
        yield
    except (OperationalError, ProgrammingError) as e:
        if "retention_" in str(e) or "consent_" in str(e):
            raise InvalidInput("the ledger is not set up (tables missing): run `varuh db upgrade` first") from None
        raise


def holder_name(run_ref: str) -> str:
    return f"{run_ref} {socket.gethostname()}:{os.getpid()}"[:160]


class SweepLock:
    """`with SweepLock(engine, holder):` — raises Conflict when another live sweep holds it."""

    def __init__(self, engine: Engine, holder: str, lease: dt.timedelta = LEASE,
                 clock: Callable[[], dt.datetime] = utcnow, name: str = LOCK_NAME) -> None:
        self.engine, self.holder, self.lease, self.clock, self.name = engine, holder, lease, clock, name

    def acquire(self) -> None:
        now = self.clock()
        with ledger_ready(), self.engine.begin() as conn:
            taken = conn.execute(
                update(retention_locks)
                .where(retention_locks.c.name == self.name, retention_locks.c.expires_at < now)
                .values(holder=self.holder, acquired_at=now, expires_at=now + self.lease)).rowcount
        if taken:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(retention_locks).values(name=self.name, holder=self.holder, acquired_at=now,
                                                            expires_at=now + self.lease))
        except IntegrityError:
            with self.engine.connect() as conn:
                row = conn.execute(select(retention_locks).where(retention_locks.c.name == self.name)).first()
            since = row.acquired_at.isoformat(timespec="seconds") if row else "?"
            raise Conflict(f"another retention sweep is running ({row.holder if row else '?'}, since {since}); "
                           "try again when it has finished") from None

    def renew(self, conn: Connection | None = None) -> None:
        """Extend the lease (in the caller's transaction, if given); Conflict if it was lost to another sweep."""
        now = self.clock()
        statement = (update(retention_locks)
                     .where(retention_locks.c.name == self.name, retention_locks.c.holder == self.holder)
                     .values(expires_at=now + self.lease))
        if conn is not None:
            kept = conn.execute(statement).rowcount
        else:
            with self.engine.begin() as own:
                kept = own.execute(statement).rowcount
        if not kept:
            raise Conflict("the retention lock was taken over by another sweep; this sweep stopped")

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(retention_locks).where(
                and_(retention_locks.c.name == self.name, retention_locks.c.holder == self.holder)))

    def __enter__(self) -> SweepLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
