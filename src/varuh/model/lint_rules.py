"""The lint rules: each has a stable id, a severity, the article behind it and a one-line fix.

Ids are stable: V1xx for the privacy model, V2xx for the data map. Errors are things the notice
or the processing would get wrong under the GDPR; warnings are gaps a DPO should look at.
"""

from __future__ import annotations

from collections.abc import Iterator

from varuh.law.transfers import ADEQUATE, third_country
from varuh.model.lint import rule
from varuh.model.privacy import (
    Activity,
    CookieCategory,
    LegalBasis,
    PrivacyModel,
    RecipientRole,
    TransferSafeguard,
)

Findings = Iterator[tuple[str, str, str]]


def _where(act: Activity) -> str:
    return f"activities.{act.id}"


def _recipient_countries(model: PrivacyModel, recipient_id: str) -> set[str]:
    r = model.recipient(recipient_id)
    if r is None:
        return set()
    return {c.upper() for c in [r.country, *r.processing_countries] if third_country(c)}


@rule("V101", "error", "GDPR Art. 13(2)(a), 5(1)(e)", "activity without retention")
def activity_without_retention(model: PrivacyModel) -> Findings:
    for act in model.activities:
        if not act.retention:
            yield (_where(act), "no retention rule: the notice cannot say how long data is kept",
                   "add a retention rule (a period after an anchor event, or until consent is withdrawn)")


@rule("V102", "error", "GDPR Art. 7(3)", "consent without a withdrawal channel")
def consent_without_withdrawal(model: PrivacyModel) -> Findings:
    for act in model.consent_activities():
        if not (act.consent and act.consent.withdraw):
            yield (_where(act), "consent-based, but no way to withdraw consent is declared",
                   "add consent.withdraw: [link, email, …] — withdrawing must be as easy as giving")


@rule("V103", "error", "GDPR Art. 6(1)(f), 13(1)(d)", "legitimate interest without the interest stated")
def legitimate_interest_unstated(model: PrivacyModel) -> Findings:
    for act in model.activities:
        if act.legal_basis == LegalBasis.legitimate_interests and act.legitimate_interest is None:
            yield (_where(act), "relies on legitimate interests but does not state the interest",
                   "add legitimate_interest: {interest: …, balancing: …}")


@rule("V104", "error", "GDPR Art. 9(1)–(2)", "special-category data without an Art. 9 condition")
def special_without_art9(model: PrivacyModel) -> Findings:
    for act in model.activities:
        special = [c for c in act.data if (dc := model.data_category(c)) and dc.special]
        if special and act.art9_condition is None:
            yield (_where(act), f"processes special-category data ({', '.join(special)}) without an Art. 9(2) "
                   "condition", "add art9_condition (e.g. explicit_consent, vital_interests, legal_claims)")


@rule("V105", "error", "GDPR Art. 13(1)(f), 44", "recipient outside the EU/EEA without a declared transfer")
def undeclared_transfer(model: PrivacyModel) -> Findings:
    for act in model.activities:
        declared = {t.recipient for t in act.transfers}
        for rid in dict.fromkeys(act.recipients + act.role.with_):
            countries = _recipient_countries(model, rid)
            if countries and rid not in declared:
                yield (_where(act), f"recipient {rid!r} processes data in {', '.join(sorted(countries))} "
                       "(outside the EU/EEA) but no transfer is declared",
                       f"add transfers: [{{recipient: {rid}, country: …, safeguard: …}}] and tell the subjects")


@rule("V106", "error", "GDPR Art. 44–49", "transfer without a safeguard")
def transfer_without_safeguard(model: PrivacyModel) -> Findings:
    for act in model.activities:
        for t in act.transfers:
            if t.safeguard == TransferSafeguard.none:
                yield (_where(act), f"transfer to {t.country} ({t.recipient}) has no safeguard",
                       "name the safeguard: adequacy, scc, bcr or an Art. 49 derogation")
            elif t.safeguard == TransferSafeguard.adequacy and t.country.upper() not in ADEQUATE:
                yield (_where(act), f"adequacy claimed for {t.country}, which has no adequacy decision",
                       "use scc, bcr or an Art. 49 derogation for this country")


@rule("V107", "error", "ZEKom-2 Art. 225; GDPR Art. 6(1)(a)", "non-necessary cookie without a consent activity")
def cookie_without_consent(model: PrivacyModel) -> Findings:
    for c in model.cookies:
        if c.category == CookieCategory.necessary:
            continue
        act = model.activity(c.activity) if c.activity else None
        if act is None or act.legal_basis != LegalBasis.consent:
            yield (f"cookies.{c.name}", f"{c.category.value} cookie is not covered by a consent-based activity",
                   "set cookie.activity to the consent activity that covers it")


@rule("V108", "warning", "GDPR Art. 13(2)(a); ZEKom-2 Art. 225", "cookie without a duration")
def cookie_without_duration(model: PrivacyModel) -> Findings:
    for c in model.cookies:
        if c.duration is None:
            yield (f"cookies.{c.name}", "no duration: visitors must be told how long it is kept",
                   "add duration: session, or an ISO 8601 period such as P1Y")


@rule("V109", "error", "GDPR Art. 13(1)(f)", "policy says nothing leaves the EU/EEA, yet data does")
def contradicted_no_transfer(model: PrivacyModel) -> Findings:
    if not model.no_third_country_transfers:
        return
    for act in model.activities:
        for t in act.transfers:
            yield (_where(act), f"transfer to {t.country} declared, but the policy says no data leaves the EU/EEA",
                   "correct the statement in the policy (no_third_country_transfers: false)")
        for rid in dict.fromkeys(act.recipients + act.role.with_):
            countries = _recipient_countries(model, rid)
            if countries:
                yield (_where(act), f"shares with {rid!r}, which processes data in {', '.join(sorted(countries))}, "
                       "but the policy says no data leaves the EU/EEA",
                       "declare the transfer with its safeguard and correct the policy's statement")


@rule("V110", "error", "GDPR Art. 13(1)(a)", "controller without contact details")
def controller_contact(model: PrivacyModel) -> Findings:
    org = model.organisation
    if not (org.contact.email or org.contact.phone or org.seat or org.contact.address):
        yield ("organisation", "the notice cannot give the controller's contact details",
               "add organisation.seat and organisation.contact (e-mail or phone)")


@rule("V111", "warning", "GDPR Art. 13(1)(b), 37", "no DPO or contact point")
def no_dpo(model: PrivacyModel) -> Findings:
    if model.organisation.dpo is None:
        yield ("organisation.dpo", "no data protection officer or contact point is named",
               "add organisation.dpo (kind: dpo or contact_point) with an e-mail")


@rule("V112", "warning", "GDPR Art. 14(2)(f)", "source of data not stated")
def source_unstated(model: PrivacyModel) -> Findings:
    for act in model.activities:
        if not act.sources:
            yield (_where(act), "where the data comes from is not stated",
                   "add sources (the subject, a sign-in provider, a payment provider, …)")


@rule("V113", "warning", "GDPR Art. 13(2)(e)", "statutory or contractual requirement not stated")
def requirement_unstated(model: PrivacyModel) -> Findings:
    for act in model.activities:
        if act.role.kind == "processor":  # Art. 13 is the customer's (the controller's) duty there
            continue
        if act.requirement is None and act.legal_basis in (LegalBasis.contract, LegalBasis.legal_obligation):
            yield (_where(act), "the notice must say whether the data must be provided and what follows if not",
                   "add requirement: {kind: contractual|statutory|contract_precondition, consequence: …}")


@rule("V114", "error", "GDPR Art. 12(2), 13(2)(b)", "no channel for exercising rights")
def no_rights_channel(model: PrivacyModel) -> Findings:
    if not model.rights.channels:
        yield ("rights.channels", "the notice cannot say how to exercise rights",
               "add rights.channels (e-mail, post, web form)")


@rule("V115", "warning", "GDPR Art. 12(1), 13(3)", "policy version or effective date missing")
def no_version(model: PrivacyModel) -> Findings:
    if model.policy is None:
        yield ("policy", "no version and effective date: changes cannot be tracked or consents tied to a text",
               "add policy: {version: …, effective: YYYY-MM-DD}")


@rule("V116", "warning", "GDPR Art. 13(2)(a), 5(1)(e)", "retention with no measurable end")
def unmeasurable_retention(model: PrivacyModel) -> Findings:
    for act in model.activities:
        for r in act.retention:
            if r.kind == "purpose":
                yield (f"{_where(act)}.retention.{r.id}", "kept 'while the purpose lasts': Varuh cannot enforce it",
                       "state a period after an event, or the criteria that end it")


@rule("V117", "warning", "GDPR Art. 26(2)", "joint controllership without the arrangement")
def joint_without_arrangement(model: PrivacyModel) -> Findings:
    for act in model.activities:
        if act.role.kind == "joint_controller" and not act.role.with_:
            yield (_where(act), "joint controller, but with whom is not stated", "add role.with: [recipient ids]")
        for rid in act.role.with_:
            r = model.recipient(rid)
            if r and r.arrangement is None:
                yield (_where(act), f"joint controller {rid!r}: the essence of the Art. 26 arrangement is not stated",
                       f"add recipients.{rid}.arrangement")


@rule("V118", "warning", "GDPR Art. 28(3)", "processor without a data-processing agreement")
def processor_without_dpa(model: PrivacyModel) -> Findings:
    for r in model.recipients:
        if r.role == RecipientRole.processor and r.dpa is not True:
            yield (f"recipients.{r.id}", "processor without a declared data-processing agreement",
                   "conclude an Art. 28(3) agreement and set dpa: true")


@rule("V119", "error", "GDPR Art. 13(2)(f), 22", "automated decisions without their logic")
def automated_without_logic(model: PrivacyModel) -> Findings:
    for act in model.activities:
        ad = act.automated_decisions
        if (ad.exists or ad.profiling) and (ad.logic is None or ad.significance is None):
            yield (_where(act), "automated decisions or profiling without the logic and consequences",
                   "add automated_decisions.logic and .significance")


@rule("V120", "warning", "GDPR Art. 7(1)", "consent without the wording shown")
def consent_without_wording(model: PrivacyModel) -> Findings:
    for act in model.consent_activities():
        if not (act.consent and act.consent.wording):
            yield (_where(act), "the exact request for consent is not declared, so proofs cannot show it",
                   "add consent.wording: {sl: …, en: …}")


@rule("V121", "warning", "GDPR Art. 28, 30(2)", "processor activity without the customer named")
def processor_without_customer(model: PrivacyModel) -> Findings:
    for act in model.activities:
        if act.role.kind == "processor" and act.role.for_ is None:
            yield (_where(act), "processing on behalf of others, but for whom is not stated", "add role.for")


@rule("V122", "warning", "GDPR Art. 5(1)(c)", "declared but unused category")
def unused_categories(model: PrivacyModel) -> Findings:
    used_data = {c for a in model.activities for c in a.data}
    used_subjects = {s for a in model.activities for s in a.subjects}
    for c in model.data_categories:
        if c.id not in used_data:
            yield (f"data_categories.{c.id}", "no activity processes this category", "remove it or use it")
    for s in model.subjects:
        if s.id not in used_subjects:
            yield (f"subjects.{s.id}", "no activity concerns this subject category", "remove it or use it")


@rule("V123", "warning", "GDPR Art. 13(1)(e)", "transfer to a recipient the activity does not list")
def transfer_recipient_unlisted(model: PrivacyModel) -> Findings:
    for act in model.activities:
        for t in act.transfers:
            if t.recipient not in act.recipients and t.recipient not in act.role.with_:
                yield (_where(act), f"transfer to {t.recipient!r}, which is not among the activity's recipients",
                       f"add {t.recipient} to recipients")


@rule("V124", "warning", "GDPR Art. 8; ZVOP-2 Art. 8", "children's consent without the parental rule")
def children_consent(model: PrivacyModel) -> Findings:
    for act in model.consent_activities():
        kids = [s for s in act.subjects if (sc := model.subject_category(s)) and sc.children]
        if kids and not (act.consent and act.consent.parental_below is not None):
            yield (_where(act), f"consent of subjects who may be children ({', '.join(kids)}): under "
                   f"{model.organisation.consent_age} a parent or guardian consents",
                   "set consent.parental_below (ZVOP-2: 15) and record given_by: parent where it applies")


@rule("V125", "warning", "GDPR Art. 6(1)(f); recital 47", "legitimate interest without the balancing")
def legitimate_interest_unbalanced(model: PrivacyModel) -> Findings:
    for act in model.activities:
        li = act.legitimate_interest
        if act.legal_basis == LegalBasis.legitimate_interests and li is not None and li.balancing is None:
            yield (_where(act), "the interest is stated, but not why it is not overridden by the subject's rights",
                   "add legitimate_interest.balancing: the outcome of the balancing test")


# Laws a policy may cite by mistake: a wrong number, or an act no longer in force.
_BAD_REFERENCES = {
    "2016/670": "Regulation (EU) 2016/679 is the GDPR; 2016/670 is another act",
    "ZVOP-1": "ZVOP-1 was replaced by ZVOP-2 (Uradni list RS, št. 163/22), in force since 26. 1. 2023",
    "ZEKom-1": "ZEKom-1 was replaced by ZEKom-2 (Uradni list RS, št. 130/22), in force since 2022",
    "95/46": "Directive 95/46/EC was repealed by the GDPR (Art. 94) on 25. 5. 2018",
}


@rule("V126", "warning", "GDPR Art. 12(1), 13(1)(c)", "the policy cites a wrong or repealed law")
def wrong_legal_reference(model: PrivacyModel) -> Findings:
    for ref in (model.policy.legal_references if model.policy else []):
        for needle, why in _BAD_REFERENCES.items():
            if needle.lower() in ref.lower():
                yield ("policy.legal_references", f"cites {ref!r}: {why}", "correct the reference in the policy")
