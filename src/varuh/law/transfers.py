"""Where personal data may flow freely: the EU/EEA, and countries with an adequacy decision.

GDPR Art. 44–45. EEA: the 27 EU member states plus Iceland, Liechtenstein and Norway (EEA
Agreement, Annex XI as amended by Decision 154/2018). Adequacy decisions under Art. 45(3) (and
Directive 95/46 Art. 25(6) decisions kept in force by Art. 45(9)), as listed by the European
Commission: Andorra, Argentina, Canada (commercial organisations), Faroe Islands, Guernsey, Israel,
Isle of Man, Japan, Jersey, New Zealand, Republic of Korea, Switzerland, United Kingdom, Uruguay,
and the United States for organisations certified under the EU-US Data Privacy Framework
(Implementing Decision (EU) 2023/1795) — so "US" counts as adequate only where the recipient is
certified, which the model states with the safeguard `adequacy`.
"""

from __future__ import annotations

EU = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE HU".split()
)
EEA = EU | {"IS", "LI", "NO"}
ADEQUATE = frozenset("AD AR CA FO GG IL IM JP JE NZ KR CH GB UY US".split())


def in_eea(country: str | None) -> bool:
    return country is None or country.upper() in EEA


def third_country(country: str | None) -> bool:
    """A country outside the EU/EEA (None, a recipient category with no country, is not one)."""
    return country is not None and country.upper() not in EEA
