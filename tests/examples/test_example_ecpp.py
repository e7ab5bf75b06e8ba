"""examples/ecpp states the facts of PRIMOTEHNA d.o.o.'s privacy policy (version 202205-1).

Each test pins a fact a later engine or document relies on: the retention rules the sweeps run
(their ids, periods, anchors and conditions), the cookie list with its durations, the legal
bases, the joint controllers, and the policy's own contradiction about third-country transfers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from example_support import rule

from varuh.model.load import load_model
from varuh.model.privacy import LegalBasis, PrivacyModel, RecipientRole

ECPP = Path(__file__).resolve().parents[2] / "examples" / "ecpp"


@pytest.fixture(scope="module")
def model() -> PrivacyModel:
    return load_model(ECPP)


def test_controller(model):
    org = model.organisation
    assert org.name == "PRIMOTEHNA d.o.o."
    assert org.legal_form == "d.o.o."
    # validated with python-stdnum, kept as the policy prints it
    assert org.registration_number == "5655846000"
    assert (org.seat.street, org.seat.postcode, org.seat.city) == ("Šentiljska cesta 49", "2000", "Maribor")
    assert org.contact.phone == "02 235 0450"
    assert org.supervisory_authority.name.sl == "Informacijski pooblaščenec"


def test_policy_version_and_date(model):
    assert model.policy.version == "202205-1"
    assert model.policy.effective == dt.date(2022, 5, 27)
    # the mistyped regulation number is kept verbatim so that check can point at it
    assert any("2016/670" in ref for ref in model.policy.legal_references)


EXPECTED_BASES = {
    "invoices": LegalBasis.legal_obligation,
    "classroom-contract": LegalBasis.contract,
    "account": LegalBasis.legitimate_interests,
    "quiz-analysis": LegalBasis.consent,
    "survey": LegalBasis.consent,
    "discount-codes": LegalBasis.consent,
    "profile-settings": LegalBasis.consent,
    "shop-contract": LegalBasis.contract,
    "consent-proofs": LegalBasis.legal_obligation,
    "newsletter": LegalBasis.consent,
    "e-marketing": LegalBasis.consent,
    "website-visit": LegalBasis.legitimate_interests,
    "communication": LegalBasis.legitimate_interests,
    "facebook-plugin": LegalBasis.consent,
    "google-analytics": LegalBasis.consent,
    "google-login": LegalBasis.consent,
    "facebook-login": LegalBasis.consent,
}


def test_activities_and_legal_bases(model):
    bases = {a.id: a.legal_basis for a in model.activities}
    assert {k: bases.get(k) for k in EXPECTED_BASES} == EXPECTED_BASES


def test_legitimate_interests_state_the_interest(model):
    account = model.activity("account")
    assert "zlorab" in account.legitimate_interest.interest.sl
    assert account.legitimate_interest.balancing is not None
    assert model.activity("website-visit").legitimate_interest.interest.en


def test_invoices_kept_ten_years_after_the_year_end(model):
    r = rule(model, "invoices", "invoices-10y")
    assert (r.kind, r.period.iso(), r.anchor.id, r.year_end) == ("after", "P10Y", "invoice_issued", True)


def test_classroom_data_kept_five_years_after_access_unless_a_claim(model):
    r = rule(model, "classroom-contract", "access-5y")
    assert (r.kind, r.period.iso(), r.anchor.id) == ("after", "P5Y", "access_ended")
    assert [c.id for c in r.hold_while] == ["claim_pending"]


def test_account_deleted_after_30_days_without_purchase(model):
    r = rule(model, "account", "no-purchase-30d")
    assert (r.period.iso(), r.anchor.id) == ("P30D", "registered")
    assert [c.id for c in r.unless] == ["purchase_made"]
    r = rule(model, "account", "access-5y")
    assert (r.period.iso(), r.anchor.id) == ("P5Y", "access_ended")


def test_consents_erased_within_30_days_of_withdrawal(model):
    for activity in ("quiz-analysis", "survey", "discount-codes", "profile-settings"):
        r = rule(model, activity, "until-withdrawn")
        assert (r.kind, r.grace.iso()) == ("consent", "P30D"), activity
    # only the driving school is erased when the discount-code consent is withdrawn
    assert rule(model, "discount-codes", "until-withdrawn").data == ["driving-school"]


def test_shop_data_and_phone_at_delivery(model):
    r = rule(model, "shop-contract", "delivery-5y")
    assert (r.period.iso(), r.anchor.id, [c.id for c in r.hold_while]) == ("P5Y", "delivered", ["claim_pending"])
    phone = rule(model, "shop-contract", "phone-at-delivery")
    assert (phone.period.is_zero, phone.anchor.id, phone.data) == (True, "delivered", ["phone"])
    assert model.data_category("phone").dpv == "dpv-pd:TelephoneNumber"


def test_consent_proofs_kept_five_years(model):
    r = rule(model, "consent-proofs", "proofs-5y")
    assert (r.period.iso(), r.anchor.id, [c.id for c in r.hold_while]) == ("P5Y", "consent_ended", ["claim_pending"])
    for act in model.consent_activities():
        assert act.consent is not None and act.consent.proof_retention.iso() == "P5Y", act.id


def test_withdrawal_channels(model):
    for activity in ("newsletter", "e-marketing", "survey"):
        assert set(model.activity(activity).consent.withdraw) == {"link", "email"}, activity
        assert model.activity(activity).retention[0].kind == "consent"
    for activity in ("quiz-analysis", "google-login", "facebook-login"):
        assert model.activity(activity).consent.withdraw == ["email"], activity
    # the policy gives no way to withdraw the profile-settings consent; check flags it
    assert model.activity("profile-settings").consent.withdraw == []


def test_six_months_after_the_visit(model):
    r = rule(model, "website-visit", "visit-6m")
    assert (r.period.iso(), r.anchor.id) == ("P6M", "visited")
    assert model.activity("communication").retention[0].period.iso() == "P6M"


def test_joint_controllers_facebook_and_google(model):
    for rid, entity in (("facebook", "Meta Platforms Ireland"), ("google", "Google Ireland")):
        r = model.recipient(rid)
        assert r.role == RecipientRole.joint_controller and entity in r.name.sl
        assert (r.country, r.processing_countries) == ("IE", ["US"])
    assert model.activity("facebook-plugin").role.with_ == ["facebook"]
    assert model.activity("google-analytics").role.with_ == ["google"]
    assert model.activity("google-login").role.kind == "joint_controller"


def test_sign_in_and_payment_sources(model):
    account_sources = {s.recipient for s in model.activity("account").sources if s.kind == "third_party"}
    assert account_sources == {"facebook", "google"}
    assert any(s.recipient == "payment-providers" for s in model.activity("classroom-contract").sources)
    assert any(s.recipient == "google" for s in model.activity("google-login").sources)


def test_recipients_are_the_policy_list(model):
    categories = {r.id for r in model.recipients if r.category}
    assert categories == {"it-providers", "payment-providers", "survey-provider", "delivery-provider", "accounting"}
    assert model.no_third_country_transfers is True
    assert all(not a.transfers for a in model.activities)


def test_data_categories_carry_dpv_terms(model):
    assert model.data_category("email").dpv == "dpv-pd:EmailAddress"
    assert model.data_category("ip-address").dpv == "dpv-pd:IPAddress"
    assert model.data_category("name").dpv == "dpv-pd:Name"


EXPECTED_COOKIES = {
    "moove_gdpr_popup": "P1Y", "_ga": "P2Y", "_gid": "P1D", "wp_woocommerce_session_": "P1M",
    "woocommerce_items_in_cart": "session", "woocommerce_cart_hash": "session",
    "sc_f": "P5Y", "ts": "P3Y", "x-pp-s": "session", "enforce_policy": "P1Y",
    "KHcl0EuY7AKSMgfvHl7J5E7hPtK": "P20Y", "d_id": "P10Y", "nsid": "session", "tsrce": "session",
    "ts_c": "P3Y", "c": "P20Y", "l7_az": "session", "LANG": "P1D", "TLTSID": "session", "cookie_check": "P10Y",
}


def test_cookie_list_with_durations(model):
    durations = {c.name: c.duration if c.duration == "session" else c.duration.iso() for c in model.cookies}
    assert durations == EXPECTED_COOKIES


def test_cookie_categories(model):
    by_name = {c.name: c for c in model.cookies}
    for name in ("_ga", "_gid"):
        assert (by_name[name].category, by_name[name].activity) == ("statistics", "google-analytics")
    paypal = [c for c in model.cookies if "paypal.com" in c.provider]
    assert len(paypal) == 14 and all(c.party == "third" and c.category == "necessary" for c in paypal)
    assert by_name["moove_gdpr_popup"].category == "necessary"
    assert by_name["wp_woocommerce_session_"].pattern is True


def test_rights(model):
    assert model.rights.deadline.iso() == "P1M" and model.rights.extension.iso() == "P2M"
    assert [c.kind for c in model.rights.channels] == ["email"]


def test_texts_are_bilingual_with_slovenian_diacritics(model):
    assert model.activity("shop-contract").name.sl == "Pogodba o dobavi blaga"
    assert "učenja" in model.activity("classroom-contract").purpose.sl
    assert model.activity("classroom-contract").purpose.en.startswith("Concluding")


def test_check_points_at_facebook_and_google_leaving_the_eu(run):
    result = run("check", ECPP, "--format", "json")
    assert result.exit_code == 1
    findings = result.json()["findings"]
    outside = {f["where"] for f in findings if f["severity"] == "error" and "US" in f["message"]}
    assert {"activities.facebook-plugin", "activities.google-analytics"} <= outside
