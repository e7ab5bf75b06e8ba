"""Files that belong to a request (a scanned letter, a copy of an ID card shown at the office).

Stored under VARUH_ATTACHMENTS/<request id>/ with their SHA-256 recorded in the ledger, so a file
later altered on disk no longer matches. Attachments often hold personal data: the folder is the
ledger's, with the same care; the audit entry names only the hash and the size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

from sqlalchemy import Connection, insert

from varuh import settings
from varuh.errors import InvalidInput
from varuh.law.clock import utcnow
from varuh.ledger.requests import request_attachments
from varuh.requests.records import Attachment, request_row
from varuh.requests.workflow import log_event

MAX_BYTES = 25 * 1024 * 1024


def attachments_folder() -> Path:
    return Path(settings.get("VARUH_ATTACHMENTS") or "attachments")


def attach_file(conn: Connection, ref: str, source: Path, actor: str, *, folder: Path | None = None,
                now: dt.datetime | None = None) -> Attachment:
    """Copy `source` into the attachments folder and record it on the request."""
    now = now or utcnow()
    source = Path(source)
    if not source.is_file():
        raise InvalidInput(f"{source}: no such file")
    size = source.stat().st_size
    if size > MAX_BYTES:
        raise InvalidInput(f"{source}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    row = request_row(conn, ref)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", source.name)[-120:] or "file"
    target = (folder or attachments_folder()) / row.ref / f"{digest[:16]}-{safe}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    conn.execute(insert(request_attachments).values(request_id=row.id, filename=source.name, stored_as=str(target),
                                                    sha256=digest, size=size, added_at=now, added_by=actor))
    log_event(conn, row, actor, "attach", now=now, details={"filename": source.name, "sha256": digest},
              audit_details={"sha256": digest, "size": size})
    return Attachment(source.name, digest, size, now, actor, str(target))
