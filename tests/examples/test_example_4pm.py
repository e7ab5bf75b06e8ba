"""examples/4pm states the facts of Arctur d.o.o.'s 4PM privacy policy (in force 1. 5. 2023).

Arctur is controller for its visitors, customers, trial users and event registrants, and a
processor for the data its customers enter into 4PM; it promises to notify the authority of a
breach within 72 hours and to honour a direct-marketing objection within 30 days.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from example_support import rule

from varuh.model.load import load_model
from varuh.model.privacy import LegalBasis, PrivacyModel

FOURPM = Path(__file__).resolve().parents[2] / "examples" / "4pm"


@pytest.fixture(scope="module")
def model() -> PrivacyModel:
    return load_model(FOURPM)


def test_controller(model):
    org = model.organisation
    assert "ARCTUR" in org.name and org.legal_form == "d.o.o."
    assert (org.seat.street, org.seat.postcode, org.seat.city) == ("Industrijska cesta 1A", "5000", "Nova Gorica")
    assert org.contact.phone == "+386 5 30 29 070"
    assert org.registration_number is None  # the policy gives none
    assert org.dpo.kind == "contact_point"
    assert model.policy.effective == dt.date(2023, 5, 1)
    assert any("ZVOP-1" in ref for ref in model.policy.legal_references)


def test_processor_for_customer_data(model):
    act = model.activity("customer-data")
    assert act.role.kind == "processor"
    assert "naročnik" in act.role.for_.sl
    assert act.subjects == ["customer-data-subjects"]
    [r] = act.retention
    assert r.kind == "customer" and r.default is None
    assert "izvozi" in r.note.sl and "exports" in r.note.en
    controller_activities = [a.id for a in model.activities if a.role.kind == "controller"]
    assert "customers" in controller_activities and "customer-data" not in controller_activities


def test_legal_bases(model):
    bases = {a.id: a.legal_basis for a in model.activities}
    assert bases["newsletter"] == LegalBasis.consent
    assert bases["customers"] == LegalBasis.contract
    assert bases["invoicing"] == LegalBasis.legal_obligation
    assert bases["usage-statistics"] == LegalBasis.legitimate_interests


def test_retention_rules(model):
    r = rule(model, "trial-users", "trial-1y")
    assert (r.kind, r.period.iso(), r.anchor.id) == ("after", "P1Y", "trial_ended")
    assert [c.id for c in r.unless] == ["contract_concluded"]
    r = rule(model, "event-registrants", "after-event-5y")
    assert (r.period.iso(), r.anchor.id) == ("P5Y", "event_attended")
    r = rule(model, "event-registrants", "no-show-5y")
    assert (r.period.iso(), r.anchor.id, [c.id for c in r.unless]) == ("P5Y", "registered", ["attended"])
    r = rule(model, "customers", "contract-end-5y")
    assert (r.period.iso(), r.anchor.id) == ("P5Y", "contract_ended")
    r = rule(model, "contact-form", "last-message-5y")
    assert (r.period.iso(), r.anchor.id) == ("P5Y", "last_message")
    r = rule(model, "newsletter", "until-withdrawn")
    assert (r.kind, r.grace.is_zero) == ("consent", True)  # "takoj prenehala obdelovati"


def test_breach_within_72_hours(model):
    assert model.breach.notify_authority_within.iso() == "PT72H"
    assert model.breach.notify_authority_within.hours == 72
    assert "72" in model.breach.promise.sl and "72 hours" in model.breach.promise.en


def test_marketing_objection_in_30_days(model):
    assert model.rights.marketing_objection_within.iso() == "P30D"
    assert model.rights.deadline.iso() == "P1M"
    assert {c.kind for c in model.rights.channels} == {"post", "email"}


def test_three_level_access_control(model):
    measures = [m.sl for m in model.activity("customer-data").measures]
    levels = next(m for m in measures if "treh nivojih" in m)
    for level in ("uporabniške skupine", "vloge na projektih", "projektne pravice"):
        assert level in levels
    assert any("8 znakov" in m for m in measures)
    # the same measures cover every activity of the application
    assert model.activity("customers").measures == model.activity("customer-data").measures


def test_recipients_of_integrated_services(model):
    assert {r.id for r in model.recipients} == {"isl-online", "google", "mailchimp", "linkedin"}
    assert model.recipient("mailchimp").country == "US"
    assert model.activity("newsletter").recipients == ["mailchimp"]
    assert model.activity("remote-support").recipients == ["isl-online"]
    isl = model.data_category("chat-transcript")
    assert isl is not None and "chat-transcript" in model.activity("remote-support").data


def test_subjects(model):
    assert {s.id for s in model.subjects} == {
        "website-visitors", "customers", "customer-contacts", "trial-users", "event-registrants",
        "customer-data-subjects",
    }


def test_check_finds_the_gaps(run):
    result = run("check", FOURPM, "--format", "json")
    assert result.exit_code == 1
    findings = result.json()["findings"]
    errors = {(f["where"], f["rule"]) for f in findings if f["severity"] == "error"}
    # no retention stated for remote support; Mailchimp in the US without a declared transfer
    assert any(where == "activities.remote-support" for where, _ in errors)
    assert any(f["where"] == "activities.newsletter" and "mailchimp" in f["message"] for f in findings)
