"""The retention tests' own shop: tests/retention/shop/{privacy,datasets}.yaml and a small database.

Rows are placed around AS_OF so that each rule has rows due, rows not yet due, rows on the
boundary and rows a condition holds back. EXPECTED_DUE is what the plan must report on AS_OF.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).parent / "shop"
AS_OF = dt.date(2026, 3, 1)
WITHDRAWN = "ana@zgled.si"

EXPECTED_DUE = {
    "account.no-purchase-30d": 2,  # accounts 1 and 7 (6 is one day short, 2 too recent, others bought)
    "account.access-5y": 1,  # account 3 (4 has a claim pending, 5 still has access)
    "shop-contract.phone-at-delivery": 3,  # orders 1, 2, 3 (4 not delivered)
    "shop-contract.delivery-5y": 1,  # order 1 (2 has a claim)
    "invoices.invoices-10y": 2,  # invoices of 2015 (2016 is due on 1. 1. 2027)
    "newsletter.until-withdrawn": 2,  # both rows of the address that withdrew (case differs)
    "website-visit.visit-6m": 1,
    "hosting.customer-set": 2,  # tenant 1 (30 days) and tenant 2 (default 1 year)
}

SCHEMA = """
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(80), email VARCHAR(120) NOT NULL,
    registered_at TIMESTAMP NOT NULL, access_ended_at TIMESTAMP, claim_pending BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE orders (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, name VARCHAR(80), phone VARCHAR(40),
    delivered_at TIMESTAMP, claim_pending INTEGER NOT NULL DEFAULT 0);
CREATE TABLE invoices (id INTEGER PRIMARY KEY, name VARCHAR(80), issued_on DATE NOT NULL);
CREATE TABLE subscribers (id INTEGER PRIMARY KEY, email VARCHAR(120), subscribed_at TIMESTAMP);
CREATE TABLE visits (id INTEGER PRIMARY KEY, ip VARCHAR(80), agent VARCHAR(200), visited_at TIMESTAMP);
CREATE TABLE tenants (id INTEGER PRIMARY KEY, name VARCHAR(80), retention_days INTEGER);
CREATE TABLE tenant_contacts (id INTEGER PRIMARY KEY, tenant_id INTEGER, email VARCHAR(120), created_at TIMESTAMP);
"""


def t(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10)


ROWS: dict[str, list[dict]] = {
    "accounts": [
        dict(id=1, name="Ana", email="a1@zgled.si", registered_at=t("2026-01-01")),
        dict(id=2, name="Bor", email="a2@zgled.si", registered_at=t("2026-02-15")),
        dict(id=3, name="Cene", email="a3@zgled.si", registered_at=t("2020-01-01"), access_ended_at=t("2020-06-01")),
        dict(id=4, name="Dora", email="a4@zgled.si", registered_at=t("2020-01-01"), access_ended_at=t("2020-06-01"),
             claim_pending=True),
        dict(id=5, name="Eva", email="a5@zgled.si", registered_at=t("2025-01-01")),
        dict(id=6, name="Fran", email="a6@zgled.si", registered_at=t("2026-01-30")),
        dict(id=7, name="Gal", email="a7@zgled.si", registered_at=t("2026-01-29")),
    ],
    "orders": [
        dict(id=1, account_id=3, name="Cene", phone="041 111 111", delivered_at=t("2020-05-01")),
        dict(id=2, account_id=4, name="Dora", phone="041 222 222", delivered_at=t("2020-05-01"), claim_pending=1),
        dict(id=3, account_id=5, name="Eva", phone="041 333 333", delivered_at=t("2026-02-27")),
        dict(id=4, account_id=5, name="Eva", phone="041 444 444"),
    ],
    "invoices": [
        dict(id=1, name="Cene", issued_on=dt.date(2015, 6, 1)),
        dict(id=2, name="Dora", issued_on=dt.date(2016, 1, 5)),
        dict(id=3, name="Eva", issued_on=dt.date(2015, 12, 31)),
    ],
    "subscribers": [
        dict(id=1, email=WITHDRAWN, subscribed_at=t("2025-01-01")),
        dict(id=2, email="bojan@zgled.si", subscribed_at=t("2025-01-01")),
        dict(id=3, email="Ana@Zgled.si", subscribed_at=t("2025-02-01")),
    ],
    "visits": [
        dict(id=1, ip="193.2.1.66", agent="Mozilla/5.0", visited_at=t("2025-08-01")),
        dict(id=2, ip="193.2.1.67", agent="Safari", visited_at=t("2026-01-01")),
    ],
    "tenants": [dict(id=1, name="Občina", retention_days=30), dict(id=2, name="Društvo", retention_days=None)],
    "tenant_contacts": [
        dict(id=1, tenant_id=1, email="c1@obcina.si", created_at=t("2026-01-01")),
        dict(id=2, tenant_id=1, email="c2@obcina.si", created_at=t("2026-02-20")),
        dict(id=3, tenant_id=2, email="c3@drustvo.si", created_at=t("2025-01-01")),
        dict(id=4, tenant_id=2, email="c4@drustvo.si", created_at=t("2025-06-01")),
    ],
}


def build_shop(folder: Path, url: str | None = None) -> str:
    """Copy the shop's model into `folder` and create its database (SQLite in the folder by default)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("privacy.yaml", "datasets.yaml"):
        shutil.copy(HERE / name, folder / name)
    url = url or f"sqlite:///{folder / 'shop.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        meta = sa.MetaData()
        meta.reflect(conn)
        for table, rows in ROWS.items():
            for row in rows:
                conn.execute(meta.tables[table].insert().values(**row))
    engine.dispose()
    return url


def withdraw_newsletter(ledger_url: str, email: str = WITHDRAWN) -> None:
    """Record in the ledger that `email` gave and then withdrew consent for the newsletter."""
    from varuh.consent.engine import Proof, record_consent
    from varuh.ledger.db import get_engine
    from varuh.ledger.secret import secret_key
    from varuh.model.load import load_model

    model = load_model(HERE)
    key = secret_key(ledger_url)
    with get_engine(ledger_url).begin() as conn:
        for given, when in ((True, "2025-01-01"), (False, "2026-01-10")):
            record_consent(conn, model, key, purpose="newsletter", given=given, proof=Proof(channel="web_form"),
                           identities={"email": email}, now=t(when).replace(tzinfo=dt.UTC))


def digest(url: str) -> str:
    """A digest of every row of a database, to see whether anything changed."""
    import hashlib

    engine = sa.create_engine(url)
    h = hashlib.sha256()
    with engine.connect() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        for name in sorted(meta.tables):
            for row in conn.execute(sa.select(meta.tables[name]).order_by(*meta.tables[name].primary_key.columns)):
                h.update(repr(tuple(row)).encode())
    engine.dispose()
    return h.hexdigest()


def rows(url: str, table: str) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = [dict(r._mapping) for r in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id")]
    engine.dispose()
    return out
