"""Slovenian and English wording: dates, periods with grammatical number, retention sentences."""

import datetime as dt

import pytest

from varuh.documents.wording import (
    art9_condition,
    country,
    describe_retention,
    format_date,
    format_period,
    format_quantity,
    legal_basis,
    safeguard,
    within,
    within_working_days,
)
from varuh.model.periods import Period
from varuh.model.privacy import Art9Condition, LegalBasis, RetentionRule, TransferSafeguard


def test_dates():
    assert format_date(dt.date(2019, 3, 15), "sl") == "15. 3. 2019"
    assert format_date(dt.date(2024, 12, 1), "sl") == "1. 12. 2024"
    assert format_date(dt.date(2019, 3, 15), "en") == "15 March 2019"


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("year", ["1 leto", "2 leti", "3 leta", "4 leta", "5 let", "10 let", "101 leto", "102 leti", "103 leta"]),
        ("month", ["1 mesec", "2 meseca", "3 meseci", "4 meseci", "5 mesecev", "10 mesecev", "101 mesec",
                   "102 meseca", "103 meseci"]),
        ("day", ["1 dan", "2 dneva", "3 dnevi", "4 dnevi", "5 dni", "10 dni", "101 dan", "102 dneva", "103 dnevi"]),
        ("hour", ["1 ura", "2 uri", "3 ure", "4 ure", "5 ur", "10 ur", "101 ura", "102 uri", "103 ure"]),
    ],
)
def test_slovenian_grammatical_number(unit, expected):
    numbers = [1, 2, 3, 4, 5, 10, 101, 102, 103]
    assert [format_quantity(n, unit, "sl") for n in numbers] == expected


def test_cases_and_english():
    assert format_quantity(72, "hour", "sl") == "72 ur"
    assert format_quantity(1, "hour", "sl", "acc") == "1 uro"
    assert format_quantity(3, "month", "sl", "acc") == "3 mesece"
    assert within(Period(days=30), "sl") == "v 30 dneh"
    assert within(Period(days=2), "sl") == "v 2 dneh"
    assert within(Period(months=1), "sl") == "v 1 mesecu"
    assert within(Period(hours=72), "sl") == "v 72 urah"
    assert within(Period(hours=72), "en") == "within 72 hours"
    assert within_working_days(5, "sl") == "v 5 delovnih dneh"
    assert within_working_days(1, "sl") == "v 1 delovnem dnevu"
    assert within_working_days(1, "en") == "within 1 working day"
    assert format_period(Period(years=1, months=6), "sl") == "1 leto in 6 mesecev"
    assert format_period(Period(years=1, months=6), "en") == "1 year and 6 months"
    assert format_period(Period(years=2, months=1, days=3), "sl") == "2 leti, 1 mesec in 3 dnevi"
    assert format_period(Period(months=1), "en") == "1 month"


def rule(**kw) -> RetentionRule:
    return RetentionRule.model_validate({"id": "r", **kw})


ANSWER = {"id": "answer", "after": {"sl": "po odgovoru", "en": "after the answer"}}
INVOICE = {"id": "invoice", "after": {"sl": "po izdaji računa", "en": "after the invoice is issued"}}
PURCHASE = [{"id": "purchase", "text": {"sl": "je bil opravljen nakup", "en": "a purchase was made"}}]
CLAIM = [{"id": "claim", "text": {"sl": "poteka spor", "en": "a dispute is pending"}}]


@pytest.mark.parametrize(
    ("spec", "sl", "en"),
    [
        ({"period": "P2Y", "anchor": ANSWER}, "2 leti po odgovoru", "2 years after the answer"),
        ({"period": "P10Y", "year_end": True, "anchor": INVOICE},
         "10 let po koncu leta (po izdaji računa)", "10 years after the end of the year (after the invoice is issued)"),
        ({"period": "P30D", "anchor": {"id": "reg", "after": {"sl": "po registraciji", "en": "after registration"}},
          "unless": PURCHASE},
         "30 dni po registraciji, razen če je bil opravljen nakup",
         "30 days after registration, unless a purchase was made"),
        ({"period": "P0D", "anchor": {"id": "d", "after": {"sl": "po dostavi", "en": "after delivery"}}},
         "takoj po dostavi", "immediately after delivery"),
        ({"period": "P5Y", "anchor": ANSWER, "hold_while": CLAIM},
         "5 let po odgovoru; ne izbrišemo jih, dokler poteka spor",
         "5 years after the answer; not erased while a dispute is pending"),
        ({"kind": "consent", "grace": "P30D"},
         "do preklica privolitve; po preklicu izbrisano najpozneje v 30 dneh",
         "until consent is withdrawn; erased within 30 days of withdrawal"),
        ({"kind": "consent"}, "do preklica privolitve", "until consent is withdrawn"),
        ({"kind": "customer"}, "kot določi stranka", "as set by the customer"),
        ({"kind": "customer", "default": "P1Y"}, "kot določi stranka; če stranka roka ne določi, 1 leto",
         "as set by the customer; 1 year if the customer sets none"),
        ({"kind": "purpose", "note": {"sl": "rok ni določen", "en": "no period is set"}},
         "dokler traja namen obdelave – rok ni določen",
         "for as long as the purpose of processing lasts – no period is set"),
    ],
)
def test_describe_retention(spec, sl, en):
    r = rule(**spec)
    assert describe_retention(r, "sl") == sl
    assert describe_retention(r, "en") == en


def test_legal_terms_cite_the_article():
    assert legal_basis(LegalBasis.consent, "sl") == "privolitev (člen 6(1)(a) Splošne uredbe)"
    assert legal_basis(LegalBasis.legitimate_interests, "en") == "legitimate interests (Art. 6(1)(f) GDPR)"
    assert art9_condition(Art9Condition.health_care, "sl").endswith("(člen 9(2)(h) Splošne uredbe)")
    assert safeguard(TransferSafeguard.scc, "en") == "standard contractual clauses (Art. 46(2)(c) GDPR)"
    assert country("US", "sl") == "Združene države Amerike"
    assert country("IE", "en") == "Ireland"
