"""Email: one multipart/alternative message per recipient, delivered by SMTP or to an outbox folder.

The message is built with the standard `email` package (UTF-8, text/plain then text/html). Without
SMTP configured, each message is written as `<outbox>/<edition id>/<recipient>.eml`.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.errors import DeliveryError
from briefing.publish.files import write_atomic

if TYPE_CHECKING:
    from briefing.config import Smtp
from briefing.safe import safe_title


@dataclass(frozen=True)
class Envelope:
    """Everything about a message other than its body."""

    sender: str
    recipient: str
    subject: str
    date: datetime
    edition_id: str
    list_name: str  # briefing name, for List-Id
    list_title: str
    unsubscribe_url: str | None
    unsubscribe_mailto: str | None


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rsplit("@", 1)[-1] if "@" in address else "localhost"


def message_id(edition_id: str, recipient: str, sender: str) -> str:
    """Stable per edition and recipient, so a retried send carries the same Message-ID."""
    digest = hashlib.sha1(f"{edition_id}|{recipient.lower()}".encode()).hexdigest()[:16]
    return f"<{edition_id}.{digest}@{sender_domain(sender)}>"


def build_message(envelope: Envelope, text: str, html: str) -> EmailMessage:
    """The message; the Subject and list title pass `safe_title`, so no content can add a header line."""
    msg = EmailMessage()
    name, address = parseaddr(envelope.sender)
    msg["From"] = formataddr((name, address)) if name else address
    msg["To"] = envelope.recipient
    msg["Subject"] = safe_title(envelope.subject)
    msg["Date"] = format_datetime(envelope.date)
    msg["Message-ID"] = message_id(envelope.edition_id, envelope.recipient, envelope.sender)
    list_title = safe_title(envelope.list_title).replace("<", "").replace(">", "")
    msg["List-Id"] = f"{list_title} <{envelope.list_name}.{sender_domain(envelope.sender)}>"
    unsubscribe = []
    if envelope.unsubscribe_mailto:
        unsubscribe.append(f"<mailto:{envelope.unsubscribe_mailto}?subject=unsubscribe>")
    if envelope.unsubscribe_url:
        unsubscribe.append(f"<{envelope.unsubscribe_url}>")
    if unsubscribe:
        msg["List-Unsubscribe"] = ", ".join(unsubscribe)
    if envelope.unsubscribe_url:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["MIME-Version"] = "1.0"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    # A boundary derived from the Message-ID instead of a random one: the same edition gives
    # byte-identical .eml files.
    msg.set_boundary("=_" + hashlib.sha1(str(msg["Message-ID"]).encode()).hexdigest())
    # Headers may run to 998 characters (RFC 5322): a signed unsubscribe URL is one unbreakable
    # word, which the 78-character default would turn into an RFC 2047 encoded word that no mail
    # client reads as a List-Unsubscribe URL. The body parts are already encoded at this point.
    msg.policy = msg.policy.clone(max_line_length=998)
    return msg


def outbox_path(outbox: Path, edition_id: str, recipient: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", recipient)
    return outbox / edition_id / f"{safe}.eml"


def write_outbox(outbox: Path, envelope: Envelope, msg: EmailMessage) -> Path:
    path = outbox_path(outbox, envelope.edition_id, envelope.recipient)
    write_atomic(path, msg.as_bytes())
    return path


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # none, starttls, ssl
    username: str | None
    password: str | None
    timeout: float

    @classmethod
    def of(cls, smtp: Smtp) -> SmtpSettings:
        """The settings of config.yaml's `email.smtp`, the password read from its environment variable."""
        return cls(smtp.host, smtp.port, smtp.security, smtp.username, smtp.password(), smtp.timeout)


_NO_SUCH_MAILBOX = (550, 551, 553)  # RFC 5321 answers to RCPT that mean the address itself is bad


def send_smtp(settings: SmtpSettings, msg: EmailMessage) -> None:
    """Send one message; raise DeliveryError (permanent for a 5xx answer).

    The message counts as sent once the server has answered 250 to DATA: a failure after that (a
    dropped connection or an odd answer at QUIT) is ignored, so it is never sent twice for it.
    """
    where = f"{settings.host}:{settings.port}"
    client: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        refused = client.send_message(msg)
        if refused:
            code, reason = next(iter(refused.values()))
            raise DeliveryError(
                f"SMTP {where} refused {msg['To']}: {code} {reason.decode(errors='replace')}",
                permanent=500 <= code < 600,
            )
    except DeliveryError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        raise DeliveryError(
            f"SMTP {where} refused {msg['To']}: {code} {reason.decode(errors='replace')}",
            permanent=500 <= code < 600,
            bounce=code in _NO_SUCH_MAILBOX,
        ) from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DeliveryError(f"SMTP {where} answered {exc.smtp_code} {text}", permanent=500 <= exc.smtp_code < 600) from None
    except (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError) as exc:
        raise DeliveryError(f"SMTP {where}: connection lost or refused ({exc or type(exc).__name__})") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {where}: {exc}") from None
    finally:
        if client is not None:
            _quit_quietly(client)


def _quit_quietly(client: smtplib.SMTP) -> None:
    """QUIT and close; after a 250 to DATA the message is the server's, whatever QUIT answers."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        client.close()
