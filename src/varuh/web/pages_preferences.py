"""The preference centre (sl/en): a subject proves their e-mail address, then sees and changes
their consents per purpose and downloads receipts. (The one-click "odjava" link of e-mails,
/withdraw/{token}, is answered by web/api_consent.py.)

Withdrawing must be as easy as giving (GDPR Art. 7(3)); the subject has a right to know what
they consented to (Art. 7(1), Art. 15). Sign-in is a single-use link sent to the address, so
nobody learns whether an address is known: every request gets the same answer.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from varuh import mail, settings
from varuh.consent.engine import (
    Proof,
    check_consent,
    consent_history,
    get_event,
    receipt,
    record_consent,
)
from varuh.errors import InvalidInput, NotFound, VerificationFailed
from varuh.law.clock import LJUBLJANA
from varuh.ledger.subjects import digest, find_subject, normalise
from varuh.model.privacy import Activity, PrivacyModel
from varuh.web import tokens
from varuh.web.security import CSRF_FIELD, csrf_protect, csrf_token
from varuh.web.state import ServiceState, get_state
from varuh.web.throttle import client_ip, proof_ip, throttle_for

router = APIRouter()

templates = Environment(loader=PackageLoader("varuh.web", "templates"), autoescape=select_autoescape(),
                        trim_blocks=True, lstrip_blocks=True)

SESSION_COOKIE = "varuh_pref"
# sign-in links: per client address and per (hashed) e-mail address, so nobody's inbox is flooded
LINK_LIMIT_IP = (10, 600.0)
LINK_LIMIT_ADDRESS = (3, 3600.0)


# --- page plumbing -----------------------------------------------------------------------------


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "sl"


def when(instant: dt.datetime | None, lang: str) -> str:
    """'15. 3. 2019 ob 14.05' / '15 March 2019, 14:05', in Ljubljana time."""
    if instant is None:
        return ""
    local = instant.astimezone(LJUBLJANA)
    if lang == "en":
        return f"{local.day} {local:%B %Y}, {local:%H:%M}"
    return f"{local.day}. {local.month}. {local.year} ob {local:%H.%M}"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def page(request: Request, name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a public page; every page carries the CSRF token (security.csrf_token) for its forms."""
    state = get_state(request)
    cookies = Response()
    csrf = csrf_token(request, cookies)
    html = templates.get_template(f"public/{name}").render(
        lang=lang, t=lambda sl, en: en if lang == "en" else sl, org=state.model.organisation,
        csrf=csrf, csrf_field=CSRF_FIELD, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    for cookie in cookies.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", cookie)
    return response


def _email(request: Request) -> str | None:
    session = tokens.read_session(get_state(request).key, request.cookies.get(SESSION_COOKIE))
    return session["e"] if session else None


def _session_ended(request: Request, lang: str) -> HTMLResponse:
    """Sessions last 30 minutes: say so and offer a new link, instead of an error page."""
    return page(request, "preferences_start.html", lang, status=401, expired=True)


def _proof(request: Request, state: ServiceState, wording: str) -> Proof:
    version = state.model.policy.version if state.model.policy else None
    return Proof(channel="web_form", notice_version=version, wording=wording, ip=proof_ip(request),
                 user_agent=request.headers.get("user-agent"))


def wording(activity: Activity, lang: str) -> str:
    """The request the subject answers: the model's consent wording, else the activity's purpose."""
    if activity.consent and activity.consent.wording:
        return activity.consent.wording(lang)
    return activity.purpose(lang)


def _rows(model: PrivacyModel, conn, key: bytes, email: str, lang: str) -> list[dict[str, Any]]:
    history = consent_history(conn, key, identities={"email": email})
    rows = []
    for activity in model.consent_activities():
        state = check_consent(conn, key, purpose=activity.id, identities={"email": email})
        events = [e for e in history if e.purpose == activity.id]
        rows.append({
            "id": activity.id, "name": activity.name(lang), "purpose": activity.purpose(lang),
            "wording": wording(activity, lang), "given": state.given, "status": state.status,
            "since": when(state.at, lang),
            "events": [{"receipt": e.receipt_id, "given": e.given, "at": when(e.at, lang), "channel": e.channel}
                       for e in reversed(events)],
        })
    return rows


# --- sign-in -----------------------------------------------------------------------------------


@router.get("/preferences", response_class=HTMLResponse, include_in_schema=False)
def preferences(request: Request, lang: str | None = None, saved: int = 0) -> HTMLResponse:
    lang = _lang(lang)
    email = _email(request)
    if email is None:
        return page(request, "preferences_start.html", lang)
    state = get_state(request)
    with state.engine.connect() as conn:
        rows = _rows(state.model, conn, state.key, email, lang)
    return page(request, "preferences.html", lang, rows=rows, saved=bool(saved), email=email)


@router.post("/preferences/link", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[Depends(csrf_protect)])
def send_link(request: Request, email: str = Form(""), lang: str = Form("sl")) -> HTMLResponse:
    """E-mail a single-use sign-in link. The answer is the same whether or not the address is known."""
    lang = _lang(lang)
    state = get_state(request)
    address = email.strip()  # mailed as typed: the local part may be case-sensitive (RFC 5321)
    try:
        normalise("email", address)
    except InvalidInput:
        return page(request, "preferences_start.html", lang, status=422, error=True, value=email[:254])
    throttle_for(request, "pref-ip", LINK_LIMIT_IP).hit(client_ip(request))
    throttle_for(request, "pref-address", LINK_LIMIT_ADDRESS).hit(digest("email", address, state.key))
    token = tokens.signin_link_token(state.key, address, lang)
    base = (settings.get("VARUH_BASE_URL") or "").rstrip("/")
    link = f"{base}/preferences/signin?t={token}&lang={lang}"
    context = {"lang": lang, "org": state.model.organisation, "link": link, "minutes": tokens.LINK_MINUTES,
               "t": lambda sl, en: en if lang == "en" else sl}
    text = templates.get_template("public/preferences_mail.txt").render(**context)
    subject = ("Your link to your privacy choices" if lang == "en" else "Povezava do vaših privolitev")
    mail.send(mail.build(address, f"{subject} – {state.model.organisation.name}", text))
    return page(request, "preferences_sent.html", lang, minutes=tokens.LINK_MINUTES)


@router.get("/preferences/signin", response_class=HTMLResponse, include_in_schema=False)
def signin_page(request: Request, t: str = "", lang: str | None = None) -> HTMLResponse:
    """A page with one button: e-mail link scanners open links, and must not spend them."""
    return page(request, "preferences_signin.html", _lang(lang), token=t)


@router.post("/preferences/signin", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def signin(request: Request, t: str = Form("")) -> Response:
    state = get_state(request)
    try:
        with state.engine.begin() as conn:
            payload = tokens.unseal(state.key, "signin", t, tokens.LINK_MINUTES)
            found = find_subject(conn, {"email": payload["e"]}, state.key)
            tokens.use_signin_token(conn, state.key, t, f"subject:{found[1]}" if found else "subject:unknown")
    except VerificationFailed:
        return page(request, "link_invalid.html", _lang(request.query_params.get("lang")), status=400)
    response = RedirectResponse(f"/preferences?lang={_lang(payload.get('l'))}", status_code=303)
    response.set_cookie(SESSION_COOKIE, tokens.session_token(state.key, payload["e"]), httponly=True,
                        samesite="lax", secure=_secure(request), path="/", max_age=tokens.SESSION_MINUTES * 60)
    return response


@router.post("/preferences/signout", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def signout(request: Request, lang: str = Form("sl")) -> Response:
    response = RedirectResponse(f"/preferences?lang={_lang(lang)}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- changing consents and receipts -------------------------------------------------------------


@router.post("/preferences", include_in_schema=False, dependencies=[Depends(csrf_protect)])
async def change(request: Request) -> Response:
    """Record what changed: one event per purpose whose answer differs from the ledger's."""
    form = await request.form()
    lang = _lang(str(form.get("lang", "sl")))
    email = _email(request)
    if email is None:
        return _session_ended(request, lang)
    answers = {key[len("purpose-"):]: value == "given" for key, value in form.items()
               if key.startswith("purpose-") and value in ("given", "withdrawn")}
    await run_in_threadpool(_record_answers, request, email, answers, lang)  # the ledger is synchronous
    return RedirectResponse(f"/preferences?lang={lang}&saved=1", status_code=303)


def _record_answers(request: Request, email: str, answers: dict[str, bool], lang: str) -> None:
    """One transaction: every change or none. An answer equal to the ledger's records nothing."""
    state = get_state(request)
    with state.engine.begin() as conn:
        for activity in state.model.consent_activities():
            if activity.id not in answers:
                continue
            given = answers[activity.id]
            current = check_consent(conn, state.key, purpose=activity.id, identities={"email": email})
            if current.status == "none" or current.given != given:
                record_consent(conn, state.model, state.key, purpose=activity.id, given=given,
                               proof=_proof(request, state, wording(activity, lang)), identities={"email": email})


@router.get("/preferences/receipts/{receipt_id}.json", include_in_schema=False)
def download_receipt(request: Request, receipt_id: str) -> Response:
    """The consent receipt of one of the signed-in subject's own events (ISO/IEC TS 27560 style)."""
    email = _email(request)
    if email is None:
        return _session_ended(request, _lang(request.query_params.get("lang")))
    state = get_state(request)
    with state.engine.connect() as conn:
        found = find_subject(conn, {"email": email}, state.key)
        try:
            event = get_event(conn, receipt_id)
        except NotFound:
            event = None
        if event is None or found is None or event.subject_ref != found[1]:
            raise NotFound("no such receipt among your consents")
        body = receipt(conn, state.model, state.key, event.id)
    return Response(json.dumps(body, ensure_ascii=False, indent=2, default=str), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="consent-receipt-{event.receipt_id}.json"',
                             "Cache-Control": "no-store"})
