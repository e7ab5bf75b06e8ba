"""Load privacy.yaml: parse with positions, validate, resolve references; errors name file:line.

Every problem a DPO can make in the file becomes a ModelError with the file, line, column and
the field path in plain words, never pydantic's raw dump.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from varuh.errors import ModelError, ModelErrors
from varuh.model.privacy import PrivacyModel
from varuh.model.yamlfile import LoadedYaml, PathKey, load_yaml

PRIVACY_FILE = "privacy.yaml"
M = TypeVar("M", bound=BaseModel)


def privacy_file(path: str | Path) -> Path:
    """privacy.yaml inside a folder, or the file itself."""
    path = Path(path)
    if path.is_dir():
        path = path / PRIVACY_FILE
    if not path.exists():
        raise ModelError(path, "no such file (give the folder holding privacy.yaml, or set VARUH_MODEL)")
    return path


def load_model(path: str | Path) -> PrivacyModel:
    """The validated model of a folder (or file). Raises ModelError(s)."""
    doc = load_yaml(privacy_file(path))
    model = validate(doc, PrivacyModel)
    check_references(model, doc)
    return model


def validate(doc: LoadedYaml, schema: type[M]) -> M:
    """Validate loaded YAML against a schema; raise ModelErrors with positions."""
    if not isinstance(doc.data, dict):
        raise ModelError(doc.path, "the file must be a mapping of fields (key: value)", line=1)
    try:
        return schema.model_validate(doc.data)
    except ValidationError as e:
        raise ModelErrors([_explain(doc, err, schema) for err in e.errors()]) from None


def _explain(doc: LoadedYaml, err: Any, schema: type[BaseModel]) -> ModelError:
    loc: PathKey = tuple(p for p in err["loc"] if not _is_union_tag(p))
    kind = err["type"]
    if kind == "extra_forbidden":
        field = str(loc[-1])
        known = _known_fields(schema, loc[:-1], doc)
        hint = difflib.get_close_matches(field, known, n=1)
        message = f"unknown field {field!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
        if known and not hint:
            message += "; allowed: " + ", ".join(sorted(known))
        return doc.error(loc, message)
    if kind == "missing":
        return doc.error(loc, "required field is missing")
    if kind in ("enum", "literal_error"):
        expected = err.get("ctx", {}).get("expected", "")
        return doc.error(loc, f"{err.get('input')!r} is not allowed here; use one of {expected}")
    if kind == "string_pattern_mismatch":
        return doc.error(loc, f"{err.get('input')!r}: ids are lower-case letters, digits, '-' and '_'")
    message = str(err["msg"]).removeprefix("Value error, ")
    return doc.error(loc, message[0].lower() + message[1:] if message else "invalid value")


def _is_union_tag(part: Any) -> bool:
    # pydantic puts the matched union member in loc, e.g. 'function-after[...]' or 'literal['session']'
    return isinstance(part, str) and ("[" in part or part in ("str", "int", "bool", "is-instance[Period]"))


def _known_fields(schema: type[BaseModel], loc: PathKey, doc: LoadedYaml) -> list[str]:
    """The fields allowed at `loc`, walking the schema along the path (for 'did you mean')."""
    model: Any = schema
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            field = next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return []
        model = _inner_model(field.annotation)
        if model is None:
            return []
    return [f.alias or name for name, f in model.model_fields.items()] if hasattr(model, "model_fields") else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _duplicates(items: Iterable[tuple[str, PathKey]], doc: LoadedYaml, what: str) -> list[ModelError]:
    seen: dict[str, PathKey] = {}
    errors = []
    for value, loc in items:
        if value in seen:
            first = doc.position(seen[value])
            errors.append(doc.error(loc, f"duplicate {what} id {value!r} (first at line {first[0] if first else '?'})"))
        else:
            seen[value] = loc
    return errors


def check_references(model: PrivacyModel, doc: LoadedYaml) -> None:
    """Duplicate ids and references to undeclared ids are errors (exit 2), not lint findings."""
    errors: list[ModelError] = []
    for name in ("subjects", "data_categories", "recipients", "activities"):
        errors += _duplicates(((x.id, (name, i, "id")) for i, x in enumerate(getattr(model, name))), doc, name)
    declared = {
        "data": {c.id for c in model.data_categories},
        "subjects": {c.id for c in model.subjects},
        "recipients": {r.id for r in model.recipients},
        "activities": {a.id for a in model.activities},
    }

    def need(kind: str, value: str, loc: PathKey) -> None:
        if value not in declared[kind]:
            known = sorted(declared[kind])
            hint = difflib.get_close_matches(value, known, n=1)
            where = {"data": "data_categories", "subjects": "subjects"}.get(kind, kind)
            errors.append(doc.error(loc, f"{value!r} is not declared in {where}"
                                         + (f" (did you mean {hint[0]!r}?)" if hint else "")))

    for i, act in enumerate(model.activities):
        base: PathKey = ("activities", i)
        for j, c in enumerate(act.data):
            need("data", c, (*base, "data", j))
        for j, s in enumerate(act.subjects):
            need("subjects", s, (*base, "subjects", j))
        for j, r in enumerate(act.recipients):
            need("recipients", r, (*base, "recipients", j))
        for j, r in enumerate(act.role.with_):
            need("recipients", r, (*base, "role", "with", j))
        for j, t in enumerate(act.transfers):
            need("recipients", t.recipient, (*base, "transfers", j, "recipient"))
        for j, s in enumerate(act.sources):
            if s.recipient:
                need("recipients", s.recipient, (*base, "sources", j, "recipient"))
        errors += _duplicates(((r.id, (*base, "retention", j, "id")) for j, r in enumerate(act.retention)),
                              doc, "retention rule")
        for j, rule in enumerate(act.retention):
            for k, c in enumerate(rule.data):
                need("data", c, (*base, "retention", j, "data", k))
                if c in declared["data"] and c not in act.data:
                    errors.append(doc.error((*base, "retention", j, "data", k),
                                            f"{c!r} is not among the activity's data"))
    for i, cookie in enumerate(model.cookies):
        if cookie.activity:
            need("activities", cookie.activity, ("cookies", i, "activity"))
    if errors:
        raise ModelErrors(errors)
