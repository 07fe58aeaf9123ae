"""Pieces both edition styles use: schedule in words, number words, item building."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from briefing.models import Article, EditionItem, Story, Summary

_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_DAY_NAMES = {name[:3].lower(): i for i, name in enumerate(_DAYS)}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]


def number_word(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _days(field: str) -> list[int]:
    days: set[int] = set()
    for part in field.split(","):
        part = part.strip().lower()
        if "-" in part:
            start, end = (_DAY_NAMES.get(p[:3], None) if not p.isdigit() else int(p) for p in part.split("-"))
            if start is None or end is None:
                raise ValueError(field)
            days.update(range(start, end + 1))
        else:
            days.add(_DAY_NAMES[part[:3]] if not part.isdigit() else int(part))
    return sorted(d % 7 for d in days)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe_schedule(cron: str) -> str:
    """A cron expression in words: "daily on weekdays", "every Monday", "hourly"."""
    fields = cron.split()
    if len(fields) != 5:
        return "on a schedule"
    minute, hour, dom, month, dow = fields
    if minute.startswith("*/") and hour == "*":
        base = f"every {minute[2:]} minutes"
    elif minute == "*" and hour == "*":
        base = "every minute"
    elif hour == "*" or hour.startswith("*/"):
        base = "hourly" if hour == "*" else f"every {hour[2:]} hours"
    elif "," in hour:
        count = len(hour.split(","))
        base = f"{number_word(count)} times a day" if count > 2 else "twice a day"
    else:
        base = "daily"
    if dom != "*" and dow == "*":
        days = [_ordinal(int(d)) for d in dom.split(",") if d.isdigit()]
        text = f"monthly on the {_join(days)}" if days else "monthly"
        return text if month == "*" else f"{text} in {', '.join(_MONTHS[int(m) - 1] for m in month.split(',') if m.isdigit())}"
    if dow in ("*", "?"):
        return base
    try:
        days = _days(dow)
    except (ValueError, KeyError):
        return base
    if days == [1, 2, 3, 4, 5]:
        return f"{base} on weekdays"
    if days == [0, 6]:
        return f"{base} on weekends" if base != "daily" else "on weekends"
    if len(days) == 7:
        return base
    if len(days) == 1 and base == "daily":
        return f"every {_DAYS[days[0]]}"
    names = [_DAYS[d] + "s" for d in days]
    return f"{base} on {_join(names)}" if base != "daily" else f"on {_join(names)}"


def short_date(slot: datetime) -> str:
    return f"{_MONTHS[slot.month - 1]} {slot.day}"


def long_date(slot: datetime) -> str:
    return f"{_DAYS[(slot.weekday() + 1) % 7]}, {short_date(slot)}"


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
