"""The daemon runs its jobs one at a time: two publishes due the same minute, or a publish that
falls due while a collect holds the store, both happen; a slot whose publish did not run is
published once, late, and says so."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefing import scheduler
from briefing.daemon import Daemon
from briefing.lock import RunLock
from briefing.store import Store

from ..conftest import NOW, seed_config_in


def editions(config) -> list[str]:
    store = Store(config.store)
    try:
        return sorted(e.id for e in store.edition_infos())
    finally:
        store.close()


def test_two_briefings_due_the_same_minute_and_a_collect_are_all_done(tmp_path: Path) -> None:
    config = seed_config_in(tmp_path)
    # both briefings on the same slot, as a user who copies the default would have it
    config = config.model_copy(update={"briefings": tuple(b.model_copy(update={"schedule": "0 6 * * 1-5"})
                                                           for b in config.briefings)})
    daemon = Daemon(config, clock=lambda: NOW)
    jobs = scheduler.build(config, collect=daemon.collect_job, publish=daemon.publish_job)
    jobs.start(paused=True)
    try:
        due = datetime.now(UTC)
        for job in jobs.get_jobs():  # every job due at the same instant
            job.modify(next_run_time=due)
        jobs.resume()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(editions(config)) < 2:
            time.sleep(0.2)
    finally:
        jobs.shutdown(wait=True)
    assert editions(config) == ["morning-must-reads-2014-06-23-0600", "the-brief-2014-06-23-0600"]


def test_a_publish_waits_for_a_run_holding_the_lock_instead_of_being_skipped(tmp_path: Path) -> None:
    config = seed_config_in(tmp_path)
    daemon = Daemon(config, clock=lambda: NOW)
    holder = RunLock(config.store)
    holder.__enter__()  # a cron-driven `briefing run` holds the store
    threading.Timer(1.5, holder.__exit__, (None, None, None)).start()
    started = time.monotonic()
    report = daemon.publish_job("the-brief")
    assert time.monotonic() - started >= 1.0  # it waited
    assert report is not None and report.edition is not None


def test_a_missed_slot_is_published_once_late_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = seed_config_in(tmp_path)
    clock = {"now": NOW - timedelta(hours=1)}  # 05:00: the daemon is up before the-brief's 06:00 slot
    daemon = Daemon(config, clock=lambda: clock["now"])
    assert daemon.start_up() == []
    # the 06:00 publish job never ran (say the machine slept); the 06:30 collect job notices
    clock["now"] = NOW + timedelta(minutes=30)
    with caplog.at_level(logging.WARNING, logger="briefing"):
        daemon.collect_job()
        daemon.collect_job()  # and only once
    assert editions(config) == ["the-brief-2014-06-23-0600"]
    late = [r.getMessage() for r in caplog.records if "not published on time" in r.getMessage()]
    assert late == ["the-brief: the slot 2014-06-23T06:00:00-04:00 was not published on time; publishing it now (late)"]
    assert any("(late, for the slot" in r.getMessage() for r in caplog.records)
