"""The SQL connector: one store of the data map, opened, reflected and checked before anything runs.

SQLAlchemy Core only, so PostgreSQL, MariaDB/MySQL and SQLite behave alike. Every statement is
set-based: rows are selected, updated or deleted `WHERE key IN (…)` in batches of
VARUH_BATCH_SIZE keys (never one statement per row), and one store is one transaction, so a
failure half-way leaves the store as it was. Driver errors become StoreError through
`connectors.stores`, which strips passwords from messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import SQLAlchemyError

from varuh import settings
from varuh.connectors.stores import mask_url, resolve_url, store_engine, store_error
from varuh.errors import StoreError
from varuh.model.datasets import Store, TableSpec

TEXT_TYPES = (sa.String, sa.Text)


def batch_size() -> int:
    """Keys per statement (VARUH_BATCH_SIZE). Kept under the drivers' bind-parameter limits."""
    try:
        return max(1, min(int(settings.get("VARUH_BATCH_SIZE") or 5000), 30000))
    except ValueError:
        return 5000


def batched(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for v in values:
        chunk.append(v)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class SqlStore:
    """A SQL store with its tables reflected from the live database."""

    store: Store
    url: str
    engine: sa.Engine
    tables: dict[str, sa.Table] = field(default_factory=dict)
    #: what is built once per store and reused by every request (erasure plans, statements)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)

    def spec(self, name: str) -> TableSpec:
        return next(t for t in self.store.tables if t.name == name)

    def pk(self, name: str) -> sa.Column:
        return self.tables[name].c[self.spec(name).primary_key]

    def error(self, exc: BaseException) -> StoreError:
        return store_error(self.store.id, exc, self.url)

    def in_(self, column: sa.ColumnElement[Any], values: Sequence[Any]) -> sa.ColumnElement[bool]:
        """`column IN (…)`; on PostgreSQL `column = ANY(:array)`: one parameter for the whole batch
        instead of one per value, so a batch of thousands of keys is neither rendered nor parsed
        value by value, and the statement's text (and its prepared plan) is the same for every size."""
        if self.engine.dialect.name == "postgresql" and not isinstance(column.type, sa.types.NullType):
            return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
        return column.in_(values)

    def in_param(self, column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
        """`column IN :name` with the values given at execution: a statement built once and reused."""
        if self.engine.dialect.name == "postgresql" and not isinstance(column.type, sa.types.NullType):
            return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))
        return column.in_(sa.bindparam(name, expanding=True))


def needed_columns(table: TableSpec) -> list[str]:
    """Every column fulfilment reads or writes in a table: key, identities, references, fields,
    restriction flag, retention anchors and condition columns."""
    cols = [table.primary_key, *table.identities.values(), *(r.column for r in table.references),
            *(f.name for f in table.fields)]
    if table.restriction and table.restriction.column:
        cols.append(table.restriction.column)
    for b in table.retention:
        cols += [c for c in (b.anchor, *(c.column for c in b.conditions)) if c]
    return list(dict.fromkeys(cols))


_OPENED: dict[tuple[str, str], SqlStore] = {}
_BY_OBJECT: dict[tuple[str, int], tuple[Store, tuple[str, str], SqlStore]] = {}


def open_sql_store(store: Store, here: str | Path, url: str | None = None) -> SqlStore:
    """Connect and reflect every table of the store; StoreError when it cannot be reached, a table
    vanished or a column the map names is missing (checked before any change, so nothing is half-done).

    The reflection is kept for the life of the process (per URL and store declaration), so a batch
    of requests reflects once; `forget` drops it after a failure, so a table that vanished later is
    found again by a fresh reflection.
    """
    url = url or resolve_url(store, here)
    # the same declaration object again (a batch, a benchmark): no need to serialise it to look it up
    same = _BY_OBJECT.get((url, id(store)))
    if same is not None and same[0] is store and _OPENED.get(same[1]) is same[2]:
        return same[2]
    cache_key = (url, store.model_dump_json())
    if cache_key not in _OPENED:
        _OPENED[cache_key] = _reflect(store, url)
    _BY_OBJECT[(url, id(store))] = (store, cache_key, _OPENED[cache_key])  # the store is kept: its id stays its own
    return _OPENED[cache_key]


def forget(opened: SqlStore) -> None:
    """Drop a store's cached reflection (after an error: the schema may have changed)."""
    for k, v in list(_OPENED.items()):
        if v is opened:
            del _OPENED[k]


def _reflect(store: Store, url: str) -> SqlStore:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).exists():
        # connecting would create an empty file and hide the real problem
        raise StoreError(store.id, f"the SQLite database file does not exist ({mask_url(url)})")
    opened = SqlStore(store, url, store_engine(url))
    try:
        with opened.engine.connect() as conn:
            inspector = sa.inspect(conn)
            for spec in store.tables:
                schema, _, bare = spec.name.rpartition(".")
                if not inspector.has_table(bare, schema=schema or None):
                    raise StoreError(store.id, f"table {spec.name!r} does not exist ({mask_url(url)})")
                table = sa.Table(bare, sa.MetaData(), schema=schema or None, autoload_with=conn)
                missing = [c for c in needed_columns(spec) if c not in table.c]
                if missing:
                    raise StoreError(store.id, f"table {spec.name!r} has no column {missing[0]!r} "
                                               f"({mask_url(url)})")
                opened.tables[spec.name] = table
    except SQLAlchemyError as e:
        raise opened.error(e) from None
    return opened


def identity_values(kind: str, value: str) -> list[str]:
    """The spellings under which an identity may be stored, so the lookup stays an indexed IN (…).

    E-mail: as given and lower-cased (collations differ: MariaDB compares case-insensitively,
    PostgreSQL and SQLite do not). Phone: as given, E.164 (+38641…) and the national form (041 …).
    """
    value = value.strip()
    out = [value]
    if kind == "email":
        out.append(value.lower())
    elif kind == "phone":
        import phonenumbers

        try:
            number = phonenumbers.parse(value, "SI")
            out += [phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)]
        except phonenumbers.NumberParseException:
            pass
    return list(dict.fromkeys(v for v in out if v))


def coerce_keys(column: sa.Column, values: Sequence[Any]) -> list[Any]:
    """Values compared with an integer column are integers: a user id given as text must still find
    the row, and PostgreSQL refuses to compare integer with text. Values that do not convert are
    dropped (they cannot match)."""
    if isinstance(column.type, sa.Integer):
        out = []
        for v in values:
            try:
                out.append(int(v))
            except (TypeError, ValueError):
                continue
        return out
    if isinstance(column.type, TEXT_TYPES):
        return [str(v) for v in values]
    return list(values)


def is_true(column: sa.Column) -> sa.ColumnElement[bool]:
    """A flag column is set: a BOOLEAN (TINYINT(1) on MariaDB) or an integer 0/1 flag."""
    if isinstance(column.type, sa.Boolean):
        return column.is_(sa.true())
    if isinstance(column.type, sa.Integer):
        return sa.func.coalesce(column, 0) != 0
    return column.is_not(None)
