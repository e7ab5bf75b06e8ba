"""The schema of datasets.yaml: where the personal data physically lives.

Stores (SQL databases reached by a URL from an environment variable, HTTP endpoints of the
organisation, manual steps), their tables and fields, which data category and activity each field
serves, which columns identify a subject, how tables reference each other, how each field is
erased, how a restriction is marked, and which column anchors each retention rule of privacy.yaml.

Secrets never stand in this file: a store names the environment variable that holds its URL.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from varuh.model.privacy import Id, Strict, Text

IdentityKind = Literal["email", "phone", "user_id", "custom"]
EraseStrategy = Literal["delete_row", "null", "hmac", "mask", "fixed", "keep"]


class FieldSpec(Strict):
    """A column holding personal data."""

    name: str
    category: Id | None = Field(None, description="The data category (privacy.yaml data_categories id).")
    activities: list[Id] = Field([], description="Activities the field serves; empty: the table's.")
    erase: EraseStrategy | None = Field(None, description="How it is erased; default: the table's strategy.")
    value: str | int | None = Field(None, description="erase: fixed — the value written instead.")
    portable: bool | None = Field(None, description="Art. 20: override whether it goes into a portability export.")


class Reference(Strict):
    """`column` of this table holds the value of `to_column` in `table` (a foreign key)."""

    column: str
    table: str
    to_column: str = "id"


class ConditionSpec(Strict):
    """How a condition named in privacy.yaml (`unless`, `hold_while`) is true for a row of this table.

    Exactly one of:
      exists  — a row of that table references this row (via its declared reference), e.g. an order
                for the account ("unless a purchase was made");
      column  — this boolean column is true (e.g. claim_pending), or not null for other types;
      sql     — a SQL boolean expression over this table's columns (escape hatch; this table is
                available under its own name).
    """

    id: Id
    exists: str | None = None
    column: str | None = None
    sql: str | None = None

    @model_validator(mode="after")
    def _one(self) -> ConditionSpec:
        if sum(x is not None for x in (self.exists, self.column, self.sql)) != 1:
            raise ValueError("a condition needs exactly one of exists, column, sql")
        return self


class RetentionBinding(Strict):
    """Binds a retention rule of privacy.yaml to this table.

    `rule` is `activity_id.rule_id`. `anchor` is the column holding the anchor event's instant
    (for kind 'after'); a null anchor means the event has not happened yet (access not ended), so
    the row is not due. `action`: delete the rows, or erase the rule's fields with their
    strategies. For kind 'consent' the sweep finds withdrawn subjects in the ledger by the table's
    identity columns. For kind 'customer', `customer_column` names the customer and
    `period_column` (in `customer_table`) the customer's own period in days; `ended_column` (in
    `customer_table`), when set, hands a customer's data back at contract end (retention/handover.py).
    """

    rule: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*\.[a-z0-9][a-z0-9_-]*$")
    anchor: str | None = None
    action: Literal["delete_row", "erase_fields"] = "delete_row"
    fields: list[str] = Field([], description="action erase_fields: which fields; empty: the rule's categories.")
    conditions: list[ConditionSpec] = []
    customer_column: str | None = None
    customer_table: str | None = None
    period_column: str | None = None
    ended_column: str | None = Field(
        None, description="kind customer: the column of customer_table holding when the customer's contract "
                          "ended; from the next day its rows are exported to it and then deleted (handover).")


class Restriction(Strict):
    """How a restriction of processing (Art. 18) is marked: a flag column, or Varuh's side table."""

    column: str | None = Field(None, description="A boolean column set true while restricted.")


class TableSpec(Strict):
    name: str
    primary_key: str = "id"
    identities: dict[IdentityKind, str] = Field(
        {}, description="Identity kind -> column: where a subject can be found directly.")
    references: list[Reference] = []
    activities: list[Id] = Field([], description="Activities the table serves (default for its fields).")
    erase: EraseStrategy = Field("delete_row", description="Default erasure strategy of its fields.")
    fields: list[FieldSpec] = []
    retention: list[RetentionBinding] = []
    restriction: Restriction | None = None
    description: Text | None = None


class HttpSpec(Strict):
    """An endpoint of the organisation that answers signed JSON requests (access, erase, …)."""

    url_env: str = Field(description="Environment variable holding the endpoint URL.")
    secret_env: str = Field(description="Environment variable holding the HMAC signing key.")
    operations: list[Literal["access", "erasure", "rectification", "restriction", "objection"]] = [
        "access", "erasure"]
    timeout_seconds: float = 10.0
    retries: int = 3


class Store(Strict):
    id: Id
    kind: Literal["sql", "http", "manual"]
    name: Text | None = None
    url_env: str | None = Field(None, description="sql: environment variable holding the SQLAlchemy URL.")
    default_url: str | None = Field(
        None, description="sql: URL used when the variable is unset; {here} is the model's folder. No secrets.")
    tables: list[TableSpec] = []
    http: HttpSpec | None = None
    activities: list[Id] = Field([], description="http/manual: the activities whose data it holds.")
    instructions: Text | None = Field(None, description="manual: what the operator does and confirms.")

    @model_validator(mode="after")
    def _shape(self) -> Store:
        if self.kind == "sql" and not (self.url_env or self.default_url):
            raise ValueError("an sql store needs url_env (and may have default_url)")
        if self.kind == "sql" and self.default_url and "@" in self.default_url.split("//", 1)[-1]:
            raise ValueError("default_url must not hold credentials: put the URL in the url_env variable")
        if self.kind == "http" and self.http is None:
            raise ValueError("an http store needs an http section")
        if self.kind == "manual" and self.instructions is None:
            raise ValueError("a manual store needs instructions for the operator")
        return self


class DataMap(Strict):
    varuh: Literal[1] = 1
    stores: list[Store] = []

    def store(self, store_id: str) -> Store | None:
        return next((s for s in self.stores if s.id == store_id), None)
