"""GDPR lint: findings about a valid model that a DPO should fix. Rules live in lint_rules.py.

A finding has a stable rule id (V1xx), a severity, the article behind it, where it is, what is
wrong and a one-line fix. `varuh check` exits 1 when any finding is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from varuh.model.privacy import PrivacyModel

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    article: str
    where: str
    message: str
    fix: str


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    article: str
    title: str
    check: Callable[[PrivacyModel], Iterator[tuple[str, str, str]]]  # yields (where, message, fix)


RULES: list[Rule] = []


def rule(id: str, severity: Severity, article: str, title: str):
    """Register a lint rule; the docstring-free title goes to docs/lint-rules.md."""

    def register(fn: Callable[[PrivacyModel], Iterator[tuple[str, str, str]]]):
        RULES.append(Rule(id, severity, article, title, fn))
        return fn

    return register


def lint(model: PrivacyModel) -> list[Finding]:
    from varuh.model import lint_rules  # noqa: F401  (registers the rules)

    findings = [
        Finding(r.id, r.severity, r.article, where, message, fix)
        for r in RULES
        for where, message, fix in r.check(model)
    ]
    return sorted(findings, key=lambda f: (f.severity != "error", f.rule, f.where))
