"""`varuh deadline`: when a data-subject request must be answered, and why."""

from __future__ import annotations

from typing import Annotated

import typer

from varuh.cli.app import app
from varuh.cli.options import JsonFlag, print_json, to_jsonable
from varuh.law import deadlines
from varuh.law.workdays import WEEKDAYS_EN, WEEKDAYS_SL, DayOff


def _sl(d) -> str:
    return f"{d.day}. {d.month}. {d.year}"


def _day(d) -> str:
    return f"{_sl(d)} ({WEEKDAYS_SL[d.weekday()]} / {WEEKDAYS_EN[d.weekday()]}, {d.isoformat()})"


def _why(label_sl: str, label_en: str, nominal, skipped: list[DayOff]) -> list[str]:
    lines = [f"  {label_sl} / {label_en}: {_day(nominal)}"]
    for off in skipped:
        lines.append(f"    preskočeno / skipped {_sl(off.date)}: {off.sl} / {off.en}")
    return lines


@app.command("deadline")
def deadline(
    received: Annotated[str, typer.Option("--received", help="Date (2025-11-25) or instant "
                                          "(2025-11-25T10:00:00+01:00) the request was received.")],
    extended: Annotated[bool, typer.Option("--extended", help="Also the deadline extended by two "
                                           "further months (GDPR Art. 12(3)).")] = False,
    working_days: Annotated[int | None, typer.Option("--working-days", min=0, help="Instead: a declared "
                                                     "procedure decided within N working days.")] = None,
    json_: JsonFlag = False,
) -> None:
    """Print the due date of a request received on --received, and which days were skipped.

    One month from receipt (GDPR Art. 12(3)) counted by Reg. 1182/71 Art. 3: the day of receipt is
    not counted; a Saturday, Sunday or Slovenian work-free day at the end moves it to the next
    working day.
    """
    value = deadlines.parse_receipt(received)
    if working_days is not None:
        due = deadlines.procedure_deadline(value, working_days=working_days)
        day = deadlines.receipt_date(value)
        if json_:
            print_json({"received": day, "due": due, "working_days": working_days,
                        "rule": "Reg. 1182/71 Art. 3(1), 3(3)"})
        else:
            typer.echo(f"prejeto / received: {_day(day)}\nrok / due ({working_days} delovnih dni / working days): "
                       f"{_day(due)}")
        return
    result = deadlines.request_deadline(value, extension=deadlines.TWO_MONTHS if extended else None)
    if json_:
        data = to_jsonable(result)
        if not extended:
            for key in ("extended_due", "extended_nominal_due", "extended_skipped"):
                data.pop(key, None)
        if value != result.received:  # an instant: show it beside its Ljubljana date
            data = {"received_at": value, **data}
        print_json(data)
        return
    lines = [f"prejeto / received: {_day(result.received)}", f"rok / due: {_day(result.due)}"]
    lines += _why("en mesec od prejema se izteče", "one month from receipt ends", result.nominal_due, result.skipped)
    if result.extended_due:
        lines.append(f"podaljšani rok / extended due: {_day(result.extended_due)}")
        lines += _why("trije meseci od prejema se iztečejo", "three months from receipt end",
                      result.extended_nominal_due, result.extended_skipped)
    for note in result.notes:
        lines.append(f"  opomba / note {_sl(note.date)}: {note.sl} / {note.en}")
    lines.append(f"pravna podlaga / rule: {result.rule}")
    typer.echo("\n".join(lines))
