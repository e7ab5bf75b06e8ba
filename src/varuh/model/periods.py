"""ISO 8601 durations as retention periods ("P2Y", "P30D", "P6M", "PT72H").

Kept as calendar parts (years, months, days, hours) rather than a timedelta, because "2 years
after" is calendar arithmetic: 29 February plus one year is 28 February (dateutil's relativedelta
does that, as Regulation 1182/71 Art. 3(2)(c) wants for periods in months and years).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

_ISO = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)


@dataclass(frozen=True, order=True)
class Period:
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _ISO.match(text.strip().upper()) if isinstance(text, str) else None
        if not match:
            raise ValueError(
                f"{text!r} is not an ISO 8601 duration: write e.g. P2Y (2 years), P6M (6 months), "
                "P30D (30 days), PT72H (72 hours)"
            )
        return cls(**{k: int(v) for k, v in match.groupdict().items() if v})

    def iso(self) -> str:
        date = "".join(f"{n}{u}" for n, u in ((self.years, "Y"), (self.months, "M"), (self.weeks, "W"),
                                              (self.days, "D")) if n)
        time = "".join(f"{n}{u}" for n, u in ((self.hours, "H"), (self.minutes, "M")) if n)
        return "P" + date + ("T" + time if time else "") if (date or time) else "P0D"

    @property
    def is_zero(self) -> bool:
        return not any((self.years, self.months, self.weeks, self.days, self.hours, self.minutes))

    def delta(self) -> relativedelta:
        return relativedelta(years=self.years, months=self.months, weeks=self.weeks, days=self.days,
                             hours=self.hours, minutes=self.minutes)

    def after(self, start: dt.date | dt.datetime) -> dt.date | dt.datetime:
        return start + self.delta()

    def before(self, end: dt.date | dt.datetime) -> dt.date | dt.datetime:
        return end - self.delta()

    def parts(self) -> list[tuple[int, str]]:
        """Non-zero parts as (number, unit) with units year, month, week, day, hour, minute."""
        units = ("year", "month", "week", "day", "hour", "minute")
        values = (self.years, self.months, self.weeks, self.days, self.hours, self.minutes)
        return [(n, u) for n, u in zip(values, units, strict=True) if n]

    def __str__(self) -> str:
        return self.iso()
