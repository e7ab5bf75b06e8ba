"""The requests API (/api/v1/requests…): intake from the organisation's systems and every workflow step.

API keys with `requests:read` (list, show, letters) or `requests:write` (intake and steps); the
actor recorded in the history and the audit log is `api:<key id>`. Overdue requests are impossible
to miss: the list carries an `overdue` count, an `X-Varuh-Overdue` header, and overdue ones first.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from varuh import mail, settings
from varuh.cli.options import parse_date, to_jsonable
from varuh.law.clock import LJUBLJANA, ljubljana_today, utcnow
from varuh.law.deadlines import parse_receipt
from varuh.ledger.apikeys import ApiKey
from varuh.requests import intake, letters, records, verification, workflow
from varuh.web.security import require_scope
from varuh.web.state import ServiceState, get_state

router = APIRouter()
api = APIRouter(prefix="/api/v1/requests", tags=["requests"])

READ = require_scope("requests:read")
WRITE = require_scope("requests:write")


def clock(st: ServiceState, as_of: str | None = None) -> tuple[dt.date, dt.datetime]:
    """(today, now) for the service: ?as_of=, else VARUH_TODAY, else the real clock."""
    day = parse_date(as_of, "as_of") if as_of else st.today()
    if day == ljubljana_today():
        return day, utcnow()
    return day, dt.datetime.combine(day, dt.time(12), tzinfo=LJUBLJANA).astimezone(dt.UTC)


def _json(record: records.RequestRecord, status: int = 200) -> JSONResponse:
    return JSONResponse(to_jsonable(record), status_code=status)


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(max_length=32, description="access, rectification, erasure, restriction, portability, "
                      "objection, objection_marketing, consent_withdrawal, appeal")
    email: str = Field(max_length=254, description="The subject's address; Varuh answers to it.")
    received: str | None = Field(None, max_length=40, description="Date or ISO instant with offset; default now.")
    channel: Literal["web_form", "email", "post", "phone", "in_person"] = "email"
    lang: Literal["sl", "en"] = "sl"
    name: str | None = Field(None, max_length=200)
    details: str | None = Field(None, max_length=10_000)
    phone: str | None = Field(None, max_length=40)
    user_id: str | None = Field(None, max_length=200)
    procedure: str | None = Field(None, max_length=64)
    assignee: str | None = Field(None, max_length=120)
    send_verification: bool = Field(False, description="E-mail the subject a link and code to confirm the request.")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(max_length=10_000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=10_000)
    ground: Literal["manifestly_unfounded", "excessive", "identity", "exemption", "other"] = "manifestly_unfounded"
    as_of: str | None = Field(None, description="Record the step as of this date (YYYY-MM-DD).")


class OptionalNoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=10_000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(max_length=120)


@api.post("", status_code=201, summary="Record a request (letters, e-mails, calls, a helpdesk)")
def create(body: RequestIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    st = get_state(request)
    day, now = clock(st)
    received = parse_receipt(body.received, "received") if body.received else (day if day != ljubljana_today()
                                                                               else None)
    ids = {k: v for k, v in (("phone", body.phone), ("user_id", body.user_id)) if v}
    actor = f"api:{key.key_id}"
    with st.engine.begin() as conn:
        record = intake.open_request(conn, st.model, st.key, type=body.type, email=body.email, actor=actor,
                                     channel=body.channel, received=received, lang=body.lang, name=body.name,
                                     details=body.details, identities=ids, procedure=body.procedure,
                                     assignee=body.assignee, today=day, now=now)
    if body.send_verification:
        verification.send_challenge(st.engine, st.key, st.model, record.id, actor,
                                    base_url=settings.get("VARUH_BASE_URL") or str(request.base_url),
                                    mailer=mail.send, now=now)
        with st.engine.connect() as conn:
            record = records.get_request(conn, record.id, day)
    return _json(record, 201)


@api.get("", summary="Requests, overdue first (open ones unless all=true)")
def list_all(request: Request, response: Response, overdue: bool = False, due_within: int | None = None,
             status: str | None = None, all: bool = False, as_of: str | None = None,
             key: ApiKey = Depends(READ)) -> dict:
    st = get_state(request)
    day, _ = clock(st, as_of)
    with st.engine.connect() as conn:
        found = records.list_requests(conn, day, overdue=overdue, due_within=due_within, include_closed=all,
                                      status=status)
    late = sum(r.overdue for r in found)
    response.headers["X-Varuh-Overdue"] = str(late)
    return {"as_of": day.isoformat(), "count": len(found), "overdue": late,
            "requests": [{k: v for k, v in to_jsonable(r).items() if k not in ("events", "attachments")}
                         for r in found]}


@api.get("/{ref}", summary="One request with its history")
def show(ref: str, request: Request, as_of: str | None = None, key: ApiKey = Depends(READ)) -> JSONResponse:
    st = get_state(request)
    day, _ = clock(st, as_of)
    with st.engine.connect() as conn:
        return _json(records.get_request(conn, ref, day))


@api.post("/{ref}/verify", summary="Operator verification of identity, with a note on how")
def verify(ref: str, body: NoteIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    st = get_state(request)
    _, now = clock(st)
    with st.engine.begin() as conn:
        return _json(workflow.verify_identity(conn, ref, f"api:{key.key_id}", body.note, now=now))


@api.post("/{ref}/identification", summary="Reasonable doubt about identity: ask for more (Art. 12(6))")
def identification(ref: str, body: NoteIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    st = get_state(request)
    _, now = clock(st)
    with st.engine.begin() as conn:
        return _json(workflow.request_identification(conn, ref, f"api:{key.key_id}", body.note, now=now))


@api.post("/{ref}/extend", summary="Extend by two months, with reasons (Art. 12(3)); 409 after the first deadline")
def extend(ref: str, body: ReasonIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    st = get_state(request)
    day, now = clock(st, body.as_of)
    with st.engine.begin() as conn:
        return _json(workflow.extend_request(conn, ref, f"api:{key.key_id}", body.reason, today=day, now=now))


@api.post("/{ref}/refuse", summary="Refuse with reasons (Art. 12(4), 12(5))")
def refuse(ref: str, body: ReasonIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    st = get_state(request)
    _, now = clock(st, body.as_of)
    with st.engine.begin() as conn:
        return _json(workflow.refuse_request(conn, ref, f"api:{key.key_id}", body.reason, ground=body.ground,
                                             now=now))


@api.post("/{ref}/complete", summary="Mark answered (verified requests only)")
def complete(ref: str, body: OptionalNoteIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    st = get_state(request)
    _, now = clock(st)
    with st.engine.begin() as conn:
        return _json(workflow.complete_request(conn, ref, f"api:{key.key_id}", body.note, now=now))


@api.post("/{ref}/withdraw", summary="The subject withdrew the request")
def withdraw(ref: str, body: OptionalNoteIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    st = get_state(request)
    _, now = clock(st)
    with st.engine.begin() as conn:
        return _json(workflow.withdraw_request(conn, ref, f"api:{key.key_id}", body.note, now=now))


@api.post("/{ref}/assign", summary="Give the request to an operator")
def assign(ref: str, body: AssignIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    st = get_state(request)
    _, now = clock(st)
    with st.engine.begin() as conn:
        return _json(workflow.assign_request(conn, ref, f"api:{key.key_id}", body.assignee, now=now))


@api.post("/{ref}/notes", summary="Add a note to the history")
def add_note(ref: str, body: NoteIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    st = get_state(request)
    _, now = clock(st)
    with st.engine.begin() as conn:
        return _json(workflow.add_note(conn, ref, f"api:{key.key_id}", body.note, now=now))


@api.get("/{ref}/letters/{kind}", summary="A letter to the subject, HTML or PDF")
def letter(ref: str, kind: Literal["acknowledgement", "identification", "extension", "refusal", "completion"],
           request: Request, lang: Literal["sl", "en"] | None = None, format: Literal["html", "pdf"] = "html",
           key: ApiKey = Depends(READ)) -> Response:
    st = get_state(request)
    day, _ = clock(st)
    with st.engine.begin() as conn:
        language = lang or records.request_row(conn, ref).lang
        document = letters.write_letter(conn, st.model, ref, kind, language, format, actor=f"api:{key.key_id}",
                                        today=day)
    if format == "pdf":
        return Response(document, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{ref}-{kind}-{language}.pdf"'})
    return HTMLResponse(document)


router.include_router(api)
