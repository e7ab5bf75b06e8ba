"""The record of processing activities (GDPR Art. 30) from the model: CSV, XLSX, HTML.

Two records, one row per activity:

  Art. 30(1), the controller record: every activity where the organisation is controller or joint
    controller: (a) name and contact of the controller, joint controllers and DPO; (b) purposes;
    (c) categories of data subjects and personal data; (d) recipients; (e) third-country transfers
    and their safeguards; (f) time limits for erasure; (g) Art. 32(1) security measures.
  Art. 30(2), the processor record: activities where role.kind is processor: (a) the processor
    and the controllers it acts for, DPO; (b) categories of processing; (c) transfers; (d) Art. 32(1)
    measures (we add subjects, data and erasure, which the customer's instructions govern).

Forms: XLSX has one sheet per record; HTML one section per record; CSV is one file with one row
per activity and a first column `Evidenca`/`Record` holding "30(1)" or "30(2)", the columns being
the union of both records, so one file can go to standard output and be filtered in a spreadsheet.

CSV dialect: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as Windows-1250 and
breaks č, š, ž), `;` as delimiter (Excel splits a double-clicked CSV on the list separator of the
system locale, which is `;` wherever the decimal separator is a comma, as in Slovenia; `,` would
leave each row in one cell), CRLF line endings, lists inside a cell joined with " | " so one
activity is one physical line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Literal

from varuh.documents import wording as w
from varuh.documents.render import render_html
from varuh.model.privacy import Activity, Address, PrivacyModel

RecordFormat = Literal["csv", "xlsx", "html"]
Kind = Literal["30(1)", "30(2)"]

# (key, Slovenian header, English header, XLSX column width in characters)
COLUMNS: dict[str, tuple[str, str, int]] = {
    "record": ("Evidenca", "Record", 9),
    "activity": ("Dejavnost obdelave", "Processing activity", 24),
    "controller": ("Upravljavec in kontaktni podatki", "Controller and contact details", 34),
    "joint": ("Skupni upravljavci", "Joint controllers", 22),
    "processor": ("Obdelovalec in kontaktni podatki", "Processor and contact details", 34),
    "dpo": ("Pooblaščena oseba za varstvo podatkov", "Data protection officer", 28),
    "purposes": ("Nameni obdelave", "Purposes of the processing", 40),
    "legal_basis": ("Pravna podlaga", "Legal basis", 30),
    "subjects": ("Kategorije posameznikov", "Categories of data subjects", 26),
    "data": ("Kategorije osebnih podatkov", "Categories of personal data", 34),
    "recipients": ("Uporabniki", "Recipients", 34),
    "transfers": ("Prenosi v tretje države in zaščitni ukrepi", "Transfers to third countries and safeguards", 36),
    "retention": ("Roki za izbris", "Time limits for erasure", 40),
    "measures": ("Tehnični in organizacijski ukrepi (člen 32)", "Technical and organisational measures (Art. 32)",
                 40),
}
CONTROLLER_COLUMNS = ["activity", "controller", "joint", "dpo", "purposes", "legal_basis", "subjects", "data",
                      "recipients", "transfers", "retention", "measures"]
PROCESSOR_COLUMNS = ["activity", "processor", "controller", "dpo", "purposes", "subjects", "data", "recipients",
                     "transfers", "retention", "measures"]
CSV_COLUMNS = ["record", "activity", "controller", "joint", "processor", "dpo", "purposes", "legal_basis",
               "subjects", "data", "recipients", "transfers", "retention", "measures"]
SHEET_TITLES = {"30(1)": ("Upravljavec – člen 30(1)", "Controller – Art. 30(1)"),
                "30(2)": ("Obdelovalec – člen 30(2)", "Processor – Art. 30(2)")}


@dataclass
class Row:
    """One activity in one record; each cell is a list of lines."""

    kind: Kind
    cells: dict[str, list[str]] = field(default_factory=dict)

    def text(self, key: str, sep: str) -> str:
        return sep.join(self.cells.get(key, []))


def header(key: str, lang: str) -> str:
    sl, en, _ = COLUMNS[key]
    return sl if lang == "sl" else en


def record_rows(model: PrivacyModel, lang: str) -> list[Row]:
    """The rows of both records, controller activities first, each in model order."""
    rows = [_row(model, a, lang) for a in model.activities if a.role.kind != "processor"]
    rows += [_row(model, a, lang) for a in model.activities if a.role.kind == "processor"]
    return rows


def render_record(model: PrivacyModel, lang: str, fmt: RecordFormat = "csv") -> str | bytes:
    rows = record_rows(model, lang)
    if fmt == "csv":
        return record_csv(rows, lang)
    if fmt == "xlsx":
        return record_xlsx(model, rows, lang)
    return render_html("record.html.j2", _html_context(model, rows, lang), lang)


# --- rows ---------------------------------------------------------------------------------------


def _address(a: Address | None, lang: str) -> str | None:
    if a is None:
        return None
    return a.line() if a.country.upper() == "SI" else f"{a.line()}, {w.country(a.country, lang)}"


def _us(model: PrivacyModel, lang: str) -> list[str]:
    org = model.organisation
    c = org.contact
    lines = [org.name, _address(org.seat, lang) or _address(c.address, lang)]
    if org.registration_number:
        lines.append(f"{'matična številka' if lang == 'sl' else 'registration number'} {org.registration_number}")
    lines += [c.email, c.phone]
    return [x for x in lines if x]


def _dpo_contact(model: PrivacyModel, lang: str) -> list[str]:
    dpo = model.organisation.dpo
    if dpo is None:
        return []
    return [x for x in (dpo.name, dpo.email, dpo.phone, _address(dpo.address, lang)) if x]


def _dpo(model: PrivacyModel, lang: str) -> list[str]:
    """The DPO or contact point, titled: "Pooblaščena oseba za varstvo osebnih podatkov: Ana Žužek", …"""
    dpo = model.organisation.dpo
    if dpo is None:
        return []
    lines = _dpo_contact(model, lang)
    title = w.label(f"dpo.{dpo.kind}", lang)
    if dpo.name:
        return [f"{title}: {lines[0]}", *lines[1:]]
    return [title, *lines]


def _row(model: PrivacyModel, a: Activity, lang: str) -> Row:
    processor = a.role.kind == "processor"
    row = Row("30(2)" if processor else "30(1)")
    cells = row.cells
    cells["record"] = [("člen " if lang == "sl" else "Art. ") + row.kind]
    cells["activity"] = [f"{a.name(lang)} ({a.id})"]
    if processor:
        cells["processor"] = _us(model, lang)
        cells["controller"] = [a.role.for_(lang)] if a.role.for_ else []
    else:
        cells["controller"] = _us(model, lang)
        joint = [model.recipient(rid) for rid in a.role.with_]
        cells["joint"] = [r.name(lang) for r in joint if r]
    cells["dpo"] = _dpo(model, lang)
    cells["purposes"] = [a.purpose(lang)]
    cells["legal_basis"] = [w.legal_basis(a.legal_basis, lang)] + (
        [w.art9_condition(a.art9_condition, lang)] if a.art9_condition else [])
    cells["subjects"] = [s.name(lang) for s in (model.subject_category(x) for x in a.subjects) if s]
    data = []
    for cid in a.data:
        c = model.data_category(cid)
        if c is None:
            continue
        flags = (["člen 9" if lang == "sl" else "Art. 9"] if c.special else []) + (
            ["člen 10" if lang == "sl" else "Art. 10"] if c.criminal else [])
        data.append(c.name(lang) + (f" ({', '.join(flags)})" if flags else ""))
    cells["data"] = data
    recipients = []
    for rid in a.recipients:
        r = model.recipient(rid)
        if r is not None:
            where = f", {w.country(r.country, lang)}" if r.country else ""
            recipients.append(f"{r.name(lang)} ({w.label(f'role.{r.role.value}', lang)}{where})")
    cells["recipients"] = recipients
    transfers = []
    for t in a.transfers:
        r = model.recipient(t.recipient)
        transfers.append(f"{r.name(lang) if r else t.recipient} – {w.country(t.country, lang)}: "
                         f"{w.safeguard(t.safeguard, lang)}")
    cells["transfers"] = transfers or [("ni prenosov" if lang == "sl" else "none")]
    retention = []
    for rule in a.retention:
        covers = w.join([c.name(lang) for c in (model.data_category(x) for x in rule.data) if c], lang)
        text = w.describe_retention(rule, lang)
        retention.append(f"{covers}: {text}" if covers else text)
    cells["retention"] = retention
    cells["measures"] = [m(lang) for m in a.measures]
    return row


# --- CSV ----------------------------------------------------------------------------------------


def record_csv(rows: list[Row], lang: str) -> str:
    """Both records in one CSV (see the module docstring for the dialect and why)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([header(k, lang) for k in CSV_COLUMNS])
    for row in rows:
        writer.writerow([_csv_cell(k, row.cells.get(k, [])) for k in CSV_COLUMNS])
    return "\ufeff" + buf.getvalue()


_CONTACT_CELLS = {"controller", "processor", "dpo"}


def _csv_cell(key: str, lines: list[str]) -> str:
    """One cell on one line: contact parts joined with ", ", list items with " | " (the items
    themselves hold commas and semicolons, e.g. a retention rule with its condition), so that one
    activity is one physical line."""
    return (", " if key in _CONTACT_CELLS else " | ").join(lines)


# --- XLSX ---------------------------------------------------------------------------------------


def record_xlsx(model: PrivacyModel, rows: list[Row], lang: str) -> bytes:
    """A workbook with one sheet per record: bold frozen header, set widths, wrapped cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    title = ("Evidenca dejavnosti obdelave" if lang == "sl" else "Record of processing activities")
    wb.properties.title = f"{title} – {model.organisation.name}"
    wb.properties.creator = "Varuh"
    wb.properties.language = lang
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF4")
    wrap = Alignment(wrap_text=True, vertical="top")
    for kind, columns in (("30(1)", CONTROLLER_COLUMNS), ("30(2)", PROCESSOR_COLUMNS)):
        selected = [r for r in rows if r.kind == kind]
        if kind == "30(2)" and not selected:
            continue  # no processor activities: no processor record
        ws = wb.create_sheet(SHEET_TITLES[kind][0 if lang == "sl" else 1])
        ws.append([header(k, lang) for k in columns])
        for row in selected:
            ws.append([row.text(k, "\n") for k in columns])
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
        for r in ws.iter_rows():
            for cell in r:
                cell.alignment = wrap
        for i, key in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = COLUMNS[key][2]
        ws.freeze_panes = "B2"  # the header row and the activity column stay in view
        ws.auto_filter.ref = ws.dimensions
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue())


_FIXED_TIME = dt.datetime(2000, 1, 1)  # workbook properties: no clock in the output
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _stable_zip(data: bytes) -> bytes:
    """Rewrite the XLSX package with fixed timestamps so the same model gives the same bytes.

    openpyxl stamps docProps/core.xml with the save time and zipfile stamps every member with
    the clock; neither carries information, and both would make every render a diff.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2000-01-01T00:00:00Z\g<2>", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME), body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --- HTML ---------------------------------------------------------------------------------------


# The HTML states the organisation and its DPO once, above the tables, instead of in every row.
_HTML_ONCE = {"controller", "processor", "dpo"}


def _html_context(model: PrivacyModel, rows: list[Row], lang: str) -> dict:
    def table(kind: Kind, columns: list[str]) -> dict:
        columns = [k for k in columns if k not in _HTML_ONCE or (kind == "30(2)" and k == "controller")]
        return {
            "kind": kind,
            "title": SHEET_TITLES[kind][0 if lang == "sl" else 1],
            "headers": [header(k, lang) for k in columns],
            "rows": [[r.cells.get(k, []) for k in columns] for r in rows if r.kind == kind],
        }

    tables = [table("30(1)", CONTROLLER_COLUMNS)]
    if any(r.kind == "30(2)" for r in rows):
        tables.append(table("30(2)", PROCESSOR_COLUMNS))
    policy = model.policy
    return {
        "org": model.organisation.name,
        "us": _us(model, lang),
        "dpo_title": w.label(f"dpo.{model.organisation.dpo.kind}", lang) if model.organisation.dpo else None,
        "dpo": _dpo_contact(model, lang),
        "policy": {"version": policy.version, "effective": w.format_date(policy.effective, lang)} if policy else None,
        "tables": tables,
    }
