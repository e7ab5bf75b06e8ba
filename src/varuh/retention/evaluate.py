"""Rule evaluation: which retention rule applies to which table, and which of its rows are due.

privacy.yaml says how long (`RetentionRule`); datasets.yaml says where (`RetentionBinding`: the
table, its anchor column, what erasing means, and the SQL meaning of the rule's conditions). This
module joins the two into `Target`s and turns a target into a SQLAlchemy Core WHERE clause for a
given date, so the plan counts and the sweep erases exactly the same rows.

When a row is due. Periods are counted as Regulation 1182/71 counts them: the day of the anchor
event is not counted (Art. 3(1)) and the period ends at the end of its last day (Art. 3(2)(b),(c)),
so a row anchored on day D with period P is due from day D + P + 1 (in Europe/Ljubljana). Put the
other way round, on `as_of` every row whose anchor date is before `as_of - P` is due. With
`year_end` ("10 years after the end of the year the invoice relates to") the anchor first moves to
31 December of its year. Conditions: `unless` cancels the rule for a row, `hold_while` suspends it
(a pending claim, GDPR Art. 17(3)(e)); at any moment both mean "not now", so both exclude the row.

Instants in the organisation's stores are taken as UTC when the column has no time zone (DESIGN:
store instants in UTC); a date column is compared as a calendar date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from varuh.errors import InvalidInput
from varuh.law.clock import LJUBLJANA
from varuh.model.datasets import DataMap, RetentionBinding, Store, TableSpec
from varuh.model.periods import Period
from varuh.model.privacy import Activity, PrivacyModel, RetentionRule

DATASETS_FILE = "datasets.yaml"  # named in messages
#: The anchor id that means "the consent ended": such a rule without a binding governs the
#: consent proofs that Varuh itself keeps in the ledger (ecpp: `consent-proofs.proofs-5y`).
CONSENT_ENDED = "consent_ended"
#: What an erased text becomes with the `hmac` strategy: a keyed pseudonym, recognisable by its
#: prefix so that a second sweep does not hash the hash (sweeps must be idempotent).
HMAC_PREFIX = "h:"
MASK_SUFFIX = "***"


@dataclass
class Target:
    """One retention rule bound to one table of one store."""

    key: str  # activity.rule
    activity: Activity
    rule: RetentionRule
    store: Store
    table: TableSpec
    binding: RetentionBinding
    order: int = 0  # position in the sweep: tables that reference others go first

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def where(self) -> str:
        return f"retention rule {self.key}: store {self.store.id!r}: table {self.table.name!r}"

    def erase_fields(self) -> list[tuple[str, str, Any]]:
        """(column, strategy, fixed value) for action erase_fields; [] for delete_row.

        `fields` of the binding, else the table's fields of the rule's data categories that serve
        the rule's activity. A field whose strategy is delete_row is set to NULL here: the binding
        explicitly asks to erase fields and keep the row, which is the more specific declaration.
        """
        if self.binding.action != "erase_fields":
            return []
        specs = {f.name: f for f in self.table.fields}
        if self.binding.fields:
            names = list(self.binding.fields)
        else:
            categories = set(self.rule.data or self.activity.data)
            names = [f.name for f in self.table.fields if f.category in categories
                     and self.activity.id in (f.activities or self.table.activities or [self.activity.id])]
        out = []
        for name in names:
            spec = specs.get(name)
            strategy = (spec.erase if spec and spec.erase else self.table.erase)
            if strategy == "keep":
                continue
            out.append((name, "null" if strategy == "delete_row" else strategy, spec.value if spec else None))
        return out


@dataclass
class Unbound:
    """A rule that no table executes, and why (shown by the plan and the rendered schedule)."""

    key: str
    kind: str
    reason: str


@dataclass
class ProofRule:
    """Consent proofs of `purpose` are kept `period` after the consent ended, then deleted."""

    key: str  # the rule or "activity.consent.proof_retention"
    purpose: str
    period: Period


@dataclass
class Resolution:
    targets: list[Target] = field(default_factory=list)
    unbound: list[Unbound] = field(default_factory=list)
    proofs: list[ProofRule] = field(default_factory=list)


# --- rules and bindings --------------------------------------------------------------------------


def resolve(model: PrivacyModel, datamap: DataMap) -> Resolution:
    """Join the model's rules with the data map's bindings. Raises InvalidInput on a bad binding."""
    res = Resolution()
    rules: dict[str, tuple[Activity, RetentionRule]] = {
        f"{a.id}.{r.id}": (a, r) for a in model.activities for r in a.retention}
    bound: set[str] = set()
    problems: list[str] = []
    for store in datamap.stores:
        for table in store.tables:
            for binding in table.retention:
                where = f"{DATASETS_FILE}: store {store.id!r}: table {table.name!r}: rule {binding.rule}"
                if binding.rule not in rules:
                    problems.append(f"{where}: no such retention rule in privacy.yaml "
                                    f"(known: {', '.join(sorted(rules)) or 'none'})")
                    continue
                activity, rule = rules[binding.rule]
                bound.add(binding.rule)
                if store.kind != "sql":
                    problems.append(f"{where}: retention sweeps reach SQL stores only, not {store.kind}")
                    continue
                problems += [f"{where}: {p}" for p in _binding_problems(rule, binding)]
                res.targets.append(Target(binding.rule, activity, rule, store, table, binding))
    if problems:
        raise InvalidInput("\n".join(problems))
    for key, (_activity, rule) in rules.items():
        if key in bound:
            continue
        if rule.kind == "purpose":
            res.unbound.append(Unbound(key, rule.kind, "kept while the purpose lasts: no date to enforce"))
        elif rule.anchor is not None and rule.anchor.id == CONSENT_ENDED:
            pass  # the ledger's consent proofs, below
        else:
            res.unbound.append(Unbound(key, rule.kind, "not bound to any table in datasets.yaml"))
    res.proofs = proof_rules(model)
    res.targets = _sweep_order(res.targets)
    return res


def _binding_problems(rule: RetentionRule, binding: RetentionBinding) -> list[str]:
    problems = []
    if rule.kind in ("after", "customer") and not binding.anchor:
        event = f" of the event {rule.anchor.id!r}" if rule.anchor else ""
        problems.append(f"a rule of kind {rule.kind!r} needs the anchor column{event}")
    if rule.kind == "customer":
        missing = [n for n in ("customer_column", "customer_table", "period_column") if not getattr(binding, n)]
        if missing:
            problems.append(f"a rule of kind 'customer' needs {', '.join(missing)}")
    declared = {c.id for c in binding.conditions}
    for cond in [*rule.unless, *rule.hold_while]:
        if cond.id not in declared:
            problems.append(f"condition {cond.id!r} of the rule is not defined for this table "
                            "(add it under conditions: with exists, column or sql)")
    return problems


def proof_rules(model: PrivacyModel) -> list[ProofRule]:
    """How long each consent purpose's proofs are kept after the consent ended (GDPR Art. 7(1)).

    An activity's own `consent.proof_retention` wins; otherwise a rule anchored on `consent_ended`
    (the model's consent-proofs activity) sets the period for every consent purpose.
    """
    general = [(f"{a.id}.{r.id}", r.period) for a in model.activities for r in a.retention
               if r.kind == "after" and r.anchor is not None and r.anchor.id == CONSENT_ENDED and r.period]
    fallback = max(general, key=lambda kp: kp[1].after(dt.date(2000, 1, 1))) if general else None
    out = []
    for activity in model.consent_activities():
        if activity.consent and activity.consent.proof_retention:
            out.append(ProofRule(f"{activity.id}.consent.proof_retention", activity.id,
                                 activity.consent.proof_retention))
        elif fallback:
            out.append(ProofRule(fallback[0], activity.id, fallback[1]))
    return out


def _sweep_order(targets: list[Target]) -> list[Target]:
    """Within a store, tables that reference another table are swept before it (foreign keys)."""
    def depth(store: Store, name: str, seen: frozenset[str] = frozenset()) -> int:
        spec = next((t for t in store.tables if t.name == name), None)
        referrers = [t.name for t in store.tables if t.name not in seen
                     and any(r.table == name for r in t.references) and t.name != name]
        return 0 if spec is None or not referrers else 1 + max(depth(store, r, seen | {name}) for r in referrers)

    for i, t in enumerate(targets):
        t.order = i
    def waits(t: Target) -> bool:  # on one table, rules with an exists condition go last (see sweep._settle)
        return any(c.exists for c in t.binding.conditions)

    return sorted(targets, key=lambda t: (t.store.id, depth(t.store, t.table.name), waits(t), t.order))


# --- dates ---------------------------------------------------------------------------------------


def cutoff(period: Period, as_of: dt.date, year_end: bool = False) -> dt.date:
    """On `as_of`, rows whose anchor date is before the returned date are due (Reg. 1182/71 Art. 3)."""
    if not year_end:
        # a period with hours (rare in retention) rounds to the day before: never erase early
        return period.before(dt.datetime.combine(as_of, dt.time())).date()
    # due when 31 December of the anchor's year + period has passed: find the last such year
    year = as_of.year + 1
    while _after(period, dt.date(year, 12, 31)) >= as_of:
        year -= 1
    return dt.date(year + 1, 1, 1)


def due_on(anchor: dt.date, period: Period, year_end: bool = False) -> dt.date:
    """The first day a row anchored on `anchor` is due (the inverse of `cutoff`)."""
    start = dt.date(anchor.year, 12, 31) if year_end else anchor
    return _after(period, start) + dt.timedelta(days=1)


def _after(period: Period, day: dt.date) -> dt.date:
    end = period.after(dt.datetime.combine(day, dt.time()))
    return end.date()


def anchor_date(value: Any) -> dt.date | None:
    """The Ljubljana calendar date of an anchor value read from a store (date, datetime or ISO text)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(LJUBLJANA).date()
    if isinstance(value, dt.date):
        return value
    return None


def bound_for(column: sa.Column, day: dt.date) -> Any:
    """What to compare an anchor column with: midnight of `day` in Ljubljana, typed like the column.

    Rendered into the statement as a literal rather than sent as a parameter: PostgreSQL prepares a
    statement after a few executions and may then plan `anchor < $1` generically (guessing a third of
    the table) instead of walking the anchor's index for the few rows that are due.
    """
    ctype = column.type
    if isinstance(ctype, sa.DateTime):
        instant = dt.datetime.combine(day, dt.time(), LJUBLJANA).astimezone(dt.UTC)
        value: Any = instant if ctype.timezone else instant.replace(tzinfo=None)
    elif isinstance(ctype, sa.String | sa.Text):
        value = day.isoformat()  # ISO text sorts like the date it holds
    else:
        value = day
    return sa.bindparam(None, value, type_=ctype, literal_execute=True)


# --- the WHERE clause ----------------------------------------------------------------------------


def check_columns(target: Target, tables: dict[str, sa.Table]) -> None:
    """Every column the binding names exists; InvalidInput naming rule, store, table and column."""
    table = tables[target.table.name]
    b = target.binding

    def need(col: str | None, what: str, tbl: sa.Table = table) -> None:
        if col and col not in tbl.c:
            raise InvalidInput(f"{target.where}: {what} column {col!r} does not exist"
                               + ("" if tbl is table else f" in table {tbl.name!r}"))

    need(target.table.primary_key, "primary key")
    need(b.anchor, "anchor")
    need(b.customer_column, "customer")
    if b.customer_table:
        if b.customer_table not in tables:
            raise InvalidInput(f"{target.where}: customer table {b.customer_table!r} does not exist")
        need(b.period_column, "period", tables[b.customer_table])
    for name, strategy, _ in target.erase_fields():
        need(name, "erased")
        if strategy in ("mask", "hmac") and not isinstance(table.c[name].type, sa.String | sa.Text):
            raise InvalidInput(f"{target.where}: field {name!r}: {strategy} applies to text columns only")
    for cond in b.conditions:
        need(cond.column, f"condition {cond.id!r}")
        if cond.exists:
            referrer = tables.get(cond.exists)
            if referrer is None:
                raise InvalidInput(f"{target.where}: condition {cond.id!r}: table {cond.exists!r} does not exist")
            _reference(target, cond.exists)
    if target.binding.action == "erase_fields" and not target.erase_fields():
        raise InvalidInput(f"{target.where}: erase_fields selects no field to erase (name them under fields:)")


def _reference(target: Target, referrer: str) -> tuple[str, str]:
    """(column in referrer, column in this table) of the declared reference from `referrer` to this table."""
    spec = next((t for t in target.store.tables if t.name == referrer), None)
    ref = next((r for r in (spec.references if spec else []) if r.table == target.table.name), None)
    if ref is None:
        raise InvalidInput(f"{target.where}: condition exists {referrer!r}: datasets.yaml declares no reference "
                           f"from {referrer!r} to {target.table.name!r}")
    return ref.column, ref.to_column


def conditions_clause(target: Target, tables: dict[str, sa.Table]) -> ColumnElement[bool]:
    """True for rows that no `unless` cancels and no `hold_while` suspends."""
    table = tables[target.table.name]
    specs = {c.id: c for c in target.binding.conditions}
    clauses: list[ColumnElement[bool]] = []
    for cond in [*target.rule.unless, *target.rule.hold_while]:
        spec = specs[cond.id]
        if spec.exists:
            other = tables[spec.exists]
            col, to_col = _reference(target, spec.exists)
            holds: ColumnElement[bool] = sa.exists().where(other.c[col] == table.c[to_col])
        elif spec.column:
            column = table.c[spec.column]
            # never NULL, so NOT(...) keeps rows whose flag is unset; MySQL's BOOLEAN is TINYINT(1), and
            # integer flags (0/1) are common on SQLite too: for integers, true means non-zero
            if isinstance(column.type, sa.Boolean):
                holds = column.is_(sa.true())
            elif isinstance(column.type, sa.Integer):
                holds = sa.func.coalesce(column, 0) != 0
            else:
                holds = column.is_not(None)
        else:
            holds = sa.func.coalesce(sa.text(f"({spec.sql})"), sa.false())
        clauses.append(sa.not_(holds))
    return sa.and_(sa.true(), *clauses)


def not_erased_clause(target: Target, table: sa.Table) -> ColumnElement[bool]:
    """For erase_fields: rows with at least one field not yet erased (so a second sweep is a no-op)."""
    fields = target.erase_fields()
    if not fields:
        return sa.true()
    return sa.or_(*(pending(table.c[name], strategy, value) for name, strategy, value in fields))


def pending(column: sa.Column, strategy: str, value: Any) -> ColumnElement[bool]:
    """The field still holds data its strategy would erase."""
    if strategy == "null":
        return column.is_not(None)
    if strategy == "fixed":
        return sa.or_(column.is_(None), column != value) if value is not None else column.is_not(None)
    if strategy == "mask":
        return sa.and_(column.is_not(None), sa.not_(column.like(f"%{MASK_SUFFIX}")))
    if strategy == "hmac":
        return sa.and_(column.is_not(None), sa.not_(column.like(f"{HMAC_PREFIX}%")))
    raise InvalidInput(f"unknown erase strategy {strategy!r}")


def erased_value(column: sa.Column, strategy: str, value: Any) -> Any:
    """The SQL expression a field becomes (hmac is computed in Python by the sweep)."""
    if strategy == "null":
        return None
    if strategy == "fixed":
        return value
    if strategy == "mask":  # first character and ***; only where not masked yet
        return sa.case((pending(column, "mask", None), sa.func.substr(column, 1, 1) + MASK_SUFFIX), else_=column)
    raise InvalidInput(f"strategy {strategy!r} has no SQL form")


def anchor_clause(target: Target, table: sa.Table, as_of: dt.date,
                  customer_periods: dict[Any, Period | None] | None = None) -> ColumnElement[bool]:
    """Rows whose period has run out on `as_of` (kinds after and customer)."""
    anchor = table.c[target.binding.anchor]
    rule = target.rule
    if rule.kind == "after":
        return anchor < bound_for(anchor, cutoff(rule.period, as_of, rule.year_end))
    if rule.kind == "customer":
        default = rule.default
        customer = table.c[target.binding.customer_column]
        groups: dict[Period, list[Any]] = {}
        for cust, period in (customer_periods or {}).items():
            if period is not None:
                groups.setdefault(period, []).append(cust)
        # one clause per distinct period, not per customer: a handful of periods cover everyone
        parts = [sa.and_(customer.in_(custs), anchor < bound_for(anchor, cutoff(p, as_of)))
                 for p, custs in groups.items()]
        if default is not None:
            set_custs = [c for cs in groups.values() for c in cs]
            rest = customer.not_in(set_custs) if set_custs else sa.true()
            parts.append(sa.and_(rest, anchor < bound_for(anchor, cutoff(default, as_of))))
        return sa.or_(sa.false(), *parts)
    raise InvalidInput(f"{target.where}: a rule of kind {rule.kind!r} has no anchor")


def customer_periods(target: Target, conn: sa.Connection, tables: dict[str, sa.Table]) -> dict[Any, Period | None]:
    """Each customer's own retention period in days (processor data, GDPR Art. 28(3)(g))."""
    b = target.binding
    ctable = tables[b.customer_table]
    spec = next((t for t in target.store.tables if t.name == b.customer_table), None)
    pk = ctable.c[spec.primary_key if spec else "id"]
    out: dict[Any, Period | None] = {}
    for cust, days in conn.execute(sa.select(pk, ctable.c[b.period_column])):
        out[cust] = Period(days=int(days)) if days is not None else None
    return out


def load_inputs(folder: Path) -> tuple[PrivacyModel, DataMap]:
    """The model and the data map of a model folder (or of the folder of a privacy.yaml)."""
    from varuh.model.datamap import require_datamap
    from varuh.model.load import load_model

    folder = folder if folder.is_dir() else folder.parent
    return load_model(folder), require_datamap(folder)
