"""Words the documents use, in Slovenian (primary) and English, and how numbers and dates read.

One place for every phrase the notice, the Art. 30 record and later documents share, so that the
HTML and Markdown templates hold structure only. Call these from any engine that writes for a
person:

    format_date(date, lang)        15. 3. 2019 / 15 March 2019
    format_period(period, lang)    2 leti, 3 meseci, 72 ur / 2 years, 3 months, 72 hours
    describe_retention(rule, lang) "10 let po koncu leta (po izdaji računa)"

Slovenian nouns after a number take one of four forms chosen by the CLDR plural rules (one, two,
few, other: 1 leto, 2 leti, 3 leta, 5 let). Babel supplies the rule; the noun forms are written out
here because CLDR's Slovenian unit patterns use the genitive for "few" ("3 let", "3 dni"), which is
not the standard form after a number in running text, and because a phrase such as "v 30 dneh"
(within 30 days) needs the locative, which CLDR does not have.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from babel import Locale
from babel.dates import format_date as babel_format_date

from varuh.model.periods import Period
from varuh.model.privacy import (
    Art9Condition,
    LegalBasis,
    RetentionRule,
    TransferSafeguard,
)

Lang = Literal["sl", "en"]
Case = Literal["nom", "acc", "loc"]
LANGS: tuple[Lang, ...] = ("sl", "en")

# GDPR, as each language cites it.
REGULATION = {
    "sl": "Uredba (EU) 2016/679 Evropskega parlamenta in Sveta z dne 27. aprila 2016 (Splošna uredba o varstvu "
          "podatkov)",
    "en": "Regulation (EU) 2016/679 of the European Parliament and of the Council of 27 April 2016 (General Data "
          "Protection Regulation)",
}
GDPR = {"sl": "Splošne uredbe", "en": "GDPR"}  # "člen 6(1)(a) Splošne uredbe" / "Art. 6(1)(a) GDPR"


def article(ref: str, lang: str) -> str:
    """A GDPR article reference: `article("6(1)(a)", "sl")` → "člen 6(1)(a) Splošne uredbe"."""
    return f"člen {ref} {GDPR['sl']}" if lang == "sl" else f"Art. {ref} {GDPR['en']}"


# --- dates ------------------------------------------------------------------------------------


def format_date(d: dt.date, lang: str) -> str:
    """Slovenian `15. 3. 2019` (SIST 1031 numeric form, spaces after the dots); English `15 March 2019`."""
    if lang == "sl":
        return babel_format_date(d, "d. M. y", locale="sl")
    return babel_format_date(d, "d MMMM y", locale="en")


# --- periods ----------------------------------------------------------------------------------

# Slovenian noun forms per plural category (one, two, few, other) and case. The nominative and
# accusative coincide except for the feminine nouns (ura, minuta: "1 ura" / "v 1 uro").
_SL_UNITS: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "year": {"nom": ("leto", "leti", "leta", "let"), "acc": ("leto", "leti", "leta", "let"),
             "loc": ("letu", "letih", "letih", "letih")},
    "month": {"nom": ("mesec", "meseca", "meseci", "mesecev"), "acc": ("mesec", "meseca", "mesece", "mesecev"),
              "loc": ("mesecu", "mesecih", "mesecih", "mesecih")},
    "week": {"nom": ("teden", "tedna", "tedni", "tednov"), "acc": ("teden", "tedna", "tedne", "tednov"),
             "loc": ("tednu", "tednih", "tednih", "tednih")},
    "day": {"nom": ("dan", "dneva", "dnevi", "dni"), "acc": ("dan", "dneva", "dneve", "dni"),
            "loc": ("dnevu", "dneh", "dneh", "dneh")},
    "hour": {"nom": ("ura", "uri", "ure", "ur"), "acc": ("uro", "uri", "ure", "ur"),
             "loc": ("uri", "urah", "urah", "urah")},
    "minute": {"nom": ("minuta", "minuti", "minute", "minut"), "acc": ("minuto", "minuti", "minute", "minut"),
               "loc": ("minuti", "minutah", "minutah", "minutah")},
}
_CATEGORY_INDEX = {"one": 0, "two": 1, "few": 2, "other": 3}
_SL = Locale("sl")


def sl_noun(n: int, forms: tuple[str, str, str, str]) -> str:
    """The Slovenian form of a noun after the number n (CLDR plural rules: 1, 101 one; 2, 102 two; …)."""
    return forms[_CATEGORY_INDEX[_SL.plural_form(n)]]


def format_quantity(n: int, unit: str, lang: str, case: Case = "nom") -> str:
    """`3 leta`, `5 mesecev`, `v 30 dneh` (case loc, without the preposition) / `3 years`."""
    if lang == "sl":
        return f"{n} {sl_noun(n, _SL_UNITS[unit][case])}"
    return f"{n} {unit}" + ("" if n == 1 else "s")


def format_period(p: Period, lang: str, case: Case = "nom") -> str:
    """A period as words: P1Y6M → `1 leto in 6 mesecev` / `1 year and 6 months`; P0D → `0 dni` / `0 days`."""
    parts = p.parts() or [(0, "day")]
    words = [format_quantity(n, unit, lang, case) for n, unit in parts]
    conj = " in " if lang == "sl" else " and "
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + conj + words[-1]


def within(p: Period, lang: str) -> str:
    """`v 30 dneh` / `within 30 days`: the deadline phrase."""
    return f"v {format_period(p, 'sl', 'loc')}" if lang == "sl" else f"within {format_period(p, 'en')}"


def within_working_days(n: int, lang: str) -> str:
    """`v 5 delovnih dneh` / `within 5 working days`."""
    if lang == "sl":
        return f"v {n} " + ("delovnem dnevu" if _SL.plural_form(n) == "one" else "delovnih dneh")
    return f"within {n} working day" + ("" if n == 1 else "s")


# --- retention --------------------------------------------------------------------------------


def describe_retention(rule: RetentionRule, lang: str) -> str:
    """A retention rule as one readable clause, e.g.

    sl  "10 let po koncu leta (po izdaji računa)", "30 dni po registraciji, razen če je bil opravljen
        nakup", "do preklica privolitve; po preklicu izbrisano najpozneje v 30 dneh", "kot določi stranka"
    en  "10 years after the end of the year (after the invoice is issued)", "until consent is withdrawn;
        erased within 30 days of withdrawal", "as set by the customer"

    The clause starts in lower case so that it reads after "Rok hrambe:" or in a table cell.
    The categories the rule covers (`rule.data`) are the caller's to name: it knows the model.
    """
    sl = lang == "sl"
    if rule.kind == "after":
        assert rule.period is not None and rule.anchor is not None  # the schema enforces both
        after = rule.anchor.after(lang)
        if rule.year_end:
            end = "po koncu leta" if sl else "after the end of the year"
            text = f"{format_period(rule.period, lang)} {end} ({after})"
            if rule.period.is_zero:
                text = f"ob koncu leta ({after})" if sl else f"at the end of the year ({after})"
        elif rule.period.is_zero:
            text = f"takoj {after}" if sl else f"immediately {after}"
        else:
            text = f"{format_period(rule.period, lang)} {after}"
    elif rule.kind == "consent":
        text = "do preklica privolitve" if sl else "until consent is withdrawn"
        if rule.grace is not None and rule.grace.is_zero:
            text += "; po preklicu takoj izbrisano" if sl else "; erased as soon as consent is withdrawn"
        elif rule.grace is not None:
            text += (f"; po preklicu izbrisano najpozneje {within(rule.grace, lang)}" if sl
                     else f"; erased {within(rule.grace, lang)} of withdrawal")
    elif rule.kind == "customer":
        text = "kot določi stranka" if sl else "as set by the customer"
        if rule.default is not None:
            text += (f"; če stranka roka ne določi, {format_period(rule.default, lang, 'acc')}" if sl
                     else f"; {format_period(rule.default, lang)} if the customer sets none")
    else:  # purpose
        text = "dokler traja namen obdelave" if sl else "for as long as the purpose of processing lasts"
    if rule.unless:
        text += (", razen če " if sl else ", unless ") + join([c.text(lang) for c in rule.unless], lang, either=True)
    if rule.hold_while:
        text += ("; ne izbrišemo jih, dokler " if sl else "; not erased while ") + join(
            [c.text(lang) for c in rule.hold_while], lang, either=True)
    if rule.note is not None:
        text += f" – {rule.note(lang)}"
    return text


# --- legal terms ------------------------------------------------------------------------------

_BASIS_LETTER = {
    LegalBasis.consent: "a", LegalBasis.contract: "b", LegalBasis.legal_obligation: "c",
    LegalBasis.vital_interests: "d", LegalBasis.public_task: "e", LegalBasis.legitimate_interests: "f",
}
_BASIS_NAME = {
    LegalBasis.consent: ("privolitev", "consent"),
    LegalBasis.contract: ("izvajanje pogodbe ali ukrepi pred sklenitvijo pogodbe",
                          "performance of a contract or steps prior to entering into it"),
    LegalBasis.legal_obligation: ("izpolnjevanje zakonske obveznosti", "compliance with a legal obligation"),
    LegalBasis.vital_interests: ("zaščita življenjskih interesov", "protection of vital interests"),
    LegalBasis.public_task: ("naloga v javnem interesu ali izvajanje javne oblasti",
                             "a task in the public interest or the exercise of official authority"),
    LegalBasis.legitimate_interests: ("zakoniti interes", "legitimate interests"),
}


def legal_basis(basis: LegalBasis, lang: str) -> str:
    """`privolitev (člen 6(1)(a) Splošne uredbe)` / `consent (Art. 6(1)(a) GDPR)`."""
    name = _BASIS_NAME[basis][0 if lang == "sl" else 1]
    return f"{name} ({article(f'6(1)({_BASIS_LETTER[basis]})', lang)})"


_ART9 = {
    Art9Condition.explicit_consent: ("a", "izrecna privolitev", "explicit consent"),
    Art9Condition.employment: ("b", "obveznosti in pravice na področju zaposlovanja in socialne varnosti",
                               "obligations and rights in employment and social security"),
    Art9Condition.vital_interests: ("c", "zaščita življenjskih interesov", "protection of vital interests"),
    Art9Condition.not_for_profit: ("d", "dejavnost neprofitnega združenja", "activities of a not-for-profit body"),
    Art9Condition.made_public: ("e", "podatki, ki jih je posameznik očitno objavil",
                                "data manifestly made public by the data subject"),
    Art9Condition.legal_claims: ("f", "pravni zahtevki", "legal claims"),
    Art9Condition.substantial_public_interest: ("g", "bistveni javni interes", "substantial public interest"),
    Art9Condition.health_care: ("h", "zdravstvo in socialno varstvo", "health or social care"),
    Art9Condition.public_health: ("i", "javno zdravje", "public health"),
    Art9Condition.archiving_research: ("j", "arhiviranje, raziskave ali statistika",
                                       "archiving, research or statistics"),
}


def art9_condition(condition: Art9Condition, lang: str) -> str:
    """`izrecna privolitev (člen 9(2)(a) Splošne uredbe)` / `explicit consent (Art. 9(2)(a) GDPR)`."""
    letter, sl, en = _ART9[condition]
    return f"{sl if lang == 'sl' else en} ({article(f'9(2)({letter})', lang)})"


_SAFEGUARD = {
    TransferSafeguard.adequacy: ("45", "sklep Evropske komisije o ustreznosti", "an adequacy decision"),
    TransferSafeguard.scc: ("46(2)(c)", "standardne pogodbene klavzule", "standard contractual clauses"),
    TransferSafeguard.bcr: ("47", "zavezujoča poslovna pravila", "binding corporate rules"),
    TransferSafeguard.derogation: ("49", "odstopanje v posebnem primeru", "a derogation for a specific situation"),
}


def safeguard(kind: TransferSafeguard, lang: str) -> str:
    """`standardne pogodbene klavzule (člen 46(2)(c) Splošne uredbe)` / `… (Art. 46(2)(c) GDPR)`."""
    if kind == TransferSafeguard.none:
        return "brez ustreznih zaščitnih ukrepov" if lang == "sl" else "no appropriate safeguards"
    ref, sl, en = _SAFEGUARD[kind]
    return f"{sl if lang == 'sl' else en} ({article(ref, lang)})"


def country(code: str | None, lang: str) -> str:
    """The country name from CLDR: `US` → `Združene države Amerike` / `United States`."""
    if not code:
        return ""
    return Locale(lang).territories.get(code.upper(), code)


# --- fixed labels -------------------------------------------------------------------------------

# Short labels shared by the templates: LABELS[key] = (sl, en). Longer prose lives in templates.
LABELS: dict[str, tuple[str, str]] = {
    # recipient roles
    "role.processor": ("obdelovalec", "processor"),
    "role.controller": ("samostojni upravljavec", "independent controller"),
    "role.joint_controller": ("skupni upravljavec", "joint controller"),
    "role.public_authority": ("javni organ", "public authority"),
    # sources, Art. 14(2)(f)
    "source.subject": ("neposredno od vas", "directly from you"),
    "source.third_party": ("od tretje osebe", "from a third party"),
    "source.public": ("iz javno dostopnih virov", "from publicly available sources"),
    "source.observed": ("z opazovanjem vaše uporabe storitve", "observed as you use the service"),
    "source.derived": ("izpeljano iz drugih podatkov", "derived from other data"),
    # Art. 13(2)(e)
    "req.statutory": ("zagotovitev podatkov je zakonska zahteva", "providing the data is a statutory requirement"),
    "req.contractual": ("zagotovitev podatkov je pogodbena zahteva",
                        "providing the data is a contractual requirement"),
    "req.contract_precondition": ("podatki so potrebni za sklenitev pogodbe",
                                  "the data are necessary to enter into a contract"),
    "req.voluntary": ("zagotovitev podatkov je prostovoljna", "providing the data is voluntary"),
    # cookies
    "cookie.necessary": ("nujni", "necessary"),
    "cookie.preferences": ("nastavitve", "preferences"),
    "cookie.statistics": ("statistika", "statistics"),
    "cookie.marketing": ("trženje", "marketing"),
    "party.first": ("lastni", "first party"),
    "party.third": ("tretje osebe", "third party"),
    "storage.cookie": ("piškotek", "cookie"),
    "storage.localStorage": ("localStorage", "localStorage"),
    "storage.sessionStorage": ("sessionStorage", "sessionStorage"),
    "duration.session": ("do konca seje", "session"),
    "pattern": ("vzorec imena", "name pattern"),
    # channels
    "channel.email": ("e-pošta", "e-mail"),
    "channel.post": ("pošta", "post"),
    "channel.web_form": ("spletni obrazec", "web form"),
    "channel.phone": ("telefon", "telephone"),
    "channel.in_person": ("osebno", "in person"),
    "channel.link": ("povezava v sporočilu", "link in the message"),
    "channel.preference_centre": ("središče nastavitev", "preference centre"),
    # people
    "dpo.dpo": ("Pooblaščena oseba za varstvo osebnih podatkov", "Data protection officer"),
    "dpo.contact_point": ("Kontaktna točka za varstvo osebnih podatkov", "Contact point for data protection"),
}


def label(key: str, lang: str) -> str:
    sl, en = LABELS[key]
    return sl if lang == "sl" else en


def join(items: list[str], lang: str, either: bool = False) -> str:
    """`a, b in c` / `a, b and c`; with `either`: `a, b ali c` / `a, b or c`."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return items[0] if items else ""
    conj = (" ali " if lang == "sl" else " or ") if either else (" in " if lang == "sl" else " and ")
    return ", ".join(items[:-1]) + conj + items[-1]
