"""The access and portability bundle: the subject's data, a readable report, a manifest, one zip.

    <VARUH_EXPORTS>/<request>-<type>/
        data/<store>/<table>.json   machine-readable (GDPR Art. 20(1): "structured, commonly used
                                    and machine-readable"), one file per table, streamed row by row
        data/<store>/<table>.csv    the same rows for a spreadsheet: UTF-8 with a BOM, so Excel
                                    opens č, š and ž correctly
        report.html                 readable, standalone: what was found where, and the Art. 15(1)
                                    information (purposes, categories, recipients, retention,
                                    source, automated decisions, rights) derived from the model
        manifest.json               every file with its size and SHA-256
    <VARUH_EXPORTS>/<request>-<type>.zip

Portability (Art. 20) carries only the data the subject provided, processed on consent or a
contract (Art. 20(1)(a)): a field is included when one of its activities has legal basis
consent or contract and names the subject (or what it observes of the subject's use of the
service) among its sources, unless the data map's `portable` says otherwise. Access (Art. 15)
carries every column of every row found.

The zip is handed out through an expiring download link (`create_download`, served by
web/api_fulfilment.py): the link's token is shown once; the ledger keeps its SHA-256.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import secrets
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa

from varuh import settings
from varuh.documents.notice import notice_context
from varuh.documents.wording import format_date
from varuh.law.clock import utcnow
from varuh.ledger.fulfilment import download_tokens
from varuh.model.datasets import FieldSpec, TableSpec
from varuh.model.privacy import LegalBasis, PrivacyModel

TEMPLATES = Path(__file__).parent / "templates"
PORTABLE_BASES = {LegalBasis.consent, LegalBasis.contract}
PORTABLE_SOURCES = {"subject", "observed"}


@dataclass
class BundleFile:
    path: str  # relative to the bundle folder
    sha256: str
    size: int


@dataclass
class BundleTable:
    store: str
    table: str
    rows: int
    columns: list[str]
    description: str | None = None
    files: list[str] = field(default_factory=list)


@dataclass
class Bundle:
    folder: Path
    zip: Path
    tables: list[BundleTable] = field(default_factory=list)
    files: list[BundleFile] = field(default_factory=list)
    download_url: str | None = None
    expires_at: dt.datetime | None = None


def exports_dir() -> Path:
    return Path(settings.get("VARUH_EXPORTS") or "exports").resolve()


def is_portable(spec: FieldSpec, table: TableSpec, model: PrivacyModel) -> bool:
    """GDPR Art. 20(1): provided by the subject, on consent or a contract (FieldSpec.portable overrides)."""
    if spec.portable is not None:
        return spec.portable
    for aid in spec.activities or table.activities:
        activity = model.activity(aid)
        if activity is None or activity.legal_basis not in PORTABLE_BASES:
            continue
        if not activity.sources or any(s.kind in PORTABLE_SOURCES for s in activity.sources):
            return True
    return False


def export_columns(table: sa.Table, spec: TableSpec, model: PrivacyModel, portability: bool) -> list[str]:
    """Access: every column; portability: the key and the portable fields."""
    if not portability:
        return [c.name for c in table.columns]
    portable = [f.name for f in spec.fields if is_portable(f, spec, model) and f.name in table.c]
    return list(dict.fromkeys([spec.primary_key, *portable])) if portable else []


def plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


class BundleWriter:
    """Writes one table at a time, streaming rows into its JSON and CSV files."""

    def __init__(self, name: str) -> None:
        self.folder = exports_dir() / name
        if self.folder.exists():
            shutil.rmtree(self.folder)  # a rerun replaces the earlier bundle of the same request
        (self.folder / "data").mkdir(parents=True)
        self.bundle = Bundle(self.folder, self.folder.with_suffix(".zip"))

    def write_table(self, store: str, spec: TableSpec, columns: list[str], rows: Iterator[sa.Row],
                    lang: str) -> BundleTable:
        folder = self.folder / "data" / store
        folder.mkdir(parents=True, exist_ok=True)
        base = folder / spec.name.replace(".", "_")
        entry = BundleTable(store, spec.name, 0, columns, spec.description(lang) if spec.description else None)
        with open(base.with_suffix(".json"), "w", encoding="utf-8") as j, \
                open(base.with_suffix(".csv"), "w", encoding="utf-8-sig", newline="") as c:
            writer = csv.writer(c)
            writer.writerow(columns)
            j.write(json.dumps({"store": store, "table": spec.name, "description": entry.description,
                                "columns": columns}, ensure_ascii=False)[:-1] + ', "rows": [\n')
            for row in rows:
                values = [plain(v) for v in row]
                j.write(("" if entry.rows == 0 else ",\n") + json.dumps(dict(zip(columns, values, strict=True)),
                                                                          ensure_ascii=False))
                writer.writerow(["" if v is None else v for v in values])
                entry.rows += 1
            j.write("\n]}\n")
        entry.files = [str(base.with_suffix(s).relative_to(self.folder)) for s in (".json", ".csv")]
        self.bundle.tables.append(entry)
        return entry

    def finish(self, model: PrivacyModel, context: dict[str, Any], lang: str) -> Bundle:
        """The report, the manifest with checksums, and the zip."""
        report = render_report(model, self.bundle, context, lang)
        (self.folder / "report.html").write_text(report, encoding="utf-8")
        files = sorted(p for p in self.folder.rglob("*") if p.is_file() and p.name != "manifest.json")
        self.bundle.files = [BundleFile(str(p.relative_to(self.folder)), _sha256(p), p.stat().st_size) for p in files]
        manifest = {"request": context.get("request"), "type": context.get("type"),
                    "created": context.get("created"), "algorithm": "SHA-256",
                    "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.bundle.files]}
        (self.folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        with zipfile.ZipFile(self.bundle.zip, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(self.folder.rglob("*")):
                if p.is_file():
                    z.write(p, str(Path(self.folder.name) / p.relative_to(self.folder)))
        return self.bundle


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


@jinja2.pass_context
def _date(ctx, value: dt.date | None) -> str:
    return format_date(value, ctx["lang"]) if value else ""


def render_report(model: PrivacyModel, bundle: Bundle, context: dict[str, Any], lang: str) -> str:
    """The readable report: what was found, and the Art. 15(1)(a)-(h) and 15(2) information."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = _date
    notice = notice_context(model, lang)
    context = dict(context)
    used = set(context.pop("activities", None) or [])
    activities = [a for a in notice["activities"] if a["id"] in used] or notice["activities"]
    return env.get_template("access_report.html.j2").render(
        **context, lang=lang, sl=lang == "sl", org=notice["org"], dpo=notice["dpo"], authority=notice["authority"],
        rights=notice["rights"], activities=activities, tables=bundle.tables)


# --- the expiring download link ------------------------------------------------------------------


def download_hours() -> int:
    try:
        return max(1, int(settings.get("VARUH_DOWNLOAD_HOURS") or 168))
    except ValueError:
        return 168


def create_download(conn: sa.Connection, zip_path: Path, request_ref: str | None,
                    now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """A new download link for the bundle: (URL, expiry). Only the token's SHA-256 is stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=download_hours())
    conn.execute(sa.insert(download_tokens).values(
        digest=hashlib.sha256(token.encode()).hexdigest(), request_ref=request_ref, path=str(zip_path),
        created_at=now, expires_at=expires, downloads=0))
    base = (settings.get("VARUH_BASE_URL") or "").rstrip("/")
    return f"{base}/api/fulfilment/download/{token}", expires


def open_download(conn: sa.Connection, token: str, now: dt.datetime | None = None) -> Path | None:
    """The bundle behind a valid, unexpired token (and the download counted), else None."""
    now = now or utcnow()
    row = conn.execute(sa.select(download_tokens).where(
        download_tokens.c.digest == hashlib.sha256(token.encode()).hexdigest())).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    path = Path(row.path)
    if expires <= now or not path.exists():
        return None
    conn.execute(sa.update(download_tokens).where(download_tokens.c.id == row.id)
                 .values(downloads=download_tokens.c.downloads + 1))
    return path


def purge_expired(conn: sa.Connection, now: dt.datetime | None = None) -> int:
    """Delete bundles whose every link has expired (they hold personal data: GDPR Art. 5(1)(e))."""
    now = now or utcnow()
    rows = conn.execute(sa.select(download_tokens.c.path, download_tokens.c.expires_at)).all()
    latest: dict[str, dt.datetime] = {}
    for path, expires in rows:
        expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
        latest[path] = max(latest.get(path, expires), expires)
    removed = 0
    for path, expires in latest.items():
        if expires <= now:
            p = Path(path)
            if p.exists():
                p.unlink()
                shutil.rmtree(p.with_suffix(""), ignore_errors=True)
                removed += 1
            conn.execute(sa.delete(download_tokens).where(download_tokens.c.path == path))
    return removed


def zip_bytes(path: Path) -> io.BytesIO:  # pragma: no cover - convenience for callers that stream
    return io.BytesIO(path.read_bytes())
