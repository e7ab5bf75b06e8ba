"""`varuh requests …`: data-subject requests: intake, verification, each workflow step, letters, reminders.

Commands that work on one request take its id (Z-2025-0001); those that need the model take PATH
first (`new`, `list`, `remind`) or `--model` (letters, mails). Commands whose answer depends on the
day take `--as-of` (else $VARUH_TODAY, else today in Ljubljana).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from varuh import settings
from varuh.cli.app import app
from varuh.cli.options import AsOf, JsonFlag, ModelPath, model_dir, print_json, to_jsonable, today
from varuh.documents.wording import format_quantity
from varuh.errors import InvalidInput
from varuh.law.clock import LJUBLJANA, ljubljana_today, utcnow
from varuh.law.deadlines import parse_receipt
from varuh.ledger.db import get_engine
from varuh.ledger.secret import secret_key
from varuh.model.load import load_model
from varuh.requests import intake, records, workflow
from varuh.requests.types import STATUS_NAMES, TYPES, RequestType, Status

requests_app = typer.Typer(help="Data-subject requests: intake, verification, deadlines, letters.",
                           no_args_is_help=True)
app.add_typer(requests_app, name="requests")

RequestId = Annotated[str, typer.Argument(help="The request id, e.g. Z-2025-0001.", show_default=False)]
By = Annotated[str | None, typer.Option("--by", help="Who does this (default: $VARUH_OPERATOR, then the login "
                                                     "name). Recorded in the history and the audit log.",
                                        show_default=False)]
ModelOption = Annotated[Path | None, typer.Option("--model", help="Folder holding privacy.yaml (default: "
                                                                  "$VARUH_MODEL, then the current folder).",
                                                  show_default=False)]


class Lang(StrEnum):
    sl = "sl"
    en = "en"


# --- plumbing ---------------------------------------------------------------------------------


def _actor(by: str | None) -> str:
    name = by or settings.get("VARUH_OPERATOR") or getpass.getuser()
    return name if ":" in name else f"operator:{name}"


def _clock(as_of: str | None) -> tuple[dt.date, dt.datetime]:
    """(today, now): with --as-of or VARUH_TODAY, `now` is noon of that day in Ljubljana."""
    day = today(as_of)
    if day == ljubljana_today():
        return day, utcnow()
    return day, dt.datetime.combine(day, dt.time(12), tzinfo=LJUBLJANA).astimezone(dt.UTC)


@contextlib.contextmanager
def _schema_checked() -> Iterator[None]:
    """A ledger without the request tables is one clear message, not a traceback."""
    try:
        yield
    except (OperationalError, ProgrammingError) as e:
        if "no such table" in str(e) or "does not exist" in str(e):
            raise InvalidInput("the ledger has no request tables yet: run `varuh db upgrade`") from None
        raise


@contextlib.contextmanager
def _ledger(write: bool = True) -> Iterator[Connection]:
    """A transaction (or a read-only connection) on the ledger."""
    engine = get_engine()
    with _schema_checked(), engine.begin() if write else engine.connect() as conn:
        yield conn


def _engine() -> Engine:
    return get_engine()


def _days(text: str) -> int:
    """`7d`, `2w`, `7` → days."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", text or "")
    if not match:
        raise InvalidInput(f"--due-within {text!r}: write a number of days, e.g. 7d or 2w")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


def _sl(d: dt.date | None) -> str:
    return f"{d.day}. {d.month}. {d.year}" if d else "—"


def _when(r: records.RequestRecord) -> str:
    if not r.is_open:
        late = " (zamujeno / late)" if r.late else ""
        return f"zaključeno / closed {_sl(r.closed_on)}{late}"
    if r.overdue:
        late = -(r.days_left or 0)
        return (f"!! ZAMUJENO / OVERDUE: rok / due {_sl(r.deadline)}, zamuda / late by "
                f"{format_quantity(late, 'day', 'sl')} / {format_quantity(late, 'day', 'en')}")
    left = r.days_left or 0
    return (f"rok / due {_sl(r.deadline)}, še / left "
            f"{format_quantity(left, 'day', 'sl')} / {format_quantity(left, 'day', 'en')}")


def _line(r: records.RequestRecord) -> str:
    mark = "!!" if r.overdue else "  "
    return f"{mark} {r.id}  {r.type:<20} {r.status:<15} {_when(r)}" + (f"  [{r.assignee}]" if r.assignee else "")


def _show(r: records.RequestRecord) -> str:
    sl, en = STATUS_NAMES[Status(r.status)]
    info = TYPES[RequestType(r.type)]
    lines = [
        f"{r.id}  {info.sl} / {info.en}" + (f" ({info.article})" if info.article else ""),
        f"stanje / status: {sl} / {en}"
        + ("" if r.verified else "  (istovetnost ni potrjena / identity not confirmed)"),
        f"prejeto / received: {_sl(r.received)} ({r.channel})",
        f"rok / due: {_sl(r.due)}" + (f"; podaljšan do / extended to {_sl(r.extended_due)}" if r.extended_due else ""),
        _when(r),
        f"posameznik / subject: {r.subject_ref}  {r.email or ''}" + (f"  {r.name}" if r.name else ""),
    ]
    if r.assignee:
        lines.append(f"dodeljeno / assignee: {r.assignee}")
    if r.extension_reason:
        lines.append(f"razlog podaljšanja / extension reason: {r.extension_reason}")
    if r.refusal_reason:
        lines.append(f"razlog zavrnitve / refusal reason: {r.refusal_reason}")
    if r.fee:
        lines.append(f"pristojbina / fee: {r.fee}")
    for a in r.attachments:
        lines.append(f"priloga / attachment: {a.filename} ({a.size} B, sha256 {a.sha256[:16]}…)")
    lines.append("zgodovina / history:")
    for e in r.events:
        change = f" {e.from_status} → {e.to_status}" if e.to_status else ""
        note = f": {e.note}" if e.note else ""
        lines.append(f"  {e.at:%Y-%m-%d %H:%M} {e.actor} {e.action}{change}{note}")
    return "\n".join(lines)


def _print(record: records.RequestRecord, json_: bool, message: str) -> None:
    if json_:
        print_json(record)
    else:
        typer.echo(message)


# --- intake and reading -----------------------------------------------------------------------


@requests_app.command("new")
def new(
    path: ModelPath = None,
    type_: Annotated[str, typer.Option("--type", help="access, rectification, erasure, restriction, portability, "
                                       "objection, objection_marketing, consent_withdrawal, appeal.")] = ...,
    email: Annotated[str, typer.Option("--email", help="The subject's e-mail address (Varuh replies to it).")] = ...,
    received: Annotated[str | None, typer.Option("--received", help="When it reached you: a date or an ISO "
                                                 "instant with offset (default: now).", show_default=False)] = None,
    channel: Annotated[str, typer.Option("--channel", help="web_form, email, post, phone, in_person.")] = "email",
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the letters to the subject.")] = Lang.sl,
    name: Annotated[str | None, typer.Option("--name", help="How the subject signed.")] = None,
    details: Annotated[str | None, typer.Option("--details", help="What the subject asked, in their words.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Another identity: phone number.")] = None,
    user_id: Annotated[str | None, typer.Option("--user-id", help="Another identity: user id in your systems.")]
    = None,
    procedure: Annotated[str | None, typer.Option("--procedure", help="For --type appeal: the model's procedure "
                                                  "id (default: the first declared).")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="Who handles it.")] = None,
    by: By = None,
    json_: JsonFlag = False,
) -> None:
    """Record a request received by letter, e-mail, phone or in person, and fix its deadline."""
    model = load_model(model_dir(path))
    day, now = _clock(None)
    when = parse_receipt(received) if received else (day if day != ljubljana_today() else None)
    ids = {k: v for k, v in (("phone", phone), ("user_id", user_id)) if v}
    with _ledger() as conn:
        record = intake.open_request(conn, model, secret_key(), type=type_, email=email, actor=_actor(by),
                                     channel=channel, received=when, lang=lang.value, name=name, details=details,
                                     identities=ids, procedure=procedure, assignee=assignee, today=day, now=now)
    _print(record, json_, f"{record.id}: {record.type}, received {_sl(record.received)}, due {_sl(record.due)}")


@requests_app.command("list")
def list_(
    path: ModelPath = None,
    due_within: Annotated[str | None, typer.Option("--due-within", help="Only open requests due within this "
                                                   "many days (7d, 2w), overdue ones included.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue requests.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Closed requests too.")] = False,
    status: Annotated[str | None, typer.Option("--status", help="Only requests in this state.")] = None,
    as_of: AsOf = None,
    json_: JsonFlag = False,
) -> None:
    """Requests, overdue ones first and marked loudly, then by deadline. PATH is accepted for symmetry."""
    day, _ = _clock(as_of)
    if status:
        try:
            Status(status)
        except ValueError:
            raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(s.value for s in Status)}") from None
    with _ledger(write=False) as conn:
        found = records.list_requests(conn, day, overdue=overdue, due_within=_days(due_within) if due_within else None,
                                      include_closed=all_, status=status)
    late = sum(r.overdue for r in found)
    if json_:
        print_json({"as_of": day, "count": len(found), "overdue": late,
                    "requests": [{k: v for k, v in to_jsonable(r).items() if k not in ("events", "attachments")}
                                 for r in found]})
        return
    if late:
        typer.echo(f"!! ZAMUJENE ZAHTEVE / OVERDUE REQUESTS: {late} (stanje na / as of {_sl(day)}) !!")
    for r in found:
        typer.echo(_line(r))
    typer.echo(f"{len(found)} zahtev / requests, stanje na / as of {_sl(day)}")


@requests_app.command("show")
def show(ref: RequestId, as_of: AsOf = None, json_: JsonFlag = False) -> None:
    """One request: deadlines, subject, history, attachments."""
    day, _ = _clock(as_of)
    with _ledger(write=False) as conn:
        record = records.get_request(conn, ref, day)
    _print(record, json_, _show(record))


# --- workflow steps -----------------------------------------------------------------------------


@requests_app.command("verify")
def verify(ref: RequestId, note: Annotated[str, typer.Option("--note", help="How the identity was confirmed "
                                                             "(e.g. ID card seen at the office).")],
           by: By = None, as_of: AsOf = None, json_: JsonFlag = False) -> None:
    """Operator verification of the requester's identity, with a note on how."""
    _, now = _clock(as_of)
    with _ledger() as conn:
        record = workflow.verify_identity(conn, ref, _actor(by), note, now=now)
    _print(record, json_, f"{record.id}: identity confirmed; in progress, due {_sl(record.deadline)}")


@requests_app.command("ask-id")
def ask_id(ref: RequestId, note: Annotated[str, typer.Option("--note", help="What information is asked for.")],
           by: By = None, as_of: AsOf = None, json_: JsonFlag = False) -> None:
    """Ask for more information to confirm identity, on reasonable doubt (GDPR Article 12(6)).

    Then send the letter: `varuh requests letter ID --kind identification`.
    """
    _, now = _clock(as_of)
    with _ledger() as conn:
        record = workflow.request_identification(conn, ref, _actor(by), note, now=now)
    _print(record, json_, f"{record.id}: more information asked for; status {record.status}")


@requests_app.command("send-link")
def send_link(ref: RequestId, model_path: ModelOption = None, by: By = None, as_of: AsOf = None) -> None:
    """E-mail the subject a single-use link and code to confirm the request."""
    from varuh import mail
    from varuh.requests.verification import send_challenge

    model = load_model(model_dir(model_path))
    _, now = _clock(as_of)
    with _schema_checked():
        sent = send_challenge(_engine(), secret_key(), model, ref, _actor(by),
                              base_url=settings.get("VARUH_BASE_URL"), mailer=mail.send, now=now)
    if not sent:
        raise InvalidInput(f"{ref}: the verification message could not be sent (see `varuh requests show`)")
    typer.echo(f"{ref}: verification link sent")


@requests_app.command("extend")
def extend(ref: RequestId, reason: Annotated[str, typer.Option("--reason", help="Why more time is needed "
                                                               "(told to the subject).")],
           by: By = None, as_of: AsOf = None, json_: JsonFlag = False) -> None:
    """Extend the deadline by two further months, on or before the first deadline (GDPR Article 12(3))."""
    day, now = _clock(as_of)
    with _ledger() as conn:
        record = workflow.extend_request(conn, ref, _actor(by), reason, today=day, now=now)
    _print(record, json_, f"{record.id}: extended to {_sl(record.extended_due)}; send the extension letter "
                          f"(varuh requests letter {record.id} --kind extension)")


class Ground(StrEnum):
    manifestly_unfounded = "manifestly_unfounded"
    excessive = "excessive"
    identity = "identity"
    exemption = "exemption"
    other = "other"


@requests_app.command("refuse")
def refuse(ref: RequestId, reason: Annotated[str, typer.Option("--reason", help="The reasons (GDPR Art. 12(4)); "
                                                               "required.")],
           ground: Annotated[Ground, typer.Option("--ground", help="The legal ground.")] = Ground.manifestly_unfounded,
           by: By = None, as_of: AsOf = None, json_: JsonFlag = False) -> None:
    """Refuse the request, with reasons; then send the refusal letter (remedies included)."""
    _, now = _clock(as_of)
    with _ledger() as conn:
        record = workflow.refuse_request(conn, ref, _actor(by), reason, ground=ground.value, now=now)
    _print(record, json_, f"{record.id}: refused; send the letter (varuh requests letter {record.id} --kind refusal)")


@requests_app.command("complete")
def complete(ref: RequestId, note: Annotated[str | None, typer.Option("--note", help="What was done.")] = None,
             by: By = None, as_of: AsOf = None, json_: JsonFlag = False) -> None:
    """Mark the request answered (only once the identity is confirmed)."""
    _, now = _clock(as_of)
    with _ledger() as conn:
        record = workflow.complete_request(conn, ref, _actor(by), note, now=now)
    _print(record, json_, f"{record.id}: completed" + (" LATE / ZAMUJENO" if record.late else ""))


@requests_app.command("withdraw")
def withdraw(ref: RequestId, note: Annotated[str | None, typer.Option("--note")] = None,
             by: By = None, as_of: AsOf = None, json_: JsonFlag = False) -> None:
    """The subject withdrew the request."""
    _, now = _clock(as_of)
    with _ledger() as conn:
        record = workflow.withdraw_request(conn, ref, _actor(by), note, now=now)
    _print(record, json_, f"{record.id}: withdrawn")


@requests_app.command("assign")
def assign(ref: RequestId, to: Annotated[str, typer.Option("--to", help="Operator name (or an e-mail address).")],
           by: By = None, json_: JsonFlag = False) -> None:
    """Give the request to someone; reminders go to them."""
    with _ledger() as conn:
        record = workflow.assign_request(conn, ref, _actor(by), to)
    _print(record, json_, f"{record.id}: assigned to {record.assignee}")


@requests_app.command("note")
def note(ref: RequestId, text: Annotated[str, typer.Argument(help="The note.")], by: By = None) -> None:
    """Add a note to the request's history."""
    with _ledger() as conn:
        workflow.add_note(conn, ref, _actor(by), text)
    typer.echo(f"{ref}: note added")


@requests_app.command("attach")
def attach(ref: RequestId, file: Annotated[Path, typer.Argument(help="The file to attach.")], by: By = None) -> None:
    """Attach a file (stored under VARUH_ATTACHMENTS, its SHA-256 recorded)."""
    from varuh.requests.attachments import attach_file

    with _ledger() as conn:
        attachment = attach_file(conn, ref, file, _actor(by))
    typer.echo(f"{ref}: attached {attachment.filename} (sha256 {attachment.sha256})")


@requests_app.command("fee")
def fee(ref: RequestId, amount: Annotated[str, typer.Option("--amount", help="E.g. '15 EUR'.")],
        reason: Annotated[str, typer.Option("--reason", help="Why (GDPR Art. 12(5)).")],
        model_path: ModelOption = None, by: By = None) -> None:
    """Charge a reasonable fee, where the model's rights.fee allows one."""
    model = load_model(model_dir(model_path))
    with _ledger() as conn:
        record = workflow.charge_fee(conn, model, ref, _actor(by), amount, reason)
    typer.echo(f"{record.id}: fee {record.fee} recorded")


class LetterKind(StrEnum):
    acknowledgement = "acknowledgement"
    identification = "identification"
    extension = "extension"
    refusal = "refusal"
    completion = "completion"


class LetterFormat(StrEnum):
    html = "html"
    pdf = "pdf"


@requests_app.command("letter")
def letter(
    ref: RequestId,
    kind: Annotated[LetterKind, typer.Option("--kind", help="Which letter.")],
    lang: Annotated[Lang | None, typer.Option("--lang", help="Default: the request's language.",
                                              show_default=False)] = None,
    fmt: Annotated[LetterFormat, typer.Option("--format", help="html or pdf.")] = LetterFormat.html,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file (default: "
                                                "HTML to stdout).", show_default=False)] = None,
    model_path: ModelOption = None,
    by: By = None,
    as_of: AsOf = None,
) -> None:
    """Write a letter to the subject (acknowledgement, identification, extension, refusal, completion)."""
    from varuh.documents.render import write_document
    from varuh.requests.letters import write_letter

    model = load_model(model_dir(model_path))
    day, _ = _clock(as_of)
    if fmt == LetterFormat.pdf and output is None:
        raise InvalidInput("a PDF needs -o FILE")
    with _ledger() as conn:
        language = lang.value if lang else records.request_row(conn, ref).lang
        document = write_letter(conn, model, ref, kind.value, language, fmt.value, actor=_actor(by), today=day)
    if output is None:
        typer.echo(document)
    else:
        write_document(document, output)
        typer.echo(f"{ref}: {kind.value} letter written to {output}")


@requests_app.command("remind")
def remind(
    path: ModelPath = None,
    days: Annotated[int | None, typer.Option("--days", min=0, help="Working days ahead (default: "
                                             "$VARUH_REMINDER_DAYS).", show_default=False)] = None,
    as_of: AsOf = None,
    json_: JsonFlag = False,
) -> None:
    """E-mail reminders for requests whose deadline is near or past (each request and deadline once)."""
    from varuh import mail
    from varuh.requests.reminders import send_reminders

    model = load_model(model_dir(path))
    day, now = _clock(as_of)
    ahead = days if days is not None else int(settings.get("VARUH_REMINDER_DAYS") or "5")
    with _schema_checked():
        sent = send_reminders(_engine(), model, day, mail.send, days=ahead, now=now)
    if json_:
        print_json({"as_of": day, "sent": sent})
        return
    for r in sent:
        typer.echo(f"{'!! ' if r.overdue else ''}{r.id}: reminder sent to {r.sent_to} (deadline {_sl(r.deadline)})")
    typer.echo(f"{len(sent)} reminder(s) sent")
