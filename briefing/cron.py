"""Cron expressions, parsed once into a record that config, scheduler and styles share.

`parse_cron("0 6 * * 1-5")` validates a standard five-field crontab expression (numbers, ranges,
steps, lists, `*`, three-letter day and month names; 0 and 7 are Sunday) and returns a `Cron`
with every field expanded to the set of values it allows. A bad expression raises CronError with
the field, the part and what was expected, e.g. "weekday '8': 8 is out of range 0-7".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
_DAY_NAMES = {name[:3].lower(): i for i, name in enumerate(DAYS)}
_MONTH_NAMES = {name[:3].lower(): i + 1 for i, name in enumerate(MONTHS)}
# APScheduler 3 counts weekdays from Monday = 0 and passes crontab numbers through unchanged, so a
# crontab "1-5" would run Tuesday to Saturday; the trigger is built from names, which mean the same.
_APS_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")

_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day", 1, 31, {}),
    ("month", 1, 12, _MONTH_NAMES),
    ("weekday", 0, 7, _DAY_NAMES),
)


class CronError(ValueError):
    """A cron expression that is not five valid crontab fields."""


@dataclass(frozen=True)
class Cron:
    """A validated crontab expression; each field as the sorted values it allows (weekday 0 = Sunday)."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]
    day_any: bool  # the day-of-month field is "*"
    weekday_any: bool  # the weekday field is "*"

    @property
    def fields(self) -> list[str]:
        return self.expression.split()

    def trigger(self, timezone: str) -> CronTrigger:
        """An APScheduler CronTrigger firing at these times, wall-clock in the IANA zone."""
        from apscheduler.triggers.cron import CronTrigger

        minute, hour, day, month, _ = self.fields
        weekday = "*" if self.weekday_any else ",".join(_APS_DAYS[d] for d in self.weekdays)
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=ZoneInfo(timezone)
        )


def parse_cron(expression: str) -> Cron:
    """Validate a five-field crontab expression; raise CronError saying which field is wrong and why."""
    fields = expression.split()
    if len(fields) != 5:
        raise CronError(f"expected five fields (minute hour day month weekday), found {len(fields)}")
    values = [_field(text, *spec) for text, spec in zip(fields, _FIELDS, strict=False)]
    weekdays = tuple(sorted({d % 7 for d in values[4]}))
    return Cron(
        expression=" ".join(fields),
        minutes=values[0],
        hours=values[1],
        days=values[2],
        months=values[3],
        weekdays=weekdays,
        day_any=fields[2] in ("*", "?"),
        weekday_any=fields[4] in ("*", "?"),
    )


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> tuple[int, ...]:
    allowed: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise CronError(f"{name} {part!r}: the step after '/' must be a whole number of at least 1")
            step = int(step_text)
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _value(first, name, low, high, names), _value(last, name, low, high, names)
            if start > end:
                raise CronError(f"{name} {part!r}: the range runs backwards")
        else:
            start = _value(base, name, low, high, names)
            end = high if slash else start
        allowed.update(range(start, end + 1, step))
    return tuple(sorted(allowed))


def _value(token: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    key = token.strip().lower()
    if key in names:
        return names[key]
    if not key.isdigit():
        hint = f" or a name ({', '.join(list(names)[:3])}, ...)" if names else ""
        raise CronError(f"{name} {token!r}: expected a number {low}-{high}{hint}")
    value = int(key)
    if not low <= value <= high:
        raise CronError(f"{name} {token!r}: {value} is out of range {low}-{high}")
    return value


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def number_word(n: int) -> str:
    """"four" for 4; digits from 13 on."""
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def describe(cron: Cron) -> str:
    """The schedule in words: "daily on weekdays", "every Monday", "hourly", "twice a day"."""
    minute, hour, _, _, _ = cron.fields
    if minute.startswith("*/") and hour == "*":
        base = f"every {minute[2:]} minutes"
    elif minute == "*" and hour == "*":
        base = "every minute"
    elif hour == "*" or hour.startswith("*/"):
        base = "hourly" if hour == "*" else f"every {hour[2:]} hours"
    elif len(cron.hours) > 1:
        count = len(cron.hours)
        base = "twice a day" if count == 2 else f"{number_word(count)} times a day"
    else:
        base = "daily"
    if not cron.day_any and cron.weekday_any:
        text = f"monthly on the {_join([_ordinal(d) for d in cron.days])}"
        return text if len(cron.months) == 12 else f"{text} in {', '.join(MONTHS[m - 1] for m in cron.months)}"
    days = list(cron.weekdays)
    if cron.weekday_any or len(days) == 7:
        return base
    if days == [1, 2, 3, 4, 5]:
        return f"{base} on weekdays"
    if days == [0, 6]:
        return f"{base} on weekends" if base != "daily" else "on weekends"
    if len(days) == 1 and base == "daily":
        return f"every {DAYS[days[0]]}"
    names = [DAYS[d] + "s" for d in days]
    return f"{base} on {_join(names)}" if base != "daily" else f"on {_join(names)}"
