"""The lint rules, each with a stable id and the article behind it."""

from __future__ import annotations

from collections.abc import Iterator

from varuh.model.lint import rule
from varuh.model.privacy import PrivacyModel


@rule("V101", "error", "GDPR Art. 13(2)(a)", "activity without retention")
def activity_without_retention(model: PrivacyModel) -> Iterator[tuple[str, str, str]]:
    for act in model.activities:
        if not act.retention:
            yield (f"activities.{act.id}", "no retention rule: the notice cannot say how long data is kept",
                   "add a retention rule (period after an anchor event, or until consent is withdrawn)")
