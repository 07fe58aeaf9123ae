"""Feed dates that feedparser cannot read: RFC 822 dates written with another language's day and
month names ("Seg, 24 Set 2018 19:42:40 -0300", "Mi, 03 Okt 2018 ..."), and the two-digit-year
wire form "03 Apr 02 1500 GMT".

A feed date that is not read makes an old item look new (it is dated by when it was first seen),
so a first run would publish years-old items as today's news. The names come from Babel's CLDR
data for the languages in text/language.py (no list kept here).
"""

from __future__ import annotations

import calendar
import functools
import re
import time
import unicodedata
from email.utils import parsedate_tz
from typing import Any

_ENGLISH_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WIRE = re.compile(r"^\s*(\d{1,2}) ([A-Za-z]{3}) (\d{2}) (\d{2})(\d{2}) ([A-Z]{1,5})\s*$")
_WORD = re.compile(r"[^\W\d_]+\.?")


def _fold(word: str) -> str:
    text = unicodedata.normalize("NFKD", word.lower().rstrip("."))
    return "".join(c for c in text if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], frozenset[str]]:
    """Foreign month names and abbreviations -> English abbreviation; foreign weekday names."""
    from babel import Locale

    from briefing.text.language import COMMON_LANGUAGES

    months: dict[str, str] = {}
    days: set[str] = set()
    for code in COMMON_LANGUAGES:
        try:
            locale = Locale.parse(code)
        except (ValueError, LookupError):
            continue
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in locale.months[context][width].items():
                    months.setdefault(_fold(name), _ENGLISH_MONTHS[number - 1])
                for name in locale.days[context][width].values():
                    days.add(_fold(name))
    return months, frozenset(days)


def parse_localized_date(value: str) -> Any:
    """A feedparser date handler: a time.struct_time in UTC, or None to let the next handler try."""
    wire = _WIRE.match(value)
    if wire:
        day, month, year, hour, minute, zone = wire.groups()
        value = f"{day} {month} 20{year} {hour}:{minute}:00 {zone}"
    else:
        months, days = _names()
        words = []
        changed = False
        for token in value.replace(",", " , ").split():
            folded = _fold(token)
            if folded in months and not folded.isdigit():
                words.append(months[folded])
                changed = changed or folded not in _ENGLISH_MONTHS
            elif folded in days:
                changed = True  # the weekday says nothing the date does not
            else:
                words.append(token)
        if not changed:
            return None
        value = " ".join(words).replace(" , ", ", ").lstrip(", ")
    parsed = parsedate_tz(value)
    if parsed is None:
        return None
    offset = parsed[9] or 0
    return time.gmtime(calendar.timegm((*parsed[:6], 0, 1, 0)) - offset)


@functools.lru_cache(maxsize=1)
def register() -> None:
    """Teach feedparser these forms, once per process."""
    import feedparser

    feedparser.registerDateHandler(parse_localized_date)
