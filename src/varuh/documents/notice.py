"""The privacy notice (GDPR Art. 13 and 14) from the model alone: HTML, Markdown, PDF.

`notice_context(model, lang)` words every fact once (dates, periods, legal bases with their
articles, retention sentences) into plain values; the HTML and Markdown templates only lay them
out, so the two forms cannot say different things. The sections follow Art. 13/14:

  1. controller and contacts, DPO or contact point            Art. 13(1)(a)(b)
  2. per activity: purpose, legal basis (Art. 6(1), Art. 9(2)), legitimate interest, data,
     sources, recipients, transfers, retention, requirement, automated decisions
                                                               Art. 13(1)(c)-(f), 13(2)(a)(e)(f), 14(1)(d), 14(2)(f)
  3. recipients overall                                        Art. 13(1)(e)
  4. rights, Art. 15-22 and 7(3); complaint to the authority; deadlines (Art. 12(3)), procedures
                                                               Art. 13(2)(b)(c)(d)
  5. breaches (Art. 33, 34), cookies (ZEKom-2 Art. 225), version and earlier versions
"""

from __future__ import annotations

from typing import Any, Literal

from varuh.documents import wording as w
from varuh.documents.render import html_to_pdf, render_html, render_text
from varuh.model.privacy import Activity, Address, Cookie, LegalBasis, PrivacyModel, Recipient

NoticeFormat = Literal["html", "md", "pdf"]


def render_notice(model: PrivacyModel, lang: str, fmt: NoticeFormat = "html") -> str | bytes:
    """The notice as text (html, md) or bytes (pdf)."""
    context = notice_context(model, lang)
    if fmt == "md":
        return render_text("notice.md.j2", context, lang)
    html = render_html("notice.html.j2", context, lang)
    return html_to_pdf(html) if fmt == "pdf" else html


def notice_context(model: PrivacyModel, lang: str) -> dict[str, Any]:
    """Everything the notice templates show, already worded in `lang`."""
    org = model.organisation
    activities = [_activity(model, a, lang) for a in model.activities]
    bases = {a.legal_basis for a in model.activities}
    return {
        "org": {
            "name": org.name,
            "short_name": org.short_name or org.name,
            "legal_form": org.legal_form,
            "seat": _address(org.seat, lang),
            "offices": [_address(a, lang) for a in org.offices],
            "registration_number": org.registration_number,
            "tax_number": org.tax_number,
            "register_entry": org.register_entry(lang) if org.register_entry else None,
            "email": org.contact.email,
            "phone": org.contact.phone,
            "web": org.contact.web or org.website,
            "address": _address(org.contact.address, lang),
            "note": org.contact.note(lang) if org.contact.note else None,
        },
        "dpo": _dpo(model, lang),
        "authority": {
            "name": org.supervisory_authority.name(lang),
            "address": _address(org.supervisory_authority.address, lang),
            "email": org.supervisory_authority.email,
            "phone": org.supervisory_authority.phone,
            "web": org.supervisory_authority.web,
        },
        "policy": _policy(model, lang),
        "activities": activities,
        "recipients": [_recipient(r, lang) for r in model.recipients],
        "no_transfers": model.no_third_country_transfers and not any(a["transfers"] for a in activities),
        "has_consent": LegalBasis.consent in bases,
        "has_portability": bool(bases & {LegalBasis.consent, LegalBasis.contract}),
        "has_objection": bool(bases & {LegalBasis.public_task, LegalBasis.legitimate_interests}),
        "has_automated": any(a["automated"]["exists"] for a in activities),
        "rights": _rights(model, lang),
        "breach": {
            "within": w.within(model.breach.notify_authority_within, lang),
            "promise": model.breach.promise(lang) if model.breach.promise else None,
        },
        "cookies": [_cookie(model, c, lang) for c in model.cookies],
        "notes": [n(lang) for n in model.notes],
    }


def _address(a: Address | None, lang: str) -> str | None:
    if a is None:
        return None
    line = a.line()
    return line if a.country.upper() == "SI" else f"{line}, {w.country(a.country, lang)}"


def _dpo(model: PrivacyModel, lang: str) -> dict[str, Any] | None:
    dpo = model.organisation.dpo
    if dpo is None:
        return None
    return {
        "title": w.label(f"dpo.{dpo.kind}", lang),
        "name": dpo.name,
        "email": dpo.email,
        "phone": dpo.phone,
        "address": _address(dpo.address, lang),
    }


def _policy(model: PrivacyModel, lang: str) -> dict[str, Any] | None:
    p = model.policy
    if p is None:
        return None
    return {
        "version": p.version,
        "reference": p.reference,
        "effective": w.format_date(p.effective, lang),
        "url": p.url,
        "earlier": [
            {"version": e.version, "effective": w.format_date(e.effective, lang), "url": e.url,
             "changes": e.changes(lang) if e.changes else None}
            for e in p.earlier
        ],
    }


def _recipient(r: Recipient, lang: str) -> dict[str, Any]:
    where = [w.country(r.country, lang)] if r.country else []
    where += [w.country(c, lang) for c in r.processing_countries if c != r.country]
    return {
        "id": r.id,
        "name": r.name(lang),
        "role": w.label(f"role.{r.role.value}", lang),
        "countries": ", ".join(where),
        "purpose": r.purpose(lang) if r.purpose else None,
        "arrangement": r.arrangement(lang) if r.arrangement else None,
        "privacy_url": r.privacy_url,
    }


def _activity(model: PrivacyModel, a: Activity, lang: str) -> dict[str, Any]:
    def cat_name(cid: str) -> str:
        c = model.data_category(cid)
        return c.name(lang) if c else cid

    data = []
    for cid in a.data:
        c = model.data_category(cid)
        if c is not None:
            data.append({"name": c.name(lang), "examples": c.items(lang) if c.items else None,
                         "special": c.special, "criminal": c.criminal})
    subjects = [s.name(lang) for s in (model.subject_category(sid) for sid in a.subjects) if s]
    recipients = [_recipient(r, lang) for r in (model.recipient(rid) for rid in a.recipients) if r]
    # Sources grouped by kind, in the order they first appear: "observed: the IP address; the browser".
    by_kind: dict[str, list[str]] = {}
    for s in a.sources:
        named = s.name(lang) if s.name else None
        if named is None and s.recipient and (r := model.recipient(s.recipient)):
            named = r.name(lang)
        names = by_kind.setdefault(s.kind, [])
        if named and named not in names:
            names.append(named)
    sources = [w.label(f"source.{kind}", lang) + (": " + "; ".join(names) if names else "")
               for kind, names in by_kind.items()]
    transfers = []
    for t in a.transfers:
        r = model.recipient(t.recipient)
        transfers.append({
            "recipient": r.name(lang) if r else t.recipient,
            "country": w.country(t.country, lang),
            "safeguard": w.safeguard(t.safeguard, lang),
            "details": t.details(lang) if t.details else None,
        })
    retention = []
    for rule in a.retention:
        text = w.describe_retention(rule, lang)
        covers = w.join([cat_name(c) for c in rule.data], lang)
        retention.append(f"{covers}: {text}" if covers else text)
    role = a.role
    joint = [r.name(lang) for r in (model.recipient(rid) for rid in role.with_) if r]
    ad = a.automated_decisions
    return {
        "id": a.id,
        "name": a.name(lang),
        "purpose": a.purpose(lang),
        "role": role.kind,
        "joint_with": w.join(joint, lang),
        "arrangements": [r.arrangement(lang) for r in (model.recipient(rid) for rid in role.with_)
                         if r and r.arrangement],
        "processor_for": role.for_(lang) if role.for_ else None,
        "legal_basis": w.legal_basis(a.legal_basis, lang),
        "is_consent": a.legal_basis == LegalBasis.consent,
        "art9": w.art9_condition(a.art9_condition, lang) if a.art9_condition else None,
        "interest": a.legitimate_interest.interest(lang) if a.legitimate_interest else None,
        "balancing": (a.legitimate_interest.balancing(lang)
                      if a.legitimate_interest and a.legitimate_interest.balancing else None),
        "data": data,
        "subjects": w.join(subjects, lang),
        "sources": sources,
        "requirement": (w.label(f"req.{a.requirement.kind}", lang) if a.requirement else None),
        "consequence": (a.requirement.consequence(lang)
                        if a.requirement and a.requirement.consequence else None),
        "recipients": recipients,
        "transfers": transfers,
        "retention": retention,
        "automated": {
            "exists": ad.exists, "profiling": ad.profiling,
            "logic": ad.logic(lang) if ad.logic else None,
            "significance": ad.significance(lang) if ad.significance else None,
        },
        "withdraw": w.join([w.label(f"channel.{c}", lang) for c in a.consent.withdraw], lang, either=True)
        if a.consent else "",
    }


def _rights(model: PrivacyModel, lang: str) -> dict[str, Any]:
    r = model.rights
    procedures = []
    for p in r.procedures:
        lodge = w.within(p.lodge_within, lang) if p.lodge_within else None
        if p.decide_within_working_days is not None:
            decide = w.within_working_days(p.decide_within_working_days, lang)
        else:
            decide = w.within(p.decide_within, lang) if p.decide_within else None
        procedures.append({"name": p.name(lang), "description": p.description(lang) if p.description else None,
                           "lodge": lodge, "decide": decide})
    return {
        "channels": [{"kind": w.label(f"channel.{c.kind}", lang), "address": c.address,
                      "note": c.note(lang) if c.note else None} for c in r.channels],
        "deadline": w.within(r.deadline, lang),
        "extension": w.format_period(r.extension, lang, "acc"),
        "identity_check": r.identity_check(lang) if r.identity_check else None,
        "fee": r.fee(lang) if r.fee else None,
        "marketing_objection": w.within(r.marketing_objection_within, lang) if r.marketing_objection_within else None,
        "procedures": procedures,
        "note": r.note(lang) if r.note else None,
    }


def _cookie(model: PrivacyModel, c: Cookie, lang: str) -> dict[str, Any]:
    if c.duration is None:
        duration = "—"
    elif c.duration == "session":
        duration = w.label("duration.session", lang)
    else:
        duration = w.format_period(c.duration, lang)
    activity = model.activity(c.activity) if c.activity else None
    return {
        "name": c.name,
        "pattern": c.pattern,
        "provider": c.provider,
        "purpose": c.purpose(lang) if c.purpose else "",
        "duration": duration,
        "party": w.label(f"party.{c.party}", lang),
        "storage": w.label(f"storage.{c.storage}", lang),
        "category": w.label(f"cookie.{c.category.value}", lang),
        "activity": activity.name(lang) if activity else None,
    }
