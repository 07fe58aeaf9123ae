"""Email delivery as a state machine, with its retry policy.

    pending --> sending --> sent
                   |------> retry --> sending ...   (a 4xx answer, a refused or dropped connection)
                   '------> failed                  (a 5xx answer, or retry.max_attempts reached)

`sending` is committed before the SMTP transaction begins, and the message counts as sent once the
server has answered 250 to DATA. So a crash can leave a delivery in `sending`: the next run sends
it again with the same Message-ID and says so. That window (the server accepted the message, the
process died before recording it) is the only way a recipient gets a message twice.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from briefing import subscribers
from briefing.config import Briefing, Config
from briefing.errors import DeliveryError
from briefing.models import Delivery, Edition
from briefing.publish.email import (
    Envelope,
    SmtpSettings,
    build_message,
    message_id,
    send_smtp,
    write_outbox,
)
from briefing.publish.site import links_for
from briefing.render import Renderer
from briefing.reports import PublishReport
from briefing.store import Store

log = logging.getLogger("briefing")


@functools.lru_cache(maxsize=1)
def _warn_no_secret() -> None:
    """Once per process, not once per briefing."""
    log.warning("%s is not set: messages carry no one-click unsubscribe link", subscribers.SECRET_ENV)


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, retry, failed
    error: str | None = None
    next_attempt: datetime | None = None
    bounce: bool = False


def deliver(
    config: Config,
    store: Store,
    briefing: Briefing,
    edition: Edition,
    renderer: Renderer,
    now: datetime,
    report: PublishReport,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send or write the edition for every recipient whose delivery is due."""
    due = store.open_deliveries(edition.id, due=now)
    if not due:
        return
    smtp = config.email.smtp
    settings = (
        SmtpSettings.of(smtp) if smtp else None
    )
    base_links = replace(links_for(config, briefing, edition), signup_url=None)
    key = subscribers.secret(required=False)
    if key is None:
        _warn_no_secret()
    for delivery in due:
        recipient = delivery.recipient
        if store.is_suppressed(briefing.name, recipient):  # unsubscribed since the edition was made
            store.record_delivery(edition.id, recipient, status="cancelled", message_id=None, error="unsubscribed", when=now)
            continue
        personal = subscribers.personal_unsubscribe_url(config, store, briefing.name, recipient, edition.slot, key)
        links = replace(base_links, unsubscribe_url=personal)
        envelope = Envelope(
            sender=config.email.from_,
            recipient=recipient,
            subject=edition.title,
            date=now.astimezone(UTC),
            edition_id=edition.id,
            list_name=briefing.name,
            list_title=briefing.title,
            unsubscribe_url=links.unsubscribe_url,
            unsubscribe_mailto=config.email.unsubscribe_mailto,
        )
        msg = build_message(envelope, renderer.email_text(edition, links), renderer.email_html(edition, links))
        mid = message_id(edition.id, recipient, config.email.from_)
        if delivery.status == "sending":
            report.resent.append(recipient)
            log.warning("delivery of %s to %s was interrupted while sending; sending it again (same Message-ID %s)",
                        edition.id, recipient, mid)

        def send(envelope: Envelope = envelope, msg: EmailMessage = msg) -> None:
            if settings is None:
                report.files.append(str(write_outbox(config.email.outbox, envelope, msg)))
            else:
                send_smtp(settings, msg)

        outcome = _attempt(config, store, delivery, mid, now, send, sleep)
        if outcome.status == "sent":
            report.delivered += 1
        else:
            when = f" (will retry after {outcome.next_attempt:%Y-%m-%d %H:%M} UTC)" if outcome.next_attempt else ""
            report.failed.append(f"{recipient}: {outcome.error}{when}")
            if outcome.bounce:
                store.mark_bounced(briefing.name, recipient, now)
            log.info("delivery of %s to %s: %s", edition.id, recipient, outcome.error)


def _attempt(
    config: Config,
    store: Store,
    delivery: Delivery,
    mid: str,
    now: datetime,
    send: Callable[[], None],
    sleep: Callable[[float], None],
) -> Outcome:
    """Up to `retry.in_run` + 1 tries in this run; each recorded before (sending) and after."""
    retry = config.email.retry
    attempts = delivery.attempts
    edition_id, recipient = delivery.edition_id, delivery.recipient
    for tries_left in range(retry.in_run, -1, -1):
        store.start_delivery(edition_id, recipient, mid, now)
        try:
            send()
        except DeliveryError as exc:
            attempts += 1
            final = exc.permanent or attempts >= retry.max_attempts
            if not final and tries_left:
                store.record_delivery(edition_id, recipient, status="retry", message_id=mid, error=str(exc), when=now)
                sleep(retry.in_run_delay * 2 ** (retry.in_run - tries_left))
                continue
            later = None if final else now + timedelta(seconds=retry.later_delay * 2 ** max(0, attempts - 1 - retry.in_run))
            status = "failed" if final else "retry"
            store.record_delivery(
                edition_id, recipient, status=status, message_id=mid, error=str(exc), when=now, next_attempt=later
            )
            return Outcome(status, str(exc), later, bounce=exc.bounce)
        store.record_delivery(edition_id, recipient, status="sent", message_id=mid, error=None, when=now)
        return Outcome("sent")
    raise AssertionError("unreachable: the last try always returns")
