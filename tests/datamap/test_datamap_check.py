"""datasets.yaml in `varuh check`: invalid files exit 2 with file:line, misfits are V2xx findings."""

from __future__ import annotations

import shutil

import pytest
from tests.conftest import EXAMPLES, ORGS


@pytest.fixture
def ecpp(tmp_path):
    folder = tmp_path / "ecpp"
    folder.mkdir()
    for name in ("privacy.yaml", "datasets.yaml"):
        shutil.copy(EXAMPLES / "ecpp" / name, folder / name)
    return folder


def _edit(folder, old: str, new: str) -> None:
    path = folder / "datasets.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _v2(result) -> list[dict]:
    return [f for f in result.json()["findings"] if f["rule"].startswith("V2")]


@pytest.mark.parametrize("org", ORGS)
def test_examples_data_maps_fit_their_models(run, org):
    r = run("check", f"examples/{org}", "--json")
    assert r.exit_code in (0, 1), r.output
    assert [f for f in _v2(r) if f["severity"] == "error"] == []


def test_unknown_field_is_invalid_with_line(run, ecpp):
    _edit(ecpp, "      - name: invoices\n", "      - name: invoices\n        retain: forever\n")
    r = run("check", ecpp)
    assert r.exit_code == 2
    assert "datasets.yaml:" in r.stderr and "retain" in r.stderr and "Traceback" not in r.output


def test_reference_to_a_missing_table_is_invalid(run, ecpp):
    _edit(ecpp, "{column: account_id, table: accounts}", "{column: account_id, table: acounts}")
    r = run("check", ecpp, "--json")
    assert r.exit_code == 2
    body = r.json()
    assert body["valid"] is False and "did you mean 'accounts'" in body["message"]


def test_malformed_yaml(run, ecpp):
    (ecpp / "datasets.yaml").write_text("stores:\n  - id: x\n    kind: [sql\n")
    r = run("check", ecpp)
    assert r.exit_code == 2 and "datasets.yaml:" in r.stderr


def test_unknown_activity_and_category_are_errors(run, ecpp):
    _edit(ecpp, "activities: [account]", "activities: [acount]")
    _edit(ecpp, "{name: username, category: username}", "{name: username, category: user-name}")
    r = run("check", ecpp, "--json")
    assert r.exit_code == 1
    found = {f["rule"]: f for f in _v2(r)}
    assert "'acount'" in found["V201"]["message"] and "did you mean 'account'" in found["V201"]["message"]
    assert "'user-name'" in found["V202"]["message"]
    assert found["V202"]["where"].startswith("datasets.yaml:")


def test_unknown_rule_and_missing_condition(run, ecpp):
    _edit(ecpp, "{rule: account.access-5y,", "{rule: account.access-6y,")
    _edit(ecpp, "              - {id: purchase_made, exists: service_orders}\n", "")
    head = "          - rule: account.no-purchase-30d\n            anchor: registered_at\n"
    _edit(ecpp, head + "            conditions:\n", head + "            conditions: []\n")
    r = run("check", ecpp, "--json")
    assert r.exit_code == 1
    messages = {f["rule"]: f["message"] for f in _v2(r)}
    assert "no retention rule 'access-6y'" in messages["V203"]
    assert "purchase_made" in messages["V205"]


def test_consent_rule_with_anchor_and_after_rule_without(run, ecpp):
    _edit(ecpp, "{rule: survey.until-withdrawn}", "{rule: survey.until-withdrawn, anchor: answered_at}")
    _edit(ecpp, "{rule: website-visit.visit-6m, anchor: visited_at}", "{rule: website-visit.visit-6m}")
    r = run("check", ecpp, "--json")
    v204 = [f["message"] for f in _v2(r) if f["rule"] == "V204"]
    assert any("takes no anchor" in m for m in v204) and any("visited" in m for m in v204)


def test_unmapped_activity_is_a_warning(run, ecpp):
    r = run("check", ecpp, "--json")
    v207 = [f for f in _v2(r) if f["rule"] == "V207"]
    assert any("consent-proofs" in f["where"] for f in v207)
    assert all(f["severity"] == "warning" for f in v207)


def test_text_output_lists_v2_findings(run, ecpp):
    _edit(ecpp, "activities: [account]", "activities: [acount]")
    r = run("check", ecpp)
    assert r.exit_code == 1 and "V201" in r.stdout and "datasets.yaml:" in r.stdout
