"""A real `varuh serve` on a free port: /docs answers and a consent makes the round trip."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from varuh.ledger.apikeys import create_key
from varuh.ledger.db import get_engine

MODEL = Path(__file__).parent / "model"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_docs_and_consent_round_trip(ledger, tmp_path):
    with get_engine(ledger).begin() as conn:
        _, key = create_key(conn, "test", ["consent:read", "consent:write"])
    port = free_port()
    env = os.environ | {"VARUH_DATABASE_URL": ledger, "VARUH_SECRET_KEY": "test-secret"}
    proc = subprocess.Popen([sys.executable, "-m", "varuh", "serve", str(MODEL), "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/docs", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode()
            time.sleep(0.2)
        else:
            raise AssertionError("varuh serve did not answer /docs")
        auth = {"Authorization": f"Bearer {key}"}
        r = httpx.post(f"{base}/api/v1/consents", headers=auth,
                       json={"email": "ana@example.si", "purpose": "newsletter", "given": True})
        assert r.status_code == 201, r.text
        r = httpx.post(f"{base}/api/v1/consents/check", headers=auth,
                       json={"email": "ana@example.si", "purpose": "newsletter"})
        assert r.json()["status"] == "given"
        r = httpx.post(f"{base}/api/v1/consents", headers=auth | {"content-type": "application/json"}, content="{bad")
        assert r.status_code == 422
    finally:
        proc.terminate()
        proc.wait(timeout=10)
