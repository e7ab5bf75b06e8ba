"""Fulfilment against the real PostgreSQL and MariaDB servers, and the faults a store can have:
unreachable, wrong credentials, a table that vanished, a value of the wrong type."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fulfil_fixture import ECPP, TODAY, digest, occurrences, seed_ecpp

from conftest import need_server
from varuh.connectors.fulfil import fulfil
from varuh.ledger.db import get_engine
from varuh.model.datamap import require_datamap
from varuh.model.load import load_model

KEY = b"test-secret"


@pytest.fixture(scope="module")
def inputs():
    return load_model(ECPP), require_datamap(ECPP)


def _run(inputs, kind: str, email: str, **kw):
    model, datamap = inputs
    return fulfil(model, datamap, ECPP, kind, {"email": email}, today=TODAY, key=KEY, ledger=get_engine(), **kw)


def _erase_and_check(inputs, url: str, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ECPP_DATABASE_URL", url)
    monkeypatch.setenv("VARUH_EXPORTS", str(tmp_path / "exports"))
    email = seed_ecpp(url, subjects=30)
    access = _run(inputs, "access", email)
    assert access.status == "done" and access.totals["exported"] >= 8
    before, d0 = occurrences(url, email), digest(url)
    dry = _run(inputs, "erasure", email, dry_run=True)
    assert dry.status == "done", dry.messages
    assert digest(url) == d0
    real = _run(inputs, "erasure", email)
    assert real.status == "done", real.messages
    shape = [(t.name, t.deleted, t.updated, t.fields) for t in real.stores[0].tables]
    assert [(t.name, t.deleted, t.updated, t.fields) for t in dry.stores[0].tables] == shape
    assert occurrences(url, email) < before
    assert any(k.table == "invoices" and k.until and k.until > TODAY for k in real.kept)
    again = _run(inputs, "erasure", email)
    assert again.totals["deleted"] == 0 and again.totals["updated"] == 0


@pytest.mark.postgres
def test_postgresql(inputs, pg_url, ledger, monkeypatch, tmp_path):
    _erase_and_check(inputs, pg_url, monkeypatch, tmp_path)


@pytest.mark.mariadb
def test_mariadb(inputs, maria_url, ledger, monkeypatch, tmp_path):
    _erase_and_check(inputs, maria_url, monkeypatch, tmp_path)


@pytest.mark.postgres
def test_wrong_credentials_and_unreachable_server_name_the_store_and_hide_the_password(inputs, ledger, monkeypatch):
    need_server("PostgreSQL", 5432)
    for url in ("postgresql+psycopg://nobody_here:s3cr3t-pw@127.0.0.1:5432/postgres",
                "postgresql+psycopg://postgres:s3cr3t-pw@127.0.0.1:1/postgres"):
        monkeypatch.setenv("ECPP_DATABASE_URL", url)
        result = _run(inputs, "erasure", "ana@primer.si")
        store = result.stores[0]
        assert result.status == "failed" and store.status == "failed" and store.id == "ecpp"
        assert "s3cr3t-pw" not in str(result) and "***" in store.error
        assert any("run the request again" in m for m in result.messages)


@pytest.mark.postgres
def test_vanished_table_and_wrong_type_commit_nothing(inputs, pg_url, ledger, monkeypatch):
    monkeypatch.setenv("ECPP_DATABASE_URL", pg_url)
    email = seed_ecpp(pg_url, subjects=10)
    engine = sa.create_engine(pg_url)
    # a value the column cannot hold: the whole store's transaction is rolled back
    d0 = digest(pg_url)
    result = _run(inputs, "rectification", email, changes={"accounts.first_name": "Ana",
                                                           "accounts.registered_at": "not a date"})
    assert result.stores[0].status == "failed" and "accounts.registered_at" in result.stores[0].error
    assert "not a date" not in str(result) and result.stores[0].rectified == []
    result = _run(inputs, "rectification", email, changes={"accounts.last_name": "Ana",
                                                           "accounts.first_name": "x" * 150})
    assert result.stores[0].status == "failed" and "too long" in result.stores[0].error
    assert digest(pg_url) == d0
    # a table that vanished after the data map was written
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE correspondence"))
    engine.dispose()
    d1 = digest(pg_url)
    result = _run(inputs, "erasure", email)
    assert result.stores[0].status == "failed" and "correspondence" in result.stores[0].error
    assert digest(pg_url) == d1
