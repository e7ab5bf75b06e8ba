"""Each lint rule fires on the mistake it names, and the starter model from `varuh init` is clean."""

import copy
from pathlib import Path

import pytest
import yaml

from varuh.model.lint import RULES, lint
from varuh.model.privacy import PrivacyModel

STARTER = Path(__file__).resolve().parents[1] / "src" / "varuh" / "model" / "starter.yaml"


def base() -> dict:
    return yaml.safe_load(STARTER.read_text(encoding="utf-8"))


def act(doc, activity_id):
    return next(a for a in doc["activities"] if a["id"] == activity_id)


def us_recipient(doc, **extra):
    doc["recipients"].append({"id": "mailer", "name": {"sl": "Pošiljatelj", "en": "Mailer"}, "role": "processor",
                              "country": "US", "dpa": True, **extra})
    act(doc, "newsletter").setdefault("recipients", []).append("mailer")


def m_no_retention(d): act(d, "orders")["retention"] = []
def m_no_withdraw(d): act(d, "newsletter")["consent"]["withdraw"] = []
def m_li_unstated(d): act(d, "orders")["legal_basis"] = "legitimate_interests"
def m_special(d): d["data_categories"][0]["special"] = True
def m_undeclared_transfer(d): us_recipient(d)


def m_no_safeguard(d):
    us_recipient(d)
    act(d, "newsletter")["transfers"] = [{"recipient": "mailer", "country": "US", "safeguard": "none"}]


def m_bad_adequacy(d):
    us_recipient(d, country="IN")
    act(d, "newsletter")["transfers"] = [{"recipient": "mailer", "country": "IN", "safeguard": "adequacy"}]


def m_cookie_uncovered(d):
    d["cookies"].append({"name": "_ga", "provider": "Google", "duration": "P2Y", "category": "statistics"})


def m_cookie_no_duration(d): del d["cookies"][0]["duration"]


def m_no_transfer_contradicted(d):
    d["no_third_country_transfers"] = True
    d["recipients"].append({"id": "google", "name": {"sl": "Google", "en": "Google"}, "role": "joint_controller",
                            "country": "IE", "processing_countries": ["US"]})
    act(d, "newsletter")["recipients"] = ["google"]


def m_no_contact(d):
    d["organisation"].pop("seat")
    d["organisation"]["contact"] = {}


def m_no_dpo(d): d["organisation"].pop("dpo")
def m_no_source(d): act(d, "orders")["sources"] = []
def m_no_requirement(d): act(d, "orders").pop("requirement")
def m_no_channels(d): d["rights"]["channels"] = []
def m_no_policy(d): d.pop("policy")


def m_purpose_retention(d):
    act(d, "orders")["retention"] = [{"id": "while", "kind": "purpose"}]


def m_joint(d): act(d, "orders")["role"] = {"kind": "joint_controller"}
def m_no_dpa(d): d["recipients"][0]["dpa"] = False
def m_automated(d): act(d, "orders")["automated_decisions"] = {"exists": True}
def m_no_wording(d): act(d, "newsletter")["consent"].pop("wording")
def m_processor(d): act(d, "orders")["role"] = {"kind": "processor"}


def m_unused(d):
    d["subjects"].append({"id": "visitors", "name": {"sl": "Obiskovalci", "en": "Visitors"}})


def m_transfer_unlisted(d):
    us_recipient(d)
    act(d, "newsletter")["recipients"] = []
    act(d, "newsletter")["transfers"] = [{"recipient": "mailer", "country": "US", "safeguard": "scc"}]


def m_children(d): d["subjects"][0]["children"] = True


def m_unbalanced(d):
    act(d, "orders")["legal_basis"] = "legitimate_interests"
    act(d, "orders")["legitimate_interest"] = {"interest": {"sl": "Varnost", "en": "Security"}}


def m_bad_reference(d): d["policy"]["legal_references"] = ["Uredba (EU) 2016/670", "ZVOP-1"]


CASES = {
    "V101": m_no_retention, "V102": m_no_withdraw, "V103": m_li_unstated, "V104": m_special,
    "V105": m_undeclared_transfer, "V106": m_no_safeguard, "V107": m_cookie_uncovered, "V108": m_cookie_no_duration,
    "V109": m_no_transfer_contradicted, "V110": m_no_contact, "V111": m_no_dpo, "V112": m_no_source,
    "V113": m_no_requirement, "V114": m_no_channels, "V115": m_no_policy, "V116": m_purpose_retention,
    "V117": m_joint, "V118": m_no_dpa, "V119": m_automated, "V120": m_no_wording, "V121": m_processor,
    "V122": m_unused, "V123": m_transfer_unlisted, "V124": m_children,
    "V125": m_unbalanced, "V126": m_bad_reference,
}


def test_starter_is_clean():
    assert lint(PrivacyModel.model_validate(base())) == []


def test_every_rule_has_a_case():
    from varuh.model import lint_rules  # noqa: F401

    assert {r.id for r in RULES if r.id.startswith("V1")} <= set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires(rule_id):
    doc = copy.deepcopy(base())
    CASES[rule_id](doc)
    findings = lint(PrivacyModel.model_validate(doc))
    hits = [f for f in findings if f.rule == rule_id]
    assert hits, f"{rule_id} did not fire; got {[f.rule for f in findings]}"
    assert all(f.article and f.fix and f.message for f in hits)


def test_bad_adequacy_claim():
    doc = copy.deepcopy(base())
    m_bad_adequacy(doc)
    assert any("no adequacy decision" in f.message for f in lint(PrivacyModel.model_validate(doc)))


def test_check_exit_codes(tmp_path, run):
    doc = base()
    m_no_retention(doc)
    (tmp_path / "privacy.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = run("check", tmp_path, "--format", "json")
    assert result.exit_code == 1
    assert result.json()["findings"][0]["rule"] == "V101"
    result = run("check", tmp_path)
    assert "V101" in result.stdout and "GDPR Art. 13(2)(a)" in result.stdout


def test_init_refuses_to_overwrite(tmp_path, run):
    assert run("init", tmp_path).exit_code == 0
    again = run("init", tmp_path)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert run("check", tmp_path).exit_code == 0
