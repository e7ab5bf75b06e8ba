"""Loading privacy.yaml: errors name file:line and field, exit code 2, no traceback."""

import pytest

from varuh.errors import ModelError
from varuh.model.load import load_model

MINIMAL = """\
organisation:
  name: Primer d.o.o.
activities:
  - id: newsletter
    name: {sl: E-novice, en: Newsletter}
    purpose: {sl: Obveščanje, en: Informing}
    legal_basis: consent
    data: [contact]
    subjects: [subscribers]
    retention:
      - id: until-withdrawn
        kind: consent
        grace: P30D
subjects:
  - id: subscribers
    name: {sl: Naročniki, en: Subscribers}
data_categories:
  - id: contact
    name: {sl: Kontaktni podatki, en: Contact data}
"""


def write(tmp_path, text):
    (tmp_path / "privacy.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_minimal_model_loads(tmp_path):
    model = load_model(write(tmp_path, MINIMAL))
    assert model.activity("newsletter").retention[0].grace.days == 30
    assert model.organisation.supervisory_authority.name.sl == "Informacijski pooblaščenec"


@pytest.mark.parametrize(
    ("old", "new", "line", "needle"),
    [
        ("legal_basis: consent", "legal_basis: maybe", 7, "legal_basis"),
        ("grace: P30D", "grace: 2 leti", 13, "ISO 8601"),
        ("    legal_basis: consent", "    legal_basis: consent\n    retension: []", 8, "did you mean 'retention'"),
        ("data: [contact]", "data: [kontakt]", 8, "'kontakt' is not declared"),
        ("  - id: subscribers", "  - id: subscribers\n    name: {sl: a, en: b}\n  - id: subscribers", 17, "duplicate"),
    ],
)
def test_bad_input_names_line_and_field(tmp_path, run, old, new, line, needle):
    write(tmp_path, MINIMAL.replace(old, new))
    with pytest.raises(ModelError) as e:
        load_model(tmp_path)
    assert f"privacy.yaml:{line}:" in e.value.message and needle in e.value.message
    result = run("check", tmp_path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output and needle in result.stderr


def test_malformed_yaml(tmp_path, run):
    write(tmp_path, 'organisation:\n  name: "X\n  bad: [\n')
    result = run("check", tmp_path)
    assert result.exit_code == 2
    assert "malformed YAML" in result.stderr and "privacy.yaml:4:" in result.stderr


def test_invalid_registration_number(tmp_path):
    write(tmp_path, MINIMAL.replace("name: Primer d.o.o.", "name: Primer d.o.o.\n  registration_number: '1234567000'"))
    with pytest.raises(ModelError, match="registration number"):
        load_model(tmp_path)
