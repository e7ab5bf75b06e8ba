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
from collections.abc import Mapping, Sequence
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
         extra: Mapping[str, Sequence[sa.ColumnElement[Any]]] | None = None) -> Found:
    """Every row of the store that belongs to the subject with these identities.

    An identity may be a list of values: a batch of subjects is walked together, in the same
    number of statements as one (their rows are then treated alike, e.g. by a batch erasure).
    """
    found = Found()
    tracked = _tracked_columns(store)
    extra = extra or {}
    size = batch_size()
    people = {t.name for t in store.store.tables if t.identities}
    # what leads to each table: (column, label) -> values still to look up
    wanted: dict[str, dict[tuple[str, str], set[Any]]] = {}
    asked: dict[tuple[str, str], set[Any]] = {}  # values already looked up, per (table, column)
    down: dict[str, list[tuple[str, str, str]]] = {}  # parent -> [(child, child column, parent column)]
    for t in store.store.tables:
        for ref in t.references:
            down.setdefault(ref.table, []).append((t.name, ref.column, ref.to_column))

    def want(name: str, column: str, label: str, value: Any) -> None:
        if value is not None:
            wanted.setdefault(name, {}).setdefault((column, label), set()).add(value)

    def take(name: str, rows: list[sa.Row], via: str) -> None:
        keys = found.keys.setdefault(name, set())
        spec = store.spec(name)
        n = len(tracked[name])
        for row in rows:
            if row[0] in keys:
                continue
            keys.add(row[0])
            found.via.setdefault(name, via)
            if name in extra:
                found.extra.setdefault(name, {})[row[0]] = tuple(row[n:])
            for i, col in enumerate(tracked[name]):
                if row[i] is not None:
                    found.values.setdefault((name, col), set()).add(row[i])
            # up: to the rows of people-tables this row references
            for ref in spec.references:
                if ref.table in people:
                    want(ref.table, ref.to_column, f"up:{name}.{ref.column}", row[tracked[name].index(ref.column)])
            # down: to the rows that reference this row
            for child, column, to_column in down.get(name, ()):
                want(child, column, f"down:{child}.{column}", row[tracked[name].index(to_column)])

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
        cols = [table.c[c] for c in tracked[name]] + list(extra.get(name, ()))
        for chunk in batched(pairs, size):
            by_column: dict[str, list[Any]] = {}
            for column, _, k in chunk:
                by_column.setdefault(column, []).append(k)
            where = sa.or_(*(store.in_(table.c[c], v) for c, v in by_column.items()))
            take(name, conn.execute(sa.select(*cols).where(where)).all(), chunk[0][1])
            found.statements += 1

    for spec in store.store.tables:
        for kind, column in spec.identities.items():
            given = identities.get(kind)
            values = [given] if isinstance(given, str) else list(given or [])
            for value in values:
                for v in identity_values(kind, str(value)) if value else ():
                    want(spec.name, column, f"identity:{kind}", v)

    order = parents_first(store)
    while wanted:
        for name in order:
            conditions = wanted.pop(name, None)
            if conditions:
                select(name, conditions)
    return found
