"""Finding one person's rows in a SQL store: from the identity columns over the references.

Start with the rows whose identity columns (e-mail, phone, user id) hold one of the subject's
identities, then follow the references declared in datasets.yaml until nothing new turns up:

  down — a table that references a found row is the subject's too (the orders of an account,
         the quiz attempts of an order);
  up   — a found row that references another table leads to that row (an invoice to its order),
         but only into tables that identify people themselves (they declare identities): a
         lookup table (products, driving schools) is shared by everyone and never the subject's.

Set-based: each step is one `SELECT … WHERE column IN (…)` per table, reference and batch of
keys, never a statement per row. The walk reads only; it runs inside the caller's transaction so
what it finds is what the caller changes.
"""

from __future__ import annotations

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


def walk(conn: sa.Connection, store: SqlStore, identities: Mapping[str, str | Sequence[str]]) -> Found:
    """Every row of the store that belongs to the subject with these identities.

    An identity may be a list of values: a batch of subjects is walked together, in the same
    number of statements as one (their rows are then treated alike, e.g. by a batch erasure).
    """
    found = Found()
    tracked = _tracked_columns(store)
    size = batch_size()
    frontier: dict[str, list[sa.Row]] = {}  # per table, the rows found in the last round

    def take(name: str, rows: list[sa.Row], via: str) -> None:
        keys = found.keys.setdefault(name, set())
        for row in rows:
            if row[0] in keys:
                continue
            keys.add(row[0])
            found.via.setdefault(name, via)
            frontier.setdefault(name, []).append(row)
            for i, col in enumerate(tracked[name]):
                if row[i] is not None:
                    found.values.setdefault((name, col), set()).add(row[i])

    asked: dict[tuple[str, str], set[Any]] = {}  # values already looked up, per (table, column)

    def select(name: str, column: str, values: set[Any] | list[Any]) -> list[sa.Row]:
        table = store.tables[name]
        cols = [table.c[c] for c in tracked[name]]
        done = asked.setdefault((name, column), set())
        if column == store.spec(name).primary_key:
            done |= found.keys.get(name, set())  # rows found already need no second look
        keys = [k for k in coerce_keys(table.c[column], list(values)) if k not in done]
        done.update(keys)
        out: list[sa.Row] = []
        for chunk in batched(keys, size):
            out += conn.execute(sa.select(*cols).where(table.c[column].in_(chunk))).all()
            found.statements += 1
        return out

    for spec in store.store.tables:
        for kind, column in spec.identities.items():
            given = identities.get(kind)
            values = [given] if isinstance(given, str) else list(given or [])
            spellings = [v for value in values if value for v in identity_values(kind, str(value))]
            if spellings:
                take(spec.name, select(spec.name, column, list(dict.fromkeys(spellings))), f"identity:{kind}")

    people = {t.name for t in store.store.tables if t.identities}
    while frontier:
        current, frontier = frontier, {}
        for name, rows in current.items():
            spec = store.spec(name)
            # up: from the new rows to the rows of people-tables they reference
            for ref in spec.references:
                if ref.table in people:
                    i = tracked[name].index(ref.column)
                    targets = {r[i] for r in rows if r[i] is not None}
                    if targets:
                        take(ref.table, select(ref.table, ref.to_column, targets), f"up:{name}.{ref.column}")
            # down: from the new rows to the rows that reference them
            for other in store.store.tables:
                for ref in other.references:
                    if ref.table != name:
                        continue
                    i = tracked[name].index(ref.to_column)
                    targets = {r[i] for r in rows if r[i] is not None}
                    if targets:
                        take(other.name, select(other.name, ref.column, targets), f"down:{other.name}.{ref.column}")
    return found
