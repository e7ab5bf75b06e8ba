"""Time in Varuh: instants are stored in UTC, legal deadlines are dates in Europe/Ljubljana."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LJUBLJANA = ZoneInfo("Europe/Ljubljana")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ljubljana_today() -> dt.date:
    return dt.datetime.now(LJUBLJANA).date()


def ljubljana_date(instant: dt.datetime) -> dt.date:
    """The calendar date in Ljubljana of an instant (a naive instant is taken as Ljubljana time)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=LJUBLJANA)
    return instant.astimezone(LJUBLJANA).date()
