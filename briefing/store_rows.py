"""Rows to records and back: the store's time format and the edition JSON."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from briefing.models import OPEN_DELIVERY_SQL, Article, Delivery, Edition, EditionInfo, EditionItem, SourceState


def ts(value: datetime | None) -> str | None:
    """A time as the store keeps it: UTC, ISO 8601, fixed width, so text order is time order."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # naive times in records are UTC by convention
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


EDITION_COLUMNS = f"""e.id, e.briefing, e.slot, e.created, e.status, e.title,
    (SELECT count(*) FROM deliveries d WHERE d.edition_id = e.id
     AND d.status IN {OPEN_DELIVERY_SQL}) AS open"""
DELIVERY_COLUMNS = """d.edition_id, e.briefing, d.recipient, d.status, d.attempts, d.message_id, d.last_error,
    d.updated, d.next_attempt"""


def edition_info_from_row(row: sqlite3.Row) -> EditionInfo:
    return EditionInfo(
        id=row["id"], briefing=row["briefing"], slot=parse_utc(row["slot"]), created=parse_utc(row["created"]),
        status=row["status"], title=row["title"], deliveries_open=int(row["open"]),
    )


def delivery_from_row(row: sqlite3.Row) -> Delivery:
    return Delivery(
        edition_id=row["edition_id"], briefing=row["briefing"], recipient=row["recipient"], status=row["status"],
        attempts=int(row["attempts"]), message_id=row["message_id"], last_error=row["last_error"],
        updated=parse_time(row["updated"]), next_attempt=parse_time(row["next_attempt"]),
    )


def source_state_from_row(row: sqlite3.Row) -> SourceState:
    return SourceState(
        name=row["name"], type=row["type"], url=row["url"], etag=row["etag"], last_modified=row["last_modified"],
        last_status=row["last_status"], failures=int(row["failures"]), successes=int(row["successes"]),
        last_error=row["last_error"], last_checked=parse_time(row["last_checked"]), next_fetch=parse_time(row["next_fetch"]),
        http_status=row["http_status"], disabled=bool(row["disabled"]),
    )


def parse_utc(value: str) -> datetime:
    parsed = parse_time(value)
    assert parsed is not None  # NOT NULL columns
    return parsed


def with_first_seen(article: Article, when: datetime) -> Article:
    from dataclasses import replace

    return replace(article, first_seen=when)


def article_from_row(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        source=row["source"],
        label=row["label"],
        url=row["url"],
        title=row["title"],
        paragraphs=tuple(json.loads(row["paragraphs"])),
        fingerprint=row["fingerprint"],
        byline=row["byline"],
        standfirst=row["standfirst"],
        published=parse_time(row["published"]),
        section=row["section"],
        kind=row["kind"],
        parent=row["parent"],
        first_seen=parse_time(row["first_seen"]),
    )


def edition_to_json(edition: Edition) -> str:
    data = asdict(edition)
    data["slot"] = edition.slot.isoformat()
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _item(data: dict[str, Any]) -> EditionItem:
    return EditionItem(
        **{
            **data,
            "also_in": tuple(data.get("also_in", ())),
            "children": tuple(_item(c) for c in data.get("children", ())),
        }
    )


def edition_from_json(text: str) -> Edition:
    data = json.loads(text)
    return Edition(
        **{
            **data,
            "slot": datetime.fromisoformat(data["slot"]),
            "items": tuple(_item(i) for i in data["items"]),
            "article_ids": tuple(data["article_ids"]),
            "topics": tuple(data.get("topics", ())),
            "source_problems": tuple(data.get("source_problems", ())),
        }
    )
