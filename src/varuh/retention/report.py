"""The retention schedule as a document for the DPO and the auditor (`varuh render retention`).

Per activity: each rule in words (the notice's wording, documents/wording.py), where it is
executed (store, table, delete or erase which fields), and the last sweeps with their deletion
logs (counts only). It is the evidence that storage limitation (GDPR Art. 5(1)(e)) is enforced,
and the Art. 30(1)(f) "envisaged time limits for erasure" as the system actually runs them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import sqlalchemy as sa

from varuh.errors import InvalidInput
from varuh.ledger.retention import RunRow, last_runs, run_log
from varuh.model.datasets import DataMap
from varuh.model.privacy import PrivacyModel
from varuh.retention.evaluate import CONSENT_ENDED, resolve

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class ScheduleRow:
    activity: str
    rule: str  # activity.rule
    text: str  # the rule in words
    where: list[str] = field(default_factory=list)  # "store.table: delete rows" …


def schedule_rows(model: PrivacyModel, datamap: DataMap, lang: str) -> list[ScheduleRow]:
    from varuh.documents.wording import describe_retention

    res = resolve(model, datamap)
    sl = lang == "sl"
    out: list[ScheduleRow] = []
    for activity in model.activities:
        for rule in activity.retention:
            key = f"{activity.id}.{rule.id}"
            row = ScheduleRow(activity.name(lang), key, describe_retention(rule, lang))
            for t in res.targets:
                if t.key != key:
                    continue
                if t.binding.action == "delete_row":
                    what = "izbris vrstic" if sl else "rows deleted"
                else:
                    names = ", ".join(n for n, _, _ in t.erase_fields())
                    what = (f"izbris polj {names}" if sl else f"fields erased: {names}")
                row.where.append(f"{t.store.id}.{t.table.name}: {what}")
            if any(p.key == key for p in res.proofs) or (rule.anchor and rule.anchor.id == CONSENT_ENDED):
                row.where.append("Varuh: dokazila o privolitvah" if sl else "Varuh: proofs of consent")
            if not row.where:
                row.where.append("ni samodejnega izbrisa" if sl else "not erased automatically")
            out.append(row)
    return out


def render_schedule(model: PrivacyModel, datamap: DataMap, ledger: sa.Engine, lang: str, fmt: str,
                    today: dt.date, runs: int = 10) -> str | bytes:
    """The schedule in `lang` as standalone HTML, or PDF bytes."""
    from varuh.documents import render as docs
    from varuh.documents.wording import format_date

    if lang not in ("sl", "en"):
        raise InvalidInput(f"language {lang!r} is not supported; use sl or en")
    if fmt not in ("html", "pdf"):
        raise InvalidInput(f"format {fmt!r} is not supported; use html or pdf")
    with ledger.connect() as conn:
        recent: list[RunRow] = last_runs(conn, runs)
        logs = {r.ref: run_log(conn, r.ref) for r in recent[:1]}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = format_date
    html = env.get_template("retention.html.j2").render(
        lang=lang, sl=lang == "sl", org=model.organisation.name, today=today,
        rows=schedule_rows(model, datamap, lang), runs=recent, logs=logs,
        css=(docs.TEMPLATES / "document.css").read_text(encoding="utf-8"))
    return docs.html_to_pdf(html) if fmt == "pdf" else html
