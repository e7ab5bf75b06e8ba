"""The preference centre through the real app: e-mailed single-use link, consents per purpose,
changes with CSRF protection, receipts, and the one-click withdrawal link from e-mails."""

from __future__ import annotations

import datetime as dt
import email
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from web_public_support import SITE, free_port

from varuh.consent.engine import Proof, check_consent, record_consent
from varuh.ledger.db import get_engine
from varuh.ledger.secret import secret_key
from varuh.model.load import load_model
from varuh.web import tokens
from varuh.web.app import create_app

ADDRESS = "Ana.Novak@Primer.si"
BASE = "https://varuh.primer.si"


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    box = tmp_path / "outbox"
    monkeypatch.setenv("VARUH_OUTBOX", str(box))
    monkeypatch.delenv("VARUH_SMTP_URL", raising=False)
    monkeypatch.setenv("VARUH_BASE_URL", BASE)
    return box


@pytest.fixture
def client(ledger, outbox):
    return TestClient(create_app(SITE, ledger), base_url="http://testserver")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def form(page, **fields) -> dict:
    """The fields of a form posted from `page`, with the page's CSRF token."""
    return {"csrf_token": csrf_of(page.text), **fields}


def ask_link(client, outbox, address=ADDRESS, lang="sl") -> str:
    page = client.get(f"/preferences?lang={lang}")
    r = client.post("/preferences/link", data={"email": address, "lang": lang, "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200, r.text
    [eml] = sorted(outbox.glob("*.eml"))[-1:]
    msg = email.message_from_bytes(eml.read_bytes())
    assert msg["To"] == address
    link = re.search(rf"{re.escape(BASE)}/preferences/signin\?\S+", msg.get_payload(decode=True).decode()).group(0)
    return parse_qs(urlsplit(link).query)["t"][0]


def sign_in(client, outbox, **kw):
    token = ask_link(client, outbox, **kw)
    page = client.get(f"/preferences/signin?t={token}")
    assert "Nadaljuj" in page.text or "Continue" in page.text
    r = client.post("/preferences/signin", data={"t": token, "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    return token


def test_start_page_in_slovenian_and_english(client):
    r = client.get("/preferences")
    assert r.status_code == 200 and '<html lang="sl">' in r.text
    assert "Središče za privolitve" in r.text and 'autocomplete="email"' in r.text
    assert "varuh_csrf" in r.cookies
    assert "Privacy choices" in client.get("/preferences?lang=en").text


def test_link_mail_holds_no_address_in_clear(client, outbox):
    token = ask_link(client, outbox)
    assert "novak" not in token.lower()
    assert "Primer.si" not in token and "@" not in token
    text = email.message_from_bytes(next(outbox.glob("*.eml")).read_bytes()).get_payload(decode=True).decode()
    assert "Povezava velja 30 minut" in text


def test_same_answer_for_known_and_unknown_address(client, outbox):
    page = client.get("/preferences")
    a = client.post("/preferences/link", data=form(page, email="neznan@primer.si", lang="sl"))
    assert a.status_code == 200 and "Preverite e-pošto" in a.text


def test_sign_in_change_consents_and_download_receipt(client, outbox, ledger):
    sign_in(client, outbox)
    page = client.get("/preferences")
    assert "Vaše privolitve" in page.text and "E-novice" in page.text
    assert "Želim prejemati e-novice." in page.text  # the wording asked
    assert "Še niste odločili." in page.text
    r = client.post("/preferences", data=form(page, lang="sl", **{"purpose-newsletter": "given"}),
                    follow_redirects=False)
    assert r.status_code == 303
    engine, key = get_engine(ledger), secret_key(ledger)
    assert check_consent(engine, key, purpose="newsletter", identities={"email": "ana.novak@primer.si"}).given
    page = client.get(r.headers["location"])
    assert "Vaša izbira je shranjena." in page.text and "Privolitev dana" in page.text
    receipt_url = re.search(r'href="(/preferences/receipts/[0-9a-f-]+\.json)"', page.text).group(1)
    receipt = client.get(receipt_url)
    assert receipt.status_code == 200 and "attachment" in receipt.headers["content-disposition"]
    assert "newsletter" in receipt.text
    # withdrawing is the same form, the other answer
    client.post("/preferences", data=form(page, lang="sl", **{"purpose-newsletter": "withdrawn"}))
    assert not check_consent(engine, key, purpose="newsletter", identities={"email": ADDRESS}).given


def test_someone_elses_receipt_is_not_found(client, outbox, ledger):
    with get_engine(ledger).begin() as conn:
        other = record_consent(conn, load_model(SITE), secret_key(ledger), purpose="newsletter", given=True,
                               proof=Proof(channel="paper"), identities={"email": "drug@primer.si"})
    sign_in(client, outbox)
    assert client.get(f"/preferences/receipts/{other.receipt_id}.json").status_code == 404


def test_link_is_single_use_and_expires(client, outbox, ledger):
    token = sign_in(client, outbox)
    page = client.get(f"/preferences/signin?t={token}")
    again = client.post("/preferences/signin", data={"t": token, "csrf_token": csrf_of(page.text)})
    assert again.status_code == 400 and "Povezava ne velja" in again.text
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    old = tokens.signin_link_token(secret_key(ledger), ADDRESS, "sl", now=an_hour_ago)
    late = client.post("/preferences/signin", data={"t": old, "csrf_token": csrf_of(page.text)})
    assert late.status_code == 400
    forged = client.post("/preferences/signin", data={"t": token[:-4] + "AAAA", "csrf_token": csrf_of(page.text)})
    assert forged.status_code == 400


def test_forms_need_the_csrf_token(client, outbox):
    client.get("/preferences")
    r = client.post("/preferences/link", data={"email": ADDRESS, "lang": "sl", "csrf_token": "0" * 40})
    assert r.status_code == 403
    assert not list(outbox.glob("*.eml"))
    sign_in(client, outbox)
    r = client.post("/preferences", data={"purpose-newsletter": "given"})
    assert r.status_code == 403
    # a form posted from another site is refused even with the token
    page = client.get("/preferences")
    r = client.post("/preferences", data={"csrf_token": csrf_of(page.text), "purpose-newsletter": "given"},
                    headers={"Origin": "https://napadalec.example"})
    assert r.status_code == 403


def test_without_session_changes_are_refused(client):
    page = client.get("/preferences")
    r = client.post("/preferences", data={"csrf_token": csrf_of(page.text), "purpose-newsletter": "given"})
    assert r.status_code == 401 and "Vaša seja je potekla" in r.text
    assert client.get("/preferences/receipts/x.json").status_code == 401


def test_invalid_address_is_a_clear_message(client, outbox):
    page = client.get("/preferences")
    r = client.post("/preferences/link", data={"email": "ni-naslov", "lang": "sl", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 422 and "To ni veljaven e-poštni naslov." in r.text and 'aria-invalid="true"' in r.text


def test_link_goes_out_over_a_real_smtp_server(ledger, monkeypatch):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.received: list = []

        async def handle_DATA(self, server, session, envelope):
            self.received.append(envelope)
            return "250 OK"

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("VARUH_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("VARUH_BASE_URL", BASE)
        client = TestClient(create_app(SITE, ledger))
        page = client.get("/preferences?lang=en")
        r = client.post("/preferences/link", data=form(page, email=ADDRESS, lang="en"))
        assert r.status_code == 200 and "Check your e-mail" in r.text
    finally:
        controller.stop()
    [envelope] = inbox.received
    assert envelope.rcpt_tos == [ADDRESS]
    assert f"{BASE}/preferences/signin?t=" in envelope.content.decode()
