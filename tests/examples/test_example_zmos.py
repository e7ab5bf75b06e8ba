"""examples/zmos states the facts of ZMOS's privacy policy (št. 071-1/2019-1, verzija 1, 15. 3. 2019).

Each test pins a fact a later engine or document relies on: the consent-based activities and how
consent is withdrawn, the Mailchimp newsletter and its transfer to the USA without a named
safeguard, and the gaps of the policy that `varuh check` must report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from varuh.model.load import load_model
from varuh.model.privacy import LegalBasis, PrivacyModel, RecipientRole, TransferSafeguard

ZMOS = Path(__file__).resolve().parents[2] / "examples" / "zmos"


@pytest.fixture(scope="module")
def model() -> PrivacyModel:
    return load_model(ZMOS)


def test_controller(model):
    org = model.organisation
    assert org.name == "Združenje mestnih občin Slovenije" and org.short_name == "ZMOS"
    assert (org.seat.street, org.seat.postcode, org.seat.city) == ("Mestni trg 1", "1000", "Ljubljana")
    assert [(o.street, o.city) for o in org.offices] == [("Verdijeva ulica 10", "Koper")]
    assert (org.contact.email, org.contact.phone) == ("zmos@koper.si", "05 6646 231")
    assert org.dpo is None  # the policy names none
    assert org.supervisory_authority.email == "gp.ip@ip-rs.si"


def test_policy_version(model):
    assert (model.policy.version, model.policy.reference) == ("1", "071-1/2019-1")
    assert model.policy.effective == dt.date(2019, 3, 15)


def test_activities_and_bases(model):
    bases = {a.id: a.legal_basis for a in model.activities}
    assert bases == {
        "event-registration": LegalBasis.consent,
        "website-logs": LegalBasis.legitimate_interests,
        "newsletter": LegalBasis.consent,
        "correspondence": LegalBasis.legitimate_interests,
    }
    # the policy states no interest for the logs or the correspondence: check reports V103
    assert model.activity("website-logs").legitimate_interest is None


def test_event_registration(model):
    act = model.activity("event-registration")
    assert act.data == ["name", "email", "employer", "phone"]
    assert "telefonska številka ni obvezen podatek" in act.requirement.consequence.sl
    assert set(act.recipients) >= {"event-co-organisers", "event-subcontractors"}
    assert act.consent.withdraw == ["email"]
    assert act.retention[0].kind == "consent"


def test_mailchimp_newsletter_and_transfer(model):
    mailchimp = model.recipient("mailchimp")
    assert mailchimp.name.sl == "Mailchimp" and mailchimp.role == RecipientRole.processor
    assert mailchimp.country == "US"
    news = model.activity("newsletter")
    assert news.recipients == ["mailchimp"]
    assert news.data[0] == "email" and set(news.data) == {"email", "name", "employer"}
    [transfer] = news.transfers
    assert (transfer.recipient, transfer.country, transfer.safeguard) == ("mailchimp", "US", TransferSafeguard.none)
    assert set(news.consent.withdraw) == {"link", "email"}
    [r] = news.retention
    assert r.id == "newsletter-until-withdrawn" and r.kind == "consent" and r.grace is None
    # Mailchimp is the only transfer the policy admits
    assert [a.id for a in model.activities if a.transfers] == ["newsletter"]


def test_no_automated_decisions(model):
    assert not any(a.automated_decisions.exists or a.automated_decisions.profiling for a in model.activities)


def test_rights(model):
    assert [(c.kind, c.address) for c in model.rights.channels] == [("email", "zmos@koper.si")]
    assert "prenosljivosti" in model.rights.note.sl
    assert model.cookies == []  # "necessary cookies only", none named


def test_check_reports_the_policy_gaps(run):
    result = run("check", ZMOS, "--format", "json")
    assert result.exit_code == 1
    found = {(f["rule"], f["where"]) for f in result.json()["findings"]}
    assert ("V106", "activities.newsletter") in found  # transfer to the US without a safeguard
    assert ("V101", "activities.website-logs") in found  # no retention for the server logs
    assert ("V103", "activities.correspondence") in found  # no interest stated


def test_notice_names_mailchimp(run, tmp_path):
    out = tmp_path / "zmos.md"
    assert run("render", "notice", ZMOS, "--lang", "sl", "--format", "md", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "Mailchimp" in text and "Verdijeva ulica 10" in text
