"""The consent API (/api/v1/consents…, API keys with consent:read / consent:write) and the
one-click withdrawal link (/withdraw/{token}, no key: the signed token is the authority).

E-mail addresses do not belong in URLs (they end up in access logs, proxies and browser
history): every lookup by identity is also a POST with a JSON body, and the docs prefer it.
The GET form of the check exists for systems that can only make GET requests.
"""

from __future__ import annotations

import html
from typing import Literal, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from varuh.consent import engine as consent
from varuh.errors import InvalidInput, NotAllowed
from varuh.ledger.apikeys import ApiKey
from varuh.web.security import authorize, require_scope, same_origin
from varuh.web.state import get_state

M = TypeVar("M", bound=BaseModel)
router = APIRouter()
api = APIRouter(prefix="/api/v1/consents", tags=["consents"])


class Holder(BaseModel):
    """Whose consent: one or more identities of a subject, or an anonymous consent id."""

    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    user_id: str | None = Field(None, max_length=200)
    consent_id: str | None = Field(None, max_length=64, description="The banner's anonymous consent id.")

    def identities(self) -> dict[str, str] | None:
        ids = {k: v for k, v in (("email", self.email), ("phone", self.phone), ("user_id", self.user_id)) if v}
        return ids or None

    def require(self) -> None:
        if not self.identities() and not self.consent_id:
            raise InvalidInput("name whose consent this is: email, phone, user_id or consent_id")


class ProofIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["web_form", "banner", "email", "paper", "phone", "api"] = "api"
    notice_version: str | None = Field(None, max_length=40)
    text_hash: str | None = Field(None, description="SHA-256 hex of the exact text shown; computed from wording.")
    wording: str | None = Field(None, max_length=20_000, description="The exact text shown to the subject.")
    given_by: Literal["subject", "parent"] = "subject"
    ip: str | None = Field(None, description="The subject's address; stored truncated (IPv4 /24, IPv6 /48).")
    user_agent: str | None = Field(None, max_length=1000)


class ConsentIn(Holder):
    purpose: str = Field(max_length=64, description="The id of a consent-based activity of the model.")
    given: bool = Field(description="true: consent given; false: withdrawn or refused.")
    proof: ProofIn = ProofIn()


class CheckIn(Holder):
    purpose: str = Field(max_length=64)


class HistoryIn(Holder):
    purpose: str | None = Field(None, max_length=64)


class LinkIn(Holder):
    purpose: str = Field(max_length=64)


class StateOut(BaseModel):
    purpose: str
    given: bool
    status: Literal["given", "withdrawn", "none"]
    at: str | None = None
    event_id: int | None = None


def _state_json(state: consent.ConsentState) -> dict:
    return {"purpose": state.purpose, "given": state.given, "status": state.status,
            "at": state.at.isoformat() if state.at else None, "event_id": state.event_id}


def _event_json(event: consent.ConsentEvent) -> dict:
    from varuh.cli.options import to_jsonable

    return to_jsonable(event) | {"receipt_url": f"/api/v1/consents/{event.id}/receipt"}


@api.post("", status_code=201, summary="Record a give or a withdrawal, with its proof")
def record(body: ConsentIn, request: Request, key: ApiKey = Depends(require_scope("consent:write"))) -> dict:
    body.require()
    st = get_state(request)
    p = body.proof
    proof = consent.Proof(channel=p.channel, notice_version=p.notice_version, text_hash=p.text_hash,
                          wording=p.wording, given_by=p.given_by, ip=p.ip, user_agent=p.user_agent)
    with st.engine.begin() as conn:
        event = consent.record_consent(conn, st.model, st.key, purpose=body.purpose, given=body.given, proof=proof,
                                       identities=body.identities(), consent_id=body.consent_id,
                                       actor=f"api:{key.key_id}")
    return _event_json(event)


async def _check(request: Request, purpose: str, holder: Holder) -> JSONResponse:
    holder.require()
    st = get_state(request)
    consent.consent_activity(st.model, purpose)
    ids, cid = holder.identities(), holder.consent_id
    # the answer is usually in memory: only a miss goes to a worker thread for the database
    hit = consent.cached_state(st.engine, purpose, ids, cid)
    state = hit or await run_in_threadpool(consent.check_consent, st.engine, st.key, purpose=purpose,
                                           identities=ids, consent_id=cid)
    return JSONResponse(_state_json(state))


async def _parse(request: Request, schema: type[M]) -> M:
    """The JSON body validated against `schema`; InvalidInput with the first problem otherwise."""
    try:
        return schema.model_validate_json(await request.body())
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        if first.get("type") == "json_invalid":
            raise InvalidInput(f"the body is not valid JSON: {first.get('ctx', {}).get('error', '')}") from None
        raise InvalidInput(f"{field}: {first.get('msg')}" if field else str(first.get("msg"))) from None


_SECURITY = [{"HTTPBearer": []}, {"APIKeyHeader": []}]
_CHECK_DOC = {"security": _SECURITY, "requestBody": {
    "required": True, "content": {"application/json": {"schema": CheckIn.model_json_schema()}}}}


# The check is the hot path: a lean route (the API key and the body are read by hand rather than
# through FastAPI's dependency and body machinery, which cost several times the check itself);
# openapi_extra documents the body and the key for /docs all the same.
@api.post("/check", response_model=StateOut, openapi_extra=_CHECK_DOC,
          summary="Is consent given? (preferred: no address in the URL)")
async def check_post(request: Request) -> JSONResponse:
    await authorize(request, "consent:read")
    body = await _parse(request, CheckIn)
    return await _check(request, body.purpose, body)


@api.get("/check", response_model=StateOut, openapi_extra={"security": _SECURITY},
         summary="Is consent given? (GET form; prefer POST)")
async def check_get(request: Request, purpose: str, email: str | None = None, phone: str | None = None,
                    user_id: str | None = None, consent_id: str | None = None) -> JSONResponse:
    await authorize(request, "consent:read")
    return await _check(request, purpose, Holder(email=email, phone=phone, user_id=user_id, consent_id=consent_id))


@api.post("/history", summary="Every event of a subject or consent id, oldest first")
def history(body: HistoryIn, request: Request, key: ApiKey = Depends(require_scope("consent:read"))) -> list[dict]:
    body.require()
    st = get_state(request)
    with st.engine.connect() as conn:
        events = consent.consent_history(conn, st.key, identities=body.identities(), consent_id=body.consent_id,
                                         purpose=body.purpose, model=st.model)
    return [_event_json(e) for e in events]


@api.get("/{event_id}/receipt", summary="The consent receipt of one event (ISO/IEC TS 27560-style, DPV terms)")
def receipt(event_id: str, request: Request, key: ApiKey = Depends(require_scope("consent:read"))) -> JSONResponse:
    st = get_state(request)
    with st.engine.connect() as conn:
        body = consent.receipt(conn, st.model, st.key, event_id)
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="consent-{event_id}.json"'})


@api.post("/links", summary="A signed one-click withdrawal link for an e-mail")
def link(body: LinkIn, request: Request, key: ApiKey = Depends(require_scope("consent:write"))) -> dict:
    body.require()
    st = get_state(request)
    consent.consent_activity(st.model, body.purpose)
    from varuh import settings
    from varuh.consent.links import list_unsubscribe_headers

    holder = body.identities() or body.consent_id
    url = consent.withdrawal_link(st.key, settings.get("VARUH_BASE_URL") or str(request.base_url), holder,
                                  body.purpose)  # type: ignore[arg-type]
    return {"url": url, "headers": list_unsubscribe_headers(url)}


router.include_router(api)


# --- the one-click withdrawal link ------------------------------------------------------------------
#
# GET shows a page with one button; only POST withdraws. Mail security scanners and link
# previews fetch every link in a message with GET: if GET withdrew, subjects would be
# unsubscribed by their own spam filter. Mail clients that support RFC 8058 one-click
# unsubscribe POST `List-Unsubscribe=One-Click` straight to the same URL; that is allowed
# without a CSRF token (the signed token is the capability), but a post that a browser says
# came from another site is refused.

_PAGE = """<!doctype html>
<html lang="sl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}
button{{font-size:1.1rem;padding:.6rem 1.4rem;cursor:pointer}}p.en{{color:#444}}</style></head>
<body><main>{body}</main></body></html>"""


def _confirm_text(model, purpose: str) -> tuple[str, str]:
    activity = model.activity(purpose)
    return (f"Ali želite preklicati privolitev za namen »{activity.name.sl}«?",
            f"Do you want to withdraw your consent to “{activity.name.en}”?")


def _client_ip(request: Request) -> str | None:
    """The peer's address when it is one (test clients and unix sockets have none)."""
    import ipaddress

    host = request.client.host if request.client else None
    try:
        return str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        return None


@router.get("/withdraw/{token}", response_class=HTMLResponse, include_in_schema=False)
def withdraw_page(token: str, request: Request) -> HTMLResponse:
    st = get_state(request)
    data = consent.read_withdrawal(st.model, st.key, token)
    sl, en = _confirm_text(st.model, data.purpose)
    body = (f"<h1>Preklic privolitve</h1><p>{html.escape(sl)}</p><p class=en lang=en>{html.escape(en)}</p>"
            f'<form method="post"><button type="submit">Prekliči / Withdraw</button></form>')
    return HTMLResponse(_PAGE.format(title="Preklic privolitve / Withdraw consent", body=body),
                        headers={"Cache-Control": "no-store"})


@router.post("/withdraw/{token}", response_class=HTMLResponse, summary="Withdraw through a signed link",
             tags=["consents"])
def withdraw(token: str, request: Request):
    if not same_origin(request):
        raise NotAllowed("this withdrawal was sent from another site; open the link from your e-mail")
    st = get_state(request)
    data = consent.read_withdrawal(st.model, st.key, token)
    sl, en = _confirm_text(st.model, data.purpose)
    proof = consent.Proof(channel="email", wording=f"{sl}\n{en}", ip=_client_ip(request),
                          user_agent=request.headers.get("user-agent"))
    with st.engine.begin() as conn:
        event = consent.withdraw_by_token(conn, st.model, st.key, token, proof)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(_event_json(event))
    activity = st.model.activity(data.purpose)
    body = (f"<h1>Privolitev je preklicana</h1><p>Preklic privolitve za »{html.escape(activity.name.sl)}« "
            f"je zabeležen.</p><p class=en lang=en>Your consent to “{html.escape(activity.name.en)}” "
            "is withdrawn.</p>"
            '<p><a href="/preferences">Pregled in urejanje vseh privolitev</a> · '
            '<a href="/preferences?lang=en" lang="en">See and change all your consents</a></p>')
    return HTMLResponse(_PAGE.format(title="Privolitev je preklicana / Consent withdrawn", body=body))
