"""Handing a customer's data back at contract end: export it to the customer, then delete it.

A processor must, at the choice of the controller, delete or return all personal data after the
end of the services (GDPR Art. 28(3)(g)). 4PM (seed 004) promises both, in this order: "Po
prenehanju uporabe aplikacije Arctur d.o.o. vse podatke, ki jih je vnesel naročnik, izvozi in
pošlje naročniku, nato pa jih iz aplikacije učinkovito in trajno izbriše."

A binding of a rule of kind `customer` that names `ended_column` (a column of `customer_table`)
opts in. From the day after a customer's contract ended (Reg. 1182/71 Art. 3(1): the day of the
event is not counted) every row of that customer in the rule's tables is written to a bundle and
then deleted:

    <VARUH_HANDOVER_DIR>/<store>/<activity>.<rule>-customer-<id>-<n>.zip
        data/<table>.json   the rows, every column, one file per table of the rule
        manifest.json       store, rule, customer, contract end, per table: rows, primary keys,
                            size and SHA-256 of its file

The order is the promise: rows are deleted only when a bundle that holds them exists and its
checksums verify, and only the rows it holds. The zip is written under a temporary name and
renamed, so a crash leaves either no bundle or a whole one. A rerun after a crash between export
and deletion finds the bundle, exports nothing again and finishes the deletion; rows that appear
after a bundle was written go into the next bundle (`-2`), never into the void. The deletion log
and the audit chain record the bundle's file name, its SHA-256 and the row counts, never data.
Sending the bundle to the customer is the operator's step (the folder is the outbox).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from varuh import settings
from varuh.connectors.bundle import plain
from varuh.errors import InvalidInput, StoreError
from varuh.ledger import audit
from varuh.ledger.retention import retention_log
from varuh.retention.evaluate import Target, bound_for, conditions_clause

FORMAT = "varuh-handover/1"
ACTION = "handover"  # the action of its rows in the deletion log
_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass
class Handover:
    """One bundle a run wrote (or found) for one customer, and what it deleted afterwards."""

    rule: str
    store: str
    table: str  # the table this entry deleted from (a bundle may hold several tables of the rule)
    customer: str
    bundle: str  # file name, relative to VARUH_HANDOVER_DIR
    sha256: str | None = None
    rows: dict[str, int] = field(default_factory=dict)  # exported rows per table
    exported: bool = False  # written by this run (False: an earlier run's bundle was reused)
    deleted: int = 0  # rows of `table` deleted after the export


def handover_dir() -> Path:
    return Path(settings.get("VARUH_HANDOVER_DIR") or "handover").resolve()


def check(target: Target, tables: dict[str, sa.Table]) -> None:
    """A handover binding is well formed: kind customer, rows deleted, the column exists."""
    b = target.binding
    if not b.ended_column:
        return
    if target.kind != "customer":
        raise InvalidInput(f"{target.where}: ended_column applies to rules of kind 'customer' only")
    if b.action != "delete_row":
        raise InvalidInput(f"{target.where}: a handover at contract end deletes the rows: use action delete_row")
    if b.ended_column not in tables[b.customer_table].c:
        raise InvalidInput(f"{target.where}: ended column {b.ended_column!r} does not exist "
                           f"in table {b.customer_table!r}")


def group(target: Target, targets: Iterable[Target]) -> list[Target]:
    """The tables handed over together with `target`: one bundle per customer holds them all."""
    return [t for t in targets if t.key == target.key and t.store.id == target.store.id and t.binding.ended_column]


def ended_customers(target: Target, conn: sa.Connection, tables: dict[str, sa.Table], as_of: dt.date) -> dict:
    """Customer key -> contract end, for customers whose contract ended before `as_of`."""
    b = target.binding
    ctable = tables[b.customer_table]
    spec = next((t for t in target.store.tables if t.name == b.customer_table), None)
    pk, ended = ctable.c[spec.primary_key if spec else "id"], ctable.c[b.ended_column]
    return dict(conn.execute(sa.select(pk, ended).where(ended < bound_for(ended, as_of))).all())


def _holding(targets: list[Target], conn: sa.Connection, tables: dict[str, sa.Table], customers: list) -> list:
    """The customers among `customers` that still have rows in one of the tables."""
    found: set = set()
    for t in targets:
        col = tables[t.table.name].c[t.binding.customer_column]
        for i in range(0, len(customers), 500):
            chunk = customers[i:i + 500]
            found |= set(conn.execute(sa.select(col).where(col.in_(chunk)).distinct()).scalars())
    return [c for c in customers if c in found]


def count_due(target: Target, conn: sa.Connection, tables: dict[str, sa.Table], as_of: dt.date,
              besides: sa.ColumnElement[bool]) -> int:
    """Rows a run would hand over and delete that `besides` (the period rule's clause) does not count."""
    if not target.binding.ended_column:
        return 0
    customers = list(ended_customers(target, conn, tables, as_of))
    if not customers:
        return 0
    table = tables[target.table.name]
    col = table.c[target.binding.customer_column]
    base = conditions_clause(target, tables)
    total = 0
    for i in range(0, len(customers), 500):
        total += conn.execute(sa.select(sa.func.count()).select_from(table).where(
            col.in_(customers[i:i + 500]), base, sa.not_(besides))).scalar_one()
    return total


# --- the bundle ----------------------------------------------------------------------------------


def _name_part(value: Any) -> str:
    text = str(value)
    return text if _SAFE.match(text) else "h" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _prefix(target: Target, customer: Any) -> str:
    return f"{target.key}-customer-{_name_part(customer)}-"


def _existing(folder: Path, target: Target, customer: Any) -> list[Path]:
    prefix = _prefix(target, customer)
    found = [p for p in folder.glob(f"{prefix}*.zip") if p.name[len(prefix):-4].isdigit()]
    return sorted(found, key=lambda p: int(p.name[len(prefix):-4]))


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(path: Path, store: str) -> dict:
    """The manifest of a bundle whose every data file matches its checksum; StoreError otherwise."""
    try:
        with zipfile.ZipFile(path) as z:
            manifest = json.loads(z.read("manifest.json"))
            for entry in manifest["tables"]:
                h = hashlib.sha256()
                with z.open(entry["file"]) as f:
                    for block in iter(lambda f=f: f.read(1 << 16), b""):
                        h.update(block)
                if h.hexdigest() != entry["sha256"]:
                    raise ValueError(f"{entry['file']} does not match its checksum")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        # never delete on the strength of a damaged bundle: a person must look at it
        raise StoreError(store, f"handover bundle {path.name} is damaged ({e}); "
                                "nothing of that customer was deleted") from None
    return manifest


def _record(columns: list[str], row: sa.Row) -> dict:
    return dict(zip(columns, (plain(v) for v in row), strict=True))


def row_digest(record: dict) -> str:
    """What identifies an exported row's content: a key alone may be reused for a different row."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class _Sink:
    """A file in the zip that counts and hashes what is written to it."""

    def __init__(self, out) -> None:
        self.out, self.hash, self.size = out, hashlib.sha256(), 0

    def put(self, text: str) -> None:
        data = text.encode()
        self.hash.update(data)
        self.size += len(data)
        self.out.write(data)


def _write(path: Path, header: dict, parts: list[tuple[str, sa.Table, str, list]], conn: sa.Connection,
           now: dt.datetime) -> dict:
    """Stream the rows with these keys into a new zip; rename into place only when complete."""
    tmp = path.with_name(path.name + ".part")
    tables = []
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, table, pk, keys in parts:
            file = f"data/{name.replace('.', '_')}.json"
            columns = [c.name for c in table.columns]
            written: list = []
            digests: list[str] = []
            info = zipfile.ZipInfo(file, date_time=now.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w") as out:
                sink = _Sink(out)
                sink.put(json.dumps({"table": name, "columns": columns}, ensure_ascii=False)[:-1] + ', "rows": [\n')
                for i in range(0, len(keys), 1000):
                    q = sa.select(table).where(table.c[pk].in_(keys[i:i + 1000])).order_by(table.c[pk])
                    for row in conn.execute(q):
                        record = _record(columns, row)
                        sink.put(("" if not written else ",\n") + json.dumps(record, ensure_ascii=False))
                        written.append(record[pk])
                        digests.append(row_digest(record))
                sink.put("\n]}\n")
            tables.append({"table": name, "file": file, "rows": len(written), "size": sink.size,
                           "sha256": sink.hash.hexdigest(), "primary_key": pk, "keys": written,
                           "row_digests": digests})
        manifest = {**header, "algorithm": "SHA-256", "tables": tables}
        z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return manifest


# --- export, then delete -------------------------------------------------------------------------

Held = dict[str, set[tuple[Any, str]]]  # table -> (key, row digest) of every row the bundles hold


def hand_over(target: Target, targets: list[Target], tables: dict[str, sa.Table], engine: sa.Engine,
              as_of: dt.date, run: str, batch: int, deleted: Callable[[int], None],
              recorded: Callable[[Handover], None], now: dt.datetime) -> list[Handover]:
    """Export, then delete, the rows of `target`'s table of every customer whose contract ended.

    `deleted(n)` is called after each committed batch of deletions; `recorded(h)` once a new bundle
    is in place (the sweep logs it in the ledger). Returns one Handover per customer handled.
    """
    if not target.binding.ended_column:
        return []
    members = group(target, targets)
    with engine.connect() as conn:
        ended = ended_customers(target, conn, tables, as_of)
        customers = _holding(members, conn, tables, sorted(ended))
    folder = handover_dir() / _name_part(target.store.id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.zip.part"):  # a bundle a crash left half-written: never valid
            stale.unlink()
    except OSError as e:
        raise StoreError(target.store.id, f"the handover folder cannot be written ({e.strerror}); "
                                          "nothing was deleted") from None
    out = []
    for customer in customers:
        h, held = _export(target, members, tables, engine, folder, customer, ended[customer], run, now)
        if h.exported:
            recorded(h)
        h.deleted = _delete(target, tables, engine, customer, held.get(target.table.name, set()), batch, deleted)
        out.append(h)
    return out


def _export(target: Target, members: list[Target], tables: dict[str, sa.Table], engine: sa.Engine, folder: Path,
            customer: Any, ended: Any, run: str, now: dt.datetime) -> tuple[Handover, Held]:
    """Make sure every row the customer has in the group's tables is in a verified bundle.

    Returns the bundle and what the customer's bundles hold; a row counts as held only with the
    same key and the same content, so a changed row or a reused key goes into a new bundle.
    """
    held: Held = {t.table.name: set() for t in members}
    existing = _existing(folder, target, customer)
    for path in existing:
        for entry in read_manifest(path, target.store.id)["tables"]:
            held.setdefault(entry["table"], set()).update(zip(entry["keys"], entry["row_digests"], strict=True))
    parts = []
    with engine.connect() as conn:
        for t in members:
            table = tables[t.table.name]
            columns, pk = [c.name for c in table.columns], t.table.primary_key
            q = sa.select(table).where(table.c[t.binding.customer_column] == customer).order_by(table.c[pk])
            new = []
            for row in conn.execute(q):
                record = _record(columns, row)
                if (record[pk], row_digest(record)) not in held[t.table.name]:
                    new.append(row._mapping[pk])
            if new:
                parts.append((t.table.name, table, pk, new))
        if not parts:  # everything is in earlier bundles (a rerun after a crash): export nothing again
            last = existing[-1].name if existing else ""
            reused = Handover(target.key, target.store.id, target.table.name, str(customer), f"{folder.name}/{last}")
            return reused, held
        path = folder / f"{_prefix(target, customer)}{len(existing) + 1}.zip"
        header = {"format": FORMAT, "store": target.store.id, "rule": target.key, "customer": plain(customer),
                  "contract_ended": plain(ended), "run": run, "created": now.isoformat(timespec="seconds")}
        try:
            _write(path, header, parts, conn, now)
        except OSError as e:
            raise StoreError(target.store.id, f"handover bundle {path.name} could not be written ({e.strerror}); "
                                              "nothing was deleted") from None
    manifest = read_manifest(path, target.store.id)  # what was written reads back whole before anything goes
    for entry in manifest["tables"]:
        held.setdefault(entry["table"], set()).update(zip(entry["keys"], entry["row_digests"], strict=True))
    h = Handover(target.key, target.store.id, target.table.name, str(customer), f"{folder.name}/{path.name}",
                 _file_sha256(path), {e["table"]: e["rows"] for e in manifest["tables"]}, exported=True)
    return h, held


def _delete(target: Target, tables: dict[str, sa.Table], engine: sa.Engine, customer: Any,
            held: set[tuple[Any, str]], batch: int, deleted: Callable[[int], None]) -> int:
    """Delete the customer's rows that its bundles hold, as they were exported, one batch per transaction.

    Each batch re-reads its rows (locked where the database can) and deletes only those whose key and
    content match a bundle, so a row changed since the export stays for the next bundle.
    """
    table = tables[target.table.name]
    pk_name = target.table.primary_key
    pk, col = table.c[pk_name], table.c[target.binding.customer_column]
    columns = [c.name for c in table.columns]
    allowed = conditions_clause(target, tables)  # a hold (a pending dispute) still keeps a row
    total, last = 0, None
    while True:
        with engine.begin() as conn:
            q = sa.select(table).where(col == customer, allowed)
            if last is not None:
                q = q.where(pk > last)
            rows = conn.execute(q.order_by(pk).limit(batch).with_for_update()).all()
            if not rows:
                break
            last = rows[-1]._mapping[pk_name]
            keys = [r._mapping[pk_name] for r in rows
                    if (plain(r._mapping[pk_name]), row_digest(_record(columns, r))) in held]
            n = conn.execute(sa.delete(table).where(pk.in_(keys))).rowcount if keys else 0
        if n:
            total += n
            deleted(n)
    return total


def record(ledger: sa.Engine, run_id: int, ref: str, h: Handover, actor: str, now: dt.datetime) -> None:
    """The bundle in the deletion log (action handover, count = rows exported) and the audit chain."""
    with ledger.begin() as conn:
        conn.execute(sa.insert(retention_log).values(
            run_id=run_id, rule=h.rule, store=h.store, table_name=h.bundle[:160], action=ACTION, cutoff=None,
            count=sum(h.rows.values()), at=now, complete=True))
        audit.record(conn, actor, "retention.handover", "retention_run", ref,
                     {"rule": h.rule, "store": h.store, "customer": h.customer, "bundle": h.bundle,
                      "sha256": h.sha256, "rows": h.rows})
