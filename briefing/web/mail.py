"""The confirmation email of a sign-up, delivered the way editions are: SMTP, or the outbox folder."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from html import escape as _esc
from pathlib import Path

from briefing.config import Config
from briefing.publish.email import SmtpSettings, send_smtp, sender_domain
from briefing.publish.files import write_atomic


def confirmation_message(config: Config, address: str, titles: Sequence[str], link: str, now: datetime) -> EmailMessage:
    """A plain, short message with the confirmation link (no tracking, nothing else to click)."""
    names = ", ".join(titles)
    hours = config.web.confirm_hours
    text = (
        f"Someone (we hope you) asked to receive {names} from {config.site.title} at this address.\n\n"
        f"To confirm, open this link within {hours:g} hours and press the button:\n\n{link}\n\n"
        "If you did not ask for this, ignore this message: nothing will be sent to you.\n"
    )
    html = (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"></head>"
        "<body style=\"font-family: Helvetica, Arial, sans-serif; font-size: 16px; line-height: 24px;\">"
        f"<p>Someone (we hope you) asked to receive {_esc(names)} from {_esc(config.site.title)} at this address.</p>"
        f"<p><a href=\"{_esc(link)}\">Confirm your subscription</a> (the link works for {hours:g} hours).</p>"
        "<p>If you did not ask for this, ignore this message: nothing will be sent to you.</p></body></html>"
    )
    msg = EmailMessage()
    name, sender = parseaddr(config.email.from_)
    msg["From"] = formataddr((name, sender)) if name else sender
    msg["To"] = address
    msg["Subject"] = f"Confirm your subscription to {names}"[:200]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<confirm.{secrets.token_hex(12)}@{sender_domain(config.email.from_)}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def deliver_confirmation(config: Config, msg: EmailMessage, now: datetime) -> Path | None:
    """Send the message by SMTP, or write it to `<outbox>/confirmations/`; the path where written."""
    smtp = config.email.smtp
    if smtp is not None:
        send_smtp(SmtpSettings.of(smtp), msg)
        return None
    safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", str(msg["To"]))
    digest = hashlib.sha1(str(msg["Message-ID"]).encode()).hexdigest()[:8]
    path = config.email.outbox / "confirmations" / f"{now:%Y%m%dT%H%M%S}-{digest}-{safe}.eml"
    write_atomic(path, msg.as_bytes())
    return path

