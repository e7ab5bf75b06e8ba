"""Reaching the tables a store's retention bindings name, and checking the bindings against them.

All stores are opened and every binding is checked (tables and columns exist) before anything is
erased, so a misspelt anchor column stops the sweep with one clear message and nothing
half-applied. A store that cannot be reached is reported by name and skipped; the others are still
swept. URLs come from `connectors.stores` (environment variable or credential-free default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from varuh.connectors.stores import resolve_url, store_engine, store_error
from varuh.errors import InvalidInput, StoreError
from varuh.model.datasets import Store
from varuh.retention.evaluate import Target, check_columns


@dataclass
class OpenStore:
    store: Store
    engine: sa.Engine
    tables: dict[str, sa.Table] = field(default_factory=dict)


def needed_tables(targets: list[Target]) -> list[str]:
    names: list[str] = []
    for t in targets:
        names.append(t.table.name)
        names += [c.exists for c in t.binding.conditions if c.exists]
        if t.binding.customer_table:
            names.append(t.binding.customer_table)
    return list(dict.fromkeys(names))


def open_store(store: Store, targets: list[Target], here: Path) -> OpenStore:
    """Connect, reflect the bound tables and check every binding. StoreError when unreachable."""
    url = resolve_url(store, here)
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).exists():
        # connecting would create an empty file and hide the real problem
        raise StoreError(store.id, "the SQLite database file does not exist")
    engine = store_engine(url)
    opened = OpenStore(store, engine)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            for name in needed_tables(targets):
                schema, _, bare = name.rpartition(".")
                if not inspector.has_table(bare, schema=schema or None):
                    users = [t.key for t in targets if name in needed_tables([t])]
                    raise InvalidInput(f"retention rule {users[0]}: store {store.id!r}: table {name!r} does not exist")
                opened.tables[name] = sa.Table(bare, sa.MetaData(), schema=schema or None, autoload_with=conn)
    except SQLAlchemyError as e:
        raise store_error(store.id, e, url) from None
    for t in targets:
        check_columns(t, opened.tables)
    return opened


def open_stores(targets: list[Target], here: Path) -> tuple[dict[str, OpenStore], list[StoreError]]:
    """Every store the targets need; stores that are down come back as errors, bad bindings raise."""
    by_store: dict[str, list[Target]] = {}
    for t in targets:
        by_store.setdefault(t.store.id, []).append(t)
    opened: dict[str, OpenStore] = {}
    errors: list[StoreError] = []
    for store_id, ts in by_store.items():
        try:
            opened[store_id] = open_store(ts[0].store, ts, here)
        except StoreError as e:
            errors.append(e)
    return opened, errors
