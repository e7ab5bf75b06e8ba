"""Fixtures shared by every test: the CLI as a user runs it, fresh ledgers, real database servers.

Servers: PostgreSQL and MariaDB on this machine. A test that needs one that is down skips with
the reason outside CI; in CI (CI=true) it fails instead, because there they must run.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ORGS = ["zpms", "zmos", "instruiraj", "ecpp", "4pm"]
IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self):
        import json

        return json.loads(self.stdout)


@pytest.fixture
def run(monkeypatch):
    """Run `varuh ARGS…` in-process, as the console script does; returns exit code and output."""
    from varuh.cli import main

    def _run(*args: str, env: dict[str, str] | None = None) -> Result:
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main([str(a) for a in args])
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        return Result(code, out.getvalue(), err.getvalue())

    return _run


@pytest.fixture
def ledger(tmp_path, monkeypatch) -> str:
    """A fresh, migrated SQLite ledger; VARUH_DATABASE_URL points at it."""
    from varuh.ledger.db import upgrade

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("VARUH_DATABASE_URL", url)
    monkeypatch.setenv("VARUH_SECRET_KEY", "test-secret")
    upgrade(url)
    return url


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def need_server(name: str, port: int) -> None:
    if not _port_open(port):
        if IN_CI:
            pytest.fail(f"{name} on 127.0.0.1:{port} is down in CI (make services should have started it)")
        pytest.skip(f"{name} on 127.0.0.1:{port} is not running (run `make services`)")


@pytest.fixture
def pg_url() -> str:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    need_server("PostgreSQL", 5432)
    import sqlalchemy as sa

    name = "varuh_t_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    from varuh.ledger.db import get_engine

    get_engine.cache_clear()
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def maria_url() -> str:
    """A fresh MariaDB database for one test, dropped afterwards."""
    need_server("MariaDB", 3306)
    import sqlalchemy as sa

    name = "varuh_t_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine("mysql+pymysql://root@127.0.0.1:3306/", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    yield f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    with admin.connect() as c:
        c.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
    admin.dispose()
