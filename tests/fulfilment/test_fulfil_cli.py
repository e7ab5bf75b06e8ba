"""`varuh requests fulfil` on the ecpp example in SQLite, driven as a DPO would drive it."""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from fulfil_fixture import ECPP, TODAY, digest, new_request, occurrences, seed_ecpp


@pytest.fixture
def shop(tmp_path, ledger, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ecpp.db'}"
    email = seed_ecpp(url)
    monkeypatch.setenv("ECPP_DATABASE_URL", url)
    monkeypatch.setenv("VARUH_EXPORTS", str(tmp_path / "exports"))
    monkeypatch.setenv("VARUH_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("VARUH_TODAY", TODAY.isoformat())
    return url, email


def _ledger_rows(ledger_url: str, sql: str) -> list:
    engine = sa.create_engine(ledger_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql)).all()
    engine.dispose()
    return rows


def test_access_bundle_holds_the_data_with_checksums_and_the_art15_report(run, shop):
    _, email = shop
    ref = new_request(run, "access", email)
    r = run("requests", "fulfil", ECPP, ref, "--json")
    assert r.exit_code == 0, r.output
    result = r.json()
    assert result["status"] == "done" and result["type"] == "access"
    exported = {e["table"]: e["rows"] for e in result["stores"][0]["exported"]}
    assert exported["accounts"] == 1 and exported["invoices"] >= 1 and "access_log" not in exported
    zip_path = Path(result["bundle"]["zip"])
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
        manifest = json.loads(z.read(next(n for n in names if n.endswith("manifest.json"))))
        for entry in manifest["files"]:
            data = z.read(f"{zip_path.stem}/{entry['path']}")
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        accounts_json = json.loads(z.read(f"{zip_path.stem}/data/ecpp/accounts.json"))
        assert accounts_json["rows"][0]["email"] == email
        csv_bytes = z.read(f"{zip_path.stem}/data/ecpp/accounts.csv")
        assert csv_bytes.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads č, š, ž
        header = next(csv.reader([csv_bytes.decode("utf-8-sig").splitlines()[0]]))
        assert "email" in header
        report = z.read(f"{zip_path.stem}/report.html").decode()
    assert "Vaši osebni podatki" in report and "Pravna podlaga" in report and "Informacijski pooblaščenec" in report
    assert result["bundle"]["download_url"].split("/download/")[1]
    # the run is in the request's history and the audit chain holds no address
    audit = _ledger_rows(shop_ledger(), "SELECT action, details FROM audit_log")
    assert any(a == "request.fulfil.access" for a, _ in audit)
    assert all(email not in str(d) for _, d in audit)
    assert run("audit", "verify").exit_code == 0


def shop_ledger() -> str:
    import os

    return os.environ["VARUH_DATABASE_URL"]


def test_portability_carries_only_art20_fields(run, shop):
    _, email = shop
    ref = new_request(run, "portability", email)
    r = run("requests", "fulfil", ECPP, ref, "--json")
    assert r.exit_code == 0, r.output
    folder = Path(r.json()["bundle"]["folder"])
    tables = {p.stem for p in (folder / "data" / "ecpp").glob("*.json")}
    # the newsletter (consent, given by the subject) is portable
    assert "newsletter_subscribers" in tables
    # of an invoice (legal obligation) only the address it went to, which serves the contract
    invoices = json.loads((folder / "data" / "ecpp" / "invoices.json").read_text())
    assert invoices["columns"] == ["id", "email"]
    # the account itself is kept on legitimate interests: not Art. 20; its consent-based settings are
    accounts = json.loads((folder / "data" / "ecpp" / "accounts.json").read_text())
    assert "password_hash" not in accounts["columns"] and "notify_reminders" in accounts["columns"]


def test_erasure_dry_run_is_exact_then_erases_keeps_invoices_and_reruns_clean(run, shop):
    url, email = shop
    before = occurrences(url, email)
    ref = new_request(run, "erasure", email)
    d0 = digest(url)
    dry = run("requests", "fulfil", ECPP, ref, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert digest(url) == d0, "the dry run changed the database"
    real = run("requests", "fulfil", ref, "--json", env={"VARUH_MODEL": str(ECPP)})  # PATH left out
    assert real.exit_code == 0, real.output

    def shape(result):
        return [(t["name"], t["deleted"], t["updated"], t["fields"]) for t in result["stores"][0]["tables"]]

    assert shape(dry.json()) == shape(real.json()), "the dry run did not show exactly what the run did"
    result = real.json()
    assert result["totals"]["deleted"] > 5
    after = occurrences(url, email)
    assert after < before
    kept = result["kept"]
    assert kept and kept[0]["table"] == "invoices" and "17(3)(b)" in kept[0]["article"]
    assert kept[0]["until"] > TODAY.isoformat()  # 10 years after the end of the invoice's year
    assert {r["id"] for r in result["recipients"]} >= {"accounting", "payment-providers"}  # Art. 19
    # invoices stay (name, address), restricted in Varuh's side table (invoices have no flag column)
    side = _ledger_rows(shop_ledger(), "SELECT table_name, reason, until FROM restrictions")
    assert side and all(t == "invoices" and r == "legal_hold" and u for t, r, u in side)
    # a rerun changes nothing and remembers what the first run did
    again = run("requests", "fulfil", ECPP, ref, "--json")
    assert again.exit_code == 0
    assert again.json()["totals"]["deleted"] == 0 and again.json()["totals"]["updated"] == 0
    assert again.json()["earlier"]["deleted"] == result["totals"]["deleted"]
    assert occurrences(url, email) == after
    assert len(_ledger_rows(shop_ledger(), "SELECT id FROM restrictions")) == len(side)


def test_pending_claim_keeps_the_order_restricted_with_the_reason(run, shop):
    url, email = shop
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE service_orders SET claim_pending = 1 WHERE email = :e"), {"e": email})
    ref = new_request(run, "erasure", email)
    result = run("requests", "fulfil", ECPP, ref, "--json").json()
    held = [k for k in result["kept"] if k["table"] == "service_orders"]
    assert held and "17(3)(e)" in held[0]["article"] and "claim" in held[0]["reason"] and held[0]["until"] is None
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT restricted, email FROM service_orders WHERE email = :e"), {"e": email}).one()
    engine.dispose()
    assert row.restricted == 1  # the flag column


def test_unverified_request_discloses_nothing(run, shop):
    _, email = shop
    ref = new_request(run, "access", email, verify=False)
    r = run("requests", "fulfil", ECPP, ref)
    assert r.exit_code == 2 and "not confirmed" in r.stderr


def test_rectification_keeps_before_and_after_in_the_request_record_only(run, shop):
    url, email = shop
    ref = new_request(run, "rectification", email)
    r = run("requests", "fulfil", ECPP, ref, "--set", "accounts.last_name=Novak-Kranjc", "--json")
    assert r.exit_code == 0, r.output
    assert r.json()["stores"][0]["rectified"] == [{"table": "accounts", "field": "last_name", "rows": 1}]
    assert "Novak-Kranjc" not in r.stdout
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT last_name FROM accounts WHERE email = :e"), {"e": email}).scalar() \
            == "Novak-Kranjc"
    engine.dispose()
    events = _ledger_rows(shop_ledger(), "SELECT details FROM request_events WHERE action = 'fulfil.rectification'")
    assert "Novak-Kranjc" in str(events[0][0])
    audit = _ledger_rows(shop_ledger(), "SELECT details FROM audit_log")
    assert all("Novak-Kranjc" not in str(d) for (d,) in audit)
    bad = run("requests", "fulfil", ECPP, ref, "--set", "accounts.shoe_size=44")
    assert bad.exit_code == 2 and "shoe_size" in bad.stderr


def test_restriction_marks_rows_and_lifting_tells_the_subject_first(run, shop, tmp_path):
    url, email = shop
    ref = new_request(run, "restriction", email)
    r = run("requests", "fulfil", ECPP, ref, "--json")
    assert r.exit_code == 0, r.output
    restricted = r.json()["stores"][0]["restricted"]
    assert restricted["accounts"] == 1 and restricted["invoices"] >= 1  # flag column / side table
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT restricted FROM accounts WHERE email = :e"), {"e": email}).scalar() == 1
    lifted = run("requests", "lift", ref, "--model", ECPP, "--json")
    assert lifted.exit_code == 0, lifted.output
    mails = list((tmp_path / "outbox").glob("*.eml"))
    assert len(mails) == 1 and "18(3)" in mails[0].read_text()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT restricted FROM accounts WHERE email = :e"), {"e": email}).scalar() == 0
    engine.dispose()


def test_objection_to_marketing_suppresses_and_erases_what_was_held_only_for_it(run, shop):
    _, email = shop
    ref = new_request(run, "objection_marketing", email)
    r = run("requests", "fulfil", ECPP, ref, "--activity", "e-marketing", "--json")
    assert r.exit_code == 0, r.output
    result = r.json()
    assert result["suppressed"] == ["e-marketing"]
    changed = {t["name"]: t["deleted"] for t in result["stores"][0]["tables"] if t["deleted"] or t["updated"]}
    assert changed == {"marketing_subscribers": 1}  # the account, orders and newsletter stay
    digests = _ledger_rows(shop_ledger(), "SELECT activity, kind, digest FROM suppressions")
    assert digests == [("e-marketing", "email", digests[0][2])] and email not in digests[0][2]
    from varuh.connectors.fulfil import is_suppressed

    engine = sa.create_engine(shop_ledger())
    with engine.connect() as conn:
        assert is_suppressed(conn, "e-marketing", {"email": email.upper()}, b"test-secret")
        assert not is_suppressed(conn, "newsletter", {"email": email}, b"test-secret")
    engine.dispose()
