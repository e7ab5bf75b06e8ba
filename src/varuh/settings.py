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
    Setting("VARUH_OPERATOR", None,
            "Who the CLI records as the actor of a request step (default: the login name); `--by` overrides."),
    Setting("VARUH_ATTACHMENTS", "attachments",
            "Folder where files attached to data-subject requests are stored (their SHA-256 is recorded)."),
    Setting("VARUH_VERIFY_HOURS", "48", "How long an identity-verification link or code for a request stays valid."),
    Setting("VARUH_REQUEST_LIMIT_IP", "10/h",
            "Public request-form posts allowed per client address: N/h (per hour) or N/d (per day)."),
    Setting("VARUH_REQUEST_LIMIT_IDENTITY", "3/d",
            "Public requests allowed per e-mail address: N/h or N/d (a flood cannot bury a mailbox)."),
    Setting("VARUH_EXPORTS", "exports",
            "Folder where access and portability bundles are written (one folder and zip per request)."),
    Setting("VARUH_HANDOVER_DIR", "handover",
            "Folder where retention writes the bundles that hand processor data back to a customer at "
            "contract end (one zip per customer, exported before the data is deleted)."),
    Setting("VARUH_DOWNLOAD_HOURS", "168", "How long an access or portability bundle's download link stays valid."),
    Setting("VARUH_RETENTION_SCHEDULE", "daily", "How often `varuh serve` sweeps: off, hourly, daily."),
    Setting("VARUH_BATCH_SIZE", "5000", "Rows per statement in sweeps and erasures."),
    Setting("VARUH_JOBS", "inline", "Where work runs: inline (default) or celery."),
    Setting("VARUH_BROKER_URL", "redis://127.0.0.1:6379/0", "Celery broker when VARUH_JOBS=celery."),
    Setting("VARUH_CONSENT_CACHE_SECONDS", "1",
            "How long a process may answer a consent check from memory. Changes made through the same "
            "process are seen at once; changes made by another process within this many seconds. 0: no cache."),
    Setting("VARUH_WITHDRAW_LINK_DAYS", "400",
            "How long a signed one-click withdrawal link (the \"odjava\" link in e-mails) stays valid."),
]

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str | None:
    """The value of a setting: the environment, else its default."""
    setting = _BY_NAME[name]
    value = os.environ.get(name)
    return value if value not in (None, "") else setting.default
