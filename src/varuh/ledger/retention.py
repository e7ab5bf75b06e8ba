"""Retention in the ledger: the runs, the deletion log and the sweep lock.

The deletion log is the proof that promised retention periods are kept (GDPR Art. 5(1)(e) and
5(2), accountability): which rule erased how many rows of which table in which run, and when.
It never holds the erased data, its keys or its identities — only counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from varuh.ledger.tables import BigId, metadata

retention_runs = Table(
    "retention_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ref", String(32), nullable=False, unique=True),  # R-…, shown to people and in the audit log
    Column("as_of", Date, nullable=False),  # the date the rules were evaluated for
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("status", String(16), nullable=False),  # running, done, partial, failed, interrupted
    Column("trigger", String(40), nullable=False),  # cli, schedule, api
    Column("host", String(120), nullable=True),  # machine and process that ran it
    Column("total", Integer, nullable=False, default=0),  # rows deleted or anonymised
    Column("error", Text, nullable=True),  # the user-facing message; never personal data
)

retention_log = Table(
    "retention_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", BigId, ForeignKey("retention_runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("rule", String(120), nullable=False),  # activity.rule
    Column("store", String(80), nullable=False),
    Column("table_name", String(160), nullable=False),
    Column("action", String(20), nullable=False),  # delete_row, erase_fields
    Column("cutoff", String(40), nullable=True),  # what "due" meant: the anchor bound, ISO text
    Column("count", Integer, nullable=False, default=0),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("complete", Boolean, nullable=False, default=False),  # the table has nothing due left
)

retention_locks = Table(
    "retention_locks",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(160), nullable=False),  # run ref and host:pid
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),  # the lease; renewed by every batch
)


@dataclass
class RunRow:
    ref: str
    as_of: dt.date
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    trigger: str
    total: int
    error: str | None


def open_run(conn: Connection, ref: str, as_of: dt.date, now: dt.datetime, trigger: str, host: str) -> int:
    return conn.execute(insert(retention_runs).values(
        ref=ref, as_of=as_of, started_at=now, heartbeat_at=now, status="running", trigger=trigger, host=host,
        total=0)).inserted_primary_key[0]


def mark_interrupted(conn: Connection, stale_before: dt.datetime) -> int:
    """Runs still 'running' whose heartbeat stopped: their process died (the next run finishes the work)."""
    return conn.execute(update(retention_runs)
                        .where(retention_runs.c.status == "running", retention_runs.c.heartbeat_at < stale_before)
                        .values(status="interrupted")).rowcount


def last_runs(conn: Connection, limit: int = 10) -> list[RunRow]:
    rows = conn.execute(select(retention_runs).order_by(retention_runs.c.id.desc()).limit(limit))
    return [RunRow(r.ref, r.as_of, r.started_at, r.finished_at, r.status, r.trigger, r.total, r.error)
            for r in rows]


def run_log(conn: Connection, ref: str) -> list[dict]:
    """The deletion log of one run: rule, store, table, action, count."""
    rows = conn.execute(
        select(retention_log).join(retention_runs, retention_runs.c.id == retention_log.c.run_id)
        .where(retention_runs.c.ref == ref).order_by(retention_log.c.id))
    return [{"rule": r.rule, "store": r.store, "table": r.table_name, "action": r.action, "cutoff": r.cutoff,
             "count": r.count, "at": r.at, "complete": r.complete} for r in rows]
