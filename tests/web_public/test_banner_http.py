"""/banner.js and the banner's consent endpoint, through the real app (no browser)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_public_support import SITE, banner_model

from varuh.consent.engine import check_consent, consent_history
from varuh.ledger.consent import consent_events
from varuh.ledger.db import get_engine
from varuh.ledger.secret import secret_key
from varuh.model.load import load_model
from varuh.web.app import create_app
from varuh.web.banner import banner_js, duration_text, shown_text
from varuh.web.throttle import Throttle

API = "/api/v1/banner/consent"
CID = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def client(ledger):
    return TestClient(create_app(SITE, ledger))


def choice(**over):
    body = {"consent_id": CID, "version": "2024-05", "lang": "sl",
            "categories": {"preferences": True, "statistics": True, "marketing": False}}
    body.update(over)
    return body


def events(ledger) -> int:
    with get_engine(ledger).connect() as c:
        return c.execute(select(func.count()).select_from(consent_events)).scalar_one()


def test_banner_js_carries_registry_and_fits_budget(client):
    r = client.get("/banner.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert "Sec-GPC" in r.headers["vary"]
    body = r.text
    assert "__VARUH_" not in body
    config = json.loads(re.search(r"var C = (\{.*?\});\n", body).group(1))
    assert config["version"] == "2024-05" and config["gpc"] is False
    cats = {c["id"]: c for c in config["categories"]}
    assert list(cats) == ["necessary", "preferences", "statistics", "marketing"]
    ga = next(k for k in cats["statistics"]["cookies"] if k["name"] == "_ga")
    assert ga["provider"] == "Google" and ga["duration"] == {"sl": "2 leti", "en": "2 years"}
    assert ga["purpose"]["sl"] == "Razlikovanje obiskovalcev"
    assert next(k for k in cats["statistics"]["cookies"] if k["name"] == "_ga_*")["match"] == "^_ga_.*"
    assert cats["statistics"]["purposes"] == ["google-analytics"]
    # the banner's own cookie is declared among the necessary ones
    assert any(k["name"] == "varuh_consent" for k in cats["necessary"]["cookies"])
    assert config["texts"]["sl"]["all"] == "Sprejmi vse" and config["texts"]["en"]["none"] == "Reject all"
    assert len(gzip.compress(r.content, 9)) <= 15360
    assert ".vb-b{" in body  # the CSS travels inside the script, so the budget covers it


def test_sec_gpc_header_turns_gpc_on(client):
    assert '"gpc":true' in client.get("/banner.js", headers={"Sec-GPC": "1"}).text


def test_a_large_registry_still_fits(tmp_path):
    """Headroom: a site declaring 60 cookies stays within 15 KB gzipped."""
    text = (SITE / "privacy.yaml").read_text(encoding="utf-8")
    extra = "".join(
        f"  - name: tracker_{i}\n    provider: Oglaševalec {i} d.o.o.\n    purpose: {{sl: Merjenje oglasne "
        f"kampanje številka {i} pri partnerju, en: Measuring advertising campaign number {i} with a partner}}\n"
        f"    duration: P{i % 12 + 1}M\n    category: marketing\n    activity: facebook-ads\n" for i in range(53))
    (tmp_path / "privacy.yaml").write_text(text + extra, encoding="utf-8")
    model = load_model(tmp_path)
    assert len(model.cookies) == 60
    assert len(gzip.compress(banner_js(model).encode(), 9)) <= 15360


def test_choice_is_recorded_per_purpose(client, ledger):
    r = client.post(API, json=choice(), headers={"User-Agent": "Testni brskalnik"})
    assert r.status_code == 200, r.text
    assert r.json()["purposes"] == {"google-analytics": True, "facebook-ads": False}
    assert r.headers["access-control-allow-origin"] == "*"
    engine, key = get_engine(ledger), secret_key(ledger)
    assert check_consent(engine, key, purpose="google-analytics", consent_id=CID).given
    assert check_consent(engine, key, purpose="facebook-ads", consent_id=CID).status == "withdrawn"
    with engine.connect() as c:
        history = consent_history(c, key, consent_id=CID)
    assert {e.channel for e in history} == {"banner"}
    assert history[0].notice_version == "2024-05"
    # the proof is the hash of the exact banner text; the text is rebuilt from the model
    assert history[0].text_hash == hashlib.sha256(shown_text(banner_model(), "sl").encode()).hexdigest()
    # withdrawing later is one more event, and the latest wins
    assert client.post(API, json=choice(categories={"statistics": False})).status_code == 200
    assert not check_consent(engine, key, purpose="google-analytics", consent_id=CID).given


def test_gpc_refuses_marketing_whatever_is_sent(client, ledger):
    all_on = {"preferences": True, "statistics": True, "marketing": True}
    r = client.post(API, json=choice(categories=all_on), headers={"Sec-GPC": "1"})
    assert r.json()["categories"]["marketing"] is False and r.json()["purposes"]["facebook-ads"] is False
    r = client.post(API, json=choice(categories=all_on, gpc=True))
    assert r.json()["purposes"] == {"google-analytics": True, "facebook-ads": False}


@pytest.mark.parametrize(("body", "status", "needle"), [
    (b"{bad", 422, "JSON"),
    (json.dumps(choice(consent_id="short")).encode(), 422, "consent_id"),
    (json.dumps(choice(consent_id="x" * 20 + "<script>")).encode(), 422, "consent_id"),
    (json.dumps(choice(categories={"tracking": True})).encode(), 422, "unknown category 'tracking'"),
    (json.dumps(choice(extra=1)).encode(), 422, "extra"),
    (json.dumps(choice(version="2023-01")).encode(), 409, "reload the page"),
    (json.dumps(choice(lang="de")).encode(), 422, "lang"),
])
def test_bad_input_is_refused_and_nothing_written(client, ledger, body, status, needle):
    r = client.post(API, content=body, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert needle in r.json()["message"] and r.json()["error"]
    assert events(ledger) == 0


def test_rate_limited_per_client(client, ledger):
    client.app.state.throttles = {"banner": Throttle(3, 60)}
    codes = [client.post(API, content=b"{}", headers={"content-type": "application/json"}).status_code
             for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    assert "too many requests" in client.post(API, json=choice()).json()["message"]


def test_cors_preflight(client):
    r = client.options(API, headers={"Origin": "https://primer.si", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "content-type" in r.headers["access-control-allow-headers"]


def test_demo_page_embeds_banner_and_inert_script(client):
    r = client.get("/demo")
    assert r.status_code == 200 and '<html lang="sl">' in r.text
    assert '<script src="/banner.js" data-lang="sl"></script>' in r.text
    assert '<script type="text/plain" data-category="statistics">' in r.text


@pytest.mark.parametrize(("iso", "sl", "en"), [
    ("P1Y", "1 leto", "1 year"), ("P2Y", "2 leti", "2 years"), ("P3Y", "3 leta", "3 years"),
    ("P5Y", "5 let", "5 years"), ("P101Y", "101 leto", "101 years"), ("P2D", "2 dneva", "2 days"),
    ("P3M", "3 meseci", "3 months"), ("P6M", "6 mesecev", "6 months"), ("PT1H", "1 ura", "1 hour"),
    ("P1Y6M", "1 leto 6 mesecev", "1 year 6 months"),
])
def test_durations_in_slovenian_and_english(iso, sl, en):
    from varuh.model.periods import Period

    assert duration_text(Period.parse(iso), "sl") == sl and duration_text(Period.parse(iso), "en") == en
    assert duration_text("session", "sl") == "seja"
