"""The renderer every document shares: one Jinja environment, PDF through WeasyPrint, writing files.

Templates live beside this module in `templates/`; a document is a template plus a context of
already-worded values (see wording.py), so the same context feeds the HTML and the Markdown form.
Output is deterministic: no timestamps, no random ids, fixed PDF metadata, so a document changes
only when the model does (and golden files can be reviewed as diffs).

    render_html("notice.html.j2", context, "sl") -> str
    render_text("notice.md.j2", context, "sl")   -> str
    html_to_pdf(html)                            -> bytes
    write_document(data, path)                   (raises InvalidInput when it cannot)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from varuh.documents import wording
from varuh.errors import InvalidInput

TEMPLATES = Path(__file__).parent / "templates"


def _md(value: Any) -> str:
    """Escape text for Markdown (inline and table cells): the characters that would start markup."""
    text = "" if value is None else str(value)
    text = re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)
    return text.replace("\r\n", "\n").replace("\n", " ")


def _code(value: Any) -> str:
    """A Markdown code span (cookie names such as `_ga_*`); pipes escaped for table cells."""
    return "`" + str(value).replace("`", "'").replace("|", "\\|") + "`"


def _capitalize_first(value: str) -> str:
    """Upper-case the first letter only (Jinja's `capitalize` lowers the rest, breaking names)."""
    return value[:1].upper() + value[1:]


def _inline_css(name: str) -> Markup:
    """A stylesheet from templates/, to inline: the HTML must stand alone (one file, no fetches)."""
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


@functools.cache
def environment(markdown: bool = False) -> jinja2.Environment:
    """The shared environment; `markdown=True` turns HTML autoescaping off and adds the `md` filter."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,  # a misspelt context key is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=_md, code=_code, date=wording.format_date, capitalize_first=_capitalize_first)
    env.globals.update(inline_css=_inline_css, article=wording.article, regulation=wording.REGULATION)
    return env


def _render(env: jinja2.Environment, template: str, context: dict[str, Any], lang: str) -> str:
    if lang not in wording.LANGS:
        raise InvalidInput(f"language {lang!r} is not supported; use one of {', '.join(wording.LANGS)}")
    return env.get_template(template).render(**context, lang=lang, sl=lang == "sl")


def render_html(template: str, context: dict[str, Any], lang: str) -> str:
    """Render an HTML template (autoescaped) in `lang`; the template sees `lang` and `sl` (bool).

    Blank lines left by conditional blocks are dropped (they mean nothing in HTML without <pre>),
    so the source reads and diffs cleanly.
    """
    return re.sub(r"\n\s*\n", "\n", _render(environment(), template, context, lang))


def render_text(template: str, context: dict[str, Any], lang: str) -> str:
    """Render a Markdown or plain-text template (no HTML escaping; use the `md` filter).

    Runs of blank lines collapse to one: in Markdown one blank line separates blocks.
    """
    return re.sub(r"\n{3,}", "\n\n", _render(environment(markdown=True), template, context, lang))


# A fixed instant for PDF metadata: WeasyPrint would otherwise leave the creation date to the
# clock, and the same model must give the same bytes.
PDF_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """A PDF of standalone HTML through WeasyPrint, with the print stylesheet and stable bytes.

    The title, language and dates come from the HTML's <title>, lang and the `dcterms.created` /
    `dcterms.modified` meta tags; we set those dates to a fixed value and pin the PDF identifier.
    """
    import logging

    import weasyprint  # slow to import: only when a PDF is asked for

    # WeasyPrint logs CSS it ignores (browser-only properties) as warnings; they are not the user's.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    doc = weasyprint.HTML(string=html, base_url=base_url).render()
    meta = doc.metadata
    meta.created = meta.modified = PDF_DATE.isoformat()
    # pdf_tags: a tagged PDF (structure for screen readers), as the HTML is accessible too.
    return doc.write_pdf(pdf_identifier=b"varuh", pdf_tags=True)


def write_document(data: str | bytes, path: Path) -> None:
    """Write a document to `path` (text as UTF-8, line endings kept as rendered).

    Any failure is one clear InvalidInput (exit code 2), and a half-written file is never left:
    the document is written to a temporary sibling and renamed into place.
    """
    if path.is_dir():
        raise InvalidInput(f"cannot write {path}: it is a folder; give a file name with -o")
    if path.exists() and not path.resolve().is_file():  # /dev/stdout, a pipe: write straight through
        try:
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        except OSError as e:
            raise InvalidInput(f"cannot write {path}: {e.strerror or e}") from None
        return
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            with tmp.open("w", encoding="utf-8", newline="") as f:
                f.write(data)
        tmp.replace(path)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {e.strerror or e}") from None
