"""Public surface: /banner.js, the endpoint that records a banner choice, the demo page.

These answer visitors of the organisation's own site, with no API key: the choice endpoint is
validated strictly and rate-limited instead. The preference centre lives in pages_preferences.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from varuh.consent.engine import Proof, record_consent
from varuh.consent.proofs import text_hash
from varuh.errors import Conflict, InvalidInput
from varuh.model.privacy import CookieCategory
from varuh.web import pages_preferences
from varuh.web.banner import API_PATH, banner_config, banner_js, policy_version, purposes_for_choice, shown_text
from varuh.web.pages_preferences import templates
from varuh.web.state import get_state
from varuh.web.throttle import client_ip, proof_ip, throttle_for

router = APIRouter()
router.include_router(pages_preferences.router)

# Choices per client address and minute: a person clicks a few times, a classroom behind one NAT
# address a few dozen; a script hammering the ledger stops.
BANNER_LIMIT = (120, 60.0)


def sends_gpc(request: Request) -> bool:
    """Global Privacy Control: the Sec-GPC request header (https://privacycg.github.io/gpc-spec/)."""
    return request.headers.get("sec-gpc", "").strip() == "1"


_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
         "Access-Control-Allow-Headers": "content-type", "Access-Control-Max-Age": "86400"}


@router.get("/banner.js", include_in_schema=False)
def banner_script(request: Request) -> Response:
    """The cookie banner, generated from the model's cookie registry (Sec-GPC changes its answer)."""
    script = banner_js(get_state(request).model, gpc=sends_gpc(request))
    return Response(script, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "no-cache", "Vary": "Sec-GPC",
                             "Cross-Origin-Resource-Policy": "cross-origin"})


class BannerChoice(BaseModel):
    """One visitor's choice in the banner."""

    model_config = ConfigDict(extra="forbid")

    consent_id: str = Field(pattern=r"^[A-Za-z0-9_-]{16,64}$",
                            description="The random id the banner keeps in its first-party cookie.")
    version: str = Field(min_length=1, max_length=80, description="The policy version the banner showed.")
    lang: Literal["sl", "en"] = "sl"
    categories: dict[str, bool] = Field(max_length=8, description="Category -> accepted; a missing one is refused.")
    gpc: bool = Field(False, description="navigator.globalPrivacyControl was true: marketing is refused.")


class BannerRecorded(BaseModel):
    consent_id: str
    version: str
    categories: dict[str, bool]
    purposes: dict[str, bool] = Field(description="Consent-based activity -> given, as recorded in the ledger.")


def _banner_limit(request: Request) -> None:
    throttle_for(request, "banner", BANNER_LIMIT).hit(client_ip(request))


@router.options(API_PATH, include_in_schema=False)
def banner_consent_preflight() -> Response:
    return Response(status_code=204, headers=_CORS)


@router.post(API_PATH, tags=["banner"], summary="Record a cookie-banner choice under an anonymous consent id",
             response_model=BannerRecorded, dependencies=[Depends(_banner_limit)])
def record_banner_choice(choice: BannerChoice, request: Request, response: Response) -> BannerRecorded:
    """Record a banner choice as one consent event per purpose, under the banner's consent id.

    Public (the banner runs on the organisation's pages), so: no API key, CORS open, strict
    validation, a rate limit per client address. Under Global Privacy Control (the `gpc` field
    or the Sec-GPC header) marketing is recorded as refused whatever the categories say.
    """

    state = get_state(request)
    model = state.model
    version = policy_version(model)
    if choice.version != version:
        raise Conflict(f"the banner showed policy version {choice.version!r}, the current one is {version!r}: "
                       "reload the page and choose again")
    optional = [c["id"] for c in banner_config(model)["categories"] if not c["required"]]
    unknown = sorted(set(choice.categories) - set(optional))
    if unknown:
        raise InvalidInput(f"categories: unknown category {unknown[0]!r}; this site asks about "
                           f"{', '.join(optional) or 'no category'}")
    accepted = {cat: bool(choice.categories.get(cat)) for cat in optional}
    if (choice.gpc or sends_gpc(request)) and CookieCategory.marketing.value in accepted:
        accepted[CookieCategory.marketing.value] = False
    purposes = purposes_for_choice(model, accepted)
    wording = shown_text(model, choice.lang)
    proof = Proof(channel="banner", notice_version=version, text_hash=text_hash(wording),
                  ip=proof_ip(request), user_agent=request.headers.get("user-agent", "")[:300] or None)
    with state.engine.begin() as conn:  # all purposes or none
        for purpose, given in purposes.items():
            record_consent(conn, model, state.key, purpose=purpose, given=given, proof=proof,
                           consent_id=choice.consent_id)
    response.headers.update(_CORS)
    return BannerRecorded(consent_id=choice.consent_id, version=version, categories=accepted, purposes=purposes)


@router.get("/demo", response_class=HTMLResponse, include_in_schema=False)
def demo_page(request: Request) -> HTMLResponse:
    """A sample page of the organisation with the banner and a tagged analytics script (Slovenian)."""
    model = get_state(request).model
    config = banner_config(model)
    return HTMLResponse(templates.get_template("public/demo.html").render(
        org=model.organisation, version=config["version"], categories=config["categories"]))


@router.get("/notice", response_class=HTMLResponse, tags=["documents"], summary="The privacy notice (sl; ?lang=en)")
def notice(request: Request, lang: Literal["sl", "en"] = "sl") -> HTMLResponse:
    """The privacy notice (GDPR Art. 13/14), rendered from the model: `?lang=en` for English."""
    from varuh.documents.notice import render_notice

    return HTMLResponse(render_notice(get_state(request).model, lang, "html"))
