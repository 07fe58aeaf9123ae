"""Pieces both edition styles use: schedule in words, number words, item building."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from briefing.cron import DAYS, MONTHS, describe, parse_cron
from briefing.models import Article, EditionItem, Story, Summary


def describe_schedule(schedule: str) -> str:
    """A cron expression in words: "daily on weekdays", "every Monday", "hourly"."""
    return describe(parse_cron(schedule))


def short_date(slot: datetime) -> str:
    return f"{MONTHS[slot.month - 1]} {slot.day}"


def long_date(slot: datetime) -> str:
    return f"{DAYS[(slot.weekday() + 1) % 7]}, {short_date(slot)}"


def edition_id(briefing: str, slot: datetime) -> str:
    return f"{briefing}-{slot:%Y-%m-%d-%H%M}"


def has_headline(article: Article) -> bool:
    """The article's title is a headline of its own, not the text of a roundup item."""
    return not (article.kind == "item" and article.paragraphs and article.title == article.paragraphs[0])


def item_for(article: Article, summaries: Mapping[str, Summary], *, children: tuple[EditionItem, ...] = (),
             also_in: tuple[str, ...] = (), topic: str = "") -> EditionItem:
    """An article as an edition line: its key sentence quoted, or its headline where none stands alone."""
    summary = summaries.get(article.id)
    key = summary.key_sentence if summary else None
    return EditionItem(
        text=key or article.title,
        label=article.label,
        url=article.url,
        headline=article.title,
        quoted=key is not None,
        topic=topic,
        also_in=also_in,
        children=children,
    )


def also_in(story: Story) -> tuple[str, ...]:
    """Labels of the syndicated copies folded into the story, other than the lead's own."""
    seen: list[str] = []
    for a in story.duplicates:
        if a.label != story.lead.label and a.label not in seen:
            seen.append(a.label)
    return tuple(seen)
