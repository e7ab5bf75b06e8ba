"""Seeding the example organisations' databases with synthetic data (`varuh examples seed`).

Each example folder holds a `generate.py` with two things:

    metadata: sqlalchemy.MetaData          # the organisation's schema, with its indexes
    def generate(out: Sink, subjects: int, rng: random.Random, today: datetime.date) -> None

`generate` calls `out.add(table, row)` for every row (rows carry their own ids, so references need
no round trip) and `out.tick()` once per subject. The sink buffers rows per table and writes them
set-based — one executemany per table and batch — so SQLite, PostgreSQL and MariaDB all load
100,000 subjects in seconds.

The examples folder is found next to the source tree (`Path(varuh.__file__).parents[2] /
"examples"`, which is the repository for the editable install), or wherever `--examples-dir`
points.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa

import varuh
from varuh.connectors.stores import mask_url, parse_url, store_engine, store_error
from varuh.connectors.synthetic import Rng
from varuh.errors import Conflict, InvalidInput, NotFound

BATCH_ROWS = 5000


def examples_dir(override: str | Path | None = None) -> Path:
    """The folder holding the example organisations."""
    folder = Path(override) if override else Path(varuh.__file__).resolve().parents[2] / "examples"
    if not folder.is_dir():
        raise NotFound(f"no examples folder at {folder} (give --examples-dir)")
    return folder


def env_name(org: str) -> str:
    """ECPP_DATABASE_URL, ZPMS_DATABASE_URL …; a leading digit is spelt out (4pm -> FOURPM)."""
    digits = {"4": "FOUR"}
    name = "".join(digits.get(c, c) for c in org[:1]) + org[1:]
    return name.upper().replace("-", "_") + "_DATABASE_URL"


def default_url(org: str, examples: Path) -> str:
    """Where `seed` writes when no --url is given: the example's store URL (its environment variable,
    else its default_url), else `<ORG>_DATABASE_URL`, else a SQLite file in examples/<org>/data/."""
    folder = examples / org
    if (folder / "datasets.yaml").exists():
        from varuh.connectors.stores import resolve_url
        from varuh.model.datamap import load_datamap

        datamap = load_datamap(folder)
        store = next((s for s in datamap.stores if s.kind == "sql"), None) if datamap else None
        if store is not None:
            return resolve_url(store, folder)
    return os.environ.get(env_name(org)) or f"sqlite:///{folder / 'data' / f'{org}.db'}"


def load_generator(org: str, examples: Path) -> ModuleType:
    """Import examples/<org>/generate.py by its path (the examples are not a package)."""
    path = examples / org / "generate.py"
    if not path.exists():
        known = sorted(p.parent.name for p in examples.glob("*/generate.py"))
        raise NotFound(f"no example organisation {org!r}" + (f"; known: {', '.join(known)}" if known else ""))
    spec = importlib.util.spec_from_file_location(f"varuh_example_{org.replace('-', '_')}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not isinstance(getattr(module, "metadata", None), sa.MetaData) or not callable(
            getattr(module, "generate", None)):
        raise InvalidInput(f"{path} must define `metadata` (sqlalchemy.MetaData) and "
                           "`generate(out, subjects, rng, today)`")
    return module


class Sink:
    """Buffers generated rows per table and writes them in batches, inside the caller's transaction."""

    def __init__(self, conn: sa.Connection, metadata: sa.MetaData, batch_rows: int = BATCH_ROWS,
                 on_tick: Callable[[int], None] | None = None) -> None:
        self.conn = conn
        self.tables = metadata.tables
        self.batch_rows = batch_rows
        self.buffers: dict[str, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}
        self.on_tick = on_tick
        self._ticks = 0

    def add(self, table: str, row: dict[str, Any]) -> None:
        buffer = self.buffers.setdefault(table, [])
        buffer.append(row)
        if len(buffer) >= self.batch_rows:
            self._write(table)

    def tick(self, subjects: int = 1) -> None:
        self._ticks += subjects
        if self.on_tick and self._ticks >= 500:
            self.on_tick(self._ticks)
            self._ticks = 0

    def flush(self) -> None:
        for table in list(self.buffers):
            self._write(table)
        if self.on_tick and self._ticks:
            self.on_tick(self._ticks)
            self._ticks = 0

    def _write(self, table: str) -> None:
        rows = self.buffers.get(table)
        if not rows:
            return
        if self.conn.dialect.name == "sqlite":
            self._write_sqlite(self.tables[table], rows)
        else:
            self.conn.execute(self.tables[table].insert(), rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        self.buffers[table] = []

    def _write_sqlite(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """SQLite spends most of a Core executemany in per-value bind processing; here the rows go
        straight to the driver as tuples, with dates written in SQLAlchemy's own storage format
        (`2019-03-15 10:22:01.000000`), so they read back and compare exactly as if Core wrote them."""
        columns = list(table.columns)
        names = [c.name for c in columns]
        instants = [i for i, c in enumerate(columns) if isinstance(c.type, sa.DateTime)]
        days = [i for i, c in enumerate(columns) if isinstance(c.type, sa.Date)]
        decimals = [i for i, c in enumerate(columns) if isinstance(c.type, sa.Numeric)]
        # a positional INSERT naming every column in the table's order
        sql = str(table.insert().values({n: sa.bindparam(n) for n in names}).compile(dialect=self.conn.dialect))
        out = []
        for row in rows:
            values = [row.get(n) for n in names]
            for i in instants:
                if values[i] is not None:
                    values[i] = values[i].isoformat(" ", "microseconds")
            for i in days:
                if values[i] is not None:
                    values[i] = values[i].isoformat()
            for i in decimals:
                if values[i] is not None:
                    values[i] = float(values[i])
            out.append(tuple(values))
        self.conn.exec_driver_sql(sql, out)


@dataclass
class SeedResult:
    org: str
    url: str  # masked
    subjects: int
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def seed_example(org: str, url: str, subjects: int, *, seed: int = 1, force: bool = False,
                 today: dt.date | None = None, examples: Path | None = None,
                 on_tick: Callable[[int], None] | None = None) -> SeedResult:
    """Create the example's schema at `url` and fill it with `subjects` synthetic people.

    Refuses to write into tables that already hold rows unless `force` (then they are dropped and
    created again). One transaction: a failure leaves nothing half-loaded.
    """
    if subjects < 1:
        raise InvalidInput("--subjects must be at least 1")
    examples = examples or examples_dir()
    module = load_generator(org, examples)
    metadata: sa.MetaData = module.metadata
    today = today or dt.date.today()
    started = time.perf_counter()
    parse_url(url, org)
    engine = store_engine(url)
    result = SeedResult(org, mask_url(url), subjects, seed)
    try:
        _prepare(engine, metadata, org, force)
        with engine.begin() as conn:
            sink = Sink(conn, metadata, on_tick=on_tick)
            module.generate(sink, subjects, Rng(seed), today)
            sink.flush()
            _advance_sequences(conn, metadata)
    except sa.exc.SQLAlchemyError as e:
        raise store_error(org, e, url) from None
    result.rows = {t: sink.counts.get(t, 0) for t in metadata.tables}
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _prepare(engine: sa.Engine, metadata: sa.MetaData, org: str, force: bool) -> None:
    existing = set(sa.inspect(engine).get_table_names())
    ours = [t for t in metadata.sorted_tables if t.name in existing]
    if ours and not force:
        with engine.connect() as conn:
            full = [t.name for t in ours if conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()]
        if full:
            raise Conflict(f"the {org} database already holds data (tables {', '.join(full[:3])}"
                           f"{' …' if len(full) > 3 else ''}); --force replaces it")
    if force:
        metadata.drop_all(engine, checkfirst=True)
    metadata.create_all(engine, checkfirst=True)


def _advance_sequences(conn: sa.Connection, metadata: sa.MetaData) -> None:
    """Rows carry explicit ids; PostgreSQL's sequences must then be moved past them (MariaDB and
    SQLite move their counters by themselves)."""
    if conn.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and isinstance(pk[0].type, sa.Integer):
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
