"""`briefing schedule`: APScheduler jobs built from the config, and the slot arithmetic they need.

Jobs: one "collect" job on an interval (`scheduler.collect_every_minutes`) and one "publish" job per
briefing on its cron expression in its own IANA time zone. Every job coalesces (a backlog of missed
runs fires once), runs one instance at a time, and is tolerated late by `misfire_grace_minutes`.
When the daemon starts after a missed slot (the machine slept, a deploy), each briefing's latest
missed slot within the grace time is published once, not once per missed slot. Daylight-saving
changes are APScheduler's CronTrigger's: wall-clock times in the briefing's zone, never doubled.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from briefing.config import Briefing, Config

log = logging.getLogger("briefing")


_DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _day_of_week(field: str) -> str:
    """A crontab day-of-week field (0 or 7 = Sunday) in APScheduler's day names.

    APScheduler 3 counts days from Monday = 0 and its `from_crontab` passes numbers through, so a
    crontab "1-5" would run Tuesday to Saturday; names mean the same to both.
    """
    def name(token: str) -> str:
        return _DAY_NAMES[int(token)] if token.isdigit() else token

    parts = []
    for part in field.split(","):
        base, _, step = part.partition("/")
        if "-" in base:
            start, end = base.split("-", 1)
            if start.isdigit() and end.isdigit() and int(end) == 7 and int(start) > 0:
                base = f"{name(start)}-sat,sun"  # "5-7" is Friday to Sunday
            else:
                base = f"{name(start)}-{name(end)}"
        elif base != "*":
            base = name(base)
        parts.append(base + (f"/{step}" if step else ""))
    return ",".join(parts)


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """A CronTrigger for a standard five-field crontab expression in an IANA time zone."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected five fields (minute hour day month weekday), found {len(fields)}")
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=_day_of_week(weekday), timezone=ZoneInfo(timezone)
    )


def trigger(briefing: Briefing) -> CronTrigger:
    return cron_trigger(briefing.schedule, briefing.timezone)


def next_slot(briefing: Briefing, now: datetime) -> datetime | None:
    """The first slot strictly after `now`."""
    return trigger(briefing).get_next_fire_time(None, now + timedelta(microseconds=1))


def slots_between(briefing: Briefing, start: datetime, end: datetime) -> list[datetime]:
    """Every slot in [start, end]."""
    cron = trigger(briefing)
    out: list[datetime] = []
    cursor = start
    while True:
        when = cron.get_next_fire_time(None, cursor)
        if when is None or when > end:
            return out
        if not out or when > out[-1]:
            out.append(when)
        # always move on, even where a daylight-saving gap maps two wall times to one instant
        cursor = max(when, cursor) + timedelta(seconds=1)


def last_slot(briefing: Briefing, now: datetime, lookback: timedelta = timedelta(days=8)) -> datetime | None:
    """The latest slot at or before `now` (within `lookback`)."""
    found = slots_between(briefing, now - lookback, now)
    return found[-1] if found else None


@dataclass(frozen=True)
class JobSpec:
    id: str
    kind: str  # "collect" or "publish"
    briefing: str | None
    trigger: Any


def job_specs(config: Config) -> list[JobSpec]:
    specs = [
        JobSpec("collect", "collect", None, IntervalTrigger(minutes=config.scheduler.collect_every_minutes)),
    ]
    specs.extend(JobSpec(f"publish:{b.name}", "publish", b.name, trigger(b)) for b in config.briefings)
    return specs


def build(
    config: Config,
    *,
    collect: Callable[[], None],
    publish: Callable[[str], None],
    scheduler: BackgroundScheduler | None = None,
) -> BackgroundScheduler:
    """A scheduler holding the config's jobs (not started)."""
    scheduler = scheduler or BackgroundScheduler(timezone=ZoneInfo(config.timezone))
    grace = int(config.scheduler.misfire_grace_minutes * 60)
    for spec in job_specs(config):
        func: Callable[..., None] = collect if spec.kind == "collect" else publish
        args = [] if spec.kind == "collect" else [spec.briefing]
        scheduler.add_job(
            func, spec.trigger, args=args, id=spec.id, name=spec.id, coalesce=True, max_instances=1,
            misfire_grace_time=grace, replace_existing=True,
        )
    return scheduler


def missed(config: Config, last_editions: dict[str, datetime | None], now: datetime) -> list[tuple[str, datetime]]:
    """(briefing, slot) for each briefing whose latest slot passed without an edition, within the grace time."""
    grace = timedelta(minutes=config.scheduler.misfire_grace_minutes)
    out = []
    for b in config.briefings:
        slot = last_slot(b, now)
        if slot is None or now - slot > grace:
            continue
        previous = last_editions.get(b.name)
        if previous is None or previous < slot:
            out.append((b.name, slot))
    return out


def run_until_stopped(scheduler: BackgroundScheduler, stop: threading.Event | None = None) -> None:
    """Start the scheduler and block until SIGINT or SIGTERM, then let the job in hand finish."""
    stop = stop or threading.Event()

    def handle(signum: int, frame: Any) -> None:
        log.warning("received %s: finishing the job in hand, then stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    scheduler.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        scheduler.shutdown(wait=True)
        for sig, old in previous.items():
            signal.signal(sig, old)
