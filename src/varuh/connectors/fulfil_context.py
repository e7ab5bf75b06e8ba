"""The context of one fulfilment run: request types, the inputs checked, and what the stores share.

    clean_identities({"email": " a@b.si "})        identities without blanks (a list: a batch)
    scope_of(model, "objection", None)             the activities an objection or withdrawal stops
    parse_changes(datamap, "rectification", {...}) `table.field=value`, checked against the map
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from varuh.connectors.bundle import BundleWriter
from varuh.errors import InvalidInput, NotAllowed
from varuh.model.datasets import DataMap
from varuh.model.privacy import LegalBasis, PrivacyModel

TYPES = ("access", "portability", "erasure", "rectification", "restriction", "objection", "objection_marketing",
         "consent_withdrawal")


ERASING = {"erasure", "objection", "objection_marketing", "consent_withdrawal"}


#: what an HTTP endpoint is asked to do for each request type (HttpSpec.operations)
HTTP_OPERATION = {"access": "access", "portability": "access", "erasure": "erasure",
                  "rectification": "rectification", "restriction": "restriction", "objection": "objection",
                  "objection_marketing": "objection", "consent_withdrawal": "objection"}


Hook = Callable[[str, str], None]  # (store id, phase: "before_commit" | "after_commit")



@dataclass
class Run:
    """Context shared by the stores of one run."""

    model: PrivacyModel
    datamap: DataMap
    here: Path
    kind: str
    identities: Mapping[str, str | list[str]]
    dry_run: bool
    today: dt.date
    key: bytes
    ledger: sa.Engine | None
    request_ref: str | None
    lang: str
    changes: dict[tuple[str, str], Any]
    scope: set[str] | None
    hook: Hook | None
    run_id: int | None = None
    bundle: BundleWriter | None = None
    before_after: list[dict[str, Any]] = field(default_factory=list)  # rectification: to the request record
    side_restrictions: list[tuple[str, str, Any, str, dt.date | None]] = field(default_factory=list)


def clean_identities(identities: Mapping[str, str | Sequence[str]]) -> dict[str, str | list[str]]:
    """Identities without blanks; a list of values is a batch of subjects (benchmarks, bulk erasure)."""
    out: dict[str, str | list[str]] = {}
    for kind, value in identities.items():
        if isinstance(value, str):
            if value.strip():
                out[kind] = value.strip()
        else:
            values = [str(v).strip() for v in value or [] if v and str(v).strip()]
            if values:
                out[kind] = values
    return out


def identity_values_of(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def scope_of(model: PrivacyModel, kind: str, activities: list[str] | None) -> set[str] | None:
    """The activities an objection or a withdrawal stops; None: all (erasure)."""
    if kind not in ERASING or kind == "erasure":
        if activities:
            raise InvalidInput("--activity applies to objection and consent withdrawal only")
        return None
    known = {a.id for a in model.activities}
    if activities:
        unknown = [a for a in activities if a not in known]
        if unknown:
            raise InvalidInput(f"unknown activity {unknown[0]!r}; the model declares {', '.join(sorted(known))}")
        return set(activities)
    if kind == "consent_withdrawal":
        chosen = {a.id for a in model.activities if a.legal_basis == LegalBasis.consent}
    elif kind == "objection":  # Art. 21(1): processing on public task or legitimate interests
        chosen = {a.id for a in model.activities
                  if a.legal_basis in (LegalBasis.legitimate_interests, LegalBasis.public_task)}
    else:  # Art. 21(2): direct marketing, which must then stop (21(3))
        chosen = {a.id for a in model.activities if any(w in a.id for w in ("marketing", "newsletter"))}
    if not chosen:
        raise InvalidInput(f"no activity of the model fits {kind}: name them with --activity")
    return chosen


def parse_changes(datamap: DataMap, kind: str, changes: Mapping[str, Any] | None) -> dict[tuple[str, str], Any]:
    """`table.field=value` (or `store.table.field`) -> {(table, field): value}; checked against the map."""
    if kind != "rectification":
        if changes:
            raise InvalidInput("--set applies to rectification only")
        return {}
    if not changes:
        raise InvalidInput("rectification needs the new values: --set table.field=value")
    tables = {t.name: t for s in datamap.stores for t in s.tables}
    out: dict[tuple[str, str], Any] = {}
    for name, value in changes.items():
        parts = name.split(".")
        if len(parts) == 3:
            parts = parts[1:]
        if len(parts) != 2 or parts[0] not in tables:
            raise InvalidInput(f"--set {name}: write table.field, with a table of datasets.yaml "
                               f"({', '.join(sorted(tables))})")
        spec = tables[parts[0]]
        if parts[1] not in [f.name for f in spec.fields] and parts[1] not in spec.identities.values():
            raise InvalidInput(f"--set {name}: {parts[1]!r} is not a field of {parts[0]!r} in datasets.yaml")
        if parts[1] == spec.primary_key:
            raise InvalidInput(f"--set {name}: the primary key is not personal data to rectify")
        out[(parts[0], parts[1])] = value
    return out


def ensure_allowed(kind: str) -> None:
    if kind not in TYPES:
        raise NotAllowed(f"a {kind} request is not fulfilled in the stores (fulfilment handles {', '.join(TYPES)})")
