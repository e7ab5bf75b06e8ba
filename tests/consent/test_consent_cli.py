"""`varuh consent …` and `varuh keys …` as a user runs them."""

from __future__ import annotations

from pathlib import Path

MODEL = Path(__file__).parent / "model"


def test_give_check_withdraw_history(run, ledger):
    r = run("consent", "give", MODEL, "--email", "Ana@Example.si", "--purpose", "newsletter", "--json")
    assert r.exit_code == 0, r.output
    event = r.json()
    assert event["action"] == "give" and event["channel"] == "paper" and event["actor"] == "cli"
    assert event["wording"] == "Želim prejemati spletnik." and "ana" not in r.stdout.lower().replace("ana@", "")
    r = run("consent", "check", MODEL, "--email", "ana@example.si", "--purpose", "newsletter", "--json")
    assert (r.exit_code, r.json()["given"], r.json()["status"]) == (0, True, "given")
    r = run("consent", "withdraw", MODEL, "--email", "ana@example.si", "--purpose", "newsletter", "--channel", "email")
    assert r.exit_code == 0 and r.stdout.startswith("consent withdrawn: newsletter (S-")
    r = run("consent", "check", MODEL, "--email", "ana@example.si", "--purpose", "newsletter", "--json")
    assert (r.exit_code, r.json()["given"], r.json()["status"]) == (1, False, "withdrawn")
    r = run("consent", "check", MODEL, "--email", "ana@example.si", "--purpose", "marketing")
    assert (r.exit_code, r.stdout.strip()) == (1, "marketing: none")
    r = run("consent", "history", MODEL, "--email", "ana@example.si", "--json")
    assert [(e["action"], e["channel"]) for e in r.json()] == [("give", "paper"), ("withdraw", "email")]
    r = run("consent", "receipt", str(event["id"]), MODEL)
    assert r.exit_code == 0 and r.json()["record_id"] == f"urn:uuid:{event['receipt_id']}"


def test_model_from_environment_and_parent(run, ledger, monkeypatch):
    monkeypatch.setenv("VARUH_MODEL", str(MODEL))
    r = run("consent", "give", "--email", "child@example.si", "--purpose", "marketing", "--parent", "--json")
    assert r.exit_code == 0 and r.json()["given_by"] == "parent"


def test_bad_input_exits_2_with_one_line(run, ledger):
    r = run("consent", "give", MODEL, "--email", "a@example.si", "--purpose", "no-such-purpose")
    assert r.exit_code == 2 and r.stderr == (
        "error: unknown purpose 'no-such-purpose'; consent purposes of this model: newsletter, marketing\n")
    r = run("consent", "give", MODEL, "--email", "a@example.si", "--purpose", "shop")
    assert r.exit_code == 2 and "based on contract, not on consent" in r.stderr
    r = run("consent", "give", MODEL, "--purpose", "newsletter")
    assert r.exit_code == 2 and "name whose consent this is" in r.stderr
    r = run("consent", "give", MODEL, "--email", "a@example.si", "--purpose", "newsletter", "--channel", "fax")
    assert r.exit_code == 2 and "unknown consent channel 'fax'" in r.stderr
    assert "Traceback" not in r.output


def test_unmigrated_ledger_is_a_clear_error(run, tmp_path, monkeypatch):
    monkeypatch.setenv("VARUH_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("VARUH_SECRET_KEY", "k")
    r = run("consent", "check", MODEL, "--email", "a@example.si", "--purpose", "newsletter")
    assert r.exit_code == 2 and "varuh db upgrade" in r.stderr


def test_withdrawal_link(run, ledger, monkeypatch):
    monkeypatch.setenv("VARUH_BASE_URL", "https://zasebnost.example.si")
    r = run("consent", "link", MODEL, "--email", "ana@example.si", "--purpose", "newsletter")
    assert r.exit_code == 0 and r.stdout.startswith("https://zasebnost.example.si/withdraw/")
    assert "ana" not in r.stdout


def test_keys_create_list_revoke(run, ledger):
    r = run("keys", "create", "web shop", "--scope", "consent:read", "--scope", "consent:write", "--json")
    assert r.exit_code == 0, r.output
    created = r.json()
    assert created["key"].startswith(f"varuh_{created['key_id']}_") and created["scopes"] == [
        "consent:read", "consent:write"]
    r = run("keys", "list")
    assert created["key_id"] in r.stdout and "active" in r.stdout and created["key"] not in r.stdout
    assert run("keys", "revoke", created["key_id"]).exit_code == 0
    assert "revoked" in run("keys", "list").stdout
    r = run("keys", "create", "x", "--scope", "everything")
    assert r.exit_code == 2 and "area:action" in r.stderr
