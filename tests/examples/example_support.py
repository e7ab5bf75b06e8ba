"""Shared by the example tests: look up a retention rule with a clear failure message."""

from varuh.model.privacy import PrivacyModel, RetentionRule


def rule(model: PrivacyModel, activity: str, rule_id: str) -> RetentionRule:
    act = model.activity(activity)
    assert act is not None, f"no activity {activity!r}"
    found = next((r for r in act.retention if r.id == rule_id), None)
    assert found is not None, f"{activity} has no retention rule {rule_id!r}"
    return found
