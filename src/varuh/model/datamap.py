"""Load datasets.yaml (the data map) and check it against privacy.yaml.

Two kinds of problems, as for privacy.yaml:
  - the file itself is wrong (malformed YAML, an unknown field, a duplicate table, a reference to a
    table the store does not have): ModelErrors with file:line, `varuh check` exits 2;
  - the file does not fit the model (an activity, category or retention rule privacy.yaml does not
    declare, a rule's condition left undefined, an activity whose data is mapped nowhere): lint
    findings with ids V2xx, joined to the V1xx findings of `varuh check`.

Columns are not checked here: whether they exist in the live database is `varuh doctor`'s job.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from varuh.errors import ModelError, ModelErrors
from varuh.model.datasets import DataMap, RetentionBinding, Store, TableSpec
from varuh.model.lint import Finding, Severity
from varuh.model.load import validate
from varuh.model.privacy import PrivacyModel, RetentionRule
from varuh.model.yamlfile import LoadedYaml, PathKey, load_yaml

DATASETS_FILE = "datasets.yaml"


def datasets_file(path: str | Path) -> Path:
    """datasets.yaml inside a folder (or beside a privacy.yaml), or the file itself."""
    path = Path(path)
    if path.is_dir():
        return path / DATASETS_FILE
    if path.name != DATASETS_FILE and path.suffix in (".yaml", ".yml"):
        return path.with_name(DATASETS_FILE)
    return path


def load_datamap_doc(path: str | Path) -> tuple[DataMap, LoadedYaml] | None:
    """The validated data map and its positions; None when the folder has no datasets.yaml."""
    file = datasets_file(path)
    if not file.exists():
        return None
    doc = load_yaml(file)
    datamap = validate(doc, DataMap)
    check_structure(datamap, doc)
    return datamap, doc


def load_datamap(path: str | Path) -> DataMap | None:
    """The validated data map of a model folder, or None when it has none. Raises ModelError(s)."""
    loaded = load_datamap_doc(path)
    return loaded[0] if loaded else None


def require_datamap(path: str | Path) -> DataMap:
    """Like load_datamap, but a missing datasets.yaml is an error (fulfilment, retention, doctor)."""
    datamap = load_datamap(path)
    if datamap is None:
        raise ModelError(datasets_file(path), "no datasets.yaml: declare where the personal data lives "
                                              "(see docs/datamap.md, or `varuh import fides`)")
    return datamap


# --- structure: errors in the file itself ------------------------------------------------------


def _hint(value: str, known: list[str]) -> str:
    match = difflib.get_close_matches(value, known, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def check_structure(datamap: DataMap, doc: LoadedYaml) -> None:
    """Duplicates and references inside the file: ModelErrors (exit 2), like privacy.yaml's ids."""
    errors: list[ModelError] = []

    def unique(values: list[tuple[str, PathKey]], what: str) -> None:
        seen: dict[str, PathKey] = {}
        for value, loc in values:
            if value in seen:
                first = doc.position(seen[value])
                line = first[0] if first else "?"
                errors.append(doc.error(loc, f"duplicate {what} {value!r} (first at line {line})"))
            else:
                seen[value] = loc

    unique([(s.id, ("stores", i, "id")) for i, s in enumerate(datamap.stores)], "store id")
    for i, store in enumerate(datamap.stores):
        base: PathKey = ("stores", i)
        if store.kind != "sql" and store.tables:
            errors.append(doc.error((*base, "tables"), f"a {store.kind} store has no tables: list its activities"))
        unique([(t.name, (*base, "tables", j, "name")) for j, t in enumerate(store.tables)], "table")
        names = [t.name for t in store.tables]
        for j, table in enumerate(store.tables):
            tloc: PathKey = (*base, "tables", j)
            unique([(f.name, (*tloc, "fields", k, "name")) for k, f in enumerate(table.fields)], "field")
            for k, ref in enumerate(table.references):
                if ref.table not in names:
                    errors.append(doc.error((*tloc, "references", k, "table"), f"table {ref.table!r} is not in "
                                            f"store {store.id!r}{_hint(ref.table, names)}"))
            for k, field in enumerate(table.fields):
                strategy = field.erase or table.erase
                if strategy == "fixed" and field.value is None:
                    errors.append(doc.error((*tloc, "fields", k), "erase: fixed needs the value written instead"))
            for k, binding in enumerate(table.retention):
                bloc: PathKey = (*tloc, "retention", k)
                fields = [f.name for f in table.fields]
                for m, name in enumerate(binding.fields):
                    if name not in fields:
                        errors.append(doc.error((*bloc, "fields", m), f"{name!r} is not a field of table "
                                                f"{table.name!r}{_hint(name, fields)}"))
                if binding.fields and binding.action != "erase_fields":
                    errors.append(doc.error((*bloc, "fields"), "fields are erased only with action: erase_fields"))
                for m, cond in enumerate(binding.conditions):
                    if cond.exists is None:
                        continue
                    other = store.tables[names.index(cond.exists)] if cond.exists in names else None
                    if other is None:
                        errors.append(doc.error((*bloc, "conditions", m, "exists"),
                                                f"table {cond.exists!r} is not in store {store.id!r}"
                                                f"{_hint(cond.exists, names)}"))
                    elif not any(r.table == table.name for r in other.references):
                        errors.append(doc.error((*bloc, "conditions", m, "exists"),
                                                f"table {cond.exists!r} declares no reference to {table.name!r}"))
    if errors:
        raise ModelErrors(errors)


# --- cross-check against privacy.yaml: findings ------------------------------------------------


@dataclass(frozen=True)
class DatamapRule:
    id: str
    severity: Severity
    article: str
    title: str


DATAMAP_RULES = [
    DatamapRule("V201", "error", "GDPR Art. 30(1)(b)", "data map names an activity privacy.yaml does not declare"),
    DatamapRule("V202", "error", "GDPR Art. 30(1)(c)", "data map names a data category privacy.yaml does not declare"),
    DatamapRule("V203", "error", "GDPR Art. 5(1)(e)", "retention binding names an unknown rule"),
    DatamapRule("V204", "error", "GDPR Art. 5(1)(e)", "retention binding without the anchor column its rule needs"),
    DatamapRule("V205", "error", "GDPR Art. 5(1)(e), 17(3)", "retention condition left undefined or unknown"),
    DatamapRule("V206", "warning", "GDPR Art. 30(1)(c)", "field's category is not among its activity's data"),
    DatamapRule("V207", "warning", "GDPR Art. 15, 17", "activity with personal data mapped to no store"),
    DatamapRule("V208", "warning", "GDPR Art. 5(1)(e)", "retention rule bound to no table"),
]
_RULES = {r.id: r for r in DATAMAP_RULES}


def check_datamap(model: PrivacyModel, datamap: DataMap, doc: LoadedYaml | None = None) -> list[Finding]:
    """Findings (V2xx) where the data map does not fit the privacy model."""
    findings = [_finding(rule, where, message, fix) for rule, where, message, fix in _check(model, datamap, doc)]
    return sorted(findings, key=lambda f: (f.severity != "error", f.rule, f.where))


def _finding(rule: str, where: str, message: str, fix: str) -> Finding:
    r = _RULES[rule]
    return Finding(r.id, r.severity, r.article, where, message, fix)


def _check(model: PrivacyModel, datamap: DataMap, doc: LoadedYaml | None) -> Iterator[tuple[str, str, str, str]]:
    activities = [a.id for a in model.activities]
    categories = [c.id for c in model.data_categories]

    def where(loc: PathKey, readable: str) -> str:
        pos = doc.position(loc) if doc else None
        return f"{DATASETS_FILE}:{pos[0]} {readable}" if pos else f"{DATASETS_FILE} {readable}"

    mapped: set[str] = set()  # activities with at least one mapped field or store
    in_tables: set[str] = set()  # … with a mapped field in a table (a sweep can reach those)
    bound: set[tuple[str, str]] = set()  # (activity, rule) bound to a table
    for i, store in enumerate(datamap.stores):
        sloc: PathKey = ("stores", i)
        for k, act in enumerate(store.activities):
            if act not in activities:
                yield ("V201", where((*sloc, "activities", k), f"stores.{store.id}"),
                       f"activity {act!r} is not declared in privacy.yaml{_hint(act, activities)}",
                       "use an activity id from privacy.yaml, or declare the activity there")
            mapped.add(act)
        for j, table in enumerate(store.tables):
            tloc: PathKey = (*sloc, "tables", j)
            tname = f"stores.{store.id}.tables.{table.name}"
            for k, act in enumerate(table.activities):
                if act not in activities:
                    yield ("V201", where((*tloc, "activities", k), tname),
                           f"activity {act!r} is not declared in privacy.yaml{_hint(act, activities)}",
                           "use an activity id from privacy.yaml, or declare the activity there")
            for k, field in enumerate(table.fields):
                floc: PathKey = (*tloc, "fields", k)
                fname = f"{tname}.{field.name}"
                acts = field.activities or table.activities
                for m, act in enumerate(field.activities):
                    if act not in activities:
                        yield ("V201", where((*floc, "activities", m), fname),
                               f"activity {act!r} is not declared in privacy.yaml{_hint(act, activities)}",
                               "use an activity id from privacy.yaml, or declare the activity there")
                if field.category is None:
                    continue
                mapped.update(acts)
                in_tables.update(acts)
                if field.category not in categories:
                    yield ("V202", where((*floc, "category"), fname),
                           f"data category {field.category!r} is not declared in privacy.yaml"
                           f"{_hint(field.category, categories)}",
                           "use a data_categories id from privacy.yaml, or declare the category there")
                    continue
                serving = [model.activity(a) for a in acts if model.activity(a)]
                if serving and not any(field.category in a.data for a in serving if a):
                    yield ("V206", where((*floc, "category"), fname),
                           f"category {field.category!r} is not among the data of "
                           f"{', '.join(a.id for a in serving if a)}",
                           "add the category to the activity's data in privacy.yaml, or fix the field's activities")
            for k, binding in enumerate(table.retention):
                yield from _check_binding(model, store, table, binding, (*tloc, "retention", k), where)
                bound.add(tuple(binding.rule.split(".", 1)))  # type: ignore[arg-type]
    for act in model.activities:
        if act.data and act.id not in mapped:
            yield ("V207", f"{DATASETS_FILE} activities.{act.id}",
                   f"activity {act.id!r} processes personal data, but no store or field of the data map serves it: "
                   "requests and retention will not reach that data",
                   "map its fields (activities: [...]) or add a manual store listing the activity")
        if act.id not in in_tables:  # held only by http or manual stores: no table to bind a rule to
            continue
        for rule in act.retention:
            if rule.kind in ("after", "customer", "consent") and (act.id, rule.id) not in bound:
                anchor = "" if rule.kind == "consent" else ", anchor: <column>"
                yield ("V208", f"{DATASETS_FILE} activities.{act.id}.retention.{rule.id}",
                       f"retention rule {act.id}.{rule.id} is bound to no table: no sweep will enforce it",
                       f"add `retention: [{{rule: {act.id}.{rule.id}{anchor}}}]` to the tables holding its data")


def _check_binding(model: PrivacyModel, store: Store, table: TableSpec, binding: RetentionBinding,
                   loc: PathKey, where) -> Iterator[tuple[str, str, str, str]]:
    name = f"stores.{store.id}.tables.{table.name}.retention.{binding.rule}"
    activity_id, rule_id = binding.rule.split(".", 1)
    activity = model.activity(activity_id)
    if activity is None:
        yield ("V203", where((*loc, "rule"), name),
               f"activity {activity_id!r} is not declared in privacy.yaml"
               f"{_hint(activity_id, [a.id for a in model.activities])}",
               "write rule: <activity id>.<rule id> with ids from privacy.yaml")
        return
    rule: RetentionRule | None = next((r for r in activity.retention if r.id == rule_id), None)
    if rule is None:
        known = [r.id for r in activity.retention]
        yield ("V203", where((*loc, "rule"), name),
               f"activity {activity_id!r} has no retention rule {rule_id!r}{_hint(rule_id, known)}"
               + (f"; its rules: {', '.join(known)}" if known else ""),
               "use a rule id declared under the activity's retention in privacy.yaml")
        return
    if rule.kind == "after" and not binding.anchor:
        anchor = rule.anchor.id if rule.anchor else "?"
        yield ("V204", where(loc, name),
               f"rule {binding.rule} runs from the event {anchor!r}: the binding needs the column holding it",
               f"add anchor: <the column of {table.name} that records {anchor}>")
    if rule.kind == "consent" and binding.anchor:
        yield ("V204", where((*loc, "anchor"), name),
               f"rule {binding.rule} runs until consent is withdrawn: it takes no anchor column",
               "remove the anchor (the sweep finds withdrawn subjects in the ledger)")
    if rule.kind == "customer" and not (binding.customer_column and binding.period_column and binding.anchor):
        yield ("V204", where(loc, name),
               f"rule {binding.rule} is set per customer: the binding needs anchor, customer_column and period_column",
               "add anchor, customer_column, customer_table and period_column")
    declared = {c.id for c in [*rule.unless, *rule.hold_while]}
    defined = {c.id for c in binding.conditions}
    for m, cond in enumerate(binding.conditions):
        if cond.id not in declared:
            yield ("V205", where((*loc, "conditions", m, "id"), name),
                   f"rule {binding.rule} has no condition {cond.id!r}"
                   + (f"; its conditions: {', '.join(sorted(declared))}" if declared else ""),
                   "use a condition id from the rule's unless/hold_while in privacy.yaml")
    for missing in sorted(declared - defined):
        yield ("V205", where(loc, name),
               f"rule {binding.rule} has the condition {missing!r}, but the binding does not say how to test it: "
               "the sweep could delete what must stay",
               f"add conditions: [{{id: {missing}, column: <flag column>}}] (or exists: / sql:)")
