"""Finding one person's rows in a SQL store: from the identity columns over the references.

Start with the rows whose identity columns (e-mail, phone, user id) hold one of the subject's
identities, then follow the references declared in datasets.yaml until nothing new turns up:

  down — a table that references a found row is the subject's too (the orders of an account,
         the quiz attempts of an order);
  up   — a found row that references another table leads to that row (an invoice to its order),
         but only into tables that identify people themselves (they declare identities): a
         lookup table (products, driving schools) is shared by everyone and never the subject's.

Set-based, and one statement per table and round: the tables are visited parents first, so a
table is asked once for everything that leads to it — its identities and the keys of its parents
found earlier in the same round — as `WHERE email IN (…) OR account_id IN (…)` (PostgreSQL
combines the indexes with a BitmapOr, MariaDB with an index merge, SQLite with its OR
optimisation). Another round runs only when a reference up found a row not seen yet. Never a
statement per row. The walk reads only; it runs inside the caller's transaction so what it finds
is what the caller changes.

`extra` lets the caller read more of a table's rows in the same statement (the erasure reads its
hold flags and what is still to erase there): one round trip fewer per table.
"""

from __future__ import annotations

import graphlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from varuh.connectors.sql import SqlStore, batch_size, batched, coerce_keys, identity_values


@dataclass
class Found:
    """The subject's rows per table: primary keys, and the values of the columns other tables point at."""

    keys: dict[str, set[Any]] = field(default_factory=dict)
    values: dict[tuple[str, str], set[Any]] = field(default_factory=dict)  # (table, column) -> values
    via: dict[str, str] = field(default_factory=dict)  # table -> how it was first reached (for the result)
    extra: dict[str, dict[Any, tuple[Any, ...]]] = field(default_factory=dict)  # table -> key -> `extra` values
    deleted: set[str] = field(default_factory=set)  # tables whose rows were deleted as found (`delete`)
    statements: int = 0

    def count(self, table: str) -> int:
        return len(self.keys.get(table, ()))

    def tables(self) -> list[str]:
        return [t for t, k in self.keys.items() if k]


def _tracked_columns(store: SqlStore) -> dict[str, list[str]]:
    """Per table, the columns whose values the walk needs: its key, the columns it references
    others by, and the columns others reference it by."""
    cols: dict[str, list[str]] = {t.name: [t.primary_key] for t in store.store.tables}
    for t in store.store.tables:
        for ref in t.references:
            cols[t.name].append(ref.column)
            cols[ref.table].append(ref.to_column)
    return {name: list(dict.fromkeys(c)) for name, c in cols.items()}


def _shape(store: SqlStore) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, str, str, int]]]]:
    """Per table, the columns the walk reads and where its rows lead: (table, column, label, index
    of the value in the row) — up into people-tables it references, down to tables referencing it.
    Built once per store."""
    cached = store.memo.get("walk-shape")
    if cached is None:
        tracked = _tracked_columns(store)
        people = {t.name for t in store.store.tables if t.identities}
        links: dict[str, list[tuple[str, str, str, int]]] = {t.name: [] for t in store.store.tables}
        for t in store.store.tables:
            for ref in t.references:
                if ref.table in people:  # up
                    links[t.name].append((ref.table, ref.to_column, f"up:{t.name}.{ref.column}",
                                          tracked[t.name].index(ref.column)))
                # down: from the referenced table's rows to this table's
                links[ref.table].append((t.name, ref.column, f"down:{t.name}.{ref.column}",
                                         tracked[ref.table].index(ref.to_column)))
        cached = store.memo["walk-shape"] = (tracked, links)
    return cached


def parents_first(store: SqlStore) -> list[str]:
    """The store's tables, every table after the tables it references (declared order on a cycle)."""
    names = [t.name for t in store.store.tables]
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for t in store.store.tables:
        sorter.add(t.name, *[r.table for r in t.references if r.table != t.name and r.table in names])
    try:
        return list(sorter.static_order())
    except graphlib.CycleError:
        return names


def walk(conn: sa.Connection, store: SqlStore, identities: Mapping[str, str | Sequence[str]],
         extra: Mapping[str, Sequence[sa.ColumnElement[Any]]] | None = None,
         delete: Collection[str] = ()) -> Found:
    """Every row of the store that belongs to the subject with these identities.

    An identity may be a list of values: a batch of subjects is walked together, in the same
    number of statements as one (their rows are then treated alike, e.g. by a batch erasure).
    `delete`: tables whose rows an erasure deletes as they are found (`erasure.goes_as_found`),
    with `DELETE … RETURNING` instead of a SELECT; listed in `Found.deleted`.
    """
    found = Found()
    tracked, links = _shape(store)
    extra = extra or {}
    size = batch_size()
    # what leads to each table: (column, label) -> values still to look up
    wanted: dict[str, dict[tuple[str, str], set[Any]]] = {}
    asked: dict[tuple[str, str], set[Any]] = {}  # values already looked up, per (table, column)

    def take(name: str, rows: list[sa.Row], via: str) -> None:
        if not rows:
            return
        keys = found.keys.setdefault(name, set())
        found.via.setdefault(name, via)
        n = len(tracked[name])
        extras = found.extra.setdefault(name, {}) if name in extra else None
        values = [found.values.setdefault((name, col), set()) for col in tracked[name]]
        # up and down: the values that lead to other tables' rows
        leads = [(wanted.setdefault(target, {}).setdefault((column, label), set()), i)
                 for target, column, label, i in links[name]]
        for row in rows:
            if row[0] in keys:
                continue
            keys.add(row[0])
            if extras is not None:
                extras[row[0]] = tuple(row[n:])
            for i in range(n):
                if row[i] is not None:
                    values[i].add(row[i])
            for into, i in leads:
                if row[i] is not None:
                    into.add(row[i])

    def select(name: str, conditions: dict[tuple[str, str], set[Any]]) -> None:
        table = store.tables[name]
        pairs: list[tuple[str, str, Any]] = []
        for (column, label), values in conditions.items():
            done = asked.setdefault((name, column), set())
            if column == store.spec(name).primary_key:
                done |= found.keys.get(name, set())  # rows found already need no second look
            keys = [k for k in coerce_keys(table.c[column], list(values)) if k not in done]
            done.update(keys)
            pairs += [(column, label, k) for k in dict.fromkeys(keys)]
        more = extra.get(name, ())
        for chunk in batched(pairs, size):
            by_column: dict[str, list[Any]] = {}
            for column, _, k in chunk:
                by_column.setdefault(column, []).append(k)
            # the statement for this table, these columns and these extras is built once per store
            gone = name in delete
            memo_key = ("walk-delete" if gone else "walk-select", name, tuple(by_column), id(more))
            cached = store.memo.get(memo_key)
            if cached is None or cached[0] is not more:
                where = sa.or_(*(store.in_param(table.c[c], f"k{i}") for i, c in enumerate(by_column)))
                cols = [table.c[c] for c in tracked[name]]
                statement = (sa.delete(table).where(where).returning(*cols) if gone
                             else sa.select(*cols, *more).where(where))
                cached = store.memo[memo_key] = (more, statement)
            if gone:
                found.deleted.add(name)
            params = {f"k{i}": v for i, v in enumerate(by_column.values())}
            take(name, conn.execute(cached[1], params).all(), chunk[0][1])
            found.statements += 1

    spellings: dict[str, list[str]] = {}
    for kind, given in identities.items():
        values = [given] if isinstance(given, str) else list(given or [])
        spellings[kind] = [v for value in values if value for v in identity_values(kind, str(value))]
    for spec in store.store.tables:
        for kind, column in spec.identities.items():
            if spellings.get(kind):
                wanted.setdefault(spec.name, {}).setdefault((column, f"identity:{kind}"), set()).update(spellings[kind])

    order = store.memo.get("walk-order") or store.memo.setdefault("walk-order", parents_first(store))
    while wanted:
        for name in order:
            conditions = wanted.pop(name, None)
            if conditions:
                select(name, conditions)
    return found
