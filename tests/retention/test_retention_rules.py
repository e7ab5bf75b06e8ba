"""When a row is due (Reg. 1182/71 counting), and the same sweep on PostgreSQL and MariaDB stores."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from retention_fixture import AS_OF, EXPECTED_DUE, build_shop, rows, withdraw_newsletter

from varuh.model.periods import Period
from varuh.retention.evaluate import cutoff, due_on


def test_thirty_days_after_registration():
    # registered 1. 1.: the 30 days run 2. 1. – 31. 1.; the account goes on 1. 2.
    assert due_on(dt.date(2026, 1, 1), Period(days=30)) == dt.date(2026, 2, 1)
    assert cutoff(Period(days=30), dt.date(2026, 2, 1)) == dt.date(2026, 1, 2)  # 1. 1. < 2. 1.: due
    assert cutoff(Period(days=30), dt.date(2026, 1, 31)) == dt.date(2026, 1, 1)  # not yet


def test_ten_years_after_the_end_of_the_year():
    p = Period(years=10)
    assert due_on(dt.date(2015, 3, 4), p, year_end=True) == dt.date(2026, 1, 1)
    assert cutoff(p, dt.date(2026, 1, 1), year_end=True) == dt.date(2016, 1, 1)  # all of 2015 is due
    assert cutoff(p, dt.date(2025, 12, 31), year_end=True) == dt.date(2015, 1, 1)  # 2015 not yet


def test_at_the_event():
    assert cutoff(Period(), dt.date(2026, 3, 1)) == dt.date(2026, 3, 1)  # delivered yesterday: due today


dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))


@given(anchor=dates, as_of=dates, days=st.integers(0, 4000))
def test_cutoff_and_due_on_agree_for_days(anchor, as_of, days):
    p = Period(days=days)
    assert (anchor < cutoff(p, as_of)) == (due_on(anchor, p) <= as_of)


@given(anchor=dates, as_of=dates, years=st.integers(0, 30), year_end=st.booleans())
def test_cutoff_and_due_on_agree_for_years(anchor, as_of, years, year_end):
    p = Period(years=years)
    assert (anchor < cutoff(p, as_of, year_end)) == (due_on(anchor, p, year_end) <= as_of)


@pytest.mark.postgres
def test_the_sweep_on_a_postgresql_store(run, tmp_path, ledger, pg_url, monkeypatch):
    folder = tmp_path / "shop"
    build_shop(folder, pg_url)
    monkeypatch.setenv("SHOP_DATABASE_URL", pg_url)
    withdraw_newsletter(ledger)
    plan = run("retention", "plan", folder, "--as-of", AS_OF.isoformat(), "--json")
    assert plan.exit_code == 0, plan.output
    assert {i["rule"]: i["due"] for i in plan.json()["items"] if i["store"] == "shop"} == EXPECTED_DUE
    done = run("retention", "run", folder, "--as-of", AS_OF.isoformat(), "--json")
    assert done.exit_code == 0, done.output
    assert [a["id"] for a in rows(pg_url, "accounts")] == [2, 4, 5, 6]
    assert rows(pg_url, "visits")[0]["agent"] == "M***"
    assert run("retention", "plan", folder, "--as-of", AS_OF.isoformat(), "--json").json()["total"] == 0


@pytest.mark.mariadb
def test_the_sweep_on_a_mariadb_store(run, tmp_path, ledger, maria_url, monkeypatch):
    folder = tmp_path / "shop"
    build_shop(folder, maria_url)
    monkeypatch.setenv("SHOP_DATABASE_URL", maria_url)
    withdraw_newsletter(ledger)
    done = run("retention", "run", folder, "--as-of", AS_OF.isoformat(), "--json")
    assert done.exit_code == 0, done.output
    assert {i["rule"]: i["affected"] for i in done.json()["items"] if i["store"] == "shop"} == EXPECTED_DUE
    assert run("retention", "plan", folder, "--as-of", AS_OF.isoformat(), "--json").json()["total"] == 0
