"""`varuh render …`: documents from the model (issue: model)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from varuh.cli.app import app
from varuh.cli.options import ModelPath, model_dir
from varuh.errors import InvalidInput

render_app = typer.Typer(help="Render documents: the notice, the Art. 30 record, the retention schedule.",
                         no_args_is_help=True)
app.add_typer(render_app, name="render")


class DocLang(StrEnum):
    sl = "sl"
    en = "en"


class NoticeFormat(StrEnum):
    html = "html"
    md = "md"
    pdf = "pdf"


class RecordFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


LangOption = Annotated[DocLang, typer.Option("--lang", "-l", help="Language of the document.")]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="File to write. Without it, text formats go to standard output.",
                 show_default=False),
]


def emit(data: str | bytes, output: Path | None) -> None:
    """Write the document to -o, or print it (text formats only)."""
    from varuh.documents.render import write_document

    if output is None:
        if isinstance(data, bytes):
            raise InvalidInput("this format is binary: give an output file with -o FILE")
        typer.echo(data, nl=False)
        return
    write_document(data, output)
    typer.echo(f"wrote {output}", err=True)  # on stderr: `-o /dev/stdout` must stay the document alone


@render_app.command("notice")
def notice(
    path: ModelPath = None,
    lang: LangOption = DocLang.sl,
    format: Annotated[NoticeFormat, typer.Option("--format", "-f", help="html (standalone, accessible), "
                                                 "md (Markdown) or pdf (needs -o).")] = NoticeFormat.html,
    output: OutputOption = None,
) -> None:
    """The privacy notice under GDPR Articles 13 and 14, with the cookie table, from privacy.yaml alone."""
    from varuh.documents.notice import render_notice
    from varuh.model.load import load_model

    model = load_model(model_dir(path))
    if format == NoticeFormat.pdf and output is None:
        raise InvalidInput("a PDF is binary: give an output file with -o FILE")
    emit(render_notice(model, lang.value, format.value), output)


@render_app.command("record")
def record(
    path: ModelPath = None,
    lang: LangOption = DocLang.sl,
    format: Annotated[RecordFormat, typer.Option("--format", "-f", help="csv (one row per activity; the "
                                                 "`record` column says Art. 30(1) or 30(2)), xlsx (one sheet "
                                                 "per record; needs -o) or html.")] = RecordFormat.csv,
    output: OutputOption = None,
) -> None:
    """The record of processing activities under GDPR Article 30: the controller record, and the
    processor record for activities where the organisation is a processor."""
    from varuh.documents.record import render_record
    from varuh.model.load import load_model

    model = load_model(model_dir(path))
    if format == RecordFormat.xlsx and output is None:
        raise InvalidInput("an XLSX workbook is binary: give an output file with -o FILE")
    emit(render_record(model, lang.value, format.value), output)


class RetentionFormat(StrEnum):
    html = "html"
    pdf = "pdf"


@render_app.command("retention")
def retention(
    path: ModelPath = None,
    lang: LangOption = DocLang.sl,
    format: Annotated[RetentionFormat, typer.Option("--format", "-f", help="html or pdf (needs -o).")]
    = RetentionFormat.html,
    output: OutputOption = None,
) -> None:
    """The retention schedule for the DPO and the auditor: each rule in words, where it is enforced, and
    the last sweeps with their deletion log (counts only). Needs datasets.yaml and reads the ledger."""
    from varuh.cli.options import today
    from varuh.ledger.db import get_engine, ledger_url
    from varuh.retention.evaluate import load_inputs
    from varuh.retention.report import render_schedule

    if format == RetentionFormat.pdf and output is None:
        raise InvalidInput("a PDF is binary: give an output file with -o FILE")
    model, datamap = load_inputs(model_dir(path))
    emit(render_schedule(model, datamap, get_engine(ledger_url()), lang.value, format.value, today()), output)
