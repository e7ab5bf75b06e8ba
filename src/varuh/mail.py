"""Sending e-mail: over SMTP when VARUH_SMTP_URL is set, else into the outbox folder as .eml files.

Messages are the only place Varuh writes a subject's address outside the ledger; nothing here logs
the recipient or the body.
"""

from __future__ import annotations

import smtplib
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlparse

from varuh import settings


def build(to: str, subject: str, text: str, html: str | None = None,
          attachments: list[tuple[str, bytes, str]] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.get("VARUH_MAIL_FROM")
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@varuh>"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for name, data, mime in attachments or []:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def send(msg: EmailMessage) -> str:
    """Deliver a message; returns where it went ('smtp' or the outbox file path)."""
    url = settings.get("VARUH_SMTP_URL")
    if url:
        parsed = urlparse(url)
        with smtplib.SMTP(parsed.hostname or "127.0.0.1", parsed.port or 25, timeout=30) as smtp:
            if parsed.scheme == "smtp+starttls":
                smtp.starttls()
            if parsed.username:
                smtp.login(parsed.username, parsed.password or "")
            smtp.send_message(msg)
        return "smtp"
    outbox = Path(settings.get("VARUH_OUTBOX") or "outbox")
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(msg))
    return str(path)
