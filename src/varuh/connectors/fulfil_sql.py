"""Fulfilment in one SQL store: the walk, then the request type's work, in one transaction.

    access, portability   the rows found, streamed into the bundle (bundle.py)
    erasure and the like  each table's erasure, children first (erasure.py)
    rectification         the named fields set, the values before kept for the request record only
    restriction           the flag column, else Varuh's side table

The store's transaction is committed only after its steps are written `prepared` in the ledger
(fulfil_ledger.py), and rolled back for a dry run (its counts are those of the statements really
run) and for access. A failure rolls the store back and is reported by id with a masked message.
"""

from __future__ import annotations

import datetime as dt
import graphlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from varuh.connectors.bundle import export_columns
from varuh.connectors.erasure import TableOutcome, TablePlan, erase_table, goes_as_found, plan_table, typed
from varuh.connectors.fulfil_context import ERASING, Run
from varuh.connectors.fulfil_ledger import drop_steps, failed, mark_steps, settle_earlier, write_steps
from varuh.connectors.fulfil_result import Exported, Rectified, StoreResult
from varuh.connectors.sql import SqlStore, batch_size, batched, forget, is_true, open_sql_store
from varuh.connectors.walk import Found, walk
from varuh.errors import StoreError
from varuh.model.datasets import Store


def sql_store(run: Run, store: Store) -> StoreResult:
    out = StoreResult(store.id, "sql")
    try:
        opened = open_sql_store(store, run.here)
    except StoreError as e:
        return failed(run, out, e)
    prepared: list[int] = []
    committed = False
    try:
        with opened.engine.connect() as conn, conn.begin() as tx:
            # an erasure's look at the tables it overwrites rides on the walk's statements
            plans = {t.name: plan_table(opened, t, model=run.model, today=run.today, scope=run.scope)
                     for t in opened.store.tables} if run.kind in ERASING else {}
            found = walk(conn, opened, run.identities,
                         extra={name: p.look_columns for name, p in plans.items() if p.fused},
                         delete={name for name, p in plans.items() if goes_as_found(conn, opened, p)})
            out.found = {t: found.count(t) for t in found.tables()}
            if run.kind in ("access", "portability"):
                _export(run, conn, opened, found, out)
            elif run.kind in ERASING:
                _erase(run, conn, opened, found, out, plans)
            elif run.kind == "rectification":
                _rectify(run, conn, opened, found, out)
            else:
                _restrict(run, conn, opened, found, out)
            out.statements = found.statements
            if run.dry_run or run.kind in ("access", "portability"):
                # a dry run ran every statement the real run would (so its counts are exact); undo them
                tx.rollback()
                if run.kind in ("access", "portability") and not run.dry_run:
                    write_steps(run, out, "done")
            else:
                prepared = write_steps(run, out, "prepared")
                if run.hook:
                    run.hook(store.id, "before_commit")
                tx.commit()
                committed = True
                if run.hook:  # committed, steps still `prepared`: a kill here is settled by the next run
                    run.hook(store.id, "after_commit")
    except SQLAlchemyError as e:
        drop_steps(run, prepared)
        forget(opened)
        return failed(run, out, opened.error(e))
    except StoreError as e:
        drop_steps(run, prepared)
        forget(opened)
        return failed(run, out, e)
    except BaseException:
        # an injected failure or an interrupt before the commit rolls this store back, so its
        # prepared steps are void; after the commit they stay `prepared` for the next run to settle
        # (as after a kill -9, when no handler runs at all)
        if not committed:
            drop_steps(run, prepared)
        raise
    if prepared:
        mark_steps(run, prepared, "done")
        settle_earlier(run, store.id, out)
    return out


def _children_first(store: Store, names: list[str]) -> list[str]:
    """Tables that reference others come before the tables they reference (foreign keys)."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    specs = {t.name: t for t in store.tables}
    for name in names:
        sorter.add(name, *[r for r in names if any(ref.table == name for ref in specs[r].references) and r != name])
    try:
        return list(sorter.static_order())
    except graphlib.CycleError:
        return names


def _export(run: Run, conn: sa.Connection, opened: SqlStore, found: Found, out: StoreResult) -> None:
    assert run.bundle is not None
    portability = run.kind == "portability"
    for spec in opened.store.tables:
        keys = sorted(found.keys.get(spec.name, ()), key=str)
        if not keys:
            continue
        table = opened.tables[spec.name]
        columns = export_columns(table, spec, run.model, portability)
        if not columns:
            continue
        pk = opened.pk(spec.name)

        def rows(keys=keys, table=table, columns=columns, pk=pk):
            for chunk in batched(keys, batch_size()):
                result = conn.execution_options(stream_results=True).execute(
                    sa.select(*(table.c[c] for c in columns)).where(opened.in_(pk, chunk)).order_by(pk))
                yield from result
                found.statements += 1

        written = run.bundle.write_table(opened.store.id, spec, columns, rows(), run.lang)
        out.exported.append(Exported(spec.name, written.rows))


def _blocked(conn: sa.Connection, opened: SqlStore, name: str, keys: list[Any]) -> set[Any]:
    """Keys of `name` that rows still in the database point at through a real foreign key: those
    rows cannot be deleted (their children stay, e.g. a kept invoice), only emptied."""
    target = opened.tables[name]
    blocked: set[Any] = set()
    for other in opened.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table.name != target.name:
                continue
            to_col = fk.column.name
            col = fk.parent
            if to_col == opened.spec(name).primary_key:
                for chunk in batched(keys, batch_size()):
                    blocked.update(v for (v,) in conn.execute(sa.select(col).distinct().where(opened.in_(col, chunk))))
    return blocked


def _erase(run: Run, conn: sa.Connection, opened: SqlStore, found: Found, out: StoreResult,
           plans: dict[str, TablePlan]) -> None:
    names = [t.name for t in opened.store.tables if found.count(t.name)]
    for name in _children_first(opened.store, names):
        spec = opened.spec(name)
        keys = list(found.keys[name])
        if name in found.deleted:  # the walk deleted every row it found (erasure.goes_as_found)
            out.tables.append(TableOutcome(name, found=len(keys), deleted=len(keys)))
            continue
        outcome = erase_table(conn, opened, spec, keys, model=run.model, today=run.today, key=run.key,
                              scope=run.scope, blocked=_blocked(conn, opened, name, keys), plan=plans[name],
                              looked=found.extra.get(name))
        out.tables.append(outcome)
        if outcome.held_keys and not (spec.restriction and spec.restriction.column):
            run.side_restrictions += [(opened.store.id, name, k, "legal_hold", until)
                                      for k, until in outcome.held_keys.items()]
        outcome.held_keys = {}  # row keys stay out of the result


def _rectify(run: Run, conn: sa.Connection, opened: SqlStore, found: Found, out: StoreResult) -> None:
    for (name, column), value in run.changes.items():
        if name not in opened.tables:
            continue
        keys = list(found.keys.get(name, ()))
        if not keys:
            continue
        table, pk = opened.tables[name], opened.pk(name)
        col = table.c[column]
        value = _typed_value(opened, name, col, value)
        rows = 0
        before: set[Any] = set()
        for chunk in batched(keys, batch_size()):
            pending = sa.and_(opened.in_(pk, chunk), sa.or_(col.is_(None), col != value))
            before.update(v for (v,) in conn.execute(sa.select(col).distinct().where(pending)))
            rows += conn.execute(sa.update(table).where(pending).values({column: value})).rowcount
        out.rectified.append(Rectified(name, column, rows))
        if rows:
            run.before_after.append({"store": opened.store.id, "table": name, "field": column,
                                     "before": sorted(str(b) for b in before if b is not None), "after": str(value)})


def _typed_value(opened: SqlStore, table: str, column: sa.Column, value: Any) -> Any:
    """The new value as the column holds it; a value it cannot hold fails the store (the message
    names the field, never the value: it is personal data)."""
    if value is None or value == "":
        return None if column.nullable else value
    try:
        if isinstance(column.type, sa.DateTime):
            return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        if isinstance(column.type, sa.Date):
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if isinstance(column.type, sa.Boolean | sa.Integer):
            return typed(column, value) if isinstance(column.type, sa.Boolean) else int(value)
    except (TypeError, ValueError):
        raise StoreError(opened.store.id, f"the new value of {table}.{column.name} does not fit the column's type "
                                          f"({column.type})") from None
    return value


def _restrict(run: Run, conn: sa.Connection, opened: SqlStore, found: Found, out: StoreResult) -> None:
    for name in found.tables():
        spec = opened.spec(name)
        keys = list(found.keys[name])
        if spec.restriction and spec.restriction.column:
            table, pk = opened.tables[name], opened.pk(name)
            col = table.c[spec.restriction.column]
            n = 0
            for chunk in batched(keys, batch_size()):
                where = sa.and_(opened.in_(pk, chunk), sa.not_(is_true(col)))
                n += conn.execute(sa.update(table).where(where).values({spec.restriction.column: True})).rowcount
            out.restricted[name] = n
        else:
            out.restricted[name] = len(keys)
            run.side_restrictions += [(opened.store.id, name, k, "restriction", None) for k in keys]
