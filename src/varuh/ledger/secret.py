"""The ledger's secret key: signs links and keys the hashes of identities.

From VARUH_SECRET_KEY; for a SQLite ledger without it, a random key is created once in a file
beside the database (mode 0600), so a laptop install just works. A server ledger needs the
environment variable: a secret must not be made up silently where several machines share data.
"""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from varuh import settings
from varuh.errors import InvalidInput
from varuh.ledger.db import ledger_url


def secret_key(url: str | None = None) -> bytes:
    value = settings.get("VARUH_SECRET_KEY")
    if value:
        return value.encode()
    return _file_key(ledger_url(url))


@functools.cache
def _file_key(url: str) -> bytes:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        if parsed.get_backend_name() == "sqlite":
            return b"in-memory-ledger"
        raise InvalidInput("set VARUH_SECRET_KEY: a PostgreSQL ledger needs a secret key from the environment")
    path = Path(parsed.database).with_name(Path(parsed.database).name + ".secret")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


secret_key.cache_clear = _file_key.cache_clear  # type: ignore[attr-defined]
