"""The proof kept with every consent event (GDPR Art. 7(1): the controller must be able to show
that the subject consented, to what, and how).

What is kept: the instant, the channel, the notice version, the exact wording shown and its
SHA-256 hash (so a later change of wording cannot be passed off as the text that was agreed to),
who gave it (the subject, or a parent or guardian below the age of digital consent — ZVOP-2
Art. 8, GDPR Art. 8(1)), and the browser's address and user agent. The address is truncated
before it is stored (IPv4 to /24, IPv6 to /48): enough to show the request's network, not
enough to single out a household (data minimisation, GDPR Art. 5(1)(c)).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

from varuh.errors import InvalidInput

CHANNELS = ("web_form", "banner", "email", "paper", "phone", "api")
GIVERS = ("subject", "parent")
USER_AGENT_MAX = 400
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def text_hash(wording: str) -> str:
    """SHA-256 hex of the exact text shown (UTF-8, unchanged: a changed comma is a changed text)."""
    return hashlib.sha256(wording.encode("utf-8")).hexdigest()


def check_text_hash(value: str, wording: str | None) -> str:
    value = value.strip().lower()
    if not _HEX64.match(value):
        raise InvalidInput("proof.text_hash must be the SHA-256 of the text shown: 64 hexadecimal digits")
    if wording is not None and text_hash(wording) != value:
        raise InvalidInput("proof.text_hash is not the SHA-256 of proof.wording: the two must describe the same text")
    return value


def truncate_ip(value: str | None) -> str | None:
    """The network of an address: IPv4 /24 (203.0.113.7 → 203.0.113.0), IPv6 /48."""
    if value is None or not value.strip():
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        raise InvalidInput("proof.ip is not an IP address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise InvalidInput(f"unknown consent channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return channel


def check_giver(given_by: str) -> str:
    if given_by not in GIVERS:
        raise InvalidInput(f"proof.given_by must be one of {', '.join(GIVERS)}, not {given_by!r}")
    return given_by


def clip_user_agent(value: str | None) -> str | None:
    return value[:USER_AGENT_MAX] if value else None
