"""`varuh examples seed`: realistic, deterministic example databases on SQLite, PostgreSQL, MariaDB."""

from __future__ import annotations

import re

import phonenumbers
import pytest
import sqlalchemy as sa
from stdnum import iban
from tests.conftest import ORGS

TODAY = "2025-06-15"


def _seed(run, org: str, url: str, *extra: str):
    return run("examples", "seed", org, "--subjects", "200", "--url", url, *extra, "--json", env={"VARUH_TODAY": TODAY})


def _count(url: str, sql: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize("org", ORGS)
def test_every_example_seeds_into_sqlite(run, tmp_path, org):
    url = f"sqlite:///{tmp_path / f'{org}.db'}"
    r = _seed(run, org, url)
    assert r.exit_code == 0, r.output
    result = r.json()
    assert result["subjects"] == 200 and sum(result["rows"].values()) >= 200
    variable = f"{'FOURPM' if org == '4pm' else org.upper()}_DATABASE_URL"
    doctor = run("doctor", f"examples/{org}", "--json", env={variable: url})
    assert doctor.exit_code == 0, doctor.output  # every identity, reference and anchor column is indexed


def test_ecpp_is_realistic(run, tmp_path):
    url = f"sqlite:///{tmp_path / 'ecpp.db'}"
    assert _seed(run, "ecpp", url).exit_code == 0
    accounts = _count(url, "SELECT COUNT(*) FROM accounts")
    buyers = _count(url, "SELECT COUNT(DISTINCT account_id) FROM service_orders")
    assert 0.3 < buyers / accounts < 0.7  # most accounts never buy
    years = _count(url, "SELECT COUNT(DISTINCT substr(registered_at, 1, 4)) FROM accounts")
    assert years >= 10  # twelve years of history
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for (phone,) in conn.execute(sa.text("SELECT phone FROM service_orders LIMIT 50")):
            assert phonenumbers.is_valid_number(phonenumbers.parse(phone, "SI")), phone
        for (number,) in conn.execute(sa.text("SELECT iban FROM service_orders WHERE iban IS NOT NULL LIMIT 50")):
            assert iban.is_valid(number), number
        names = [r[0] for r in conn.execute(sa.text("SELECT last_name FROM accounts"))]
        assert any(re.search("[čšž]", n, re.I) for n in names)
        # the first subject is everywhere: account, orders, invoices, shop, newsletter, marketing, survey, mail
        email = conn.execute(sa.text("SELECT email FROM accounts WHERE id = (SELECT account_id FROM service_orders "
                                     "WHERE id = 1)")).scalar_one()
        tables = [t for t in ("accounts", "service_orders", "invoices", "shop_orders", "newsletter_subscribers",
                              "marketing_subscribers", "survey_answers", "correspondence")
                  if conn.execute(sa.text(f"SELECT COUNT(*) FROM {t} WHERE lower(email) = :e"), {"e": email}).scalar()]
        assert len(tables) == 8, tables
    engine.dispose()


def test_seed_is_deterministic_and_refuses_to_overwrite(run, tmp_path):
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    assert _seed(run, "ecpp", a).exit_code == 0
    assert _seed(run, "ecpp", b).exit_code == 0
    q = "SELECT group_concat(email || registered_at, ',') FROM (SELECT * FROM accounts ORDER BY id)"
    assert _count(a, q) == _count(b, q)
    again = _seed(run, "ecpp", a)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert _seed(run, "ecpp", a, "--force", "--seed", "7").exit_code == 0
    assert _count(a, q) != _count(b, q)


def test_default_url_comes_from_the_environment(run, tmp_path):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    r = run("examples", "seed", "zpms", "--subjects", "50", env={"ZPMS_DATABASE_URL": url, "VARUH_TODAY": TODAY})
    assert r.exit_code == 0, r.output
    assert str(tmp_path / "env.db") in r.stdout
    assert _count(url, "SELECT COUNT(*) FROM calls") > 0


def test_bad_input(run, tmp_path):
    r = run("examples", "seed", "nosuch", "--url", f"sqlite:///{tmp_path / 'x.db'}")
    assert r.exit_code == 2 and "nosuch" in r.stderr and "ecpp" in r.stderr
    r = run("examples", "seed", "ecpp", "--url", "not a url")
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = run("examples", "seed", "ecpp", "--subjects", "0", "--url", f"sqlite:///{tmp_path / 'x.db'}")
    assert r.exit_code == 2


def test_unreachable_server_names_the_store_without_the_password(run):
    r = run("examples", "seed", "ecpp", "--subjects", "5", "--url",
            "postgresql+psycopg://varuh:hunter2secret@127.0.0.1:1/nodb")
    assert r.exit_code == 2
    assert "ecpp" in r.stderr and "hunter2secret" not in r.output


def test_ecpp_into_postgresql(run, pg_url):
    r = _seed(run, "ecpp", pg_url)
    assert r.exit_code == 0, r.output
    assert _count(pg_url, "SELECT COUNT(*) FROM accounts") == r.json()["rows"]["accounts"]
    # sequences moved past the generated ids: the application can insert again
    assert _count(pg_url, "INSERT INTO correspondence (email, subject, body, received_at) "
                          "VALUES ('a@b.si', 's', 'b', now()) RETURNING id") > r.json()["rows"]["correspondence"]
    assert run("doctor", "examples/ecpp", env={"ECPP_DATABASE_URL": pg_url}).exit_code == 0


def test_ecpp_into_mariadb(run, maria_url):
    r = _seed(run, "ecpp", maria_url)
    assert r.exit_code == 0, r.output
    assert _count(maria_url, "SELECT COUNT(*) FROM shop_orders") == r.json()["rows"]["shop_orders"]
    assert _count(maria_url, "SELECT COUNT(*) FROM accounts WHERE last_name LIKE '%č%'") > 0  # utf8mb4 kept
    assert run("doctor", "examples/ecpp", env={"ECPP_DATABASE_URL": maria_url}).exit_code == 0
