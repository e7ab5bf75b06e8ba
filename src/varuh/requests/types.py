"""What a data subject can ask for, through which channel, and the states a request passes through."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RequestType(StrEnum):
    access = "access"  # GDPR Art. 15
    rectification = "rectification"  # Art. 16
    erasure = "erasure"  # Art. 17
    restriction = "restriction"  # Art. 18
    portability = "portability"  # Art. 20
    objection = "objection"  # Art. 21(1)
    objection_marketing = "objection_marketing"  # Art. 21(2)-(3)
    consent_withdrawal = "consent_withdrawal"  # Art. 7(3)
    appeal = "appeal"  # a controller-declared procedure (model rights.procedures), e.g. instruiraj's


class ChannelKind(StrEnum):
    web_form = "web_form"
    email = "email"
    post = "post"
    phone = "phone"
    in_person = "in_person"


class Status(StrEnum):
    received = "received"  # recorded; identity not yet confirmed
    identity_check = "identity_check"  # a link/code was sent, or more information asked for (Art. 12(6))
    in_progress = "in_progress"  # identity confirmed; being handled within the deadline
    extended = "extended"  # deadline extended by two months, the subject told why (Art. 12(3))
    completed = "completed"
    refused = "refused"  # Art. 12(4)/(5): with reasons and the remedies
    withdrawn = "withdrawn"  # the subject took it back


OPEN = frozenset({Status.received, Status.identity_check, Status.in_progress, Status.extended})
VERIFIED = frozenset({Status.in_progress, Status.extended, Status.completed})


@dataclass(frozen=True)
class TypeInfo:
    article: str
    sl: str
    en: str


TYPES: dict[RequestType, TypeInfo] = {
    RequestType.access: TypeInfo("GDPR čl. 15 / Art. 15", "dostop do osebnih podatkov", "access to personal data"),
    RequestType.rectification: TypeInfo("GDPR čl. 16 / Art. 16", "popravek osebnih podatkov",
                                        "rectification of personal data"),
    RequestType.erasure: TypeInfo("GDPR čl. 17 / Art. 17", "izbris osebnih podatkov", "erasure of personal data"),
    RequestType.restriction: TypeInfo("GDPR čl. 18 / Art. 18", "omejitev obdelave", "restriction of processing"),
    RequestType.portability: TypeInfo("GDPR čl. 20 / Art. 20", "prenosljivost podatkov", "data portability"),
    RequestType.objection: TypeInfo("GDPR čl. 21(1) / Art. 21(1)", "ugovor obdelavi", "objection to processing"),
    RequestType.objection_marketing: TypeInfo("GDPR čl. 21(2) / Art. 21(2)", "ugovor neposrednemu trženju",
                                              "objection to direct marketing"),
    RequestType.consent_withdrawal: TypeInfo("GDPR čl. 7(3) / Art. 7(3)", "preklic privolitve",
                                             "withdrawal of consent"),
    RequestType.appeal: TypeInfo("", "pritožba pri upravljavcu", "appeal to the controller"),
}


def type_name(kind: str, lang: str) -> str:
    info = TYPES[RequestType(kind)]
    return info.en if lang == "en" else info.sl


STATUS_NAMES: dict[Status, tuple[str, str]] = {
    Status.received: ("prejeta", "received"),
    Status.identity_check: ("preverjanje istovetnosti", "identity check"),
    Status.in_progress: ("v obravnavi", "in progress"),
    Status.extended: ("podaljšan rok", "extended"),
    Status.completed: ("zaključena", "completed"),
    Status.refused: ("zavrnjena", "refused"),
    Status.withdrawn: ("umaknjena", "withdrawn"),
}
