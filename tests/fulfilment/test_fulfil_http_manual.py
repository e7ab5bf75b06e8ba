"""HTTP stores (a signed JSON request to a real local server, retried with backoff, one idempotency
key) and manual stores (an operator confirms), through `varuh requests fulfil`."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fulfil_fixture import ECPP, TODAY, new_request, seed_ecpp

from varuh.connectors import http as http_connector
from varuh.errors import StoreError
from varuh.model.datasets import Store

SECRET = "newsletter-signing-key"
EXTRA = """
  - id: mailer
    kind: http
    name: {sl: Pošiljatelj spletnika, en: Newsletter service}
    activities: [newsletter]
    http: {url_env: MAILER_URL, secret_env: MAILER_SECRET, operations: [access, erasure], retries: 3}
  - id: archive
    kind: manual
    activities: [communication]
    instructions: {sl: Poiščite papirne dopise v arhivu in jih uničite., en: Find the paper letters and shred them.}
"""


class Endpoint(BaseHTTPRequestHandler):
    """The organisation's newsletter service: checks the signature, fails the first `fail` calls."""

    calls: list[dict] = []
    fail = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = http_connector.verify_signature(SECRET.encode(), self.headers["X-Varuh-Timestamp"], body,
                                             self.headers["X-Varuh-Signature"])
        type(self).calls.append({"ok": ok, "key": self.headers["Idempotency-Key"], "body": json.loads(body)})
        if not ok:
            self._answer(401, {"error": "bad signature"})
        elif type(self).fail > 0:
            type(self).fail -= 1
            self._answer(503, {"error": "busy"})
        else:
            payload = json.loads(body)
            data = [{"email": payload["identities"]["email"], "list": "spletnik"}]
            self._answer(200, {"done": True, "data": data} if payload["operation"] == "access" else {"done": True})

    def _answer(self, status: int, obj: dict) -> None:
        raw = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    Endpoint.calls, Endpoint.fail = [], 0
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/varuh?token=not-shown"
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def org(tmp_path, ledger, monkeypatch, server):
    folder = tmp_path / "org"
    folder.mkdir()
    shutil.copy(ECPP / "privacy.yaml", folder / "privacy.yaml")
    (folder / "datasets.yaml").write_text((ECPP / "datasets.yaml").read_text(encoding="utf-8") + EXTRA,
                                          encoding="utf-8")
    url = f"sqlite:///{folder / 'ecpp.db'}"
    email = seed_ecpp(url)
    for k, v in {"ECPP_DATABASE_URL": url, "MAILER_URL": server, "MAILER_SECRET": SECRET,
                 "VARUH_EXPORTS": str(tmp_path / "exports"), "VARUH_TODAY": TODAY.isoformat()}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(http_connector, "BACKOFF_SECONDS", 0.001)
    return folder, email


def test_erasure_notifies_the_endpoint_signed_with_retries_and_one_idempotency_key(run, org):
    folder, email = org
    Endpoint.fail = 2  # two 503s, then success
    ref = new_request(run, "erasure", email, model=folder)
    r = run("requests", "fulfil", folder, ref, "--json")
    assert r.exit_code == 1, r.output  # the manual archive task still waits
    stores = {s["id"]: s for s in r.json()["stores"]}
    assert stores["mailer"]["status"] == "done" and stores["mailer"]["notified"] and stores["mailer"]["attempts"] == 3
    assert all(c["ok"] for c in Endpoint.calls) and len({c["key"] for c in Endpoint.calls}) == 1
    assert Endpoint.calls[0]["body"]["operation"] == "erasure" and Endpoint.calls[0]["body"]["request"] == ref
    assert stores["archive"]["status"] == "waiting" and "shred" not in stores["archive"]["instructions"]  # Slovenian
    # a rerun sends the same idempotency key: the endpoint does not erase twice
    run("requests", "fulfil", folder, ref)
    assert len({c["key"] for c in Endpoint.calls}) == 1
    # the operator confirms the manual task; then the request is fully done
    c = run("requests", "confirm", ref, "archive", "--note", "uničeno 3 dopise", "--model", folder)
    assert c.exit_code == 0, c.output
    done = run("requests", "fulfil", folder, ref, "--json")
    assert done.exit_code == 0 and {s["id"]: s["status"] for s in done.json()["stores"]}["archive"] == "done"


def test_access_puts_the_endpoints_answer_into_the_bundle(run, org):
    folder, email = org
    ref = new_request(run, "access", email, model=folder)
    r = run("requests", "fulfil", folder, ref, "--json")
    bundle = r.json()["bundle"]["folder"]
    from pathlib import Path

    assert email in (Path(bundle) / "data" / "mailer" / "response.json").read_text()


def test_a_wrong_key_fails_the_store_without_retrying_or_showing_secrets(run, org, monkeypatch):
    folder, email = org
    monkeypatch.setenv("MAILER_SECRET", "a-wrong-key")
    ref = new_request(run, "erasure", email, model=folder)
    r = run("requests", "fulfil", folder, ref, "--json")
    assert r.exit_code == 1
    mailer = {s["id"]: s for s in r.json()["stores"]}["mailer"]
    assert mailer["status"] == "failed" and "401" in mailer["error"] and "signing key" in mailer["error"]
    assert len(Endpoint.calls) == 1
    assert "a-wrong-key" not in r.output and "not-shown" not in r.output and "/varuh" not in r.output


def test_an_unreachable_endpoint_gives_up_after_the_retries():
    store = Store.model_validate({"id": "x", "kind": "http", "http": {"url_env": "X_URL", "secret_env": "X_KEY",
                                                                       "retries": 2}})
    waits: list[float] = []
    import os

    os.environ["X_URL"], os.environ["X_KEY"] = "http://127.0.0.1:9/none", "k"
    try:
        with pytest.raises(StoreError) as e:
            http_connector.call(store, "erasure", {}, "key", sleep=waits.append, backoff=0.5)
    finally:
        del os.environ["X_URL"], os.environ["X_KEY"]
    assert waits == [0.5, 1.0] and "3 attempts" in e.value.message
