"""Legal deadlines: the one-month answer to a data subject, its extension, procedures, the breach clock.

GDPR Art. 12(3): the controller answers a request "without undue delay and in any case within one
month of receipt of the request"; the period "may be extended by two further months where
necessary", and the subject is told of the extension and its reasons within the first month.

How a period is counted is Regulation (EEC, Euratom) No 1182/71 (it applies to the GDPR as to
every Union act):

- Art. 3(1): the day of the event (receipt) is not counted; the period starts the next day.
- Art. 3(2)(c): a period in months ends with the expiry of the last hour of the day in the last
  month that has the same date as the day of the event; if that date does not exist in that month
  (31 March + one month), on the last day of the month (30 April).
- Art. 3(3): Saturdays, Sundays and public holidays are counted inside the period.
- Art. 3(4): if the last day of a period expressed otherwise than in hours is a public holiday, a
  Sunday or a Saturday, the period ends with the last hour of the next working day. In Slovenia the
  public holidays are the work-free days (`varuh.law.workdays`).

A receipt instant is first turned into its date in Europe/Ljubljana: a letter delivered at 00:30
on 1 December Slovenian time was received on 1 December, whatever UTC says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from varuh.errors import InvalidInput
from varuh.law.clock import ljubljana_date
from varuh.law.workdays import DayOff, add_working_days, next_working_day, other_holidays
from varuh.model.periods import Period

ONE_MONTH = Period(months=1)
TWO_MONTHS = Period(months=2)
BREACH_HOURS = Period(hours=72)


@dataclass(frozen=True)
class RequestDeadline:
    """When a request must be answered, and why: the nominal end, the days skipped to reach `due`."""

    received: dt.date
    due: dt.date
    nominal_due: dt.date
    skipped: list[DayOff] = field(default_factory=list)
    extended_due: dt.date | None = None
    extended_nominal_due: dt.date | None = None
    extended_skipped: list[DayOff] = field(default_factory=list)
    notes: list[DayOff] = field(default_factory=list)  # holidays on the nominal end that are not work-free
    rule: str = "GDPR Art. 12(3); Reg. 1182/71 Art. 3(1), 3(2)(c), 3(4)"


def receipt_date(received: dt.date | dt.datetime) -> dt.date:
    """The date of receipt in Ljubljana (a naive instant is read as Ljubljana time)."""
    if isinstance(received, dt.datetime):
        return ljubljana_date(received)
    return received


def parse_receipt(text: str, what: str = "--received") -> dt.date | dt.datetime:
    """A date (2025-11-25) or an ISO 8601 instant (2025-11-25T10:00:00+01:00, …Z); InvalidInput otherwise."""
    value = (text or "").strip()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{what} {text!r} is not a valid date or instant "
                           "(write 2025-11-25 or 2025-11-25T10:00:00+01:00)") from None
    return instant


def period_end(received: dt.date, period: Period) -> dt.date:
    """The nominal last day of `period` counted from the event day `received` (Reg. 1182/71 Art. 3(1), 3(2)).

    Months and years end on the same date number (Art. 3(2)(c)), clamped to the month's last day;
    relativedelta does exactly that clamping. Days count from the day after the event.
    """
    if period.hours or period.minutes:
        raise InvalidInput(f"{period.iso()}: a deadline in days, weeks, months or years is needed here")
    return received + relativedelta(years=period.years, months=period.months, weeks=period.weeks, days=period.days)


def roll(nominal: dt.date) -> tuple[dt.date, list[DayOff]]:
    """Reg. 1182/71 Art. 3(4): a period ending on a Saturday, Sunday or work-free day ends on the next working day."""
    return next_working_day(nominal)


def _not_work_free(day: dt.date) -> list[DayOff]:
    """A note when the nominal end is a holiday on which people work (dan Primoža Trubarja, …)."""
    names = other_holidays(day.year).get(day)
    if names is None or day.weekday() >= 5:
        return []
    sl, en = names
    return [DayOff(day, f"{sl} ni dela prost dan in roka ne premakne",
                   f"{en} is not a work-free day and does not move the deadline")]


def request_deadline(received: dt.date | dt.datetime, deadline: Period = ONE_MONTH,
                     extension: Period | None = TWO_MONTHS) -> RequestDeadline:
    """The answer deadline of a data-subject request (GDPR Art. 12(3)) and, if given, the extended one.

    The extension runs from receipt too: one month plus two further months is three months counted
    from the day of receipt (not two months from the rolled first deadline), then rolled again.
    """
    day = receipt_date(received)
    nominal = period_end(day, deadline)
    due, skipped = roll(nominal)
    notes = _not_work_free(nominal)
    result = RequestDeadline(received=day, due=due, nominal_due=nominal, skipped=skipped, notes=notes)
    if extension is None:
        return result
    ext_period = Period(years=deadline.years + extension.years, months=deadline.months + extension.months,
                        weeks=deadline.weeks + extension.weeks, days=deadline.days + extension.days)
    ext_nominal = period_end(day, ext_period)
    ext_due, ext_skipped = roll(ext_nominal)
    notes += _not_work_free(ext_nominal)
    return RequestDeadline(received=day, due=due, nominal_due=nominal, skipped=skipped, extended_due=ext_due,
                           extended_nominal_due=ext_nominal, extended_skipped=ext_skipped, notes=notes)


def procedure_deadline(received: dt.date | dt.datetime, working_days: int | None = None,
                       period: Period | None = None) -> dt.date:
    """The deadline of a controller-declared procedure ("decided within 5 working days").

    Working days: counted from the day after receipt, Saturdays, Sundays and work-free days not
    counted (Reg. 1182/71 Art. 3(1), 3(3)); a calendar period is counted and rolled like Art. 12(3).
    """
    day = receipt_date(received)
    if working_days is not None:
        return add_working_days(day, working_days)
    if period is not None:
        return roll(period_end(day, period))[0]
    raise InvalidInput("a procedure needs decide_within_working_days or decide_within")


def breach_deadline(aware_at: dt.datetime, period: Period = BREACH_HOURS) -> dt.datetime:
    """When the supervisory authority must be notified of a breach (GDPR Art. 33(1): 72 hours).

    Exact hours from the moment the controller became aware, never rolled: Reg. 1182/71 Art. 3(4)
    applies only to periods "expressed otherwise than in hours". Art. 3(1) would leave the hour of
    the event out of the count; Varuh takes the earlier, exact instant, so nobody relies on the
    extra hour.
    """
    if aware_at.tzinfo is None:
        raise InvalidInput("the moment of awareness needs a time zone (e.g. 2025-11-25T10:00:00+01:00)")
    return aware_at + dt.timedelta(days=period.days + 7 * period.weeks, hours=period.hours,
                                   minutes=period.minutes) + relativedelta(years=period.years,
                                                                           months=period.months)
