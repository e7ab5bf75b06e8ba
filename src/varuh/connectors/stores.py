"""Reaching the organisation's SQL stores: their URLs, engines, and errors that never leak secrets.

datasets.yaml names the environment variable that holds a store's SQLAlchemy URL (`url_env`) and
may give a `default_url` without credentials (`{here}` is the model's folder, so an example's
SQLite file travels with it). Passwords live only in the environment; every message that shows
a URL goes through `mask_url`, and driver errors are scrubbed of the password before they are
raised as StoreError.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from varuh.errors import StoreError
from varuh.model.datasets import Store

MASK = "***"


def parse_url(url: str, store: str = "?") -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError(store, "the database URL is not a valid SQLAlchemy URL "
                                "(e.g. postgresql+psycopg://user@host/db, sqlite:///path.db)") from None


def mask_url(url: str | URL) -> str:
    """The URL as it may be shown: the password replaced by ***."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except (ArgumentError, ValueError):
        return re.sub(r"//([^:/@]*):[^@]*@", rf"//\1:{MASK}@", str(url))
    return parsed.render_as_string(hide_password=True)


def resolve_url(store: Store, here: str | Path) -> str:
    """The store's URL: the environment variable it names, else its default_url with {here} filled in."""
    if store.kind != "sql":
        raise StoreError(store.id, f"a {store.kind} store has no database URL")
    if store.url_env and os.environ.get(store.url_env):
        return os.environ[store.url_env]
    if store.default_url:
        return store.default_url.replace("{here}", str(Path(here).resolve()))
    raise StoreError(store.id, f"set the environment variable {store.url_env} to the store's database URL")


def url_source(store: Store) -> str:
    """Where the URL came from, for messages: the variable's name or 'default_url'."""
    if store.url_env and os.environ.get(store.url_env):
        return store.url_env
    return "default_url"


@functools.cache
def store_engine(url: str) -> Engine:
    """One engine per URL for the life of the process.

    SQLite files get a busy timeout (a retention sweep and a request may meet) and their folder is
    created; the organisation's own settings (journal mode, foreign keys) are left as they are.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return create_engine(parsed, connect_args={"timeout": 30})
    return create_engine(parsed, pool_pre_ping=True)


def scrub(message: str, url: str | URL | None) -> str:
    """A driver's error message without the URL's password (drivers sometimes echo the DSN)."""
    message = message.strip().splitlines()[0] if message.strip() else "unknown error"
    if url is not None:
        try:
            password = (url if isinstance(url, URL) else make_url(url)).password
        except (ArgumentError, ValueError):
            password = None
        if password:
            message = message.replace(str(password), MASK)
    return re.sub(r"(password\s*=\s*)\S+", rf"\1{MASK}", message, flags=re.IGNORECASE)


def store_error(store_id: str, exc: BaseException, url: str | URL | None = None) -> StoreError:
    """Turn a driver exception into a StoreError naming the store, with no credentials in it."""
    original = getattr(exc, "orig", None) or exc
    text = scrub(str(original), url)
    where = f" ({mask_url(url)})" if url is not None else ""
    return StoreError(store_id, f"{type(original).__name__}: {text}{where}")


@contextmanager
def connect(store: Store, here: str | Path, url: str | None = None) -> Iterator[Connection]:
    """A connection to a SQL store, inside one transaction; driver errors become StoreError."""
    url = url or resolve_url(store, here)
    try:
        engine = store_engine(url)
        with engine.begin() as conn:
            yield conn
    except SQLAlchemyError as e:
        raise store_error(store.id, e, url) from None
