"""Schedules: jobs from the config, next fire times, daylight saving, missed slots."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from briefing import config as config_module
from briefing.config import Briefing
from briefing.scheduler import build, job_specs, last_slot, missed, next_slot, slots_between
from briefing.styles.common import describe_schedule

from .conftest import ROOT

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def briefing(schedule: str, tz: str = "America/New_York") -> Briefing:
    return Briefing(name="b", style="brief", title="B", schedule=schedule, timezone=tz)


def test_jobs_from_the_embedded_config() -> None:
    config = config_module.load(ROOT / "config.yaml")
    specs = job_specs(config)
    assert [s.id for s in specs] == ["collect", "publish:the-brief", "publish:morning-must-reads"]
    scheduler = build(config, collect=lambda: None, publish=lambda name: None)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {"collect", "publish:the-brief", "publish:morning-must-reads"}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 720 * 60
    now = datetime(2014, 6, 20, 12, 0, tzinfo=NY)  # a Friday noon
    assert jobs["publish:the-brief"].trigger.get_next_fire_time(None, now) == datetime(2014, 6, 23, 6, 0, tzinfo=NY)
    assert jobs["collect"].trigger.interval == timedelta(minutes=30)


def test_crontab_weekdays_mean_monday_to_friday() -> None:
    # APScheduler counts Monday as 0; a crontab "1-5" must still be Monday to Friday
    days = [s.strftime("%a") for s in slots_between(briefing("0 6 * * 1-5"), datetime(2014, 6, 20, tzinfo=NY), datetime(2014, 6, 28, tzinfo=NY))]
    assert days == ["Fri", "Mon", "Tue", "Wed", "Thu", "Fri"]
    assert [s.strftime("%a") for s in slots_between(briefing("0 6 * * 0"), datetime(2014, 6, 20, tzinfo=NY), datetime(2014, 6, 28, tzinfo=NY))] == ["Sun"]


@pytest.mark.parametrize(
    ("tz", "start", "schedule", "expected"),
    [
        # New York springs forward on Sunday 9 March 2014
        ("America/New_York", datetime(2014, 3, 6), "0 6 * * *",
         ["03-06 06:00 -0500", "03-07 06:00 -0500", "03-08 06:00 -0500", "03-09 06:00 -0400", "03-10 06:00 -0400", "03-11 06:00 -0400", "03-12 06:00 -0400"]),
        # and falls back on Sunday 2 November: 01:30 happens twice that night, the edition once
        ("America/New_York", datetime(2014, 10, 31), "30 1 * * *",
         ["10-31 01:30 -0400", "11-01 01:30 -0400", "11-02 01:30 -0400", "11-03 01:30 -0500", "11-04 01:30 -0500", "11-05 01:30 -0500", "11-06 01:30 -0500"]),
        # London springs forward on Sunday 30 March: 01:30 does not exist that night, the edition still comes once
        ("Europe/London", datetime(2014, 3, 27), "30 1 * * *",
         ["03-27 01:30 +0000", "03-28 01:30 +0000", "03-29 01:30 +0000", "03-30 01:30 +0000", "03-31 01:30 +0100", "04-01 01:30 +0100", "04-02 01:30 +0100"]),
        # and falls back on Sunday 26 October
        ("Europe/London", datetime(2014, 10, 23), "0 7 * * *",
         ["10-23 07:00 +0100", "10-24 07:00 +0100", "10-25 07:00 +0100", "10-26 07:00 +0000", "10-27 07:00 +0000", "10-28 07:00 +0000", "10-29 07:00 +0000"]),
    ],
)
def test_a_dst_week_neither_skips_nor_doubles(tz: str, start: datetime, schedule: str, expected: list[str]) -> None:
    zone = ZoneInfo(tz)
    begin = start.replace(tzinfo=zone)
    slots = slots_between(briefing(schedule, tz), begin, begin + timedelta(days=7) - timedelta(seconds=1))
    assert [s.astimezone(zone).strftime("%m-%d %H:%M %z") for s in slots] == expected
    assert len({s.astimezone(zone).date() for s in slots}) == 7  # one a day, every day


def test_next_and_last_slot() -> None:
    b = briefing("0 6 * * 1-5")
    monday_7am = datetime(2014, 6, 23, 7, 0, tzinfo=NY)
    assert last_slot(b, monday_7am) == datetime(2014, 6, 23, 6, 0, tzinfo=NY)
    assert next_slot(b, monday_7am) == datetime(2014, 6, 24, 6, 0, tzinfo=NY)
    assert next_slot(b, datetime(2014, 6, 23, 6, 0, tzinfo=NY)) == datetime(2014, 6, 24, 6, 0, tzinfo=NY)


def test_a_missed_slot_is_caught_up_once() -> None:
    config = config_module.load(ROOT / "config.yaml")
    # the machine slept from Friday to Tuesday 09:00: Monday's and Tuesday's slots were missed
    now = datetime(2014, 6, 24, 9, 0, tzinfo=NY)
    last = {"the-brief": datetime(2014, 6, 20, 6, 0, tzinfo=NY), "morning-must-reads": datetime(2014, 6, 24, 7, 0, tzinfo=NY)}
    assert missed(config, last, now) == [("the-brief", datetime(2014, 6, 24, 6, 0, tzinfo=NY))]
    # beyond the grace time (12 hours) nothing is caught up: the next slot will do
    assert missed(config, last, datetime(2014, 6, 24, 19, 0, tzinfo=NY)) == []


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("*/15 * * * *", "every 15 minutes"),
        ("0 6,18 * * 1-5", "twice a day on weekdays"),
        ("0 */2 * * *", "every 2 hours"),
        ("0 6 * * 6", "every Saturday"),
        ("0 6 1,15 * *", "monthly on the 1st and 15th"),
    ],
)
def test_footer_words_for_common_schedules(cron: str, words: str) -> None:
    assert describe_schedule(cron) == words
