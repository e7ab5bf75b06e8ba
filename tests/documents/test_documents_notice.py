"""`varuh render notice`: the Art. 13/14 notice as HTML, Markdown and PDF, as a user runs it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from tests.conftest import EXAMPLES, ORGS
from tests.documents.golden_files import FIXTURE, golden


@pytest.mark.parametrize("lang", ["sl", "en"])
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_notice_matches_golden(run, tmp_path, lang, fmt):
    out = tmp_path / f"notice.{fmt}"
    result = run("render", "notice", FIXTURE, "--lang", lang, "--format", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"wrote {out}" and result.stdout == ""
    golden(f"notice.{lang}.{fmt}", out.read_text(encoding="utf-8"))


def test_notice_without_output_goes_to_stdout(run, tmp_path):
    result = run("render", "notice", FIXTURE, "--format", "md")
    assert result.exit_code == 0
    assert result.stdout.startswith("# Politika zasebnosti\n")
    # Same input, same bytes: nothing in the document depends on the clock.
    assert run("render", "notice", FIXTURE, "--format", "md").stdout == result.stdout


class Outline(HTMLParser):
    """What an accessibility check looks at: lang, landmarks, headings, table headers, skip link."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[int] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


@pytest.mark.parametrize("lang", ["sl", "en"])
def test_html_is_standalone_and_accessible(run, lang):
    html = run("render", "notice", FIXTURE, "--lang", lang).stdout
    page = Outline()
    page.feed(html)
    tags = page.tags
    assert tags[0] == ("html", {"lang": lang})
    names = [t for t, _ in tags]
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in names
    assert ("a", {"class": "skip", "href": "#main"}) in tags and ("main", {"id": "main"}) in tags
    # one h1, and no heading level skipped on the way down
    assert page.headings.count(1) == 1 and page.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False))
    # every column header says it is one
    assert all(a.get("scope") in ("col", "row") for t, a in tags if t == "th")
    # standalone: styles inline (with the print stylesheet), nothing fetched
    assert "<link" not in html and "<script" not in html and "src=" not in html
    assert "@media print" in html and "@page" in html


def test_notice_content_sl(run):
    html = run("render", "notice", FIXTURE).stdout
    for fact in [
        "Uredbo (EU) 2016/679",  # the regulation, correctly numbered
        "Zgled, storitve za učenje, d.o.o.", "Šmartinska cesta 152, 1000 Ljubljana", "Ana Žužek",
        "privolitev (člen 6(1)(a) Splošne uredbe)", "izrecna privolitev (člen 9(2)(a) Splošne uredbe)",
        "Kakovosten pouk", "prijava z Google računom",  # legitimate interest; source (Art. 14(2)(f))
        "The Rocket Science Group LLC (Mailchimp)", "Združene države Amerike",
        "standardne pogodbene klavzule (člen 46(2)(c) Splošne uredbe)",
        "10 let po koncu leta (po izdaji računa)",
        "do preklica privolitve; po preklicu izbrisano najpozneje v 30 dneh",
        "30 dni po registraciji, razen če je bil opravljen nakup",
        "kot določi stranka", "Pri tej obdelavi smo obdelovalec",
        "Zagotovitev podatkov je zakonska zahteva",
        "Pravica do prenosljivosti podatkov", "(člen 7(3))",
        "Informacijski pooblaščenec", "Dunajska cesta 22, 1000 Ljubljana",
        "najpozneje v 1 mesecu od prejema", "za največ 2 meseca",
        "Vlogo lahko vložite v 15 dneh. O vlogi odločimo v 5 delovnih dneh.",
        "v 72 urah", "ugovor upoštevamo v 30 dneh",
        "<code>_ga_*</code>", "do konca seje", "localStorage", "tretje osebe", "statistika",
        "različica 2.1, velja od 15. 3. 2024", "veljavna od 15. 3. 2019",
    ]:
        assert fact in html, fact
    assert "2016/670" not in html and "None" not in html


def test_notice_content_en(run):
    html = run("render", "notice", FIXTURE, "--lang", "en").stdout
    for fact in [
        "Regulation (EU) 2016/679", "consent (Art. 6(1)(a) GDPR)", "United States",
        "10 years after the end of the year (after the invoice is issued)",
        "until consent is withdrawn; erased within 30 days of withdrawal",
        "Information Commissioner of the Republic of Slovenia", "within 1 month of receiving the request",
        "by up to 2 months", "effective from 15 March 2024", "2 years",
    ]:
        assert fact in html, fact
    assert " člen " not in html and "Uredb" not in html


def test_markdown_renders_as_markdown(run):
    md = run("render", "notice", FIXTURE, "--format", "md").stdout
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert html.count("<table>") == 2  # recipients and cookies
    assert "<code>_ga_*</code>" in html and "<h1>Politika zasebnosti</h1>" in html
    assert "<em>" not in html  # no name with underscores turned into emphasis


def test_pdf(run, tmp_path):
    out = tmp_path / "notice.pdf"
    result = run("render", "notice", FIXTURE, "--format", "pdf", "-o", out)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 20_000  # pages of text with embedded fonts, not an empty shell


def test_pdf_bytes_are_stable():
    from varuh.documents.render import html_to_pdf

    html = '<!DOCTYPE html><html lang="sl"><head><title>Politika</title></head><body><p>Žž</p></body></html>'
    first = html_to_pdf(html)
    assert b"/CreationDate" not in first or b"D:20000101" in first  # fixed metadata, never the clock
    assert html_to_pdf(html) == first


def test_output_errors(run, tmp_path):
    result = run("render", "notice", FIXTURE, "--format", "pdf")
    assert result.exit_code == 2 and "-o FILE" in result.stderr
    result = run("render", "notice", FIXTURE, "-o", tmp_path / "missing" / "notice.html")
    assert result.exit_code == 2 and "cannot write" in result.stderr and "Traceback" not in result.output
    result = run("render", "notice", FIXTURE, "-o", tmp_path)
    assert result.exit_code == 2 and "folder" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    result = run("render", "notice", FIXTURE, "--lang", "de")
    assert result.exit_code == 2
    result = run("render", "notice", tmp_path / "nowhere")
    assert result.exit_code == 2 and "privacy.yaml" in result.stderr


EXISTING = [o for o in ORGS if (EXAMPLES / o / "privacy.yaml").exists()]


@pytest.mark.parametrize("org", EXISTING)
def test_examples_render_in_both_languages(run, org):
    for lang in ("sl", "en"):
        for fmt in ("html", "md"):
            result = run("render", "notice", EXAMPLES / org, "--lang", lang, "--format", fmt)
            assert result.exit_code == 0, result.output
            assert "Informacijsk" in result.stdout or lang == "en"
            assert "Regulation (EU) 2016/679" in result.stdout or "Uredbo (EU) 2016/679" in result.stdout
