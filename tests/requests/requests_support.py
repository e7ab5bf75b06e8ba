"""Shared bits of the request tests: a real SMTP server (aiosmtpd) on a free port, the example models."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest

from conftest import EXAMPLES

ECPP = EXAMPLES / "ecpp"  # no fee, no declared procedure
INSTRUIRAJ = EXAMPLES / "instruiraj"  # a fee, and an internal appeal decided in 5 working days


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """What the SMTP server received, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def text(self, index: int = -1) -> str:
        msg = self.messages[index]
        part = msg.get_body(("plain",)) if msg.is_multipart() else msg
        return part.get_content()

    def link_and_code(self, index: int = -1) -> tuple[str, str]:
        body = self.text(index)
        link = re.search(r"https?://\S+/zahteva/potrdi/[A-Za-z0-9_-]+", body).group(0)
        code = re.search(r"\b(\d{6})\b", body).group(1)
        return link, code


@pytest.fixture
def smtp(monkeypatch) -> Inbox:
    """A real SMTP server on a free loopback port; VARUH_SMTP_URL points at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("VARUH_SMTP_URL", f"smtp://127.0.0.1:{port}")
    yield inbox
    controller.stop()
