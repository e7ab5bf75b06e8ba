"""Deadline arithmetic: GDPR Art. 12(3) counted by Reg. 1182/71 Art. 3 with Slovenian work-free days."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from varuh.errors import InvalidInput
from varuh.law import deadlines, workdays
from varuh.model.periods import Period

D = dt.date.fromisoformat


@pytest.mark.parametrize(("received", "due", "extended"), [
    ("2025-11-25", "2025-12-29", "2026-02-25"),  # 25 Dec christmas, 26 Dec independence day, weekend
    ("2026-05-08", "2026-06-08", "2026-08-10"),  # 8 June: Trubar Day is not work-free; 8 Aug a Saturday
    ("2025-03-31", "2025-04-30", "2025-06-30"),  # no 31 April: the month's last day (Art. 3(2)(c))
    ("2024-01-31", "2024-02-29", "2024-04-30"),  # leap year
    ("2025-01-31", "2025-02-28", "2025-04-30"),
])
def test_issue_examples(received, due, extended):
    result = deadlines.request_deadline(D(received))
    assert (result.due, result.extended_due) == (D(due), D(extended))


def test_skipped_days_are_named():
    result = deadlines.request_deadline(D("2025-11-25"))
    assert result.nominal_due == D("2025-12-25")
    assert [(s.date.day, s.sl) for s in result.skipped] == [
        (25, "dela prost dan: božič"), (26, "dela prost dan: dan samostojnosti in enotnosti"),
        (27, "sobota"), (28, "nedelja")]
    assert result.skipped[0].en == "work-free day: Christmas Day"


def test_holidays_package_tells_work_free_days_from_other_holidays():
    # the `holidays` package: category "public" = work-free days, "workday" = holidays people work on
    trubar = D("2026-06-08")
    assert trubar in workdays.other_holidays(2026) and trubar not in workdays.work_free_days(2026)
    assert workdays.other_holidays(2026)[trubar][0] == "dan Primoža Trubarja"
    assert workdays.is_working_day(trubar)
    maister = D("2025-11-24")  # dan Rudolfa Maistra is 23 Nov (a Sunday in 2025): only the Sunday counts
    assert workdays.is_working_day(maister)
    assert not workdays.is_working_day(D("2026-12-25")) and not workdays.is_working_day(D("2026-01-02"))
    note = deadlines.request_deadline(D("2026-05-08")).notes[0]
    assert note.date == trubar and "ne premakne" in note.sl and "Primož Trubar Day" in note.en


def test_every_weekday_holiday_that_is_not_work_free_is_a_working_day():
    for year in range(2020, 2031):
        for day in workdays.other_holidays(year):
            if day.weekday() < 5:
                assert workdays.is_working_day(day), day


def test_a_receipt_instant_counts_by_its_ljubljana_date():
    late_evening_utc = dt.datetime(2025, 11, 25, 23, 30, tzinfo=dt.UTC)  # 00:30 on 26 Nov in Ljubljana
    assert deadlines.receipt_date(late_evening_utc) == D("2025-11-26")
    summer = dt.datetime(2025, 6, 30, 22, 15, tzinfo=dt.UTC)  # CEST: 00:15 on 1 July
    assert deadlines.request_deadline(summer).received == D("2025-07-01")


@pytest.mark.parametrize("text", ["2025-02-30", "2025-13-01", "yesterday", "", "2025-11-25T25:00:00+01:00"])
def test_impossible_dates_are_invalid_input(text):
    with pytest.raises(InvalidInput, match="not a valid date"):
        deadlines.parse_receipt(text)


def test_parse_receipt_accepts_dates_and_instants():
    assert deadlines.parse_receipt("2025-11-25") == D("2025-11-25")
    instant = deadlines.parse_receipt("2025-11-25T10:00:00+01:00")
    assert instant.utcoffset() == dt.timedelta(hours=1)
    assert deadlines.parse_receipt("2025-11-25T10:00:00Z").tzinfo is not None


def test_working_days_for_declared_procedures():
    # instruiraj: an appeal decided within 5 working days; 25 and 26 Dec and the weekend do not count
    assert deadlines.procedure_deadline(D("2025-12-22"), working_days=5) == D("2025-12-31")
    # Good Friday is a working day in Slovenia, Easter Monday is not
    assert deadlines.procedure_deadline(D("2025-04-18"), working_days=5) == D("2025-04-28")
    assert workdays.subtract_working_days(D("2025-12-31"), 5) == D("2025-12-22")
    assert workdays.working_days_between(D("2025-12-22"), D("2025-12-31")) == 5


def test_breach_clock_is_exact_hours_never_rolled():
    aware = dt.datetime(2025, 3, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # a Friday
    end = deadlines.breach_deadline(aware)
    assert end - aware == dt.timedelta(hours=72)  # Monday, across a weekend and the switch to CEST
    assert end.astimezone(dt.UTC) == dt.datetime(2025, 3, 31, 9, 0, tzinfo=dt.UTC)
    christmas_eve = dt.datetime(2025, 12, 24, 8, 0, tzinfo=dt.UTC)
    assert deadlines.breach_deadline(christmas_eve).date() == D("2025-12-27")  # a Saturday: not moved
    with pytest.raises(InvalidInput, match="time zone"):
        deadlines.breach_deadline(dt.datetime(2025, 3, 28, 10, 0))


def test_a_model_with_a_shorter_promise_uses_it():
    result = deadlines.request_deadline(D("2025-11-25"), Period(days=15), None)
    assert result.due == D("2025-12-10") and result.extended_due is None


dates = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2090, 12, 31))


@settings(max_examples=300, deadline=None)
@given(dates)
def test_properties_of_the_one_month_deadline(received):
    result = deadlines.request_deadline(received)
    assert workdays.is_working_day(result.due)
    assert workdays.is_working_day(result.extended_due)
    assert result.due >= received + dt.timedelta(days=28)
    assert result.due >= result.nominal_due and (result.due - result.nominal_due).days <= 6
    assert result.extended_due >= result.due + dt.timedelta(days=56)
    # Art. 3(2)(c): same date number, or the month's last day where it does not exist
    nominal = result.nominal_due
    assert nominal.day == received.day or (nominal + dt.timedelta(days=1)).day == 1
    assert all(not workdays.is_working_day(s.date) for s in result.skipped)


@settings(max_examples=300, deadline=None)
@given(dates)
def test_rolling_is_idempotent_and_minimal(day):
    rolled, skipped = deadlines.roll(day)
    assert deadlines.roll(rolled) == (rolled, [])
    assert len(skipped) == (rolled - day).days
    assert (rolled == day) == workdays.is_working_day(day)


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=0, max_value=30))
def test_working_day_arithmetic_round_trips(day, n):
    end = workdays.add_working_days(day, n)
    assert workdays.is_working_day(end)
    if n:
        assert workdays.working_days_between(day, end) == n
        assert workdays.subtract_working_days(end, n) <= end


def test_cli_deadline_text_names_the_skipped_days(run):
    result = run("deadline", "--received", "2025-11-25", "--extended")
    assert result.exit_code == 0
    assert "29. 12. 2025" in result.stdout and "25. 2. 2026" in result.stdout
    assert "božič" in result.stdout and "Christmas Day" in result.stdout and "sobota / Saturday" in result.stdout


def test_cli_deadline_json(run):
    data = run("deadline", "--received", "2026-05-08T23:30:00+02:00", "--extended", "--json").json()
    assert data["received"] == "2026-05-08" and data["due"] == "2026-06-08" and data["extended_due"] == "2026-08-10"
    assert data["received_at"].startswith("2026-05-08T23:30")
    plain = run("deadline", "--received", "2025-03-31", "--json").json()
    assert plain["due"] == "2025-04-30" and "extended_due" not in plain


def test_cli_deadline_working_days(run):
    data = run("deadline", "--received", "2025-12-22", "--working-days", "5", "--json").json()
    assert data["due"] == "2025-12-31"


def test_cli_deadline_impossible_date(run):
    result = run("deadline", "--received", "2025-02-30", "--json")
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "not a valid date" in result.stderr and result.stdout == ""
