"""`varuh retention plan` and `run` on the tests' own shop (SQLite store, SQLite ledger)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from retention_fixture import AS_OF, EXPECTED_DUE, build_shop, digest, rows, withdraw_newsletter


@pytest.fixture
def shop(tmp_path, ledger, monkeypatch):
    """The shop's model folder and store URL, with one newsletter withdrawal in the ledger."""
    folder = tmp_path / "shop"
    url = build_shop(folder)
    monkeypatch.delenv("SHOP_DATABASE_URL", raising=False)
    withdraw_newsletter(ledger)
    return folder, url


def due_by_rule(plan: dict) -> dict[str, int]:
    return {i["rule"]: i["due"] for i in plan["items"] if i["store"] != "ledger"}


def test_plan_counts_what_is_due_per_rule_and_table(run, shop):
    folder, _ = shop
    r = run("retention", "plan", folder, "--as-of", AS_OF.isoformat(), "--json")
    assert r.exit_code == 0, r.output
    plan = r.json()
    assert due_by_rule(plan) == EXPECTED_DUE
    assert plan["total"] == sum(EXPECTED_DUE.values())
    assert plan["not_executable"] == [{"key": "blog.while-purpose", "kind": "purpose",
                                       "reason": "kept while the purpose lasts: no date to enforce"}]
    items = {i["rule"]: i for i in plan["items"]}
    # the 2016 invoice: 31. 12. 2016 + 10 years has passed on 1. 1. 2027
    assert items["invoices.invoices-10y"]["next_due"] == "2027-01-01"
    # account 6 registered 30. 1.: 30 days end on 1. 3., so it is due from 2. 3. (Reg. 1182/71 Art. 3)
    assert items["account.no-purchase-30d"]["next_due"] == "2026-03-02"
    assert {"month": "2026-03", "expiring": 2} in items["account.no-purchase-30d"]["calendar"]


def test_plan_text_names_rules_and_totals(run, shop):
    folder, _ = shop
    r = run("retention", "plan", folder, "--as-of", AS_OF.isoformat())
    assert r.exit_code == 0, r.output
    assert "Hramba na dan / retention as of 1. 3. 2026: 14 zapisov zapadlih / records due" in r.stdout
    assert "invoices.invoices-10y" in r.stdout and "shop.invoices" in r.stdout


def test_dry_run_changes_nothing_run_erases_and_a_second_run_is_a_no_op(run, shop):
    folder, url = shop
    before = digest(url)
    dry = run("retention", "run", folder, "--as-of", AS_OF.isoformat(), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert dry.json()["total_affected"] == sum(EXPECTED_DUE.values())
    assert digest(url) == before

    done = run("retention", "run", folder, "--as-of", AS_OF.isoformat(), "--json")
    assert done.exit_code == 0, done.output
    assert done.stdout and digest(url) != before
    result = done.json()
    assert result["status"] == "done" and result["run"].startswith("R-")
    assert {i["rule"]: i["affected"] for i in result["items"] if i["store"] == "shop"} == EXPECTED_DUE

    assert [a["id"] for a in rows(url, "accounts")] == [2, 4, 5, 6]
    assert [(o["id"], o["phone"]) for o in rows(url, "orders")] == [(2, None), (3, None), (4, "041 444 444")]
    assert [i["id"] for i in rows(url, "invoices")] == [2]
    assert [s["email"] for s in rows(url, "subscribers")] == ["bojan@zgled.si"]
    visit = rows(url, "visits")[0]
    assert visit["ip"].startswith("h:") and visit["agent"] == "M***"
    assert [c["id"] for c in rows(url, "tenant_contacts")] == [2, 4]

    after = digest(url)
    again = run("retention", "run", folder, "--as-of", AS_OF.isoformat())
    assert again.exit_code == 0 and again.stdout == ""  # quiet by default: cron mails nothing
    assert digest(url) == after
    plan = run("retention", "plan", folder, "--as-of", AS_OF.isoformat(), "--json").json()
    assert plan["total"] == 0


def test_the_deletion_log_holds_counts_never_data(run, shop, ledger):
    folder, _ = shop
    ref = run("retention", "run", folder, "--as-of", AS_OF.isoformat(), "--json").json()["run"]
    from varuh.ledger.db import get_engine
    from varuh.ledger.retention import last_runs, run_log

    with get_engine(ledger).connect() as conn:
        log = run_log(conn, ref)
        runs = last_runs(conn)
        audit = conn.execute(sa.text("SELECT action, object_id, details FROM audit_log "
                                     "WHERE action = 'retention.run'")).all()
    assert runs[0].ref == ref and runs[0].status == "done" and runs[0].total == 14
    assert {(e["rule"], e["table"], e["count"]) for e in log} >= {("invoices.invoices-10y", "invoices", 2)}
    text = repr(log) + repr(audit)
    for secret in ("zgled.si", "Cene", "041 ", "193.2"):
        assert secret not in text
    assert audit[0][1] == ref


def test_conditions_hold_rows_back_until_they_clear(run, shop):
    folder, url = shop
    run("retention", "run", folder, "--as-of", AS_OF.isoformat())
    assert 4 in [a["id"] for a in rows(url, "accounts")]  # claim pending
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE accounts SET claim_pending = 0 WHERE id = 4")
        conn.exec_driver_sql("UPDATE orders SET claim_pending = 0 WHERE id = 2")
    engine.dispose()
    r = run("retention", "run", folder, "--as-of", AS_OF.isoformat(), "--json")
    assert {i["rule"]: i["affected"] for i in r.json()["items"] if i["affected"]} == {
        "shop-contract.delivery-5y": 1, "account.access-5y": 1}
    assert 4 not in [a["id"] for a in rows(url, "accounts")]


def test_store_url_comes_from_the_environment(run, shop, tmp_path):
    folder, _ = shop
    moved = tmp_path / "elsewhere.db"
    (folder / "shop.db").rename(moved)
    r = run("retention", "plan", folder, "--as-of", AS_OF.isoformat(), "--json",
            env={"SHOP_DATABASE_URL": f"sqlite:///{moved}"})
    assert r.exit_code == 0, r.output
    assert r.json()["total"] == 14
