"""examples/zpms states the facts of ZPMS's privacy policy for the TOM helpline (last change 31. 8. 2024).

Each test pins a fact a later engine or document relies on: the retention rules the sweeps run
(ids, periods, anchors), the children among the data subjects, the special-category and criminal
data with their Art. 9 condition, the Tawk.to chat cookies with their durations, and the gaps of
the policy that `varuh check` must report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from example_support import rule

from varuh.model.load import load_model
from varuh.model.periods import Period
from varuh.model.privacy import Art9Condition, LegalBasis, PrivacyModel, RecipientRole

ZPMS = Path(__file__).resolve().parents[2] / "examples" / "zpms"


@pytest.fixture(scope="module")
def model() -> PrivacyModel:
    return load_model(ZPMS)


def test_controller_and_helpline(model):
    org = model.organisation
    assert org.short_name == "ZPMS"
    assert (org.seat.street, org.seat.postcode, org.seat.city) == ("Dimičeva 9", "1000", "Ljubljana")
    assert org.contact.email == "info@zpms.si"
    assert "116 111" in org.contact.note.sl and "116 111" in org.contact.note.en
    assert org.dpo is not None and org.dpo.email == "dpo-zpms@info-hisa.si"
    assert model.policy.effective == dt.date(2024, 8, 31)


def test_children_are_the_data_subjects(model):
    assert {s.id for s in model.subjects if s.children} >= {"tom-users", "chronic-users", "crisis-users"}


def test_every_activity_rests_on_what_the_policy_says(model):
    bases = {a.id: a.legal_basis for a in model.activities}
    assert bases == {
        "phone-counselling": LegalBasis.contract,
        "email-counselling": LegalBasis.contract,
        "chat-counselling": LegalBasis.contract,
        "crisis-register": LegalBasis.contract,
        "authority-requests": LegalBasis.legal_obligation,
        "child-protection-reports": LegalBasis.legitimate_interests,
    }
    li = model.activity("child-protection-reports").legitimate_interest
    assert "kazenske ovadbe" in li.interest.sl and li.balancing is None  # the policy weighs nothing


def test_special_and_criminal_data(model):
    health = model.data_category("health-data")
    assert health.special and health.dpv == "dpv-pd:MentalHealth"
    assert model.data_category("offence-data").criminal
    crisis = model.activity("crisis-register")
    assert {"health-data", "offence-data", "email", "ip-address"} <= set(crisis.data)
    assert crisis.art9_condition == Art9Condition.vital_interests
    # the counselling channels carry health data, but the policy names no Art. 9(2) condition
    for activity in ("email-counselling", "chat-counselling"):
        act = model.activity(activity)
        assert "health-data" in act.data and act.art9_condition is None


def test_email_kept_two_years_after_the_answer(model):
    for activity, rule_id in (("email-counselling", "email-2y"), ("chat-counselling", "chat-email-2y")):
        r = rule(model, activity, rule_id)
        assert (r.kind, r.period, r.anchor.id, r.data) == ("after", Period(years=2), "answered", ["email"])
        assert r.anchor.after.sl == "po pošiljanju oziroma objavi odgovora"


def test_crisis_cases_ten_years(model):
    r = rule(model, "crisis-register", "crisis-10y")
    assert (r.kind, r.period, r.anchor.id, r.year_end) == ("after", Period(years=10), "case_recorded", False)


def test_phone_data_not_kept(model):
    r = rule(model, "phone-counselling", "phone-not-kept")
    assert r.period.is_zero and r.anchor.id == "call_ended" and r.data == ["caller-code"]
    # the anonymised content kept for supervision has no period: check warns about it
    assert rule(model, "phone-counselling", "call-content-supervision").kind == "purpose"


def test_recipients(model):
    roles = {r.id: r.role for r in model.recipients}
    assert roles["police"] == roles["social-work-centre"] == RecipientRole.public_authority
    assert roles["hosting-providers"] == roles["it-maintainers"] == RecipientRole.processor
    tawk = model.recipient("tawk-to")
    assert tawk.country == "US" and tawk.dpa is None
    assert "tawk-to" in model.activity("chat-counselling").recipients
    assert not model.activity("chat-counselling").transfers  # the policy declares none


def test_tawk_to_cookies_and_durations(model):
    cookies = {c.name: c for c in model.cookies}
    assert len(cookies) == 6
    assert cookies["twk_uuid_5fb2b3140863900e88c94240"].duration == Period(months=6)
    for name in ("TawkConnectionTime", "twk_idm_key", "previousNav", "twk_5fb2b3140863900e88c94240",
                 "twk_token_5fb2b3140863900e88c94240"):
        assert cookies[name].duration == "session", name
    assert cookies["previousNav"].storage == "sessionStorage"
    assert cookies["twk_token_5fb2b3140863900e88c94240"].storage == "localStorage"
    assert {c.category.value for c in cookies.values()} == {"necessary"}
    assert all(c.activity == "chat-counselling" for c in cookies.values() if c.provider == "Tawk.to")


def test_rights_channels(model):
    channels = {(c.kind, c.address) for c in model.rights.channels}
    assert ("email", "info@zpms.si") in channels
    assert ("post", "ZPMS, Dimičeva 9, 1000 Ljubljana") in channels
    assert any(kind == "web_form" for kind, _ in channels)
    assert model.rights.deadline == Period(months=1)


def test_check_reports_the_policy_gaps(run):
    result = run("check", ZPMS, "--format", "json")
    assert result.exit_code == 1
    found = {(f["rule"], f["where"]) for f in result.json()["findings"]}
    assert ("V104", "activities.email-counselling") in found  # health data, no Art. 9 condition
    assert ("V105", "activities.chat-counselling") in found  # Tawk.to in the US, no transfer declared


def test_notice_names_the_helpline(run, tmp_path):
    out = tmp_path / "zpms.md"
    assert run("render", "notice", ZPMS, "--lang", "sl", "--format", "md", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "116 111" in text and "Tawk.to" in text and "2 leti po pošiljanju oziroma objavi odgovora" in text
