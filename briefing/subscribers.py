"""Subscribers: address normalisation, signed links (confirm, unsubscribe), recipients, CSV.

Links carry a token, never an address: `base64url(payload).base64url(HMAC-SHA256)`, where the
payload names the purpose, the briefing, the subscription's row id and an expiry time, and the key
is the secret from the environment variable BRIEFING_SECRET. A token made for one purpose or one
briefing is refused for another; a changed byte, a wrong secret or a past expiry is refused too.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from email_validator import EmailNotValidError, validate_email

from briefing.config import Briefing, Config
from briefing.errors import BriefingError, ConfigError
from briefing.models import Subscriber
from briefing.store import Store

log = logging.getLogger("briefing")

SECRET_ENV = "BRIEFING_SECRET"
SECRET_HINT = (
    "make one with: export BRIEFING_SECRET=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\""
)
STATUSES = ("pending", "active", "unsubscribed", "bounced")


class AddressError(BriefingError):
    """Not a usable email address."""


class TokenError(BriefingError):
    """A link's token is tampered with, expired, or made for another purpose or briefing."""


def secret(*, required: bool) -> bytes | None:
    """The signing key from BRIEFING_SECRET; ConfigError (with a hint) where it is required and missing."""
    value = os.environ.get(SECRET_ENV, "")
    if len(value) >= 16:
        return value.encode()
    if required:
        problem = "is not set" if not value else "is too short (16 characters at least)"
        raise ConfigError(f"the environment variable {SECRET_ENV} {problem}; {SECRET_HINT}")
    return None


def normalise(address: str) -> str:
    """The address as email-validator normalises it (no DNS look-up); AddressError if it is not one."""
    try:
        return str(validate_email(address.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise AddressError(f"{address.strip()[:80]!r} is not a valid email address: {exc}") from None


# -- tokens -------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, b"briefing-token-v1|" + body.encode("ascii"), hashlib.sha256).digest())


def sign(key: bytes, payload: dict[str, Any]) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_mac(key, body)}"


def verify(key: bytes, token: str, purpose: str, now: datetime) -> dict[str, Any]:
    """The payload of a token made for `purpose` and not expired at `now`; TokenError otherwise."""
    body, _, mac = token.partition(".")
    if not body or not mac or len(token) > 2000 or not hmac.compare_digest(_mac(key, body), mac):
        raise TokenError("this link is not valid: it was changed or cut short (copy the whole link from the email)")
    try:
        payload = json.loads(_unb64(body))
    except ValueError:
        raise TokenError("this link is not valid") from None
    if not isinstance(payload, dict) or payload.get("p") != purpose:
        raise TokenError("this link is not valid here: it was made for something else")
    if not isinstance(payload.get("e"), int) or payload["e"] < now.timestamp():
        raise TokenError("this link has expired")
    return payload


@dataclass(frozen=True)
class Confirmation:
    ids: tuple[int, ...]
    requested: datetime


def unsubscribe_token(key: bytes, subscriber: Subscriber, now: datetime, days: float) -> str:
    expires = int((now + timedelta(days=days)).timestamp())
    return sign(key, {"p": "unsubscribe", "b": subscriber.briefing, "s": subscriber.id, "e": expires})


def read_unsubscribe_token(key: bytes, token: str, briefing: str, now: datetime) -> int:
    """The subscription id a valid unsubscribe token of this briefing names."""
    payload = verify(key, token, "unsubscribe", now)
    if payload.get("b") != briefing or not isinstance(payload.get("s"), int):
        raise TokenError("this link is not valid here: it was made for another briefing")
    return int(payload["s"])


def confirm_token(key: bytes, pending: Sequence[Subscriber], now: datetime, hours: float) -> str:
    requested = min(s.requested or now for s in pending)
    expires = int((now + timedelta(hours=hours)).timestamp())
    return sign(key, {"p": "confirm", "s": [s.id for s in pending], "r": requested.isoformat(), "e": expires})


def read_confirm_token(key: bytes, token: str, now: datetime) -> Confirmation:
    payload = verify(key, token, "confirm", now)
    ids, requested = payload.get("s"), payload.get("r")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids) or not isinstance(requested, str):
        raise TokenError("this link is not valid")
    return Confirmation(tuple(ids), datetime.fromisoformat(requested))


def service_url(config: Config) -> str:
    """Where `briefing serve` answers, with a trailing slash."""
    return config.site.base_url


def unsubscribe_url(config: Config, briefing: str, token: str) -> str:
    base = config.email.unsubscribe_url or service_url(config) + "unsubscribe"
    return f"{base}/{briefing}?token={token}"


def confirm_url(config: Config, token: str) -> str:
    return f"{service_url(config)}confirm?token={token}"


def personal_unsubscribe_url(
    config: Config, store: Store, briefing: str, address: str, now: datetime, key: bytes | None
) -> str | None:
    """The signed unsubscribe link of one recipient, or None without a secret or a subscription."""
    if key is None:
        return None
    subscriber = store.find_subscriber(briefing, address)
    if subscriber is None:
        return None
    return unsubscribe_url(config, briefing, unsubscribe_token(key, subscriber, now, config.web.unsubscribe_days))


# -- recipients ---------------------------------------------------------------------------------------


def recipients(config: Config, store: Store, briefing: Briefing, now: datetime) -> list[str]:
    """The briefing's active subscribers now, after importing config.yaml's recipients (which never
    revives an address that unsubscribed)."""
    listed = []
    for address in config.recipients_for(briefing):
        try:
            listed.append(normalise(address))
        except AddressError as exc:
            log.warning("email.recipients: %s (skipped)", exc)
    store.sync_config_recipients(briefing.name, listed, now.astimezone(UTC))
    return store.active_addresses(briefing.name)


# -- CSV (the shape listmonk and Mailchimp export) ----------------------------------------------------

_EMAIL_COLUMNS = ("email", "email address", "e-mail", "e-mail address", "address")
_STATUS_WORDS = {
    "active": "active", "subscribed": "active", "enabled": "active", "confirmed": "active",
    "pending": "pending", "unconfirmed": "pending",
    "unsubscribed": "unsubscribed", "blocklisted": "unsubscribed", "blacklisted": "unsubscribed",
    "disabled": "unsubscribed",
    "bounced": "bounced", "cleaned": "bounced",
}  # fmt: skip


def read_csv(path: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(address, name, status) rows of a subscribers CSV, and one problem line per row skipped.

    Columns are found by header, case-insensitively: email (or "Email Address"), name (or "First
    Name" + "Last Name"), status (listmonk's and Mailchimp's words are understood; default active).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    reader = csv.DictReader(io.StringIO(text))
    headers = {h.strip().lower(): h for h in reader.fieldnames or ()}
    email_key = next((headers[c] for c in _EMAIL_COLUMNS if c in headers), None)
    if email_key is None:
        raise ConfigError(
            f"{path}: no email column (expected a header row with 'email', as listmonk and Mailchimp export)"
        )
    rows: list[tuple[str, str, str]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line, record in enumerate(reader, start=2):
        raw_status = (record.get(headers.get("status", ""), "") or "").strip().lower()
        status = _STATUS_WORDS.get(raw_status or "active")
        if status is None:
            problems.append(f"{path}:{line}: unknown status {raw_status!r} (row skipped)")
            continue
        try:
            address = normalise(record.get(email_key) or "")
        except AddressError as exc:
            problems.append(f"{path}:{line}: {exc} (row skipped)")
            continue
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        name = (record.get(headers.get("name", ""), "") or "").strip()
        if not name:
            first = (record.get(headers.get("first name", ""), "") or "").strip()
            last = (record.get(headers.get("last name", ""), "") or "").strip()
            name = f"{first} {last}".strip()
        rows.append((address, name, status))
    return rows, problems


def write_csv(subscribers: Iterable[Subscriber], out: TextIO) -> int:
    """Write subscribers as CSV (email, name, status first, as listmonk exports); return the count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "status", "briefing", "origin", "created_at", "updated_at"])
    count = 0
    for s in subscribers:
        row = [s.address, s.name, s.status, s.briefing, s.origin, s.created.isoformat(), s.updated.isoformat()]
        writer.writerow(row)
        count += 1
    return count
