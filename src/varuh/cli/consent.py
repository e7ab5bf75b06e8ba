"""`varuh consent …`: give, withdraw, check, history, receipt, link (issue: consent)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError, ProgrammingError

from varuh import settings
from varuh.cli.app import app
from varuh.cli.options import JsonFlag, ModelPath, model_dir, print_json
from varuh.consent import engine as consent
from varuh.errors import InvalidInput, StoreError
from varuh.ledger.db import get_engine
from varuh.ledger.secret import secret_key
from varuh.model.load import load_model
from varuh.model.privacy import PrivacyModel

consent_app = typer.Typer(help="Consents with proof: give, withdraw, check, history.", no_args_is_help=True)
app.add_typer(consent_app, name="consent")

Email = Annotated[str | None, typer.Option("--email", help="The subject's e-mail address.", show_default=False)]
Phone = Annotated[str | None, typer.Option("--phone", help="The subject's phone number.", show_default=False)]
UserId = Annotated[str | None, typer.Option("--user-id", help="The subject's user id in your systems.",
                                            show_default=False)]
ConsentId = Annotated[str | None, typer.Option("--consent-id", help="An anonymous consent id (the banner's cookie).",
                                               show_default=False)]
Purpose = Annotated[str, typer.Option("--purpose", help="The id of a consent-based activity of the model.")]
Channel = Annotated[str, typer.Option("--channel",
                                      help="How it was given: web_form, banner, email, paper, phone, api.")]
Parent = Annotated[bool, typer.Option("--parent", help="Given by a parent or guardian (under 15: ZVOP-2 Art. 8).")]
Wording = Annotated[str | None, typer.Option("--wording", help="The exact text shown (default: the model's wording).",
                                             show_default=False)]


def _identities(email: str | None, phone: str | None, user_id: str | None) -> dict[str, str] | None:
    ids = {k: v for k, v in (("email", email), ("phone", phone), ("user_id", user_id)) if v}
    return ids or None


@contextlib.contextmanager
def _ledger(write: bool = False) -> Iterator[tuple[Connection, bytes]]:
    """A connection to the ledger (a transaction when writing); a missing schema is a clear error."""
    engine = get_engine()
    try:
        with engine.begin() if write else engine.connect() as conn:
            yield conn, secret_key()
    except (OperationalError, ProgrammingError) as e:
        if "consent_" in str(e.orig) or "no such table" in str(e.orig) or "does not exist" in str(e.orig):
            raise StoreError("ledger", "the ledger has no consent tables yet: run `varuh db upgrade`") from None
        raise StoreError("ledger", type(e.orig).__name__) from None


def _record(path, email, phone, user_id, consent_id, purpose, given, channel, parent, wording, as_json) -> None:
    model = load_model(model_dir(path))
    proof = consent.Proof(channel=channel, wording=wording, given_by="parent" if parent else "subject")
    with _ledger(write=True) as (conn, key):
        event = consent.record_consent(conn, model, key, purpose=purpose, given=given, proof=proof,
                                       identities=_identities(email, phone, user_id), consent_id=consent_id,
                                       actor="cli")
    if as_json:
        print_json(event)
    else:
        who = event.subject_ref or "anonymous"
        typer.echo(f"consent {'given' if given else 'withdrawn'}: {purpose} ({who}, event {event.id})")


@consent_app.command("give")
def give(path: ModelPath = None, email: Email = None, purpose: Purpose = ..., phone: Phone = None,
         user_id: UserId = None, consent_id: ConsentId = None, channel: Channel = "paper", parent: Parent = False,
         wording: Wording = None, as_json: JsonFlag = False) -> None:
    """Record that the subject gave consent for a purpose, with its proof."""
    _record(path, email, phone, user_id, consent_id, purpose, True, channel, parent, wording, as_json)


@consent_app.command("withdraw")
def withdraw(path: ModelPath = None, email: Email = None, purpose: Purpose = ..., phone: Phone = None,
             user_id: UserId = None, consent_id: ConsentId = None, channel: Channel = "paper",
             parent: Parent = False, wording: Wording = None, as_json: JsonFlag = False) -> None:
    """Record that the subject withdrew consent for a purpose (GDPR Art. 7(3))."""
    _record(path, email, phone, user_id, consent_id, purpose, False, channel, parent, wording, as_json)


def _load(path) -> PrivacyModel:
    return load_model(model_dir(path))


@consent_app.command("check")
def check(path: ModelPath = None, email: Email = None, purpose: Purpose = ..., phone: Phone = None,
          user_id: UserId = None, consent_id: ConsentId = None, as_json: JsonFlag = False) -> int:
    """Whether consent for a purpose is given now. Exit 0 if given, 1 if not."""
    model = _load(path)
    with _ledger() as (conn, key):
        state = consent.check_consent(conn, key, purpose=purpose, identities=_identities(email, phone, user_id),
                                      consent_id=consent_id, model=model)
    if as_json:
        print_json(state)
    else:
        since = f" (since {state.at:%Y-%m-%d %H:%M} UTC)" if state.at else ""
        typer.echo(f"{purpose}: {state.status}{since}")
    return 0 if state.given else 1


@consent_app.command("history")
def history(path: ModelPath = None, email: Email = None, purpose: Annotated[str | None, typer.Option(
            "--purpose", help="Only this purpose.", show_default=False)] = None, phone: Phone = None,
            user_id: UserId = None, consent_id: ConsentId = None, as_json: JsonFlag = False) -> None:
    """Every consent event of the subject, oldest first, with its proof."""
    model = _load(path)
    with _ledger() as (conn, key):
        events = consent.consent_history(conn, key, identities=_identities(email, phone, user_id),
                                         consent_id=consent_id, purpose=purpose, model=model)
    if as_json:
        print_json(events)
        return
    if not events:
        typer.echo("no consent events")
    for e in events:
        typer.echo(f"{e.at:%Y-%m-%d %H:%M:%S} UTC  {e.action:<8} {e.purpose}  via {e.channel}"
                   f"{' (parent)' if e.given_by == 'parent' else ''}  notice {e.notice_version or '-'}"
                   f"  text {e.text_hash[:12]}…  event {e.id}")


@consent_app.command("receipt")
def receipt(event_id: Annotated[str, typer.Argument(help="The event's number or receipt id.")],
            path: ModelPath = None) -> None:
    """The consent receipt of one event (ISO/IEC TS 27560-style JSON, DPV terms)."""
    model = _load(path)
    with _ledger() as (conn, key):
        print_json(consent.receipt(conn, model, key, event_id))


@consent_app.command("link")
def link(path: ModelPath = None, email: Email = None, purpose: Purpose = ..., consent_id: ConsentId = None,
         as_json: JsonFlag = False) -> None:
    """A signed one-click withdrawal link for an e-mail ("odjava"), valid VARUH_WITHDRAW_LINK_DAYS."""
    model = _load(path)
    consent.consent_activity(model, purpose)
    holder = {"email": email} if email else consent_id
    if not holder:
        raise InvalidInput("give --email or --consent-id")
    url = consent.withdrawal_link(secret_key(), settings.get("VARUH_BASE_URL") or "", holder, purpose)
    if as_json:
        print_json({"url": url, "purpose": purpose})
    else:
        typer.echo(url)
