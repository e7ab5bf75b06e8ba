"""`varuh render record`: the Art. 30 record as CSV, XLSX and HTML, as a user runs it."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.conftest import EXAMPLES, ORGS
from tests.documents.golden_files import FIXTURE, golden

ACTIVITIES = ["newsletter", "learning", "invoicing", "adjustments", "hosting"]


def parse_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_matches_golden(run, tmp_path):
    out = tmp_path / "record.csv"
    result = run("render", "record", FIXTURE, "--format", "csv", "-o", out)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    golden("record.sl.csv", data.decode("utf-8"))


def test_csv_one_row_per_activity(run):
    rows = parse_csv(run("render", "record", FIXTURE).stdout)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Evidenca", "Dejavnost obdelave", "Upravljavec in kontaktni podatki"]
    assert len(body) == len(ACTIVITIES) and all(len(r) == len(header) for r in body)
    by_id = {r[1].rsplit("(", 1)[1].rstrip(")"): dict(zip(header, r, strict=True)) for r in body}
    assert set(by_id) == set(ACTIVITIES)
    # controller activities first, the processor activity in the Art. 30(2) record
    assert [r[0] for r in body] == ["člen 30(1)"] * 4 + ["člen 30(2)"]
    hosting = by_id["hosting"]
    assert hosting["Upravljavec in kontaktni podatki"] == "naše poslovne stranke"
    assert hosting["Obdelovalec in kontaktni podatki"].startswith("Zgled, storitve za učenje, d.o.o.")
    assert hosting["Roki za izbris"] == "kot določi stranka; če stranka roka ne določi, 1 leto"
    newsletter = by_id["newsletter"]
    assert "Mailchimp" in newsletter["Uporabniki"]
    assert "standardne pogodbene klavzule" in newsletter["Prenosi v tretje države in zaščitni ukrepi"]
    assert newsletter["Pooblaščena oseba za varstvo podatkov"].endswith("Ana Žužek, dpo@zgled.si, 01 123 45 68")
    assert by_id["learning"]["Skupni upravljavci"] == "Google Ireland Ltd."
    assert by_id["invoicing"]["Roki za izbris"] == "Podatki o računih: 10 let po koncu leta (po izdaji računa)"
    assert by_id["adjustments"]["Kategorije osebnih podatkov"] == "Podatki o zdravju (člen 9)"
    assert by_id["learning"]["Tehnični in organizacijski ukrepi (člen 32)"] == (
        "šifrirana povezava (TLS) | dostop na podlagi vlog")


def test_csv_in_english(run):
    rows = parse_csv(run("render", "record", FIXTURE, "--lang", "en").stdout)
    assert rows[0][:2] == ["Record", "Processing activity"]
    assert rows[1][0] == "Art. 30(1)" and rows[-1][0] == "Art. 30(2)"
    assert "until consent is withdrawn" in rows[1][rows[0].index("Time limits for erasure")]


def test_xlsx(run, tmp_path):
    out = tmp_path / "record.xlsx"
    result = run("render", "record", FIXTURE, "--format", "xlsx", "-o", out)
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(out).testzip() is None
    wb = load_workbook(out)
    assert wb.sheetnames == ["Upravljavec – člen 30(1)", "Obdelovalec – člen 30(2)"]
    controller, processor = wb.worksheets
    assert controller.max_row == 1 + 4 and processor.max_row == 1 + 1
    assert controller["A1"].value == "Dejavnost obdelave" and controller["A2"].value == "E-novice (newsletter)"
    assert all(c.font.b for c in controller[1])
    assert controller.freeze_panes == "B2"
    assert controller.column_dimensions["A"].width == 24
    assert controller["E2"].alignment.wrap_text
    assert "\n" in controller["B2"].value  # name, address, contacts on their own lines
    assert processor["C2"].value == "naše poslovne stranke"
    # stable bytes: no save time inside
    again = tmp_path / "again.xlsx"
    run("render", "record", FIXTURE, "--format", "xlsx", "-o", again)
    assert out.read_bytes() == again.read_bytes()


def test_xlsx_needs_output_file(run):
    result = run("render", "record", FIXTURE, "--format", "xlsx")
    assert result.exit_code == 2 and "-o FILE" in result.stderr


def test_html_record(run):
    html = run("render", "record", FIXTURE, "--format", "html", "--lang", "en").stdout
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "Controller – Art. 30(1)" in html and "Processor – Art. 30(2)" in html
    assert "Regulation (EU) 2016/679" in html and "Ana Žužek" in html
    assert html.count("<tbody>") == 2 and 'scope="row"' in html


EXISTING = [o for o in ORGS if (EXAMPLES / o / "privacy.yaml").exists()]


@pytest.mark.parametrize("org", EXISTING)
def test_examples_record(run, tmp_path: Path, org):
    rows = parse_csv(run("render", "record", EXAMPLES / org).stdout)
    assert len(rows) >= 3
    result = run("render", "record", EXAMPLES / org, "--format", "xlsx", "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 0, result.output
    wb = load_workbook(tmp_path / "r.xlsx")
    kinds = {r[0] for r in rows[1:]}
    assert len(wb.sheetnames) == len(kinds)  # a processor sheet exactly when there are processor activities
