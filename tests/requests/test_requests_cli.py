"""`varuh requests …` driven as a DPO uses it: intake by letter, the lifecycle, deadlines, letters, audit."""

from __future__ import annotations

import hashlib

import pytest
from requests_support import ECPP, INSTRUIRAJ, smtp  # noqa: F401  (smtp is a fixture)
from sqlalchemy import create_engine, text

LETTER = "2025-11-25T10:00:00+01:00"


def new(run, email: str, kind: str = "access", model=ECPP, received: str = LETTER, *extra: str):
    result = run("requests", "new", model, "--type", kind, "--email", email, "--received", received,
                 "--channel", "post", "--json", *extra)
    assert result.exit_code == 0, result.output
    return result.json()


def test_new_request_carries_id_deadline_and_state(run, ledger):
    data = new(run, "ana.novak@example.com")
    assert data["id"] == "Z-2025-0001"
    assert (data["received"], data["due"], data["status"]) == ("2025-11-25", "2025-12-29", "received")
    assert data["email"] == "ana.novak@example.com" and data["subject_ref"].startswith("S-")
    assert new(run, "bojan.kranjc@example.com")["id"] == "Z-2025-0002"


def test_overdue_requests_come_first_and_are_loud(run, ledger):
    late = new(run, "ana.novak@example.com")["id"]
    fresh = new(run, "bojan.kranjc@example.com", "erasure", ECPP, "2025-12-15")["id"]
    data = run("requests", "list", ECPP, "--overdue", "--as-of", "2025-12-30", "--json").json()
    assert [r["id"] for r in data["requests"]] == [late] and data["overdue"] == 1
    listing = run("requests", "list", ECPP, "--as-of", "2025-12-30")
    lines = listing.stdout.splitlines()
    assert "OVERDUE" in lines[0] and lines[1].startswith("!!") and late in lines[1] and fresh in lines[2]
    assert run("requests", "list", "--overdue", "--as-of", "2025-12-29", "--json").json()["count"] == 0
    due_soon = run("requests", "list", "--due-within", "7d", "--as-of", "2025-12-23", "--json").json()
    assert [r["id"] for r in due_soon["requests"]] == [late]


def test_lifecycle_with_extension(run, ledger):
    ref = new(run, "bojan.kranjc@example.com", "erasure")["id"]
    assert run("requests", "extend", ref, "--reason", "x", "--as-of", "2025-12-01").exit_code == 2  # not verified
    assert run("requests", "verify", ref, "--note", "ID card seen at the office").exit_code == 0
    result = run("requests", "extend", ref, "--reason", "several systems to search", "--as-of", "2025-12-29")
    assert result.exit_code == 0, result.output  # on the deadline itself is still in time
    shown = run("requests", "show", ref, "--json", "--as-of", "2026-01-10").json()
    assert shown["status"] == "extended" and shown["extended_due"] == "2026-02-25"
    assert shown["deadline"] == "2026-02-25" and not shown["overdue"]
    assert [e["action"] for e in shown["events"]] == ["open", "verify", "extend"]
    again = run("requests", "extend", ref, "--reason", "more", "--as-of", "2025-12-20")
    assert again.exit_code == 2 and "extended" in again.stderr
    assert run("requests", "complete", ref, "--note", "erased in 3 systems").exit_code == 0
    assert run("requests", "show", ref, "--json").json()["status"] == "completed"
    assert run("requests", "withdraw", ref).exit_code == 2  # closed: nothing more


def test_extension_after_the_first_deadline_is_refused(run, ledger):
    ref = new(run, "cene.zupan@example.com")["id"]
    run("requests", "verify", ref, "--note", "signature compared")
    result = run("requests", "extend", ref, "--reason", "late", "--as-of", "2025-12-30")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "too late to extend" in result.stderr and "29. 12. 2025" in result.stderr and "12(3)" in result.stderr
    assert run("requests", "show", ref, "--json").json()["extended_due"] is None


def test_refusal_needs_a_reason_and_closes_the_request(run, ledger):
    ref = new(run, "ana.novak@example.com")["id"]
    for reason in ("", "   "):
        result = run("requests", "refuse", ref, "--reason", reason)
        assert result.exit_code == 2 and "must not be empty" in result.stderr
    assert run("requests", "show", ref, "--json").json()["status"] == "received"
    result = run("requests", "refuse", ref, "--reason", "the same request for the 14th time", "--ground", "excessive")
    assert result.exit_code == 0
    shown = run("requests", "show", ref, "--json").json()
    assert shown["status"] == "refused" and shown["refusal_reason"].startswith("the same")


def test_nothing_is_completed_for_an_unverified_request(run, ledger):
    ref = new(run, "victim@example.com")["id"]
    result = run("requests", "complete", ref)
    assert result.exit_code == 2 and "not confirmed" in result.stderr
    letter = run("requests", "letter", ref, "--kind", "completion", "--model", ECPP)
    assert letter.exit_code == 2 and "not confirmed" in letter.stderr


@pytest.mark.parametrize(("args", "needle"), [
    (("--received", "2025-02-30"), "not a valid date"),
    (("--received", "2999-01-01"), "in the future"),
    (("--type", "forget-me"), "unknown request type"),
    (("--channel", "pigeon"), "unknown channel"),
    (("--email", "not-an-address"), "not a valid e-mail"),
])
def test_bad_input_is_one_message_and_nothing_is_recorded(run, ledger, args, needle):
    base = {"--type": "access", "--email": "ana@example.com", "--received": LETTER, "--channel": "post"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = run("requests", "new", ECPP, *[x for kv in base.items() for x in kv])
    assert result.exit_code == 2 and "Traceback" not in result.output and needle in result.stderr
    assert run("requests", "list", "--all", "--json").json()["count"] == 0


def test_unknown_request_id(run, ledger):
    result = run("requests", "show", "Z-2025-0999")
    assert result.exit_code == 2 and "no request" in result.stderr


def test_appeal_uses_the_declared_working_days(run, ledger):
    data = new(run, "ana.novak@example.com", "appeal", INSTRUIRAJ, "2025-12-22")
    assert data["due"] == "2025-12-31" and data["procedure"] == "access-appeal"
    assert data["deadline_period"] == "5WD" and data["extension_period"] is None
    run("requests", "verify", data["id"], "--note", "same address as the first request")
    result = run("requests", "extend", data["id"], "--reason", "x", "--as-of", "2025-12-23")
    assert result.exit_code == 2 and "cannot be extended" in result.stderr
    nothing = run("requests", "new", ECPP, "--type", "appeal", "--email", "a@example.com")
    assert nothing.exit_code == 2 and "no procedure" in nothing.stderr


def test_fee_only_where_the_model_allows_it(run, ledger):
    ref = new(run, "ana.novak@example.com", "access", INSTRUIRAJ)["id"]
    refused = run("requests", "fee", ref, "--amount", "5 EUR", "--reason", "third copy", "--model", ECPP)
    assert refused.exit_code == 2 and "rights.fee" in refused.stderr
    allowed = run("requests", "fee", ref, "--amount", "5 EUR", "--reason", "third copy", "--model", INSTRUIRAJ)
    assert allowed.exit_code == 0
    assert run("requests", "show", ref, "--json").json()["fee"] == "5 EUR"


def test_identity_doubt_is_a_logged_step_with_a_letter(run, ledger):
    ref = new(run, "ana.novak@example.com")["id"]
    assert run("requests", "ask-id", ref, "--note", "a copy of the letter we sent you in May").exit_code == 0
    shown = run("requests", "show", ref, "--json").json()
    assert shown["status"] == "identity_check"
    letter = run("requests", "letter", ref, "--kind", "identification", "--lang", "sl", "--model", ECPP)
    assert letter.exit_code == 0
    assert "členom 12(6)" in letter.stdout and "a copy of the letter we sent you" in letter.stdout


def test_letters_sl_en_html_and_pdf(run, ledger, tmp_path):
    ref = new(run, "ana.novak@example.com")["id"]
    run("requests", "verify", ref, "--note", "ID card")
    run("requests", "extend", ref, "--reason", "podatki so v več sistemih", "--as-of", "2025-12-10")
    ext = run("requests", "letter", ref, "--kind", "extension", "--lang", "sl", "--model", ECPP,
              "--as-of", "2025-12-10")
    assert ext.exit_code == 0 and "25. 2. 2026" in ext.stdout and "podatki so v več sistemih" in ext.stdout
    assert "Informacijski pooblaščenec" in ext.stdout
    run("requests", "complete", ref)
    done = run("requests", "letter", ref, "--kind", "completion", "--lang", "en", "--model", ECPP)
    assert done.exit_code == 0
    html = done.stdout
    for heading in ("Purpose", "Legal basis", "Categories of personal data", "Recipients", "Retention period",
                    "Source of the data", "Automated decision-making", "Your rights", "supervisory authority"):
        assert heading in html, heading
    assert "Art. 15" in html and 'lang="en"' in html
    assert "built-in" not in html and "(street address, postcode, town)" in html
    pdf = tmp_path / "odgovor.pdf"
    result = run("requests", "letter", ref, "--kind", "completion", "--format", "pdf", "-o", pdf, "--model", ECPP)
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    refusal = run("requests", "letter", ref, "--kind", "refusal", "--model", ECPP)
    assert refusal.exit_code == 2 and "not refused" in refusal.stderr
    actions = [e["action"] for e in run("requests", "show", ref, "--json").json()["events"]]
    assert actions.count("letter") == 3


def test_refusal_letter_names_reasons_and_remedies(run, ledger):
    ref = new(run, "ana.novak@example.com")["id"]
    run("requests", "refuse", ref, "--reason", "Zahteva se v enem mesecu ponavlja petnajstič.", "--ground", "excessive")
    letter = run("requests", "letter", ref, "--kind", "refusal", "--model", ECPP).stdout
    assert "ponavlja petnajstič" in letter and "člen 12(5)(b)" in letter
    assert "Informacijski pooblaščenec" in letter and "Dunajska cesta 22" in letter and "sodiščem" in letter


def test_attachments_are_stored_with_their_hash(run, ledger, tmp_path, monkeypatch):
    monkeypatch.setenv("VARUH_ATTACHMENTS", str(tmp_path / "att"))
    ref = new(run, "ana.novak@example.com")["id"]
    scan = tmp_path / "pismo.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned letter")
    assert run("requests", "attach", ref, scan).exit_code == 0
    shown = run("requests", "show", ref, "--json").json()
    attachment = shown["attachments"][0]
    assert attachment["sha256"] == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert (tmp_path / "att" / ref).is_dir()
    assert run("requests", "attach", ref, tmp_path / "missing.pdf").exit_code == 2


def test_audit_chain_records_every_step_without_personal_data(run, ledger):
    ref = new(run, "ana.novak@example.com")["id"]
    run("requests", "verify", ref, "--note", "Ana showed her ID card")
    run("requests", "complete", ref)
    assert run("audit", "verify").exit_code == 0
    engine = create_engine(ledger)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, action, object_id, details FROM audit_log")).all()
    assert [r.action for r in rows] == ["request.open", "request.verify", "request.complete"]
    assert all(r.object_id == ref for r in rows)
    dump = repr(rows)
    assert "ana.novak" not in dump and "example.com" not in dump and "ID card" not in dump
    engine.dispose()


@pytest.mark.parametrize("tamper", [
    "UPDATE audit_log SET details = '{\"type\": \"erasure\"}' WHERE id = 2",
    "DELETE FROM audit_log WHERE id = 2",
])
def test_audit_verify_detects_edited_and_removed_entries(run, ledger, tamper):
    ref = new(run, "ana.novak@example.com")["id"]
    run("requests", "verify", ref, "--note", "ID card")
    run("requests", "complete", ref)
    assert run("audit", "verify").exit_code == 0
    engine = create_engine(ledger)
    with engine.begin() as conn:
        conn.execute(text(tamper))
    engine.dispose()
    result = run("audit", "verify")
    assert result.exit_code == 1 and "BROKEN" in result.stderr


def test_reminders_reach_the_assignee_once_per_deadline(run, ledger, smtp):  # noqa: F811
    from varuh.law.clock import utcnow
    from varuh.ledger.db import get_engine
    from varuh.ledger.tables import operators

    with get_engine(ledger).begin() as conn:
        conn.execute(operators.insert().values(name="mojca", email="mojca@primer.si", role="dpo",
                                               created_at=utcnow()))
    ref = new(run, "ana.novak@example.com", "access", ECPP, LETTER, "--assignee", "mojca")["id"]
    # due Monday 29 Dec 2025; five working days before is Thursday 18 Dec (25 and 26 Dec are work-free)
    assert run("requests", "remind", ECPP, "--days", "5", "--as-of", "2025-12-17", "--json").json()["sent"] == []
    sent = run("requests", "remind", ECPP, "--days", "5", "--as-of", "2025-12-18", "--json").json()["sent"]
    assert [(r["id"], r["sent_to"]) for r in sent] == [(ref, "mojca")]
    assert run("requests", "remind", ECPP, "--days", "5", "--as-of", "2025-12-22", "--json").json()["sent"] == []
    assert len(smtp.messages) == 1 and smtp.messages[0]["To"] == "mojca@primer.si"
    body = smtp.text()
    assert ref in body and "29. 12. 2025" in body and "ana.novak" not in body
    run("requests", "verify", ref, "--note", "ID card")
    run("requests", "extend", ref, "--reason", "many systems", "--as-of", "2025-12-22")
    late = run("requests", "remind", ECPP, "--days", "5", "--as-of", "2026-03-02", "--json").json()["sent"]
    assert late[0]["overdue"] and "OVERDUE" in smtp.messages[-1]["Subject"]


def test_send_link_mails_the_subject_not_the_operator(run, ledger, smtp):  # noqa: F811
    ref = new(run, "ana.novak@example.com")["id"]
    result = run("requests", "send-link", ref, "--model", ECPP)
    assert result.exit_code == 0
    assert smtp.messages[0]["To"] == "ana.novak@example.com" and ref in smtp.messages[0]["Subject"]
    link, code = smtp.link_and_code()
    assert "/zahteva/potrdi/" in link and len(code) == 6
    assert run("requests", "show", ref, "--json").json()["status"] == "identity_check"
    run("requests", "verify", ref, "--note", "ID card")
    again = run("requests", "send-link", ref, "--model", ECPP)
    assert again.exit_code == 2 and "only an unverified request" in again.stderr
