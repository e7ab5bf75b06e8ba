"""The public request form and the requests API, in-process over HTTP, with a real SMTP server."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from requests_support import ECPP, smtp  # noqa: F401  (smtp is a fixture)
from sqlalchemy import func, select

from varuh.ledger.apikeys import create_key
from varuh.ledger.db import get_engine
from varuh.ledger.requests import requests as requests_table
from varuh.web.app import create_app

BASE = "http://testserver"


@pytest.fixture
def client(ledger, smtp, monkeypatch):  # noqa: F811
    monkeypatch.setenv("VARUH_BASE_URL", BASE)
    monkeypatch.setenv("VARUH_REQUEST_LIMIT_IP", "10/h")
    monkeypatch.setenv("VARUH_REQUEST_LIMIT_IDENTITY", "3/d")
    with TestClient(create_app(ECPP, ledger), base_url=BASE) as c:
        yield c


def api_key(ledger, *scopes: str) -> dict[str, str]:
    with get_engine(ledger).begin() as conn:
        _, full = create_key(conn, "helpdesk", list(scopes))
    return {"Authorization": f"Bearer {full}"}


def csrf(client: TestClient, path: str = "/zahteva") -> str:
    page = client.get(path)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def submit(client: TestClient, email: str, kind: str = "access", lang: str = "sl", **extra):
    token = csrf(client)
    return client.post("/zahteva", data={"csrf_token": token, "type": kind, "email": email, "lang": lang, **extra})


def count(ledger) -> int:
    with get_engine(ledger).connect() as conn:
        return conn.execute(select(func.count()).select_from(requests_table)).scalar_one()


def status(ledger, ref: str) -> str:
    with get_engine(ledger).connect() as conn:
        return conn.execute(select(requests_table.c.status).where(requests_table.c.ref == ref)).scalar_one()


def test_the_form_is_bilingual_and_accessible(client):
    sl = client.get("/zahteva")
    assert sl.status_code == 200 and '<html lang="sl">' in sl.text and "Pošlji zahtevo" in sl.text
    assert '<label for="email">' in sl.text and "<legend>" in sl.text and 'name="csrf_token"' in sl.text
    assert "appeal" not in sl.text  # ecpp declares no internal procedure
    en = client.get("/request")
    assert '<html lang="en">' in en.text and "Send the request" in en.text


def test_a_form_post_without_the_token_is_refused(client, ledger):
    client.get("/zahteva")
    response = client.post("/zahteva", data={"type": "access", "email": "ana@example.com"})
    assert response.status_code == 403 and count(ledger) == 0
    forged = client.post("/zahteva", data={"csrf_token": "x" * 32, "type": "access", "email": "ana@example.com"})
    assert forged.status_code == 403 and count(ledger) == 0


def test_form_request_is_confirmed_by_the_mailed_link_once(client, ledger, smtp):  # noqa: F811
    response = submit(client, "ana.novak@example.com", details="Kaj hranite o meni?")
    assert response.status_code == 201
    ref = re.search(r"Z-\d{4}-\d{4}", response.text).group(0)
    assert status(ledger, ref) == "identity_check"
    assert len(smtp.messages) == 1 and smtp.messages[0]["To"] == "ana.novak@example.com"
    assert ref in smtp.messages[0]["Subject"]
    link, _ = smtp.link_and_code()
    path = link.removeprefix(BASE)
    page = client.get(path)  # a mail scanner fetching the link must not confirm anything
    assert page.status_code == 200 and status(ledger, ref) == "identity_check"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = client.post(path, data={"csrf_token": token, "lang": "sl"})
    assert done.status_code == 200 and ref in done.text and status(ledger, ref) == "in_progress"
    reused = client.post(path, data={"csrf_token": token, "lang": "sl"})
    assert reused.status_code == 400 and "ni uspela" in reused.text
    forged = client.post("/zahteva/potrdi/" + "A" * 43, data={"csrf_token": token})
    assert forged.status_code == 400


def test_form_request_is_confirmed_by_code_with_few_attempts(client, ledger, smtp):  # noqa: F811
    ref = re.search(r"Z-\d{4}-\d{4}", submit(client, "bojan@example.com", lang="en").text).group(0)
    _, code = smtp.link_and_code()
    assert "Confirm your request" in smtp.messages[0]["Subject"]
    token = csrf(client)
    wrong = client.post("/zahteva/koda", data={"csrf_token": token, "ref": ref, "code": "000000" if code != "000000"
                                               else "111111", "lang": "en"})
    assert wrong.status_code == 400 and status(ledger, ref) == "identity_check"
    ok = client.post("/zahteva/koda", data={"csrf_token": token, "ref": ref, "code": code, "lang": "en"})
    assert ok.status_code == 200 and status(ledger, ref) == "in_progress"


def test_guessing_the_code_stops_after_five_attempts(client, ledger, smtp):  # noqa: F811
    ref = re.search(r"Z-\d{4}-\d{4}", submit(client, "cene@example.com").text).group(0)
    _, code = smtp.link_and_code()
    token = csrf(client)
    bad = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post("/zahteva/koda", data={"csrf_token": token, "ref": ref, "code": bad}).status_code == 400
    late = client.post("/zahteva/koda", data={"csrf_token": token, "ref": ref, "code": code})
    assert late.status_code == 400 and status(ledger, ref) == "identity_check"


def test_a_flood_is_stopped_per_identity_and_nothing_half_recorded(client, ledger, smtp):  # noqa: F811
    for _ in range(3):
        assert submit(client, "victim@example.com").status_code == 201
    flooded = submit(client, "Victim@Example.com")
    assert flooded.status_code == 429 and "Preveč zahtev" in flooded.text
    assert count(ledger) == 3 and len(smtp.messages) == 3
    assert submit(client, "other@example.com").status_code == 201  # another identity from the same address


def test_a_flood_is_stopped_per_client_address(client, ledger, monkeypatch):
    monkeypatch.setenv("VARUH_REQUEST_LIMIT_IP", "2/h")
    assert submit(client, "a@example.com").status_code == 201
    assert submit(client, "b@example.com").status_code == 201
    assert submit(client, "c@example.com").status_code == 429
    assert count(ledger) == 2


def test_bad_form_input_is_one_message(client, ledger):
    response = submit(client, "not-an-address")
    assert response.status_code == 422 and "e-poštni naslov" in response.text and count(ledger) == 0
    assert submit(client, "a@example.com", kind="everything").status_code == 422 and count(ledger) == 0


def test_somebody_elses_data_is_not_disclosed_before_confirmation(client, ledger, smtp):  # noqa: F811
    """An attacker files an access request in the victim's name: the link goes to the victim."""
    ref = re.search(r"Z-\d{4}-\d{4}", submit(client, "victim@example.com").text).group(0)
    assert smtp.messages[0]["To"] == "victim@example.com"
    headers = api_key(ledger, "requests:read", "requests:write")
    completion = client.get(f"/api/v1/requests/{ref}/letters/completion", headers=headers)
    assert completion.status_code == 409 and "not confirmed" in completion.json()["message"]
    done = client.post(f"/api/v1/requests/{ref}/complete", json={}, headers=headers)
    assert done.status_code == 409


def test_api_needs_a_key_with_the_right_scope(client, ledger):
    body = {"type": "access", "email": "ana@example.com", "received": "2025-11-25T10:00:00+01:00", "channel": "post"}
    assert client.post("/api/v1/requests", json=body).status_code == 401
    read_only = api_key(ledger, "requests:read")
    assert client.post("/api/v1/requests", json=body, headers=read_only).status_code == 403
    assert count(ledger) == 0


def test_api_lifecycle_and_overdue_flag(client, ledger):
    headers = api_key(ledger, "requests:read", "requests:write")
    body = {"type": "erasure", "email": "ana@example.com", "received": "2025-11-25T10:00:00+01:00", "channel": "post"}
    created = client.post("/api/v1/requests", json=body, headers=headers)
    assert created.status_code == 201
    ref = created.json()["id"]
    assert created.json()["due"] == "2025-12-29"
    listing = client.get("/api/v1/requests", params={"as_of": "2025-12-30"}, headers=headers)
    assert listing.headers["X-Varuh-Overdue"] == "1" and listing.json()["requests"][0]["overdue"] is True
    late = client.post(f"/api/v1/requests/{ref}/extend", json={"reason": "x", "as_of": "2025-12-30"}, headers=headers)
    assert late.status_code == 409
    assert client.post(f"/api/v1/requests/{ref}/verify", json={"note": "ID card"}, headers=headers).status_code == 200
    ext = client.post(f"/api/v1/requests/{ref}/extend", json={"reason": "three systems", "as_of": "2025-12-29"},
                      headers=headers)
    assert ext.status_code == 200 and ext.json()["extended_due"] == "2026-02-25"
    empty = client.post(f"/api/v1/requests/{ref}/refuse", json={"reason": " "}, headers=headers)
    assert empty.status_code == 422 and empty.json()["error"] == "InvalidInput"
    letter = client.get(f"/api/v1/requests/{ref}/letters/extension", params={"lang": "en"}, headers=headers)
    assert letter.status_code == 200 and "25 February 2026" in letter.text
    shown = client.get(f"/api/v1/requests/{ref}", headers=headers).json()
    assert [e["actor"] for e in shown["events"]][-1].startswith("api:k")
    assert client.get("/api/v1/requests/Z-1999-0001", headers=headers).status_code == 404


def test_api_intake_can_send_the_verification_link(client, ledger, smtp):  # noqa: F811
    headers = api_key(ledger, "requests:write")
    created = client.post("/api/v1/requests", json={"type": "access", "email": "eva@example.com",
                                                    "send_verification": True}, headers=headers)
    assert created.status_code == 201 and created.json()["status"] == "identity_check"
    assert smtp.messages[-1]["To"] == "eva@example.com"


def test_the_service_clock_follows_varuh_today(client, ledger, monkeypatch):
    monkeypatch.setenv("VARUH_TODAY", "2025-11-25")
    ref = re.search(r"Z-\d{4}-\d{4}", submit(client, "ana@example.com").text).group(0)
    assert ref == "Z-2025-0001"
    headers = api_key(ledger, "requests:read")
    monkeypatch.setenv("VARUH_TODAY", "2025-12-30")
    listing = client.get("/api/v1/requests", headers=headers).json()
    assert listing["as_of"] == "2025-12-30" and listing["requests"][0]["due"] == "2025-12-29"
    assert listing["overdue"] == 1
