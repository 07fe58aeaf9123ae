"""Find publication dates written in text: "Jun 13, 2014", "Sunday, 15 June 2014", "2014-06-15"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_MDY = re.compile(_MONTH + r"\s+(\d{1,2}),?\s+(\d{4})\b", re.IGNORECASE)
_DMY = re.compile(r"\b(\d{1,2})\s+" + _MONTH + r",?\s+(\d{4})\b", re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_LINE = re.compile(
    r"^(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?(?:"
    + _MONTH
    + r"\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+"
    + _MONTH
    + r",?\s+\d{4}|\d{4}-\d{2}-\d{2})\s*$",
    re.IGNORECASE,
)


def find_date(text: str) -> datetime | None:
    """The first full date (with a year) in `text`, as midnight UTC, or None."""
    best: tuple[int, datetime] | None = None
    for pattern, order in ((_MDY, "mdy"), (_DMY, "dmy"), (_ISO, "iso")):
        match = pattern.search(text)
        if not match:
            continue
        try:
            if order == "mdy":
                month, day, year = _MONTHS[match.group(1).lower().rstrip(".")], int(match.group(2)), int(match.group(3))
            elif order == "dmy":
                day, month, year = int(match.group(1)), _MONTHS[match.group(2).lower().rstrip(".")], int(match.group(3))
            else:
                year, month, day = (int(g) for g in match.groups())
            found = datetime(year, month, day, tzinfo=UTC)
        except (ValueError, KeyError):
            continue
        if best is None or match.start() < best[0]:
            best = (match.start(), found)
    return best[1] if best else None


def is_date_line(line: str) -> bool:
    """A line that holds only a date ("Sunday, 15 June 2014")."""
    return bool(_DATE_LINE.match(line.strip()))
