"""`retention plan`: per rule and table, how many records are due on a date, and when the next are.

The plan uses the same WHERE clauses as the sweep (evaluate.py), so what the plan says is due is
what a run on the same date erases. The calendar counts, per coming month, the rows whose period
runs out in that month (as the data stands today: conditions may still cancel or suspend them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from varuh.model.datasets import DataMap
from varuh.model.privacy import PrivacyModel
from varuh.retention import consents, handover
from varuh.retention.evaluate import (
    Resolution,
    Target,
    Unbound,
    anchor_clause,
    anchor_date,
    bound_for,
    conditions_clause,
    customer_periods,
    cutoff,
    due_on,
    not_erased_clause,
    resolve,
)
from varuh.retention.lock import ledger_ready
from varuh.retention.tables import OpenStore, open_stores

CALENDAR_MONTHS = 12


@dataclass
class CalendarEntry:
    month: str  # YYYY-MM
    expiring: int  # rows whose period runs out during that month


@dataclass
class PlanItem:
    rule: str
    kind: str
    store: str
    table: str
    action: str
    cutoff: dt.date | None  # rows anchored before this date are due (None: event-driven)
    due: int
    next_due: dt.date | None = None
    calendar: list[CalendarEntry] = field(default_factory=list)
    note: str | None = None


@dataclass
class StoreProblem:
    store: str
    message: str


@dataclass
class RetentionPlan:
    as_of: dt.date
    items: list[PlanItem]
    not_executable: list[Unbound]
    errors: list[StoreProblem]
    total: int


def plan_retention(model: PrivacyModel, datamap: DataMap, here: Path, as_of: dt.date,
                   ledger: sa.Engine, key: bytes, batch: int = 5000) -> RetentionPlan:
    """What is due on `as_of`. Bad bindings raise InvalidInput; stores that are down are listed."""
    res: Resolution = resolve(model, datamap)
    opened, down = open_stores(res.targets, here)
    items: list[PlanItem] = []
    for target in res.targets:
        if target.store.id in opened:
            items.append(_plan_target(target, opened[target.store.id], as_of, ledger, key, batch))
    with ledger_ready(), ledger.connect() as conn:
        for proof in res.proofs:
            cut = cutoff(proof.period, as_of)
            due = consents.count_expired_proofs(conn, proof.purpose, consents.day_start(cut))
            items.append(PlanItem(proof.key, "after", "ledger", f"consent_events ({proof.purpose})", "delete_row",
                                  cut, due, note="consent proofs"))
    errors = [StoreProblem(e.store, e.message) for e in down]
    return RetentionPlan(as_of, items, res.unbound, errors, sum(i.due for i in items))


def _plan_target(target: Target, opened: OpenStore, as_of: dt.date, ledger: sa.Engine, key: bytes,
                 batch: int) -> PlanItem:
    table = opened.tables[target.table.name]
    item = PlanItem(target.key, target.kind, target.store.id, target.table.name, target.binding.action, None, 0)
    with opened.engine.connect() as conn:
        base = sa.and_(conditions_clause(target, opened.tables), not_erased_clause(target, table))
        if target.kind == "consent":
            item.due = len(consent_due(target, conn, table, base, as_of, ledger, key, batch))
            item.note = "until consent is withdrawn" + (f"; at the latest {target.rule.grace.iso()} after"
                                                        if target.rule.grace else "")
            return item
        if target.kind == "purpose":
            item.note = "kept while the purpose lasts"
            return item
        periods = customer_periods(target, conn, opened.tables) if target.kind == "customer" else None
        due = anchor_clause(target, table, as_of, periods)
        if target.kind == "after":
            item.cutoff = cutoff(target.rule.period, as_of, target.rule.year_end)
            item.due, item.calendar, item.next_due = _counts(conn, target, table, base, due, as_of)
        else:
            item.due = conn.execute(sa.select(sa.func.count()).select_from(table).where(base, due)).scalar_one()
            if target.binding.ended_column:  # contract ended: handed over (exported, then deleted)
                handover.check(target, opened.tables)
                item.due += handover.count_due(target, conn, opened.tables, as_of, besides=sa.and_(base, due))
                item.note = "at contract end: exported to the customer, then deleted"
    return item


def consent_due(target: Target, conn: sa.Connection, table: sa.Table, base: sa.ColumnElement[bool],
                as_of: dt.date, ledger: sa.Engine, key: bytes, batch: int) -> list:
    """Primary keys of rows of subjects whose consent ended by the end of `as_of`."""
    with ledger_ready(), ledger.connect() as lconn:
        digests = consents.withdrawn_digests(lconn, target.activity.id,
                                             consents.day_start(as_of + dt.timedelta(days=1)))
    return consents.matching_rows(conn, table, target.table.primary_key, target.table.identities, digests, key,
                                  base, batch)


def _counts(conn: sa.Connection, target: Target, table: sa.Table, base: sa.ColumnElement[bool],
            due: sa.ColumnElement[bool], as_of: dt.date) -> tuple[int, list[CalendarEntry], dt.date | None]:
    """Due now, due in each coming month, and the next date something falls due: one table scan."""
    anchor = table.c[target.binding.anchor]
    rule = target.rule
    first = as_of.replace(day=1)
    ends = [first + relativedelta(months=k) - dt.timedelta(days=1) for k in range(1, CALENDAR_MONTHS + 1)]
    bounds = [bound_for(anchor, cutoff(rule.period, end, rule.year_end)) for end in ends]

    def n(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    row = conn.execute(sa.select(
        n(due), *(n(anchor < b) for b in bounds),
        sa.func.min(sa.case((sa.not_(due), anchor), else_=None)),
    ).select_from(table).where(base, anchor.is_not(None))).one()
    now, *upto, earliest = row
    calendar, previous = [], int(now)
    for end, total in zip(ends, upto, strict=True):
        month = end.strftime("%Y-%m")
        if int(total) - previous:
            calendar.append(CalendarEntry(month, int(total) - previous))
        previous = int(total)
    start = anchor_date(earliest)
    return int(now), calendar, due_on(start, rule.period, rule.year_end) if start else None
