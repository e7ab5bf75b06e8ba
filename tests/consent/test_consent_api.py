"""The consent HTTP API and the one-click withdrawal link, through the real app in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from varuh.ledger.apikeys import create_key
from varuh.ledger.consent import consent_events
from varuh.ledger.db import get_engine
from varuh.web.app import create_app

MODEL = Path(__file__).parent / "model"


@pytest.fixture
def service(ledger):
    app = create_app(MODEL, ledger)
    engine = get_engine(ledger)
    with engine.begin() as conn:
        _, writer = create_key(conn, "web shop", ["consent:read", "consent:write"])
        _, reader = create_key(conn, "mailer", ["consent:read"])
    client = TestClient(app, base_url="http://testserver")
    client.engine = engine
    client.writer = {"Authorization": f"Bearer {writer}"}
    client.reader = {"X-API-Key": reader}
    return client


def events(client) -> int:
    with client.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(consent_events)).scalar()


def test_give_check_withdraw_over_http(service):
    body = {"email": "ana@example.si", "purpose": "newsletter", "given": True,
            "proof": {"channel": "web_form", "wording": "Želim prejemati spletnik.", "ip": "198.51.100.23"}}
    r = service.post("/api/v1/consents", json=body, headers=service.writer)
    assert r.status_code == 201, r.text
    event = r.json()
    assert event["action"] == "give" and event["ip"] == "198.51.100.0" and event["actor"].startswith("api:k")
    check = {"email": "ana@example.si", "purpose": "newsletter"}
    r = service.post("/api/v1/consents/check", json=check, headers=service.reader)
    assert r.json() == {"purpose": "newsletter", "given": True, "status": "given", "at": event["at"],
                        "event_id": event["id"]}
    r = service.get("/api/v1/consents/check", params=check, headers=service.reader)
    assert r.json()["given"] is True
    r = service.post("/api/v1/consents", json=body | {"given": False}, headers=service.writer)
    assert r.status_code == 201
    assert service.post("/api/v1/consents/check", json=check, headers=service.reader).json()["status"] == "withdrawn"
    history = service.post("/api/v1/consents/history", json={"email": "ana@example.si"}, headers=service.reader)
    assert [e["action"] for e in history.json()] == ["give", "withdraw"]
    receipt = service.get(f"/api/v1/consents/{event['id']}/receipt", headers=service.reader)
    assert receipt.status_code == 200 and receipt.json()["consent_status"] == "dpv:ConsentGiven"
    assert "attachment" in receipt.headers["content-disposition"]


@pytest.mark.parametrize("headers, status, error", [
    ({}, 401, "MissingKey"),
    ({"X-API-Key": "varuh_kffffffffffff_nope"}, 403, "NotAllowed"),
    ({"Authorization": "Bearer garbage"}, 403, "NotAllowed"),
])
def test_missing_or_invalid_key_is_refused(service, headers, status, error):
    body = {"email": "ana@example.si", "purpose": "newsletter", "given": True}
    r = service.post("/api/v1/consents", json=body, headers=headers)
    assert (r.status_code, r.json()["error"]) == (status, error)
    assert "API key" in r.json()["message"]
    assert events(service) == 0


def test_scope_is_enforced(service):
    r = service.post("/api/v1/consents", json={"email": "a@example.si", "purpose": "newsletter", "given": True},
                     headers=service.reader)
    assert r.status_code == 403 and "lacks scope consent:write" in r.json()["message"]
    assert events(service) == 0


@pytest.mark.parametrize("payload, status, fragment", [
    ("{bad", 422, "JSON"),
    ('{"email": "a@example.si", "purpose": "newsletter"}', 422, "given"),
    ('{"email": "a@example.si", "purpose": "no-such", "given": true}', 422, "unknown purpose 'no-such'"),
    ('{"email": "a@example.si", "purpose": "shop", "given": true}', 422, "not on consent"),
    ('{"purpose": "newsletter", "given": true}', 422, "name whose consent"),
    ('{"email": "a@example.si", "purpose": "newsletter", "given": true, "proof": {"channel": "fax"}}', 422, "channel"),
    ('{"email": "not-an-address", "purpose": "newsletter", "given": true}', 422, "e-mail"),
    ('[1, 2]', 422, ""),
])
def test_bad_input_is_a_clear_4xx_and_writes_nothing(service, payload, status, fragment):
    r = service.post("/api/v1/consents", content=payload, headers=service.writer | {"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert r.json()["error"] == "InvalidInput" and fragment in r.json()["message"]
    assert events(service) == 0


def test_malformed_json_without_key_is_4xx(service):
    r = service.post("/api/v1/consents", content="{bad", headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500


def test_unknown_receipt_is_404(service):
    r = service.get("/api/v1/consents/999/receipt", headers=service.reader)
    assert r.status_code == 404 and r.json()["error"] == "NotFound"


def test_one_click_withdrawal_link(service):
    service.post("/api/v1/consents", json={"email": "ana@example.si", "purpose": "newsletter", "given": True},
                 headers=service.writer)
    r = service.post("/api/v1/consents/links", json={"email": "ana@example.si", "purpose": "newsletter"},
                     headers=service.writer)
    url = r.json()["url"]
    assert "ana" not in url and r.json()["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = "/withdraw/" + url.rsplit("/withdraw/", 1)[1]
    page = service.get(path, headers={"accept": "text/html"})
    # a GET (a link scanner, a preview) shows the question and changes nothing
    assert page.status_code == 200 and "<form method=\"post\">" in page.text and "Spletnik" in page.text
    assert events(service) == 1
    done = service.post(path, headers={"accept": "text/html", "origin": "http://testserver"})
    assert done.status_code == 200 and "preklicana" in done.text
    check = service.post("/api/v1/consents/check", json={"email": "ana@example.si", "purpose": "newsletter"},
                         headers=service.reader)
    assert check.json()["status"] == "withdrawn"
    # RFC 8058: the mail client posts without Origin
    again = service.post(path, data={"List-Unsubscribe": "One-Click"}, headers={"accept": "application/json"})
    assert again.status_code == 200 and again.json()["channel"] == "email"


def test_forged_link_and_cross_site_post_are_refused(service):
    r = service.post("/api/v1/consents/links", json={"consent_id": "b" * 24, "purpose": "newsletter"},
                     headers=service.writer)
    path = "/withdraw/" + r.json()["url"].rsplit("/withdraw/", 1)[1]
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert service.get(forged).status_code == 400
    page = service.get(forged, headers={"accept": "text/html"})
    assert page.status_code == 400 and "not valid" in page.text
    r = service.post(forged, headers={"accept": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "VerificationFailed"
    r = service.post(path, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert events(service) == 0


def test_security_headers_and_openapi(service):
    r = service.get("/openapi.json")
    assert r.status_code == 200 and "/api/v1/consents/check" in r.json()["paths"]
    assert r.headers["x-content-type-options"] == "nosniff" and "frame-ancestors" in r.headers[
        "content-security-policy"]
    assert service.get("/docs").status_code == 200


def test_csrf_dependency_for_form_posts(ledger):
    from varuh.web import errors, security

    app = FastAPI()
    errors.install(app)
    security.install(app)

    @app.get("/form", response_class=HTMLResponse)
    def form(request: Request):
        response = HTMLResponse()
        token = security.csrf_token(request, response)
        response.body = response.render(f'<input name="csrf_token" value="{token}">')
        response.headers["content-length"] = str(len(response.body))
        return response

    @app.post("/form", dependencies=[Depends(security.csrf_protect)])
    def post():
        return {"ok": True}

    client = TestClient(app)
    token = client.get("/form").text.split('value="')[1].split('"')[0]
    assert client.post("/form", data={"csrf_token": token}).json() == {"ok": True}
    assert client.post("/form", data={"csrf_token": "wrong"}).status_code == 403
    assert client.post("/form", headers={"x-csrf-token": token}).status_code == 200
    assert client.post("/form", data={"csrf_token": token}, headers={"origin": "https://evil.example"}
                       ).status_code == 403
    client.cookies.clear()
    assert client.post("/form", data={"csrf_token": token}).status_code == 403


def test_check_errors_are_clear(service):
    url, json_ = "/api/v1/consents/check", {"content-type": "application/json"}
    r = service.post(url, content="{bad", headers=service.reader | json_)
    assert (r.status_code, r.json()["error"]) == (422, "InvalidInput") and "not valid JSON" in r.json()["message"]
    r = service.post(url, json={"email": "a@example.si", "purpose": "newsletter", "colour": "red"},
                     headers=service.reader)
    assert r.status_code == 422 and r.json()["message"].startswith("colour:")
    r = service.post(url, json={"email": "a@example.si", "purpose": "nope"}, headers=service.reader)
    assert r.status_code == 422 and "unknown purpose 'nope'" in r.json()["message"]
    assert service.post(url, json={"email": "a@example.si", "purpose": "newsletter"}).status_code == 401
    r = service.get(url, params={"email": "a@example.si", "purpose": "newsletter"})
    assert r.status_code == 401
    doc = service.get("/openapi.json").json()["paths"][url]["post"]
    assert "email" in str(doc["requestBody"]) and doc["security"]
