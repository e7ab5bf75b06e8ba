"""Slovenian working days: which days a legal period may not end on.

Regulation (EEC, Euratom) No 1182/71 Art. 3(4) moves the end of a period that falls on "a public
holiday, Sunday or Saturday" to the next working day; Art. 2(1) lets each Member State name its
public holidays. In Slovenia those are the work-free days (dela prosti dnevi) of the Zakon o
praznikih in dela prostih dnevih v Republiki Sloveniji (ZPDPD, Uradni list RS 112/05 – UPB). The
same law names state holidays that are *not* work-free (dan Primoža Trubarja, dan Rudolfa
Maistra, …): offices are open, so they do not move a deadline.

The `holidays` package keeps the two apart by category: `public` holds the work-free days,
`workday` the holidays on which people work. Only `public` counts here.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import holidays

WEEKDAYS_SL = ("ponedeljek", "torek", "sreda", "četrtek", "petek", "sobota", "nedelja")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DayOff:
    """A day on which a period may not end, and why, in Slovenian and English."""

    date: dt.date
    sl: str
    en: str


@functools.cache
def _names(year: int, category: str, language: str) -> dict[dt.date, str]:
    days = holidays.country_holidays("SI", years=year, categories=(category,), language=language)
    return dict(days.items())


def work_free_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """Slovenian work-free days of a year: date -> (Slovenian name, English name)."""
    sl, en = _names(year, "public", "sl"), _names(year, "public", "en_US")
    return {d: (sl[d], en.get(d, sl[d])) for d in sl}


def other_holidays(year: int) -> dict[dt.date, tuple[str, str]]:
    """State holidays that are not work-free (ZPDPD Art. 1): they never move a deadline."""
    sl, en = _names(year, "workday", "sl"), _names(year, "workday", "en_US")
    return {d: (sl[d], en.get(d, sl[d])) for d in sl}


def work_free_name(day: dt.date) -> tuple[str, str] | None:
    return work_free_days(day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a Slovenian work-free day."""
    return day.weekday() < 5 and work_free_name(day) is None


def day_off(day: dt.date) -> DayOff | None:
    """Why `day` is not a working day (None if it is one)."""
    holiday = work_free_name(day)
    weekday = day.weekday()
    if holiday:
        sl, en = holiday
        suffix_sl = f" ({WEEKDAYS_SL[weekday]})" if weekday >= 5 else ""
        suffix_en = f" ({WEEKDAYS_EN[weekday]})" if weekday >= 5 else ""
        return DayOff(day, f"dela prost dan: {sl}{suffix_sl}", f"work-free day: {en}{suffix_en}")
    if weekday >= 5:
        return DayOff(day, WEEKDAYS_SL[weekday], WEEKDAYS_EN[weekday])
    return None


def next_working_day(day: dt.date) -> tuple[dt.date, list[DayOff]]:
    """`day` itself if it is a working day, else the next one, with the days passed over."""
    skipped: list[DayOff] = []
    while (off := day_off(day)) is not None:
        skipped.append(off)
        day += dt.timedelta(days=1)
    return day, skipped


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The day on which a period of `count` working days that starts with event `start` ends.

    Reg. 1182/71 Art. 3(1): the day of the event is not counted; Art. 3(3) with 3(4): only working
    days are counted when the period is expressed in working days. `count` 0 gives `start` rolled
    to a working day.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    if count == 0:
        return next_working_day(day)[0]
    while count:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def subtract_working_days(end: dt.date, count: int) -> dt.date:
    """The working day `count` working days before `end` (for reminders ahead of a deadline)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = end
    while count:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative if `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + dt.timedelta(days=n)))
