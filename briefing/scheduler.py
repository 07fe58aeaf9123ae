"""`briefing schedule`: APScheduler jobs built from the config, and the slot arithmetic they need.

Jobs (bodies in daemon.py): one "collect" job on an interval (`scheduler.collect_every_minutes`) and one "publish" job per
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from briefing.config import Briefing, Config

log = logging.getLogger("briefing")


def trigger(briefing: Briefing) -> CronTrigger:
    return briefing.cron.trigger(briefing.timezone)


def next_slot(briefing: Briefing, now: datetime) -> datetime | None:
    """The first slot strictly after `now`."""
    when: datetime | None = trigger(briefing).get_next_fire_time(None, now + timedelta(microseconds=1))
    return when


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
    collect: Callable[[], object],
    publish: Callable[[str], object],
    scheduler: BackgroundScheduler | None = None,
) -> BackgroundScheduler:
    """A scheduler holding the config's jobs (not started)."""
    # one worker: jobs run one at a time, and a job that falls due while another runs waits for it
    # (APScheduler checks the misfire grace time when a job is submitted, not when it starts)
    scheduler = scheduler or BackgroundScheduler(
        timezone=ZoneInfo(config.timezone), executors={"default": ThreadPoolExecutor(max_workers=1)}
    )
    grace = int(config.scheduler.misfire_grace_minutes * 60)
    for spec in job_specs(config):
        func: Callable[..., object] = collect if spec.kind == "collect" else publish
        args = [] if spec.kind == "collect" else [spec.briefing]
        scheduler.add_job(
            func, spec.trigger, args=args, id=spec.id, name=spec.id, coalesce=True, max_instances=1,
            misfire_grace_time=grace, replace_existing=True,
        )
    return scheduler


def missed(config: Config, last_editions: Mapping[str, datetime | None], now: datetime) -> list[tuple[str, datetime]]:
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
