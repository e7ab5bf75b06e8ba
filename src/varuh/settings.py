"""Settings as data: one table feeds the environment variables, the CLI help and docs/settings.md.

Secrets (database passwords, signing keys) come from the environment only, never from files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: list[Setting] = [
    Setting("VARUH_MODEL", None, "Folder holding privacy.yaml and datasets.yaml when a command is given no PATH."),
    Setting("VARUH_DATABASE_URL", "sqlite:///varuh.db",
            "The ledger: a SQLAlchemy URL. SQLite file by default, postgresql+psycopg://… in production."),
    Setting("VARUH_SECRET_KEY", None,
            "Key for signed links, keyed hashes of identities and pseudonyms. Without it, Varuh creates "
            "one beside a SQLite ledger (.varuh-secret) and refuses to start against PostgreSQL."),
    Setting("VARUH_TODAY", None, "Pretend today is this date (YYYY-MM-DD): for 'as of' questions and tests."),
    Setting("VARUH_BASE_URL", "http://127.0.0.1:8000", "The public address of the service, used in links."),
    Setting("VARUH_SMTP_URL", None,
            "smtp://host:port for outgoing mail; without it, messages are written to VARUH_OUTBOX."),
    Setting("VARUH_OUTBOX", "outbox", "Folder where messages are written when no SMTP server is set."),
    Setting("VARUH_MAIL_FROM", "varuh@localhost", "Sender address of Varuh's messages."),
    Setting("VARUH_REMINDER_DAYS", "5", "Working days before a deadline when the assignee is reminded."),
    Setting("VARUH_RETENTION_SCHEDULE", "daily", "How often `varuh serve` sweeps: off, hourly, daily."),
    Setting("VARUH_BATCH_SIZE", "5000", "Rows per statement in sweeps and erasures."),
    Setting("VARUH_JOBS", "inline", "Where work runs: inline (default) or celery."),
    Setting("VARUH_BROKER_URL", "redis://127.0.0.1:6379/0", "Celery broker when VARUH_JOBS=celery."),
]

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str | None:
    """The value of a setting: the environment, else its default."""
    setting = _BY_NAME[name]
    value = os.environ.get(name)
    return value if value not in (None, "") else setting.default
