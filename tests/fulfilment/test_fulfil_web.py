"""Fulfilment over HTTP: POST /api/v1/requests/{ref}/fulfil with an API key, and the expiring
download link of the access bundle."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from fulfil_fixture import ECPP, TODAY, new_request, seed_ecpp

from varuh.ledger.apikeys import create_key
from varuh.ledger.db import get_engine
from varuh.ledger.fulfilment import download_tokens
from varuh.web.app import create_app


@pytest.fixture
def client(tmp_path, ledger, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ecpp.db'}"
    email = seed_ecpp(url)
    for k, v in {"ECPP_DATABASE_URL": url, "VARUH_EXPORTS": str(tmp_path / "exports"),
                 "VARUH_TODAY": TODAY.isoformat()}.items():
        monkeypatch.setenv(k, v)
    with get_engine().begin() as conn:
        _, secret = create_key(conn, "crm", ["requests:read", "requests:write"])
    return TestClient(create_app(ECPP, ledger)), {"Authorization": f"Bearer {secret}"}, email


def test_fulfil_over_the_api_then_download_until_the_link_expires(run, client):
    http, auth, email = client
    ref = new_request(run, "access", email)
    assert http.post(f"/api/v1/requests/{ref}/fulfil", json={}).status_code == 401
    r = http.post(f"/api/v1/requests/{ref}/fulfil", json={"dry_run": False}, headers=auth)
    assert r.status_code == 200, r.text
    link = r.json()["bundle"]["download_url"]
    path = "/" + link.split("/", 3)[3]
    got = http.get(path)
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(got.content)) as z:
        assert any(email in z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".json"))
    assert http.get(path[:-3] + "xyz").status_code == 404
    with get_engine().begin() as conn:  # the link expires
        conn.execute(sa.update(download_tokens).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    gone = http.get(path)
    assert gone.status_code == 404 and gone.json()["error"] == "NotFound"


def test_rectification_over_the_api_and_bad_input(run, client):
    http, auth, email = client
    ref = new_request(run, "rectification", email)
    r = http.post(f"/api/v1/requests/{ref}/fulfil", json={"set": {"accounts.first_name": "Ana"}}, headers=auth)
    assert r.status_code == 200 and r.json()["stores"][0]["rectified"][0]["rows"] == 1
    bad = http.post(f"/api/v1/requests/{ref}/fulfil", json={"set": {"nowhere.x": "1"}}, headers=auth)
    assert bad.status_code == 422 and "nowhere" in bad.json()["message"]  # InvalidInput
