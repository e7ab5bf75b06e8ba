"""examples/instruiraj states the facts of ePROF d.o.o.'s privacy policy for instruiraj.me (1. 3. 2020).

Each test pins a fact a later engine or document relies on: the controller's identifiers, the
billing and invoice retention rules the sweeps run, the six-month traffic aggregates, the consent
activities, the internal appeal procedure (15 days, decided in 5 working days), and the policy's
own contradiction about third-country transfers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from example_support import rule

from varuh.model.load import load_model
from varuh.model.periods import Period
from varuh.model.privacy import LegalBasis, PrivacyModel

INSTRUIRAJ = Path(__file__).resolve().parents[2] / "examples" / "instruiraj"


@pytest.fixture(scope="module")
def model() -> PrivacyModel:
    return load_model(INSTRUIRAJ)


def test_controller(model):
    org = model.organisation
    assert org.name == "ePROF, inovativne rešitve, d.o.o." and org.short_name == "ePROF d.o.o."
    assert org.legal_form == "d.o.o."
    # validated with python-stdnum, kept as the policy prints them
    assert org.registration_number == "8582483000"
    assert org.tax_number == "SI68703643"
    assert org.bank_account == "SI56 0284 3026 3281 751"
    assert "SRG 2020/999" in org.register_entry.sl
    assert (org.seat.street, org.seat.postcode, org.seat.city) == ("Šolska 15, Spodnje Jarše", "1230", "Domžale")
    assert (org.contact.email, org.contact.phone) == ("info@instruiraj.me", "040 468 404")
    assert model.policy.effective == dt.date(2020, 3, 1)


def test_legal_bases(model):
    bases = {a.id: a.legal_basis for a in model.activities}
    assert bases["subscription"] == LegalBasis.contract
    assert bases["invoicing"] == LegalBasis.legal_obligation
    assert bases["marketing"] == bases["personalised-offers"] == LegalBasis.consent
    for li in ("further-use-analytics", "satisfaction-surveys", "traffic-aggregates", "network-security",
               "fraud-prevention", "legal-claims", "credit-checks", "payment-quality"):
        assert bases[li] == LegalBasis.legitimate_interests, li
    surveys = model.activity("satisfaction-surveys").legitimate_interest
    assert "ugovarjali" in surveys.balancing.sl  # those who objected are not contacted again


def test_billing_until_paid_or_time_barred(model):
    paid = rule(model, "subscription", "billing-until-paid")
    assert (paid.kind, paid.anchor.id) == ("after", "paid") and paid.period.is_zero
    assert [c.id for c in paid.unless] == ["subscription_active"]
    barred = rule(model, "subscription", "billing-time-barred")
    assert (barred.period, barred.anchor.id) == (Period(years=5), "claim_due")
    assert [c.id for c in barred.hold_while] == ["claim_pending"]
    assert "billing-data" in paid.data and "billing-data" in barred.data


def test_invoices_ten_years_after_the_year_end(model):
    r = rule(model, "invoicing", "invoices-10y")
    assert (r.kind, r.period, r.anchor.id, r.year_end) == ("after", Period(years=10), "invoice_issued", True)
    assert "invoices" in r.data


def test_traffic_aggregates_six_months(model):
    r = rule(model, "traffic-aggregates", "traffic-6m")
    assert (r.period, r.anchor.id) == (Period(months=6), "traffic_recorded")


def test_marketing_consent(model):
    act = model.activity("marketing")
    assert act.data == ["name", "email"]
    assert {"mailchimp", "facebook", "google"} <= set(act.recipients)
    assert act.automated_decisions.profiling and not act.automated_decisions.exists
    assert act.consent.withdraw == ["email"] and act.consent.parental_below == 15
    assert act.retention[0].kind == "consent"
    assert model.subject_category("marketing-subscribers").children


def test_rights_and_internal_appeal(model):
    rights = model.rights
    assert (rights.deadline, rights.extension) == (Period(months=1), Period(months=2))
    assert ("email", "info@instruiraj.me") in {(c.kind, c.address) for c in rights.channels}
    assert rights.identity_check is not None and "pristojbino" in rights.fee.sl
    [appeal] = rights.procedures
    assert appeal.id == "access-appeal"
    assert appeal.lodge_within == Period(days=15) and appeal.decide_within_working_days == 5


def test_policy_says_nothing_leaves_the_eea(model):
    assert model.no_third_country_transfers
    assert not any(a.transfers for a in model.activities)
    assert {model.recipient(r).processing_countries[0] for r in ("mailchimp", "facebook", "google")} == {"US"}


def test_check_reports_the_contradiction(run):
    result = run("check", INSTRUIRAJ, "--format", "json")
    assert result.exit_code == 1
    found = {(f["rule"], f["where"]) for f in result.json()["findings"]}
    assert ("V109", "activities.marketing") in found  # "nothing leaves the EEA" vs Mailchimp/Facebook/Google
    assert ("V119", "activities.marketing") in found  # segmentation without its logic


def test_notice_names_eprof(run, tmp_path):
    out = tmp_path / "instruiraj.md"
    assert run("render", "notice", INSTRUIRAJ, "--lang", "sl", "--format", "md", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "ePROF" in text and "10 let po koncu leta" in text
