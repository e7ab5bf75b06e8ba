"""The public request form (sl/en, no account): /zahteva, and the confirmation by link or code.

A request from the form is recorded at once (its deadline runs from receipt, GDPR Art. 12(3)) and
a single-use link and code go to the address given; nothing about the subject is disclosed until
one of them is used. The form is CSRF-protected (double-submit token, same-origin check) and
rate-limited per client address and per e-mail address in the ledger; confirmations are
rate-limited per address in the process. Every answer is the same whether or not the organisation
holds data on the address, so the form cannot be used to probe who is a customer.

The confirmation link shows a page with one button and only a POST confirms: mail scanners and
link previews fetch links with GET and must not spend the single-use token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from varuh import mail, settings
from varuh.errors import InvalidInput, RateLimited, VerificationFailed
from varuh.requests import intake, verification
from varuh.requests.types import TYPES, RequestType
from varuh.web.api_requests import clock
from varuh.web.security import csrf_protect, csrf_token
from varuh.web.state import get_state
from varuh.web.throttle import TooManyRequests, client_ip, throttle_for

router = APIRouter(include_in_schema=False)

templates = Environment(loader=PackageLoader("varuh.web", "templates"), autoescape=select_autoescape(),
                        trim_blocks=True, lstrip_blocks=True)

CONFIRM_LIMIT = (20, 600.0)  # confirmation attempts per client address per 10 minutes

HINTS = {
    RequestType.access: ("Kopija vaših osebnih podatkov in informacije o obdelavi.",
                         "A copy of your personal data and information about the processing."),
    RequestType.rectification: ("Popravek netočnih ali dopolnitev nepopolnih podatkov.",
                                "Correct inaccurate or complete incomplete data."),
    RequestType.erasure: ("Izbris podatkov, kadar zanj obstaja razlog iz člena 17.",
                          "Erase your data where a ground in Art. 17 applies."),
    RequestType.restriction: ("Začasna omejitev obdelave.", "Temporarily restrict processing."),
    RequestType.portability: ("Podatki, ki ste nam jih dali, v strojno berljivi obliki.",
                              "The data you gave us, in a machine-readable format."),
    RequestType.objection: ("Ugovor obdelavi na podlagi zakonitega ali javnega interesa.",
                            "Object to processing based on legitimate or public interest."),
    RequestType.objection_marketing: ("Ne želim več prejemati trženjskih sporočil.",
                                      "Stop using my data for direct marketing."),
    RequestType.consent_withdrawal: ("Preklic privolitve, ki ste nam jo dali.", "Withdraw a consent you gave us."),
    RequestType.appeal: ("Pritožba zoper naš odgovor na vašo zahtevo.", "Appeal against our answer to your request."),
}


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "sl"


def _types(model, lang: str) -> list[tuple[str, str, str]]:
    kinds = [k for k in RequestType if k != RequestType.appeal or model.rights.procedures]
    sl = lang == "sl"
    return [(k.value, (TYPES[k].sl if sl else TYPES[k].en).capitalize(), HINTS[k][0 if sl else 1]) for k in kinds]


def _page(request: Request, name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    st = get_state(request)
    cookies = Response()  # collects the CSRF cookie when the visitor has none yet
    token = csrf_token(request, cookies)
    html = templates.get_template(f"requests/{name}").render(
        lang=lang, t=lambda sl, en: en if lang == "en" else sl, org=st.model.organisation, csrf=token,
        path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    response.raw_headers.extend((k, v) for k, v in cookies.raw_headers if k == b"set-cookie")
    return response


@router.get("/zahteva")
@router.get("/request")
def form(request: Request, lang: str | None = None) -> HTMLResponse:
    language = _lang(lang or ("en" if request.url.path == "/request" else "sl"))
    return _page(request, "form.html", language, types=_types(get_state(request).model, language), values={})


@router.post("/zahteva", dependencies=[Depends(csrf_protect)])
def submit(request: Request, type: str = Form("access"), email: str = Form(""), name: str = Form(""),
           details: str = Form(""), lang: str = Form("sl")) -> HTMLResponse:
    st = get_state(request)
    language = _lang(lang)
    values = {"type": type, "email": email, "name": name, "details": details}
    day, now = clock(st)
    try:
        if len(email) > 254 or len(name) > 200 or len(details) > 5000:
            raise InvalidInput("too long")
        done = intake.submit_request(st.engine, st.model, st.key, type=type, email=email, ip=client_ip(request),
                                     base_url=settings.get("VARUH_BASE_URL") or str(request.base_url),
                                     mailer=mail.send, lang=language, name=name, details=details, now=now,
                                     today=day)
    except RateLimited:
        return _page(request, "form.html", language, 429, types=_types(st.model, language), values=values,
                     error="Preveč zahtev. Poskusite znova pozneje." if language == "sl"
                     else "Too many requests. Please try again later.")
    except InvalidInput:
        return _page(request, "form.html", language, 422, types=_types(st.model, language), values=values,
                     error="Preverite vrsto zahteve in e-poštni naslov." if language == "sl"
                     else "Please check the type of request and the e-mail address.")
    return _page(request, "sent.html", language, 201, ref=done.id, error=None)


def _throttle(request: Request) -> None:
    throttle_for(request, "request-confirm", CONFIRM_LIMIT).hit(client_ip(request))


@router.get("/zahteva/potrdi/{token}")
def confirm_page(token: str, request: Request, lang: str | None = None) -> HTMLResponse:
    return _page(request, "confirm.html", _lang(lang))


@router.post("/zahteva/potrdi/{token}", dependencies=[Depends(csrf_protect)])
def confirm(token: str, request: Request, lang: str = Form("sl")) -> HTMLResponse:
    st = get_state(request)
    language = _lang(lang)
    _, now = clock(st)
    try:
        _throttle(request)
        record = verification.confirm_link(st.engine, st.key, token, now=now)
    except (VerificationFailed, TooManyRequests) as e:
        return _page(request, "failed.html", language, 429 if isinstance(e, TooManyRequests) else 400)
    return _confirmed(request, language, record)


def _confirmed(request: Request, language: str, record) -> HTMLResponse:
    from varuh.documents.wording import format_date

    return _page(request, "confirmed.html", language, ref=record.id, due=format_date(record.deadline, language))


@router.get("/zahteva/koda")
def code_page(request: Request, ref: str | None = None, lang: str | None = None) -> HTMLResponse:
    return _page(request, "code.html", _lang(lang), ref=ref, error=None)


@router.post("/zahteva/koda", dependencies=[Depends(csrf_protect)])
def confirm_code(request: Request, ref: str = Form(""), code: str = Form(""), lang: str = Form("sl")) -> Response:
    st = get_state(request)
    language = _lang(lang)
    _, now = clock(st)
    try:
        _throttle(request)
        record = verification.confirm_code(st.engine, st.key, ref[:20], code[:12], now=now)
    except (VerificationFailed, TooManyRequests) as e:
        message = ("Koda ni pravilna, je potekla ali je bila že uporabljena." if language == "sl"
                   else "The code is not correct, has expired or was already used.")
        return _page(request, "code.html", language, 429 if isinstance(e, TooManyRequests) else 400, ref=ref,
                     error=message)
    return _confirmed(request, language, record)
