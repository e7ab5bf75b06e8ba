"""Letters to the data subject, Slovenian and English, as HTML or PDF.

    acknowledgement   the request was received, its number and deadline       GDPR Art. 12(3)
    identification    reasonable doubt about identity: more information asked  Art. 12(6)
    extension         the deadline is extended by two months, with reasons    Art. 12(3)
    refusal           reasons, the complaint to the Informacijski pooblaščenec
                      and the judicial remedy                                 Art. 12(4), 12(5), 77, 79
    completion        the answer; for access, the Art. 15(1)-(2) information  Art. 15
                      derived from the model (purposes, categories, recipients, retention,
                      source, automated decisions, rights, complaint)

The wording of the model (purposes, legal bases, retention sentences) comes from the documents
package (`notice_context`), the same words the privacy notice uses, so a letter cannot contradict
the notice. Templates sit beside this module.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any, Literal

import jinja2

from varuh.documents import wording
from varuh.documents.notice import notice_context
from varuh.errors import Conflict, InvalidInput
from varuh.model.privacy import PrivacyModel
from varuh.requests.records import RequestRecord
from varuh.requests.types import TYPES, RequestType, Status

TEMPLATES = Path(__file__).parent / "templates"
KINDS = ("acknowledgement", "identification", "extension", "refusal", "completion")
LetterFormat = Literal["html", "pdf"]

GROUNDS = {
    "manifestly_unfounded": ("zahteva je očitno neutemeljena (člen 12(5)(b) Splošne uredbe)",
                             "the request is manifestly unfounded (Art. 12(5)(b) GDPR)"),
    "excessive": ("zahteva je pretirana, zlasti ker se ponavlja (člen 12(5)(b) Splošne uredbe)",
                  "the request is excessive, in particular because of its repetitive character "
                  "(Art. 12(5)(b) GDPR)"),
    "identity": ("vaše istovetnosti nismo mogli ugotoviti (člena 11(2) in 12(2) Splošne uredbe)",
                 "we could not identify you (Art. 11(2) and 12(2) GDPR)"),
    "exemption": ("pravica je omejena z zakonom (člen 23 Splošne uredbe)",
                  "the right is restricted by law (Art. 23 GDPR)"),
    "other": ("", ""),
}


@functools.cache
def _environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = wording.format_date
    return env


def _last_note(record: RequestRecord, action: str) -> str | None:
    notes = [e for e in record.events if e.action == action and e.note]
    return notes[-1].note if notes else None


def _ground(record: RequestRecord) -> str:
    refusals = [e for e in record.events if e.action == "refuse"]
    return (refusals[-1].details or {}).get("ground", "other") if refusals else "other"


def letter_context(model: PrivacyModel, record: RequestRecord, lang: str, today: dt.date) -> dict[str, Any]:
    """Everything a letter shows, worded in `lang`."""
    base = notice_context(model, lang)
    kind = RequestType(record.type)
    info = TYPES[kind]
    procedure = next((p for p in model.rights.procedures if p.id == record.procedure), None)
    appeal = [p for p in base["rights"]["procedures"]]
    ground_sl, ground_en = GROUNDS.get(_ground(record), GROUNDS["other"])
    return {
        "org": base["org"],
        "dpo": base["dpo"],
        "authority": base["authority"],
        "rights": base["rights"],
        "activities": [{**ctx, "categories": _categories(model, activity.data, lang)}
                       for activity, ctx in zip(model.activities, base["activities"], strict=True)],
        "no_transfers": base["no_transfers"],
        "appeals": appeal,
        "today": today,
        "r": {
            "id": record.id,
            "type": kind.value,
            "type_name": info.sl if lang == "sl" else info.en,
            "procedure": procedure.name(lang) if procedure else None,
            "article": _article(kind, lang),
            "name": record.name,
            "email": record.email,
            "received": record.received,
            "due": record.due,
            "extended_due": record.extended_due,
            "extension_reason": record.extension_reason,
            "refusal_reason": record.refusal_reason,
            "ground": ground_sl if lang == "sl" else ground_en,
            "identification_note": _last_note(record, "request_identification"),
            "verified": record.verified,
            "fee": record.fee,
            "closed_on": record.closed_on,
        },
    }


_ARTICLES = {
    RequestType.access: "15", RequestType.rectification: "16", RequestType.erasure: "17",
    RequestType.restriction: "18", RequestType.portability: "20", RequestType.objection: "21(1)",
    RequestType.objection_marketing: "21(2)", RequestType.consent_withdrawal: "7(3)",
}


def _article(kind: RequestType, lang: str) -> str | None:
    ref = _ARTICLES.get(kind)
    return wording.article(ref, lang) if ref else None


def _categories(model: PrivacyModel, ids: list[str], lang: str) -> list[str]:
    """Data categories as "name (what it holds)", Art. 15(1)(b)."""
    out = []
    for cid in ids:
        category = model.data_category(cid)
        if category is not None:
            out.append(f"{category.name(lang)} ({category.items(lang)})" if category.items else category.name(lang))
    return out


def _check_kind(record: RequestRecord, kind: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(f"unknown letter {kind!r}; use one of {', '.join(KINDS)}")
    if kind == "extension" and record.extended_due is None:
        raise Conflict(f"{record.id} is not extended: there is no extension to write about")
    if kind == "refusal" and record.status != Status.refused:
        raise Conflict(f"{record.id} is not refused: refuse it with a reason first (requests refuse)")
    if kind == "completion" and not record.verified:
        raise Conflict(f"{record.id}: the requester's identity is not confirmed; no answer with personal "
                       "information can be written for an unverified request")


def render_letter(model: PrivacyModel, record: RequestRecord, kind: str, lang: str, fmt: LetterFormat = "html",
                  today: dt.date | None = None) -> str | bytes:
    """One letter for a request: HTML text, or PDF bytes through WeasyPrint."""
    if lang not in wording.LANGS:
        raise InvalidInput(f"language {lang!r}: use sl or en")
    if fmt not in ("html", "pdf"):
        raise InvalidInput(f"format {fmt!r}: use html or pdf")
    _check_kind(record, kind)
    context = letter_context(model, record, lang, today or record.as_of)
    html = _environment(True).get_template(f"{kind}.html.j2").render(**context, lang=lang, sl=lang == "sl",
                                                                      kind=kind)
    if fmt == "pdf":
        from varuh.documents.render import html_to_pdf

        return html_to_pdf(html)
    return html


def render_text(template: str, model: PrivacyModel, record: RequestRecord, lang: str, **extra: Any) -> str:
    """A plain-text message (the verification e-mail, a reminder) from a template beside the letters."""
    org = model.organisation
    context = {"org": {"name": org.name, "email": org.contact.email, "web": org.contact.web or org.website},
               "r": {"id": record.id, "type_name": TYPES[RequestType(record.type)].sl if lang == "sl"
                     else TYPES[RequestType(record.type)].en, "deadline": record.deadline, "due": record.due,
                     "extended_due": record.extended_due, "status": record.status,
                     "received": record.received, "overdue": record.overdue},
               **extra}
    return _environment(False).get_template(template).render(**context, lang=lang, sl=lang == "sl")


def write_letter(conn, model: PrivacyModel, ref: str, kind: str, lang: str, fmt: LetterFormat, *, actor: str,
                 today: dt.date) -> str | bytes:
    """Render a letter for request `ref` and note in its history (and the audit chain) that it was written."""
    from varuh.requests.records import get_request
    from varuh.requests.workflow import record_step

    document = render_letter(model, get_request(conn, ref, today), kind, lang, fmt, today)
    record_step(conn, ref, actor, "letter", details={"kind": kind, "lang": lang, "format": fmt},
                audit_details={"kind": kind, "lang": lang})
    return document
