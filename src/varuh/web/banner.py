"""The cookie banner's data: the model's cookie registry as the banner shows it, and what a choice means.

Storing or reading anything on a visitor's device that is not strictly necessary needs prior
consent (ZEKom-2 Art. 225, transposing ePrivacy Directive Art. 5(3)); that consent must be as
easy to refuse and withdraw as to give (GDPR Art. 7(3), EDPB Guidelines 05/2020 and 03/2022 on
deceptive design). The banner groups the declared cookies into four categories; a category
stands for the consent-based activities its cookies serve (each cookie's `activity`), and a
choice is recorded as one consent event per such activity ("purpose").

`/banner.js` is `static/banner.js` with this module's JSON config and `static/banner.css` put in
place of two markers, so the script, its styles and the registry travel in one request and the
15 KB (gzipped) budget covers all three.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib.resources import files
from typing import Any

from varuh.model.periods import Period
from varuh.model.privacy import Cookie, CookieCategory, LegalBasis, PrivacyModel, Text

# The banner's own record of the choice: strictly necessary (it is how the refusal is remembered).
CONSENT_COOKIE = "varuh_consent"
CONSENT_COOKIE_DAYS = 365
API_PATH = "/api/v1/banner/consent"

CATEGORY_TEXT: dict[CookieCategory, tuple[Text, Text]] = {
    CookieCategory.necessary: (
        Text(sl="Nujni piškotki", en="Necessary cookies"),
        Text(sl="Potrebni so za delovanje strani (prijava, košarica, varnost, zapomnitev vaše izbire). "
                "Zanje ne potrebujemo privolitve, zato jih ne morete izklopiti.",
             en="Needed for the site to work (sign-in, basket, security, remembering your choice). "
                "They need no consent, so they cannot be switched off."),
    ),
    CookieCategory.preferences: (
        Text(sl="Nastavitveni piškotki", en="Preference cookies"),
        Text(sl="Zapomnijo si vaše nastavitve, na primer jezik ali prikaz.",
             en="Remember your settings, such as language or layout."),
    ),
    CookieCategory.statistics: (
        Text(sl="Statistični (analitični) piškotki", en="Statistics (analytics) cookies"),
        Text(sl="Pomagajo nam razumeti, kako obiskovalci uporabljajo stran, da jo lahko izboljšamo.",
             en="Help us understand how visitors use the site, so we can improve it."),
    ),
    CookieCategory.marketing: (
        Text(sl="Oglaševalski piškotki", en="Marketing cookies"),
        Text(sl="Omogočajo prikaz prilagojenih oglasov in merjenje oglaševanja, tudi pri drugih ponudnikih.",
             en="Allow personalised advertising and measuring it, also by other providers."),
    ),
}

# The words of the banner itself; the category and cookie texts come from CATEGORY_TEXT and the model.
UI_TEXT: dict[str, dict[str, str]] = {
    "sl": {
        "title": "Piškotki na tej strani",
        "intro": "Nujne piškotke uporabljamo, da stran deluje. Druge piškotke uporabimo le, če v to privolite; "
                 "opis in izbiro po vrstah najdete pod »Izberi«. Izbiro lahko kadar koli spremenite ali "
                 "prekličete z gumbom »Piškotki«.",
        "all": "Sprejmi vse",
        "none": "Zavrni vse",
        "choose": "Izberi",
        "save": "Shrani izbiro",
        "policy": "Politika zasebnosti",
        "label": "Nastavitve piškotkov",
        "fab": "Piškotki",
        "always": "vedno vključeni",
        "details": "Podrobnosti",
        "provider": "Ponudnik",
        "duration": "Trajanje",
        "gpc": "Vaš brskalnik pošilja signal Global Privacy Control, zato so oglaševalski piškotki zavrnjeni.",
        "refused": "zavrnjeno",
    },
    "en": {
        "title": "Cookies on this site",
        "intro": "We use necessary cookies to make the site work. Other cookies we use only if you consent; "
                 "their description and a choice by kind are under “Choose”. You can change or withdraw your "
                 "choice at any time with the “Cookies” button.",
        "all": "Accept all",
        "none": "Reject all",
        "choose": "Choose",
        "save": "Save choice",
        "policy": "Privacy policy",
        "label": "Cookie settings",
        "fab": "Cookies",
        "always": "always on",
        "details": "Details",
        "provider": "Provider",
        "duration": "Duration",
        "gpc": "Your browser sends the Global Privacy Control signal, so marketing cookies are refused.",
        "refused": "refused",
    },
}

OWN_COOKIE = Cookie(
    name=CONSENT_COOKIE,
    provider="first party",
    purpose=Text(sl="Zapomni si vašo izbiro piškotkov in različico politike, na katero se nanaša.",
                 en="Remembers your cookie choice and the policy version it refers to."),
    duration=Period(days=CONSENT_COOKIE_DAYS),
    category=CookieCategory.necessary,
)

# Slovenian has singular, dual, "few" (3–4) and plural: 1 leto, 2 leti, 3 leta, 5 let.
_UNITS: dict[str, tuple[tuple[str, str, str, str], tuple[str, str]]] = {
    "year": (("leto", "leti", "leta", "let"), ("year", "years")),
    "month": (("mesec", "meseca", "meseci", "mesecev"), ("month", "months")),
    "week": (("teden", "tedna", "tedni", "tednov"), ("week", "weeks")),
    "day": (("dan", "dneva", "dnevi", "dni"), ("day", "days")),
    "hour": (("ura", "uri", "ure", "ur"), ("hour", "hours")),
    "minute": (("minuta", "minuti", "minute", "minut"), ("minute", "minutes")),
}


def _sl_form(n: int, forms: tuple[str, str, str, str]) -> str:
    rest = n % 100
    return forms[0] if rest == 1 else forms[1] if rest == 2 else forms[2] if rest in (3, 4) else forms[3]


def duration_text(duration: Period | str | None, lang: str) -> str:
    """'2 leti' / '2 years'; a session cookie is 'seja' / 'session'; unknown is a dash."""
    if duration is None:
        return "–"
    if duration == "session" or not isinstance(duration, Period):
        return "seja" if lang == "sl" else "session"
    parts = []
    for n, unit in duration.parts():
        sl, en = _UNITS[unit]
        parts.append(f"{n} {_sl_form(n, sl)}" if lang == "sl" else f"{n} {en[0] if n == 1 else en[1]}")
    return " ".join(parts) if parts else ("ob koncu obiska" if lang == "sl" else "end of visit")


def _pattern(cookie: Cookie) -> str:
    """A JavaScript regular expression for the names a registry entry covers (`_ga_*`: a prefix)."""
    if not cookie.pattern:
        return "^" + _js_escape(cookie.name) + "$"
    parts = [_js_escape(p) for p in cookie.name.split("*")]
    regex = ".*".join(parts)
    return "^" + regex + ("" if "*" in cookie.name else ".*")


def _js_escape(text: str) -> str:
    return "".join("\\" + ch if ch in r"\^$.|?*+()[]{}/" else ch for ch in text)


def category_purposes(model: PrivacyModel) -> dict[str, list[str]]:
    """Each optional category's consent-based activities (purposes), in model order."""
    consent_ids = {a.id for a in model.activities if a.legal_basis == LegalBasis.consent}
    found: dict[str, list[str]] = {}
    for cookie in model.cookies:
        if cookie.category == CookieCategory.necessary:
            continue
        purposes = found.setdefault(cookie.category.value, [])
        if cookie.activity in consent_ids and cookie.activity not in purposes:
            purposes.append(cookie.activity)
    return found


def purposes_for_choice(model: PrivacyModel, accepted: dict[str, bool]) -> dict[str, bool]:
    """Purpose -> given. A purpose whose cookies span several categories needs all of them accepted."""
    result: dict[str, bool] = {}
    for category, purposes in category_purposes(model).items():
        for purpose in purposes:
            result[purpose] = result.get(purpose, True) and bool(accepted.get(category))
    return result


def _lifetime(cookie: Cookie, lang: str) -> str:
    """Local storage without a declared duration lives until it is cleared; session storage for the visit."""
    if cookie.duration is None and cookie.storage == "localStorage":
        return "do izbrisa" if lang == "sl" else "until cleared"
    if cookie.duration is None and cookie.storage == "sessionStorage":
        return duration_text("session", lang)
    return duration_text(cookie.duration, lang)


def _cookie_entry(cookie: Cookie) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": cookie.name + ("*" if cookie.pattern and "*" not in cookie.name else ""),
        "match": _pattern(cookie),
        "provider": cookie.provider,
        "purpose": {"sl": cookie.purpose.sl, "en": cookie.purpose.en} if cookie.purpose else None,
        "duration": {lang: _lifetime(cookie, lang) for lang in ("sl", "en")},
        "storage": cookie.storage,
    }
    if cookie.path != "/":
        entry["path"] = cookie.path
    if cookie.party == "third":
        entry["third"] = True  # set by another site: the page cannot remove it, only stop loading it
    return entry


def banner_config(model: PrivacyModel, *, gpc: bool = False) -> dict[str, Any]:
    """Everything banner.js needs: version, categories with their cookies, texts in sl and en."""
    purposes = category_purposes(model)
    cookies = list(model.cookies)
    if not any(c.name == CONSENT_COOKIE for c in cookies):
        cookies.insert(0, OWN_COOKIE)
    categories = []
    for category in CookieCategory:
        members = [c for c in cookies if c.category == category]
        if not members:
            continue
        name, description = CATEGORY_TEXT[category]
        categories.append({
            "id": category.value,
            "required": category == CookieCategory.necessary,
            "name": {"sl": name.sl, "en": name.en},
            "description": {"sl": description.sl, "en": description.en},
            "purposes": purposes.get(category.value, []),
            "cookies": [_cookie_entry(c) for c in members],
        })
    return {
        "version": policy_version(model),
        "gpc": gpc,
        "api": API_PATH,
        "cookie": CONSENT_COOKIE,
        "days": CONSENT_COOKIE_DAYS,
        "policy": model.policy.url if model.policy else None,
        "texts": UI_TEXT,
        "categories": categories,
    }


def policy_version(model: PrivacyModel) -> str:
    """The version a choice refers to: the policy's, else a digest of the cookie registry.

    Without a declared version, a changed registry still makes the banner ask again.
    """
    if model.policy:
        return model.policy.version
    registry = json.dumps([c.model_dump(mode="json") for c in model.cookies], sort_keys=True)
    return "r-" + hashlib.sha256(registry.encode()).hexdigest()[:12]


def shown_text(model: PrivacyModel, lang: str) -> str:
    """The exact text a visitor saw in one language; its SHA-256 is the proof's text hash.

    Events keep the hash, not the text (a banner text on every event of every visitor would
    swell the ledger): the text of any policy version is rebuilt from privacy.yaml at that
    version with this function, and its hash compared with the event's.
    """
    config = banner_config(model)
    lines = [UI_TEXT[lang]["title"], UI_TEXT[lang]["intro"]]
    for category in config["categories"]:
        lines.append(f"{category['name'][lang]}: {category['description'][lang]}")
        for c in category["cookies"]:
            purpose = c["purpose"][lang] if c["purpose"] else ""
            lines.append(f"  {c['name']} ({c['provider']}, {c['duration'][lang]}): {purpose}")
    return "\n".join(lines)


@functools.cache
def _static(name: str) -> str:
    return files("varuh.web").joinpath("static", name).read_text(encoding="utf-8")


def _minify_css(css: str) -> str:
    import re

    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    return re.sub(r":\s+", ":", css).strip()  # not " :": ".vb :focus-visible" is a descendant selector


def banner_js(model: PrivacyModel, *, gpc: bool = False) -> str:
    """The served script: banner.js with the config and the minified CSS in place of its markers."""
    config = json.dumps(banner_config(model, gpc=gpc), ensure_ascii=False, separators=(",", ":"))
    # "</" inside a string could end an inline <script>; "\u2028" breaks old JS parsers
    config = config.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    css = json.dumps(_minify_css(_static("banner.css")))
    return _static("banner.js").replace("__VARUH_CONFIG__", config).replace("__VARUH_CSS__", css)
