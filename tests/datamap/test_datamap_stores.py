"""Store URLs: from the environment or the default, {here} filled in, passwords never shown."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from varuh.connectors.stores import connect, mask_url, resolve_url, scrub
from varuh.errors import StoreError
from varuh.model.datasets import Store

STORE = Store(id="shop", kind="sql", url_env="SHOP_TEST_URL", default_url="sqlite:///{here}/data/shop.db")


def test_environment_wins_over_default(monkeypatch, tmp_path):
    monkeypatch.delenv("SHOP_TEST_URL", raising=False)
    assert resolve_url(STORE, tmp_path) == f"sqlite:///{tmp_path.resolve()}/data/shop.db"
    monkeypatch.setenv("SHOP_TEST_URL", "postgresql+psycopg://u:p@db/shop")
    assert resolve_url(STORE, tmp_path) == "postgresql+psycopg://u:p@db/shop"


def test_no_url_at_all(monkeypatch, tmp_path):
    monkeypatch.delenv("ONLY_ENV_URL", raising=False)
    store = Store(id="x", kind="sql", url_env="ONLY_ENV_URL")
    with pytest.raises(StoreError, match="ONLY_ENV_URL"):
        resolve_url(store, tmp_path)


def test_default_url_must_not_hold_credentials():
    with pytest.raises(ValueError, match="credentials"):
        Store(id="x", kind="sql", url_env="X", default_url="postgresql://u:secret@db/x")


def test_masking():
    assert mask_url("postgresql+psycopg://shop:hunter2@db:5432/shop") == "postgresql+psycopg://shop:***@db:5432/shop"
    assert "hunter2" not in mask_url("mysql+pymysql://root:hunter2@127.0.0.1/x?charset=utf8mb4")
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert scrub('connection failed: password=hunter2 host=db', None) == "connection failed: password=*** host=db"
    assert "hunter2" not in scrub("FATAL: user shop hunter2", "postgresql://shop:hunter2@db/x")


def test_connect_maps_driver_errors(tmp_path):
    store = Store(id="shop", kind="sql", url_env="UNSET_X", default_url="sqlite:///{here}/shop.db")
    with connect(store, tmp_path) as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER)"))
    with pytest.raises(StoreError, match=r"store 'shop'.*no such table"), connect(store, tmp_path) as conn:
        conn.execute(sa.text("SELECT * FROM missing"))
