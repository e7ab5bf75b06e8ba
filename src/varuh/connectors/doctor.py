"""`varuh doctor`: does the data map match the live databases, and can requests and sweeps run fast?

For every SQL store it connects (read-only: it only inspects the catalogue) and checks that each
table and every column the map names exists, and that the columns Varuh searches by — identities,
references and retention anchors — are indexed: without an index, finding one person or the rows
due for deletion is a full scan of the table. HTTP stores must have their environment variables
set; manual stores have nothing to check.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from varuh.connectors.stores import mask_url, resolve_url, store_engine, store_error
from varuh.errors import StoreError
from varuh.model.datasets import DataMap, Store, TableSpec

Problem = Literal["unreachable", "unconfigured", "missing_table", "missing_column", "missing_index"]


@dataclass(frozen=True)
class DoctorFinding:
    store: str
    problem: Problem
    message: str
    fix: str
    table: str | None = None
    column: str | None = None


@dataclass
class StoreStatus:
    id: str
    kind: str
    ok: bool
    url: str | None = None  # masked
    tables: int = 0


@dataclass
class DoctorReport:
    stores: list[StoreStatus] = field(default_factory=list)
    findings: list[DoctorFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def diagnose(datamap: DataMap, here: str | Path) -> DoctorReport:
    """Check every store of the data map against what is really there."""
    report = DoctorReport()
    for store in datamap.stores:
        if store.kind == "sql":
            findings, status = _sql_store(store, here)
        elif store.kind == "http":
            findings, status = _http_store(store)
        else:
            findings, status = [], StoreStatus(store.id, store.kind, True)
        report.stores.append(status)
        report.findings += findings
    return report


def _http_store(store: Store) -> tuple[list[DoctorFinding], StoreStatus]:
    assert store.http is not None
    missing = [v for v in (store.http.url_env, store.http.secret_env) if not os.environ.get(v)]
    findings = [DoctorFinding(store.id, "unconfigured", f"environment variable {v} is not set",
                              f"set {v} where Varuh runs") for v in missing]
    return findings, StoreStatus(store.id, store.kind, not missing)


def needed_columns(table: TableSpec, store: Store) -> dict[str, str]:
    """Every column the map names for a table -> why it is needed (for the message)."""
    cols: dict[str, str] = {table.primary_key: "primary key"}
    for f in table.fields:
        cols.setdefault(f.name, "field")
    for kind, col in table.identities.items():
        cols[col] = f"identity ({kind})"
    for ref in table.references:
        cols[ref.column] = f"reference to {ref.table}.{ref.to_column}"
    for b in table.retention:
        if b.anchor:
            cols[b.anchor] = f"retention anchor of {b.rule}"
        for c in b.conditions:
            if c.column:
                cols.setdefault(c.column, f"condition {c.id} of {b.rule}")
        if b.customer_column:
            cols.setdefault(b.customer_column, f"customer of {b.rule}")
        if b.period_column and not b.customer_table:
            cols.setdefault(b.period_column, f"customer period of {b.rule}")
    if table.restriction and table.restriction.column:
        cols.setdefault(table.restriction.column, "restriction flag")
    return cols


def searched_columns(table: TableSpec) -> dict[str, str]:
    """Columns Varuh looks rows up by: they need an index."""
    cols: dict[str, str] = {}
    for kind, col in table.identities.items():
        cols[col] = f"identity ({kind})"
    for ref in table.references:
        cols.setdefault(ref.column, f"reference to {ref.table}")
    for b in table.retention:
        if b.anchor:
            cols.setdefault(b.anchor, f"retention anchor of {b.rule}")
    return cols


def _sql_store(store: Store, here: str | Path) -> tuple[list[DoctorFinding], StoreStatus]:
    status = StoreStatus(store.id, store.kind, False)
    try:
        url = resolve_url(store, here)
        status.url = mask_url(url)
        inspector = sa.inspect(store_engine(url))
        existing = set(inspector.get_table_names())
    except StoreError as e:
        return [DoctorFinding(store.id, "unreachable", e.message, "check the URL and that the server runs")], status
    except SQLAlchemyError as e:
        err = store_error(store.id, e, url)
        return [DoctorFinding(store.id, "unreachable", err.message,
                              f"check the URL in {store.url_env or 'default_url'} and that the server runs")], status
    findings: list[DoctorFinding] = []
    referenced: dict[str, set[str]] = {}
    for table in store.tables:
        for ref in table.references:
            referenced.setdefault(ref.table, set()).add(ref.to_column)
    for table in store.tables:
        if table.name not in existing:
            findings.append(DoctorFinding(store.id, "missing_table", f"table {table.name} does not exist",
                                          "create it, or correct the table's name in datasets.yaml", table.name))
            continue
        status.tables += 1
        try:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            indexed = _indexed_first_columns(inspector, table.name)
        except SQLAlchemyError as e:
            findings.append(DoctorFinding(store.id, "unreachable", store_error(store.id, e, url).message,
                                          "check the database user's rights", table.name))
            continue
        for col, why in needed_columns(table, store).items():
            if col not in columns:
                findings.append(DoctorFinding(store.id, "missing_column",
                                              f"{table.name}.{col} ({why}) does not exist",
                                              "add the column, or correct its name in datasets.yaml", table.name, col))
        searched = searched_columns(table)
        for col in referenced.get(table.name, ()):
            searched.setdefault(col, "referenced by another table")
        for col, why in searched.items():
            if col in columns and col not in indexed:
                findings.append(DoctorFinding(
                    store.id, "missing_index",
                    f"{table.name}.{col} ({why}) has no index: every look-up scans the table",
                    f"CREATE INDEX ix_{table.name}_{col} ON {table.name} ({col})", table.name, col))
    status.ok = not findings
    return findings, status


def _indexed_first_columns(inspector: sa.Inspector, table: str) -> set[str]:
    """Columns that lead an index, a unique constraint or the primary key (so a look-up can use it)."""
    first: set[str] = set()
    pk = inspector.get_pk_constraint(table).get("constrained_columns") or []
    if pk:
        first.add(pk[0])
    for ix in inspector.get_indexes(table):
        cols = [c for c in ix.get("column_names") or [] if c]
        if cols:
            first.add(cols[0])
    for uq in inspector.get_unique_constraints(table):
        cols = uq.get("column_names") or []
        if cols:
            first.add(cols[0])
    return first
