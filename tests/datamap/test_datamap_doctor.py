"""`varuh doctor`: the data map against a live database."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from tests.conftest import EXAMPLES


@pytest.fixture
def seeded(run, tmp_path):
    url = f"sqlite:///{tmp_path / 'zmos.db'}"
    assert run("examples", "seed", "zmos", "--subjects", "30", "--url", url).exit_code == 0
    return url


def test_healthy_database(run, seeded):
    r = run("doctor", "examples/zmos", "--json", env={"ZMOS_DATABASE_URL": seeded})
    assert r.exit_code == 0, r.output
    body = r.json()
    assert body["ok"] is True
    assert {s["id"]: s["kind"] for s in body["stores"]} == {"zmos": "sql", "mailchimp": "manual",
                                                           "hosting-logs": "manual"}


def test_missing_index_column_and_table(run, seeded):
    engine = sa.create_engine(seeded)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_event_registrations_email"))
        conn.execute(sa.text("ALTER TABLE correspondence DROP COLUMN postal_address"))
    engine.dispose()
    r = run("doctor", "examples/zmos", "--json", env={"ZMOS_DATABASE_URL": seeded})
    assert r.exit_code == 1
    problems = {(f["problem"], f["table"], f.get("column")) for f in r.json()["findings"]}
    assert ("missing_index", "event_registrations", "email") in problems
    assert ("missing_column", "correspondence", "postal_address") in problems
    text = run("doctor", "examples/zmos", env={"ZMOS_DATABASE_URL": seeded})
    assert "CREATE INDEX ix_event_registrations_email" in text.stdout


def test_missing_table(run, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    sa.create_engine(url).connect().close()
    r = run("doctor", "examples/zpms", "--json", env={"ZPMS_DATABASE_URL": url})
    assert r.exit_code == 1
    assert {f["table"] for f in r.json()["findings"] if f["problem"] == "missing_table"} == {
        "calls", "email_questions", "chats", "crisis_cases"}


def test_unreachable_server_hides_the_password(run):
    r = run("doctor", "examples/ecpp", "--json",
            env={"ECPP_DATABASE_URL": "postgresql+psycopg://shop:s3cr3t-pw@127.0.0.1:1/shop"})
    assert r.exit_code == 1
    assert "s3cr3t-pw" not in r.output
    finding = r.json()["findings"][0]
    assert finding["problem"] == "unreachable" and "***" in finding["message"]


def test_no_datamap_is_bad_input(run, tmp_path):
    shutil.copy(EXAMPLES / "ecpp" / "privacy.yaml", tmp_path / "privacy.yaml")
    r = run("doctor", tmp_path)
    assert r.exit_code == 2 and "datasets.yaml" in r.stderr
