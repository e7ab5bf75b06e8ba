"""Consent receipts: one consent event as JSON a subject can download and keep.

The structure follows the information structure of ISO/IEC TS 27560:2023 (consent record
information structure: record and schema ids, the PII principal, the controllers, the notice
presented, the purposes with their legal basis and data, the consent status and the event that
set it, how it was collected) and names its concepts with W3C Data Privacy Vocabulary terms
(DPV 2: `dpv:ConsentGiven`, `dpv:Consent`, `eu-gdpr:A6-1-a` …), so other tools can read it.

The receipt carries an HMAC of its content with the ledger's secret: shown a receipt later, the
controller can tell whether it is one it issued, unchanged (`verify_receipt`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any

from varuh.model.privacy import Art9Condition, PrivacyModel

if TYPE_CHECKING:
    from varuh.consent.engine import ConsentEvent

SCHEMA = "https://varuh.si/schemas/consent-receipt/1"  # an id, not a fetchable document
CONTEXT = {
    "dpv": "https://w3id.org/dpv#",
    "dpv-pd": "https://w3id.org/dpv/pd#",
    "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
}
_CHANNEL_METHOD = {  # how the consent was indicated
    "web_form": "web form",
    "banner": "cookie banner",
    "email": "e-mail",
    "paper": "signed paper form",
    "phone": "telephone call",
    "api": "controller's system (API)",
}
_DOMAIN = b"varuh-receipt:"


def _status(event: ConsentEvent, earlier_given: bool | None) -> str:
    if event.given:
        return "dpv:ConsentGiven"
    # a "no" that ends nothing is a refusal; a "no" after a "yes" is a withdrawal (GDPR Art. 7(3))
    return "dpv:ConsentWithdrawn" if earlier_given is not False else "dpv:ConsentRefused"


def build_receipt(model: PrivacyModel, event: ConsentEvent, *, key: bytes | None = None,
                  earlier_given: bool | None = None) -> dict[str, Any]:
    """The receipt of `event`; with `key`, signed (see verify_receipt)."""
    activity = model.activity(event.purpose)
    org = model.organisation
    controller: dict[str, Any] = {"name": org.name, "role": "dpv:DataController"}
    if org.seat:
        controller["address"] = f"{org.seat.line()}, {org.seat.country}"
    if org.contact.email:
        controller["email"] = org.contact.email
    if org.dpo and org.dpo.email:
        controller["dpo_email"] = org.dpo.email
    purpose: dict[str, Any] = {"purpose_id": event.purpose}
    if activity is not None:
        purpose["purpose"] = {"sl": activity.purpose.sl, "en": activity.purpose.en}
        purpose["legal_basis"] = ["dpv:Consent", "eu-gdpr:A6-1-a"]
        if activity.art9_condition == Art9Condition.explicit_consent:
            purpose["legal_basis"] += ["dpv:ExplicitlyExpressedConsent", "eu-gdpr:A9-2-a"]
        categories = []
        for cid in activity.data:
            category = model.data_category(cid)
            if category is not None:
                categories.append({"id": cid, "name": category.name.en, **({"dpv": category.dpv}
                                                                         if category.dpv else {})})
        purpose["pii_categories"] = categories
        purpose["recipients"] = [r.name.en for rid in activity.recipients if (r := model.recipient(rid))]
        if activity.consent and activity.consent.proof_retention:
            purpose["proof_retention"] = activity.consent.proof_retention.iso()
        if activity.consent and activity.consent.withdraw:
            purpose["withdrawal_methods"] = list(activity.consent.withdraw)
    principal = event.subject_ref or f"consent-id:{event.consent_id}"
    record: dict[str, Any] = {
        "@context": CONTEXT,
        "schema_version": SCHEMA,
        "standard": "ISO/IEC TS 27560:2023",
        "record_id": f"urn:uuid:{event.receipt_id}",
        "event_id": event.id,
        "pii_principal_id": principal,
        "pii_controllers": [controller],
        "jurisdiction": org.seat.country if org.seat else "SI",
        "notice": {
            "version": event.notice_version,
            "url": model.policy.url if model.policy else None,
            "text_sha256": event.text_hash,
            "text": event.wording,
        },
        "purposes": [purpose],
        "consent_status": _status(event, earlier_given),
        "event": {
            "type": _status(event, earlier_given),
            "time": event.at.isoformat(),
            "collection_method": _CHANNEL_METHOD.get(event.channel, event.channel),
            "channel": event.channel,
            "by": "dpv:DataSubject" if event.given_by == "subject" else "dpv:ParentOfDataSubject",
            "ip_network": event.ip,
            "user_agent": event.user_agent,
        },
    }
    if key is not None:
        record["signature"] = {"alg": "HMAC-SHA256", "value": _mac(key, record)}
    return record


def _mac(key: bytes, record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hmac.new(key, _DOMAIN + canonical.encode(), hashlib.sha256).hexdigest()


def verify_receipt(key: bytes, record: dict[str, Any]) -> bool:
    """True if `record` is a receipt this ledger signed and nothing in it was changed."""
    signature = record.get("signature") or {}
    return isinstance(signature, dict) and hmac.compare_digest(str(signature.get("value", "")), _mac(key, record))
