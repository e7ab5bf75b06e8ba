"""Import a Fides dataset YAML (ethyca/fides) as a datasets.yaml.

Teams that annotated their databases for Fides bring that work along:

    Fides                                   datasets.yaml
    dataset.fides_key                       store id (URL from <KEY>_DATABASE_URL)
    collections[].name                      tables[].name
    fields[] with data_categories           fields[] with a category id
    fides_meta.identity: email              identities: {email: <column>}
    fides_meta.primary_key: true            primary_key: <column>
    fides_meta.references (direction)       references: {column, table, to_column}
    nested fields (documents)               dotted names: address.city

Fides categories are a dotted taxonomy (`user.contact.email`); Varuh's are the organisation's own
ids from privacy.yaml. Known Fides categories map to the ids the examples use (`email`, `phone`,
`address` …); others keep a readable id made from the Fides name (`user.biometric.health` →
`biometric-health`), so `varuh check` names each one that privacy.yaml does not yet declare.
Activities are left for the DPO to fill in: Fides datasets do not say which purposes a field serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from varuh.errors import ModelError
from varuh.model.datasets import DataMap
from varuh.model.yamlfile import LoadedYaml, load_yaml

# Fides data category (prefix) -> Varuh category id. Longest prefix wins.
CATEGORY_MAP: dict[str, str] = {
    "user.contact.email": "email",
    "user.contact.phone_number": "phone",
    "user.contact.mobile_phone_number": "phone",
    "user.contact.fax_number": "phone",
    "user.contact.address": "address",
    "user.contact.url": "online-identifiers",
    "user.contact": "contact",
    "user.name": "name",
    "user.unique_id": "user-id",
    "user.account.username": "username",
    "user.account": "account",
    "user.authorization.credentials": "password",
    "user.authorization.password": "password",
    "user.authorization": "credentials",
    "user.device.ip_address": "ip-address",
    "user.device.cookie_id": "online-identifiers",
    "user.device.cookie": "online-identifiers",
    "user.device": "online-identifiers",
    "user.financial.bank_account": "bank-account",
    "user.financial.credit_card": "payment",
    "user.financial": "payment",
    "user.payment": "payment",
    "user.demographic.age_range": "age",
    "user.demographic.date_of_birth": "birth-date",
    "user.demographic": "demographic",
    "user.government_id": "government-id",
    "user.location": "location",
    "user.behavior.browsing_history": "visit-data",
    "user.behavior": "behaviour",
    "user.content": "message",
    "user.health_and_medical": "health-data",
    "user.criminal_history": "offence-data",
}
NOT_PERSONAL = ("system.", "user.non_identifiable", "user.derived.nonidentifiable")
IDENTITY_KINDS = {"email": "email", "phone_number": "phone", "phone": "phone", "user_id": "user_id"}


@dataclass
class FidesImport:
    datamap: dict[str, Any]
    categories: dict[str, str] = field(default_factory=dict)  # Fides category -> Varuh id
    notes: list[str] = field(default_factory=list)  # what could not be carried over

    def yaml(self) -> str:
        head = ["# datasets.yaml imported from a Fides dataset by `varuh import fides`.",
                "# Review it: add each table's activities (from privacy.yaml), erase strategies and",
                "# retention bindings, and declare the categories below in privacy.yaml.",
                "# Fides category -> category id:"]
        head += [f"#   {k} -> {v}" for k, v in sorted(self.categories.items())]
        head += [f"# note: {n}" for n in self.notes]
        body = yaml.safe_dump(self.datamap, sort_keys=False, allow_unicode=True, width=110)
        return "\n".join(head) + "\n" + body


def category_for(fides_category: str) -> str | None:
    """The Varuh category id for a Fides category; None for non-personal (system.*) ones."""
    if fides_category.startswith(NOT_PERSONAL):
        return None
    parts = fides_category.split(".")
    for n in range(len(parts), 0, -1):
        found = CATEGORY_MAP.get(".".join(parts[:n]))
        if found:
            return found
    rest = parts[1:] if parts[0] == "user" and len(parts) > 1 else parts
    return _slug("-".join(rest))


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug if slug and slug[0].isalnum() else f"x-{slug}" if slug else "unknown"


def import_fides(path: str | Path) -> FidesImport:
    """Read a Fides dataset file and build the datasets.yaml it corresponds to. Raises ModelError."""
    doc = load_yaml(path)
    return convert(doc)


def convert(doc: LoadedYaml) -> FidesImport:
    data = doc.data
    datasets = data.get("dataset") if isinstance(data, dict) else None
    if not isinstance(datasets, list) or not datasets:
        raise ModelError(doc.path, "not a Fides dataset file: expected a top-level `dataset:` list", line=1)
    result = FidesImport({"varuh": 1, "stores": []})
    keys = {d.get("fides_key") for d in datasets if isinstance(d, dict)}
    for i, ds in enumerate(datasets):
        if not isinstance(ds, dict) or not ds.get("fides_key"):
            raise doc.error(("dataset", i), "each dataset needs a fides_key")
        result.datamap["stores"].append(_store(doc, i, ds, keys, result))
    try:
        DataMap.model_validate(result.datamap)
    except Exception as e:  # a bug here, not the user's input: say what happened without a dump
        raise ModelError(doc.path, f"the imported data map does not validate: {str(e).splitlines()[0]}") from None
    return result


def _store(doc: LoadedYaml, i: int, ds: dict, keys: set, result: FidesImport) -> dict[str, Any]:
    key = str(ds["fides_key"])
    store_id = _slug(key)
    store: dict[str, Any] = {"id": store_id, "kind": "sql"}
    if ds.get("name"):
        store["name"] = {"sl": str(ds["name"]), "en": str(ds["name"])}
    store["url_env"] = re.sub(r"[^A-Z0-9]+", "_", key.upper()).strip("_") + "_DATABASE_URL"
    tables: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    pending_refs: list[tuple[str, dict[str, str]]] = []  # (table, reference) from `direction: to`
    for j, coll in enumerate(ds.get("collections") or []):
        if not isinstance(coll, dict) or not coll.get("name"):
            raise doc.error(("dataset", i, "collections", j), "each collection needs a name")
        name = str(coll["name"])
        table: dict[str, Any] = {"name": name}
        identities: dict[str, str] = {}
        references: list[dict[str, str]] = []
        fields: list[dict[str, Any]] = []
        for fname, spec in _flatten(coll.get("fields") or []):
            meta = spec.get("fides_meta") or {}
            if meta.get("primary_key"):
                table["primary_key"] = fname
            if meta.get("identity"):
                kind = IDENTITY_KINDS.get(str(meta["identity"]), "custom")
                if kind in identities:
                    result.notes.append(f"{name}.{fname}: a second {kind} identity is not carried over")
                else:
                    identities[kind] = fname
            for ref in meta.get("references") or []:
                target = _reference(ref, key, keys, f"{name}.{fname}", result)
                if target is None:
                    continue
                other_table, other_col = target
                if ref.get("direction") == "to":  # the other field holds this field's value
                    pending_refs.append((other_table, {"column": other_col, "table": name, "to_column": fname}))
                else:
                    references.append({"column": fname, "table": other_table, "to_column": other_col})
            cats = [c for c in (spec.get("data_categories") or []) if isinstance(c, str)]
            mapped = [c for c in cats if category_for(c)]
            if mapped:
                category = category_for(mapped[0])
                for c in mapped:
                    result.categories[c] = category_for(c) or ""
                if len({category_for(c) for c in mapped}) > 1:
                    result.notes.append(f"{name}.{fname}: several categories ({', '.join(mapped)}); the first is kept")
                fields.append({"name": fname, "category": category})
        if "primary_key" not in table and "id" not in {f for f, _ in _flatten(coll.get("fields") or [])}:
            result.notes.append(f"{name}: no primary key declared (fides_meta.primary_key); `id` assumed")
        if identities:
            table["identities"] = identities
        if references:
            table["references"] = references
        table["fields"] = fields
        tables[name] = table
        order.append(name)
    for table_name, ref in pending_refs:
        if table_name in tables:
            tables[table_name].setdefault("references", []).append(ref)
            fields_at = tables[table_name].pop("fields")  # keep fields last, for reading
            tables[table_name]["fields"] = fields_at
        else:
            result.notes.append(f"reference to unknown collection {table_name!r} skipped")
    for name in order:  # a reference to a collection that is not in the dataset cannot stand
        kept = [r for r in tables[name].get("references", []) if r["table"] in tables]
        if len(kept) < len(tables[name].get("references", [])):
            result.notes.append(f"{name}: a reference to a collection outside the dataset was skipped")
        if "references" in tables[name]:
            tables[name]["references"] = kept
    store["tables"] = [tables[n] for n in order]
    return store


def _reference(ref: Any, key: str, keys: set, where: str, result: FidesImport) -> tuple[str, str] | None:
    if not isinstance(ref, dict) or not isinstance(ref.get("field"), str) or "." not in ref["field"]:
        result.notes.append(f"{where}: a reference without `field: collection.column` was skipped")
        return None
    dataset = ref.get("dataset", key)
    if dataset != key:
        result.notes.append(f"{where}: reference into dataset {dataset!r} (another store) was skipped")
        return None
    table, column = ref["field"].split(".", 1)
    return table, column


def _flatten(fields: list, prefix: str = "") -> list[tuple[str, dict]]:
    """Nested Fides fields (document stores) as dotted names."""
    out: list[tuple[str, dict]] = []
    for spec in fields:
        if not isinstance(spec, dict) or not spec.get("name"):
            continue
        name = f"{prefix}{spec['name']}"
        out.append((name, spec))
        if spec.get("fields"):
            out += _flatten(spec["fields"], f"{name}.")
    return out
