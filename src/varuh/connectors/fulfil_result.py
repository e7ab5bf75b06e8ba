"""What a fulfilment run returns: per store, per table, what was kept and why, whom to tell.

Counts and names only: a result goes to the CLI's output, the API's answer and (as counts) the
ledger and the audit chain, so it never holds the subject's data (GDPR Art. 5(1)(c)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from varuh.connectors.erasure import TableOutcome


@dataclass
class Exported:
    table: str
    rows: int



@dataclass
class Rectified:
    table: str
    field: str
    rows: int



@dataclass
class StoreResult:
    id: str
    kind: str
    status: str = "done"  # done, failed, waiting (manual task), skipped
    error: str | None = None
    found: dict[str, int] = field(default_factory=dict)  # table -> rows of the subject
    tables: list[TableOutcome] = field(default_factory=list)  # erasure: what changed and what was kept
    exported: list[Exported] = field(default_factory=list)
    rectified: list[Rectified] = field(default_factory=list)
    restricted: dict[str, int] = field(default_factory=dict)
    notified: bool = False  # http: the endpoint confirmed
    attempts: int = 0
    instructions: str | None = None  # manual
    note: str | None = None
    statements: int = 0



@dataclass
class KeptItem:
    store: str
    table: str
    rows: int
    fields: list[str]
    reason: str
    reason_sl: str
    article: str
    rule: str
    until: dt.date | None



@dataclass
class Recipient:
    id: str
    name: str
    role: str



@dataclass
class BundleInfo:
    folder: str
    zip: str
    files: int
    download_url: str | None = None
    expires_at: dt.datetime | None = None



@dataclass
class FulfilmentResult:
    run: str
    request: str | None
    type: str
    dry_run: bool
    as_of: dt.date
    status: str = "done"  # done, partial (a store failed or a manual task waits), failed
    stores: list[StoreResult] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    kept: list[KeptItem] = field(default_factory=list)
    recipients: list[Recipient] = field(default_factory=list)  # GDPR Art. 19
    bundle: BundleInfo | None = None
    suppressed: list[str] = field(default_factory=list)  # activities
    earlier: dict[str, int] = field(default_factory=dict)  # counts committed by earlier runs of the request
    messages: list[str] = field(default_factory=list)
