"""Connecting to the ledger and migrating it."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from varuh import settings
from varuh.errors import InvalidInput

MIGRATIONS = Path(__file__).parent / "migrations"


def ledger_url(url: str | None = None) -> str:
    return url or settings.get("VARUH_DATABASE_URL") or "sqlite:///varuh.db"


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the life of the process (the URL resolved first, so a changed
    VARUH_DATABASE_URL is honoured rather than the engine cached for "no URL given")."""
    return _engine_for(ledger_url(url))


@functools.cache
def _engine_for(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception:
        raise InvalidInput("VARUH_DATABASE_URL is not a valid database URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # WAL: readers never wait for the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


get_engine.cache_clear = _engine_for.cache_clear  # type: ignore[attr-defined]


def alembic_config(url: str | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = ledger_url(url)
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the ledger's schema up to date (idempotent)."""
    from alembic import command

    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def savepoint(conn: Connection):
    """Guard one statement that may fail (a unique key taken by a concurrent writer) without losing the
    transaction. PostgreSQL and MariaDB need a savepoint for that. SQLite rolls back only the failed
    statement by itself, and pysqlite's SAVEPOINT issued before its implicit BEGIN would commit on
    release, so on SQLite this is a no-op and the caller undoes anything else by hand."""
    return contextlib.nullcontext() if conn.dialect.name == "sqlite" else conn.begin_nested()
