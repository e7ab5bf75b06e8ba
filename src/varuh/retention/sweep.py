"""`retention run`: erase what is due, set-based, in batches, and log the counts.

Each batch is one transaction in the organisation's store: select up to `batch` primary keys of
due rows after the last key seen (keyset pagination: each batch starts where the previous ended,
and updated rows are never read twice), then DELETE or UPDATE exactly those keys, re-checking the
due clause in the same statement so a row that changed in between (a claim raised) is left alone.
A sweep killed mid-batch loses only that uncommitted batch; because "due" is recomputed from the
data on every run, the next run simply finishes the work (idempotent and resumable without any
checkpoint). Erasing is idempotent too: a nulled, masked or hashed field no longer matches.

The deletion log in the ledger gets each batch's count after the batch commits. The ledger and a
store are separate databases, so a crash between the two commits can leave the log one batch
short; it never counts a batch that was rolled back. Runs are exclusive (lock.py).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from varuh.connectors.stores import store_error
from varuh.errors import StoreError
from varuh.law.clock import utcnow
from varuh.ledger import audit
from varuh.ledger.retention import mark_interrupted, open_run, retention_log, retention_runs
from varuh.model.datasets import DataMap
from varuh.model.privacy import PrivacyModel
from varuh.retention import consents, handover
from varuh.retention.evaluate import (
    HMAC_PREFIX,
    ProofRule,
    Target,
    anchor_clause,
    conditions_clause,
    customer_periods,
    cutoff,
    erased_value,
    not_erased_clause,
    resolve,
)
from varuh.retention.lock import LEASE, SweepLock, holder_name
from varuh.retention.plan import consent_due
from varuh.retention.tables import OpenStore, open_stores


@dataclass
class RunItem:
    rule: str
    kind: str
    store: str
    table: str
    action: str
    cutoff: dt.date | None
    affected: int = 0  # rows deleted or anonymised (dry run: rows that would be)
    status: str = "pending"  # done, error, skipped
    error: str | None = None


@dataclass
class RunResult:
    run: str | None  # the run's reference in the ledger (None for a dry run)
    as_of: dt.date
    dry_run: bool
    status: str  # done, partial (a store failed)
    items: list[RunItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    total_affected: int = 0
    handovers: list[handover.Handover] = field(default_factory=list)  # bundles handed to customers (handover.py)


#: Called after each batch with the item and the rows the batch affected (progress bars).
Progress = Callable[[RunItem, int], None]
#: Called inside each batch's transaction, before it commits (tests inject a crash here).
BatchHook = Callable[[RunItem, int], None]


def run_sweep(model: PrivacyModel, datamap: DataMap, here: Path, as_of: dt.date, ledger: sa.Engine, key: bytes,
              *, dry_run: bool = False, batch: int = 5000, trigger: str = "cli", actor: str = "system",
              progress: Progress | None = None, before_commit: BatchHook | None = None,
              clock: Callable[[], dt.datetime] = utcnow) -> RunResult:
    """Apply every due rule on `as_of`. Bad bindings raise before anything is erased.

    `clock` stamps the run, the log and the lock's lease (injected by the scheduler and tests).
    """
    res = resolve(model, datamap)
    opened, down = open_stores(res.targets, here)
    for t in res.targets:
        if t.store.id in opened:
            handover.check(t, opened[t.store.id].tables)
    result = RunResult(None, as_of, dry_run, "done")
    result.errors = [e.message for e in down]
    items = [(t, RunItem(t.key, t.kind, t.store.id, t.table.name, t.binding.action,
                         cutoff(t.rule.period, as_of, t.rule.year_end) if t.kind == "after" else None))
             for t in res.targets]
    for t, item in items:
        if t.store.id not in opened:
            item.status, item.error = "error", next(e.message for e in down if e.store == t.store.id)
    proof_items = [(p, RunItem(p.key, "after", "ledger", f"consent_events ({p.purpose})", "delete_row",
                               cutoff(p.period, as_of))) for p in res.proofs]
    result.items = [i for _, i in items] + [i for _, i in proof_items]
    if dry_run:
        _dry_run(items, proof_items, opened, as_of, ledger, key, batch)
    else:
        _run(items, proof_items, opened, as_of, ledger, key, batch, trigger, actor, progress, before_commit, result,
             clock)
    result.errors += [f"{i.rule}: {i.error}" for i in result.items if i.status == "error" and i.error
                      and i.store in opened]
    result.total_affected = sum(i.affected for i in result.items)
    if any(i.status == "error" for i in result.items):
        result.status = "partial"
    return result


def _dry_run(items: list[tuple[Target, RunItem]], proof_items: list[tuple[ProofRule, RunItem]],
             opened: dict[str, OpenStore], as_of: dt.date, ledger: sa.Engine, key: bytes, batch: int) -> None:
    for target, item in items:
        if item.status == "error":
            continue
        if target.kind == "purpose":
            item.status = "skipped"
            continue
        store = opened[target.store.id]
        try:
            with store.engine.connect() as conn:
                due = _due_clause(target, store, conn, as_of, ledger, key, batch)
                item.affected = conn.execute(sa.select(sa.func.count()).select_from(store.tables[target.table.name])
                                             .where(due)).scalar_one()
                item.affected += handover.count_due(target, conn, store.tables, as_of, besides=due)
            item.status = "done"
        except SQLAlchemyError as e:
            item.status, item.error = "error", store_error(target.store.id, e).message
    with ledger.connect() as conn:
        for proof, item in proof_items:
            item.affected = consents.count_expired_proofs(conn, proof.purpose, consents.day_start(item.cutoff))
            item.status = "done"


def _due_clause(target: Target, store: OpenStore, conn: sa.Connection, as_of: dt.date, ledger: sa.Engine,
                key: bytes, batch: int) -> sa.ColumnElement[bool]:
    table = store.tables[target.table.name]
    base = sa.and_(conditions_clause(target, store.tables), not_erased_clause(target, table))
    if target.kind == "consent":
        pks = consent_due(target, conn, table, base, as_of, ledger, key, batch)
        return sa.and_(base, table.c[target.table.primary_key].in_(pks)) if pks else sa.false()
    periods = customer_periods(target, conn, store.tables) if target.kind == "customer" else None
    return sa.and_(base, anchor_clause(target, table, as_of, periods))


class _Ledger:
    """The run's bookkeeping in the ledger: the run row, one log row per item, the lock's lease."""

    def __init__(self, engine: sa.Engine, lock: SweepLock, run_id: int, clock: Callable[[], dt.datetime]) -> None:
        self.engine, self.lock, self.run_id, self.clock = engine, lock, run_id, clock
        self.log_ids: dict[int, int] = {}

    def start_item(self, item: RunItem) -> None:
        with self.engine.begin() as conn:
            self.log_ids[id(item)] = conn.execute(sa.insert(retention_log).values(
                run_id=self.run_id, rule=item.rule, store=item.store, table_name=item.table, action=item.action,
                cutoff=item.cutoff.isoformat() if item.cutoff else None, count=0, at=self.clock(),
                complete=False)).inserted_primary_key[0]

    def add(self, item: RunItem, n: int, complete: bool = False) -> None:
        """Count a committed batch, beat the run's heart and renew the lock (stop if it was lost)."""
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(sa.update(retention_log).where(retention_log.c.id == self.log_ids[id(item)])
                         .values(count=retention_log.c.count + n, at=now, complete=complete))
            conn.execute(sa.update(retention_runs).where(retention_runs.c.id == self.run_id)
                         .values(total=retention_runs.c.total + n, heartbeat_at=now))
            self.lock.renew(conn)  # a lost lease rolls this bookkeeping back and stops the sweep


def _run(items: list[tuple[Target, RunItem]], proof_items: list[tuple[ProofRule, RunItem]],
         opened: dict[str, OpenStore], as_of: dt.date, ledger: sa.Engine, key: bytes, batch: int, trigger: str,
         actor: str, progress: Progress | None, before_commit: BatchHook | None, result: RunResult,
         clock: Callable[[], dt.datetime]) -> None:
    ref = "R-" + secrets.token_hex(6)
    lock = SweepLock(ledger, holder_name(ref), clock=clock)
    with lock:
        now = clock()
        with ledger.begin() as conn:
            mark_interrupted(conn, now - LEASE)
            run_id = open_run(conn, ref, as_of, now, trigger, f"{socket.gethostname()}:{os.getpid()}"[:120])
        result.run = ref
        book = _Ledger(ledger, lock, run_id, clock)
        status, error = "failed", None
        try:
            for target, item in items:
                if item.status == "error" or target.kind == "purpose":
                    item.status = "skipped" if item.status != "error" else item.status
                    continue
                book.start_item(item)
                try:
                    if target.binding.ended_column:  # contract ended: export to the customer, then delete
                        result.handovers += _hand_over(target, item, [t for t, _ in items], opened[target.store.id],
                                                       as_of, ledger, batch, book, progress, actor, clock, ref)
                    _sweep_target(target, item, opened[target.store.id], as_of, ledger, key, batch, book,
                                  progress, before_commit)
                    item.status = "done"
                except SQLAlchemyError as e:  # this table failed (a foreign key, a lost connection): go on
                    item.status, item.error = "error", store_error(target.store.id, e).message
                except StoreError as e:
                    item.status, item.error = "error", e.message
            _settle(items, opened, as_of, ledger, key, batch, book, progress, before_commit)
            for proof, item in proof_items:
                book.start_item(item)

                def counted(n: int, item: RunItem = item) -> None:
                    item.affected += n
                    book.add(item, n)
                    if progress:
                        progress(item, n)

                consents.delete_expired_proofs(ledger, proof.purpose, consents.day_start(item.cutoff), batch,
                                               on_batch=counted)
                book.add(item, 0, complete=True)
                item.status = "done"
            status = "partial" if any(i.status == "error" for _, i in items) else "done"
        except BaseException as e:
            error = getattr(e, "message", None) or type(e).__name__
            raise
        finally:
            total = sum(i.affected for _, i in items) + sum(i.affected for _, i in proof_items)
            with ledger.begin() as conn:
                conn.execute(sa.update(retention_runs).where(retention_runs.c.id == run_id).values(
                    status=status, finished_at=clock(), error=error))
                audit.record(conn, actor, "retention.run", "retention_run", ref,
                             {"as_of": as_of.isoformat(), "status": status, "total": total, "trigger": trigger})


def _hand_over(target: Target, item: RunItem, targets: list[Target], store: OpenStore, as_of: dt.date,
               ledger: sa.Engine, batch: int, book: _Ledger, progress: Progress | None, actor: str,
               clock: Callable[[], dt.datetime], ref: str) -> list[handover.Handover]:
    """The handover before the period sweep of a customer rule: each customer's rows leave in a bundle first."""
    def deleted(n: int) -> None:
        item.affected += n
        book.add(item, n)
        if progress:
            progress(item, n)

    def recorded(h: handover.Handover) -> None:
        handover.record(ledger, book.run_id, ref, h, actor, clock())

    return handover.hand_over(target, targets, store.tables, store.engine, as_of, ref, batch, deleted,
                              recorded, clock())


def _settle(items: list[tuple[Target, RunItem]], opened: dict[str, OpenStore], as_of: dt.date, ledger: sa.Engine,
            key: bytes, batch: int, book: _Ledger, progress: Progress | None, before_commit: BatchHook | None) -> None:
    """Sweep again the rules whose `exists` condition looked at a table this run deleted from.

    "Unless a purchase exists" is evaluated against the data as it stands: when the sweep deletes
    the last order of an account (delivery + 5 years), the account may fall due in the same run.
    Settling here makes a run reach the state a second run would find, so the second changes nothing.
    """
    changed = {(t.store.id, t.table.name) for t, i in items if i.affected and t.binding.action == "delete_row"}
    for _ in range(3):
        again = [(t, i) for t, i in items if i.status == "done"
                 and any((t.store.id, c.exists) in changed for c in t.binding.conditions if c.exists)]
        changed = set()
        for target, item in again:
            before = item.affected
            _sweep_target(target, item, opened[target.store.id], as_of, ledger, key, batch, book, progress,
                          before_commit)
            if item.affected > before and target.binding.action == "delete_row":
                changed.add((target.store.id, target.table.name))
        if not changed:
            return


def _sweep_target(target: Target, item: RunItem, store: OpenStore, as_of: dt.date, ledger: sa.Engine, key: bytes,
                  batch: int, book: _Ledger, progress: Progress | None, before_commit: BatchHook | None) -> None:
    table = store.tables[target.table.name]
    pk = table.c[target.table.primary_key]
    with store.engine.connect() as conn:
        due = _due_clause(target, store, conn, as_of, ledger, key, batch)
    fields = target.erase_fields()
    # PostgreSQL and SQLite select and erase a batch in one statement (DML … WHERE pk IN (SELECT … LIMIT n)).
    # A DELETE needs no ORDER BY (a deleted row cannot be seen again), so the planner may walk the anchor's
    # index like a hand-written batched DELETE; an UPDATE pages by primary key (keyset). MySQL/MariaDB allow
    # no LIMIT in such a subquery, and hmac needs the values in Python: there, keys are selected first.
    one_statement = store.engine.dialect.name in ("postgresql", "sqlite") and all(s != "hmac" for _, s, _ in fields)
    last: Any = None
    while True:
        with store.engine.begin() as conn:
            if one_statement and not fields:
                sub = sa.select(pk).where(due).limit(batch).scalar_subquery()
                n = conn.execute(sa.delete(table).where(pk.in_(sub))).rowcount
                keys = [n] if n else []
            elif one_statement:  # updated rows stay in the table: keyset order, so none is read twice
                q = sa.select(pk).where(due)
                if last is not None:
                    q = q.where(pk > last)
                dml = sa.update(table).values({name: erased_value(table.c[name], s, v) for name, s, v in fields})
                keys = list(conn.execute(dml.where(pk.in_(q.order_by(pk).limit(batch).scalar_subquery()))
                                         .returning(pk)).scalars())
                n = len(keys)
            else:
                q = sa.select(pk).where(due)
                if last is not None:
                    q = q.where(pk > last)
                keys = list(conn.execute(q.order_by(pk).limit(batch)).scalars())
                n = _apply(conn, table, pk, keys, due, fields, key) if keys else 0
            if not keys:
                break
            if before_commit:
                before_commit(item, n)
        last = None if one_statement and not fields else max(keys) if one_statement else keys[-1]
        item.affected += n
        book.add(item, n)
        if progress:
            progress(item, n)
    book.add(item, 0, complete=True)


def _apply(conn: sa.Connection, table: sa.Table, pk: sa.Column, keys: list, due: sa.ColumnElement[bool],
           fields: list[tuple[str, str, Any]], key: bytes) -> int:
    """Delete or erase the rows with these keys that are still due; the number of rows affected."""
    where = sa.and_(pk.in_(keys), due)
    if not fields:
        return conn.execute(sa.delete(table).where(where)).rowcount
    hashed = [name for name, s, _ in fields if s == "hmac"]
    rows = conn.execute(sa.select(pk, *(table.c[n] for n in hashed)).where(where)).all()
    if not rows:
        return 0
    matched = [row[0] for row in rows]
    sql_fields = {name: erased_value(table.c[name], s, v) for name, s, v in fields if s != "hmac"}
    if sql_fields:
        conn.execute(sa.update(table).where(pk.in_(matched)).values(sql_fields))
    if hashed:  # computed here: the key never goes to the organisation's database
        params = [{"k": row[0], **{f"v_{n}": _hashed(row[i + 1], key, table.c[n]) for i, n in enumerate(hashed)}}
                  for row in rows]
        conn.execute(sa.update(table).where(pk == sa.bindparam("k"))
                     .values({n: sa.bindparam(f"v_{n}") for n in hashed}), params)
    return len(rows)


def _hashed(value: Any, key: bytes, column: sa.Column) -> Any:
    if value is None or str(value).startswith(HMAC_PREFIX):
        return value
    return pseudonym(str(value), key, column)


def pseudonym(value: str, key: bytes, column: sa.Column) -> str:
    """A keyed pseudonym of a value (HMAC-SHA256), cut to the column's length."""
    import hashlib
    import hmac

    token = HMAC_PREFIX + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    length = getattr(column.type, "length", None)
    return token[:length] if length else token
