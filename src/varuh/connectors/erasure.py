"""Erasing one person's rows in one SQL table: each field's strategy, except what must stay.

What the data map says (datasets.yaml): each field's strategy — `delete_row`, `null`, `hmac`
(a keyed pseudonym), `mask`, `fixed` (a value written instead) or `keep` — defaulting to the
table's. What the model says must stay (privacy.yaml), row by row:

  - data of an activity whose legal basis is a legal obligation (Art. 6(1)(c)) while its
    retention rule has not run out, e.g. invoices for 10 years after the end of the year:
    GDPR Art. 17(3)(b); the date it may go is computed from the rule and the row's anchor column;
  - data under a `hold_while` condition that is true for the row, e.g. a pending claim:
    GDPR Art. 17(3)(e) (establishment, exercise or defence of legal claims).

Those fields are kept, the row is restricted (Art. 18(1)(c)) and listed with the reason and the
date. A row goes (DELETE) when a field of it has the strategy delete_row and nothing in it must
stay; otherwise its erasable fields are overwritten (delete_row fields become NULL, or are masked
when the column cannot hold NULL). Only fields still holding data are written, so a second run
changes nothing (`retention.evaluate.pending`: the same test the retention sweep uses).

`scope` limits the erasure to the data held only for some activities (objection, withdrawal of
consent, GDPR Art. 21(3), 7(3)): a field is erased when every activity it serves is in the scope,
a row is deleted only when every field of it is.

Per batch of keys, as few statements as the outcome allows (`TablePlan`): rows that go are deleted
in one DELETE that leaves out what a hold keeps, without a look first (or by the walk itself as it
finds them, `goes_as_found`); a hold whose condition reads another table is asked in a WHERE, where
the database can use that table's index (in a SELECT list PostgreSQL would scan the whole table);
what is left, or a table whose fields are overwritten, is read once (hold flags, anchors, what is
still to erase: by the walk's own statement where nothing else can change it), then one UPDATE per
group of rows treated alike; the `hmac` strategy needs each value, so it is one executemany. The
key never goes to the organisation's database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from varuh.connectors.sql import TEXT_TYPES, SqlStore, batch_size, batched, is_true
from varuh.model.datasets import FieldSpec, TableSpec
from varuh.model.periods import Period
from varuh.model.privacy import LegalBasis, PrivacyModel
from varuh.retention.evaluate import HMAC_PREFIX, anchor_date, bound_for, cutoff, due_on, erased_value, pending
from varuh.retention.sweep import pseudonym

ART_17_3_B = "GDPR Art. 17(3)(b)"
ART_17_3_E = "GDPR Art. 17(3)(e)"


@dataclass
class Hold:
    """A reason, declared in the model, for some of a table's data to stay."""

    activity: str
    rule: str  # activity.rule
    kind: str  # legal_obligation | hold
    article: str
    clause: sa.ColumnElement[bool]  # true for rows that must stay
    categories: set[str]  # the rule's data categories; empty: all of the activity's
    reason: str  # readable, in English; no personal data
    reason_sl: str
    anchor: str | None = None
    period: Period | None = None
    year_end: bool = False
    #: the clause for a WHERE: without the COALESCE a SELECT list needs, so that PostgreSQL can turn
    #: a condition's `IN (SELECT …)` into an indexed semi-join instead of scanning the other table
    where: sa.ColumnElement[bool] | None = None
    #: the clause reads only the table's own columns: erasing other tables cannot change it
    local: bool = True

    def covers(self, spec: FieldSpec, table: TableSpec) -> bool:
        acts = spec.activities or table.activities
        return self.activity in acts and (not self.categories or spec.category in self.categories)


@dataclass
class Kept:
    """Rows of a table whose data stays, and why (GDPR Art. 17(3))."""

    rows: int
    fields: list[str]
    reason: str
    reason_sl: str
    article: str
    rule: str
    until: dt.date | None = None  # the first day the data may go; None: while the condition holds


@dataclass
class TableOutcome:
    name: str
    found: int = 0
    deleted: int = 0
    updated: int = 0
    fields: dict[str, int] = field(default_factory=dict)  # field -> rows whose value is erased
    kept: list[Kept] = field(default_factory=list)
    restricted: int = 0
    held_keys: dict[Any, dt.date | None] = field(default_factory=dict)  # for the side table (not shown)

    def changed(self) -> int:
        return self.deleted + self.updated


def field_activities(spec: FieldSpec, table: TableSpec) -> list[str]:
    return spec.activities or table.activities


def _condition(store: SqlStore, table: TableSpec, cond_id: str,
               binding_conditions) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool], bool] | None:
    """A condition as (clause for a SELECT list, clause for a WHERE, reads only this table)."""
    spec = next((c for c in binding_conditions if c.id == cond_id), None)
    if spec is None:
        return None
    t = store.tables[table.name]
    if spec.column:
        clause = is_true(t.c[spec.column])
        return clause, clause, True
    if spec.exists:
        other = store.tables[spec.exists]
        ref = next(r for r in store.spec(spec.exists).references if r.table == table.name)
        clause = sa.exists().where(other.c[ref.column] == t.c[ref.to_column])
        return clause, clause, False
    return sa.func.coalesce(sa.text(f"({spec.sql})"), sa.false()), sa.text(f"({spec.sql})"), False


def holds_for(model: PrivacyModel, store: SqlStore, table: TableSpec, today: dt.date) -> list[Hold]:
    """What the model says must stay in this table, as SQL clauses for `today`."""
    out: list[Hold] = []
    t = store.tables[table.name]
    for binding in table.retention:
        activity_id, rule_id = binding.rule.split(".", 1)
        activity = model.activity(activity_id)
        rule = next((r for r in activity.retention if r.id == rule_id), None) if activity else None
        if activity is None or rule is None:
            continue
        cats = set(rule.data)
        if activity.legal_basis == LegalBasis.legal_obligation:
            if rule.kind == "after" and binding.anchor and rule.period is not None:
                anchor = t.c[binding.anchor]
                bound = bound_for(anchor, cutoff(rule.period, today, rule.year_end))
                clause = sa.or_(anchor.is_(None), anchor >= bound)
            else:
                clause = sa.true()
            out.append(Hold(activity.id, binding.rule, "legal_obligation", ART_17_3_B, clause, cats,
                            f"legal obligation: kept under retention rule {binding.rule} ({ART_17_3_B})",
                            f"zakonska obveznost: hramba po pravilu {binding.rule} (člen 17(3)(b) Splošne uredbe)",
                            binding.anchor, rule.period, rule.year_end, clause, True))
        for cond in rule.hold_while:
            clauses = _condition(store, table, cond.id, binding.conditions)
            if clauses is None:
                continue
            clause, where, local = clauses
            out.append(Hold(activity.id, binding.rule, "hold", ART_17_3_E, clause, cats,
                            f"hold while {cond.text('en')} ({cond.id}): legal claims ({ART_17_3_E})",
                            f"zadržano, dokler {cond.text('sl')} ({cond.id}): pravni zahtevki "
                            "(člen 17(3)(e) Splošne uredbe)", where=where, local=local))
    return out


@dataclass
class _FieldPlan:
    name: str
    strategy: str
    value: Any
    spec: FieldSpec


def _plans(table: TableSpec, scope: set[str] | None) -> tuple[list[_FieldPlan], bool]:
    """The fields erasure may touch (in scope, not `keep`), and whether the whole row is in scope."""
    plans = []
    whole = True
    for f in table.fields:
        acts = set(field_activities(f, table))
        if scope is not None and not acts <= scope:
            whole = False
            continue
        strategy = f.erase or table.erase
        if strategy == "keep":
            continue
        plans.append(_FieldPlan(f.name, strategy, f.value, f))
    return plans, whole


@dataclass
class TablePlan:
    """How one table is erased for one run: its fields' strategies, what must stay, what is read first.

    The look (`look_columns`) reads, per row: one flag per hold that reads only the table's own
    columns, the anchors of the holds, one flag per field still holding data, the values to hash.
    A table whose holds read only its own columns and whose rows are overwritten, not deleted,
    can have it read by the walk (`fused`): erasing the other tables cannot change what it reads.
    """

    table: TableSpec
    plans: list[_FieldPlan]
    whole: bool
    holds: list[Hold]
    anchors: list[str]
    hmac_fields: list[_FieldPlan]
    look_columns: list[sa.ColumnElement[Any]]
    as_found: bool | None = None  # goes_as_found, once worked out

    @property
    def deletes(self) -> bool:
        return self.whole and any(p.strategy == "delete_row" for p in self.plans)

    @property
    def fused(self) -> bool:
        return bool(self.plans) and not self.deletes and all(h.local for h in self.holds)


def plan_table(store: SqlStore, table: TableSpec, *, model: PrivacyModel, today: dt.date,
               scope: set[str] | None = None) -> TablePlan:
    """The table's plan for this model, day and scope; built once per store and reused (building
    the clauses costs more than running them for one person)."""
    memo_key = ("erasure-plan", table.name, id(model), today, frozenset(scope) if scope is not None else None)
    cached = store.memo.get(memo_key)
    if cached is not None and cached[0] is model:  # the model itself is kept, so its id cannot be reused
        return cached[1]
    if len(store.memo) > 1000:
        store.memo.clear()
    plan = _build_plan(store, table, model, today, scope)
    store.memo[memo_key] = (model, plan)
    return plan


def _build_plan(store: SqlStore, table: TableSpec, model: PrivacyModel, today: dt.date,
                scope: set[str] | None) -> TablePlan:
    t = store.tables[table.name]
    plans, whole = _plans(table, scope)
    holds = holds_for(model, store, table, today)
    for p in plans:
        p.value = typed(t.c[p.name], p.value)
    hmac_fields = [p for p in plans if p.strategy == "hmac"]
    anchors = list(dict.fromkeys(h.anchor for h in holds if h.anchor))
    cols: list[sa.ColumnElement[Any]] = [sa.case((h.clause, 1), else_=0) for h in holds if h.local]
    cols += [t.c[a] for a in anchors]
    cols += [sa.case((_pending(t.c[p.name], p), 1), else_=0) for p in plans]
    cols += [t.c[p.name] for p in hmac_fields]
    return TablePlan(table, plans, whole, holds, anchors, hmac_fields, cols)


def goes_as_found(conn: sa.Connection, store: SqlStore, plan: TablePlan) -> bool:
    """Whether the walk may delete this table's rows as it finds them (`DELETE … RETURNING`: one
    statement where a SELECT and a DELETE would be two), with the same outcome as erasing it in
    its turn: every row of it goes (its fields' strategies delete the row, no hold keeps any),
    nothing points at it (no declared reference, no foreign key: no row can block the delete and
    the walk reaches nothing through it), and no condition of the store reads it (so deleting it
    before the other tables changes none of their holds)."""
    if plan.as_found is None:
        plan.as_found = _goes_as_found(conn, store, plan)
    return plan.as_found


def _goes_as_found(conn: sa.Connection, store: SqlStore, plan: TablePlan) -> bool:
    name = plan.table.name
    if not (plan.deletes and not plan.holds and conn.dialect.delete_returning):
        return False
    if any(ref.table == name for t in store.store.tables for ref in t.references):
        return False
    bare = name.rpartition(".")[2]
    if any(fk.column.table.name == bare for t in store.tables.values() for fk in t.foreign_keys):
        return False
    mentions = re.compile(rf"\b{re.escape(bare)}\b", re.IGNORECASE)
    for t in store.store.tables:
        for binding in t.retention:
            for c in binding.conditions:
                if c.exists == name or (c.sql and mentions.search(c.sql)):
                    return False
    return True


def erase_table(conn: sa.Connection, store: SqlStore, table: TableSpec, keys: Iterable[Any], *,
                model: PrivacyModel, today: dt.date, key: bytes, scope: set[str] | None = None,
                blocked: set[Any] | None = None, plan: TablePlan | None = None,
                looked: dict[Any, tuple[Any, ...]] | None = None) -> TableOutcome:
    """Erase the subject's rows `keys` of one table (inside the caller's transaction, which a dry
    run rolls back: the counts are those of the statements really run).

    `blocked`: keys that a foreign key of a row that stays still points at; they cannot be deleted,
    so their fields are erased instead. `plan` and `looked`: the table's plan and, for a fused
    plan, what the walk read of its rows (`TablePlan.look_columns` after the key).
    """
    t = store.tables[table.name]
    pk = store.pk(table.name)
    keys = list(keys)
    out = TableOutcome(table.name, found=len(keys))
    plan = plan or plan_table(store, table, model=model, today=today, scope=scope)
    plans, whole, holds, anchors, hmac_fields = plan.plans, plan.whole, plan.holds, plan.anchors, plan.hmac_fields
    if not plans:
        return out
    blocked = blocked or set()
    # holds whose clause reads other tables (a pending claim on the order): the rows they keep,
    # asked in a WHERE, where the database uses the other table's index
    held_by: dict[int, set[Any]] = {}
    for i, h in enumerate(holds):
        if not h.local:
            held_by[i] = set()
            for chunk in batched(keys, batch_size()):
                held_by[i].update(v for (v,) in conn.execute(sa.select(pk).where(store.in_(pk, chunk), h.where)))
    if plan.deletes:
        # the rows nothing holds go in one DELETE per batch, with no look first; only what is left
        # (held or blocked rows) is read and handled row group by row group below
        held = set().union(*held_by.values()) if held_by else set()
        free = [k for k in keys if k not in blocked and k not in held]
        local = [h.clause for h in holds if h.local]
        gone = 0
        for chunk in batched(free, batch_size()):
            where = store.in_(pk, chunk)
            if local:
                where = sa.and_(where, sa.not_(sa.func.coalesce(sa.or_(*local), sa.false())))
            gone += conn.execute(sa.delete(t).where(where)).rowcount
        out.deleted += gone
        if gone == len(free):
            keys = [k for k in keys if k in blocked or k in held]
        if not keys:
            return out
    kept: dict[tuple[int, ...], list[Any]] = {}
    restrict_col = table.restriction.column if table.restriction and table.restriction.column else None
    local_at = [i for i, h in enumerate(holds) if h.local]
    for chunk in batched(keys, batch_size()):
        if looked is not None and plan.fused:
            looks = [(k, *looked[k]) for k in chunk if k in looked]
        else:
            looks = [tuple(r) for r in conn.execute(sa.select(pk, *plan.look_columns).where(store.in_(pk, chunk)))]
        # rows as the code below reads them: key, one flag per hold, anchors, pending flags, hmac values
        rows: list[tuple[Any, ...]] = []
        for r in looks:
            flags = [0] * len(holds)
            for j, i in enumerate(local_at):
                flags[i] = r[1 + j]
            for i, members in held_by.items():
                flags[i] = 1 if r[0] in members else 0
            rows.append((r[0], *flags, *r[1 + len(local_at):]))
        groups: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
        for row in rows:
            held_ix = tuple(i for i in range(len(holds)) if row[1 + i])
            groups.setdefault(held_ix, []).append(row)
        for held_ix, group in groups.items():
            _apply_group(conn, store, table, t, pk, group, [holds[i] for i in held_ix], plans, hmac_fields, whole, out,
                         key, blocked)
            if held_ix:
                kept.setdefault(held_ix, []).extend(group)
    # kept rows: list them with the reason and the date, and restrict them (Art. 18(1)(c))
    for held, group in kept.items():
        for i in held:
            h = holds[i]
            until = _until(h, group, anchors, len(holds))
            fields = [f.name for f in table.fields if h.covers(f, table)]
            out.kept.append(Kept(len(group), fields, h.reason, h.reason_sl, h.article, h.rule, until))
        for row in group:
            dates = [_until(holds[i], [row], anchors, len(holds)) for i in held]
            known = [d for d in dates if d is not None]
            out.held_keys[row[0]] = max(known) if known and len(known) == len(dates) else None
    if out.held_keys:
        if restrict_col:
            col = t.c[restrict_col]
            held_keys = list(out.held_keys)
            for chunk in batched(held_keys, batch_size()):
                where = sa.and_(store.in_(pk, chunk), sa.not_(is_true(col)))
                out.restricted += conn.execute(sa.update(t).where(where).values({restrict_col: True})).rowcount
        else:
            out.restricted = len(out.held_keys)  # recorded in Varuh's side table by the caller
    return out


def _until(hold: Hold, rows: Sequence[Sequence[Any]], anchors: list[str], n_holds: int) -> dt.date | None:
    """The latest first day on which rows kept by a legal obligation may go; None for conditions."""
    if hold.kind != "legal_obligation" or not hold.anchor or hold.period is None:
        return None
    i = 1 + n_holds + anchors.index(hold.anchor)
    dates = [anchor_date(r[i]) for r in rows]
    if any(d is None for d in dates):
        return None  # the anchor event has not happened: no date yet
    return max(due_on(d, hold.period, hold.year_end) for d in dates if d is not None)


def typed(column: sa.Column, value: Any) -> Any:
    """A `fixed` value as the column holds it: datasets.yaml writes 0 for a boolean flag, and
    PostgreSQL will not compare boolean with integer."""
    if value is None:
        return None
    if isinstance(column.type, sa.Boolean):
        return str(value).strip().lower() not in ("0", "false", "no", "off", "")
    if isinstance(column.type, sa.Integer) and not isinstance(value, bool):
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    if isinstance(column.type, TEXT_TYPES):
        return str(value)
    return value


def _pending(column: sa.Column, plan: _FieldPlan) -> sa.ColumnElement[bool]:
    strategy = "null" if plan.strategy == "delete_row" else plan.strategy
    if strategy == "null" and not column.nullable:
        strategy = "mask" if isinstance(column.type, TEXT_TYPES) else "null"
    return pending(column, strategy, plan.value)


def _apply_group(conn: sa.Connection, store: SqlStore, table: TableSpec, t: sa.Table, pk: sa.Column,
                 rows: Sequence[Sequence[Any]], holds: list[Hold], plans: list[_FieldPlan],
                 hmac_fields: list[_FieldPlan], whole: bool,
                 out: TableOutcome, key: bytes, blocked: set[Any]) -> None:
    """Delete or overwrite one group of rows that are treated alike."""
    # column offsets in the row: key, one flag per hold of the table, anchors, pending flags, hmac values
    first_pending = len(rows[0]) - len(plans) - len(hmac_fields)
    erasable = [p for p in plans if not any(h.covers(p.spec, table) for h in holds)]
    deletable = whole and not holds and any(p.strategy == "delete_row" for p in plans)
    keys = [r[0] for r in rows]
    if deletable:
        free = [k for k in keys if k not in blocked]
        for chunk in batched(free, batch_size()):
            out.deleted += conn.execute(sa.delete(t).where(store.in_(pk, chunk))).rowcount
        rows = [r for r in rows if r[0] in blocked]
        if not rows:
            return
    # overwrite the erasable fields that still hold data
    values: dict[str, Any] = {}
    for p in erasable:
        j = first_pending + plans.index(p)
        n = sum(1 for r in rows if r[j])
        if n:
            out.fields[p.name] = out.fields.get(p.name, 0) + n
    touched = [r for r in rows if any(r[first_pending + plans.index(p)] for p in erasable)]
    if not touched:
        return
    out.updated += len(touched)
    for p in erasable:
        if p.strategy == "hmac":
            continue
        column = t.c[p.name]
        strategy = "null" if p.strategy == "delete_row" else p.strategy
        if strategy == "null" and not column.nullable:
            strategy = "mask" if isinstance(column.type, TEXT_TYPES) else None
        if strategy is None:
            continue
        values[p.name] = erased_value(column, strategy, p.value) if strategy != "null" else None
    touched_keys = [r[0] for r in touched]
    if values:
        for chunk in batched(touched_keys, batch_size()):
            conn.execute(sa.update(t).where(store.in_(pk, chunk)).values(values))
    hashed = [p for p in erasable if p.strategy == "hmac"]
    if hashed:
        first_value = len(rows[0]) - len(hmac_fields)
        params = []
        for r in touched:
            entry = {"k_": r[0]}
            for p in hashed:
                v = r[first_value + hmac_fields.index(p)]
                done = v is None or str(v).startswith(HMAC_PREFIX)
                entry[f"v_{p.name}"] = v if done else pseudonym(str(v), key, t.c[p.name])
            params.append(entry)
        conn.execute(sa.update(t).where(pk == sa.bindparam("k_"))
                     .values({p.name: sa.bindparam(f"v_{p.name}") for p in hashed}), params)
