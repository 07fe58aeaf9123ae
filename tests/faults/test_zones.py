"""Time zones: every time in the store is UTC and compared as time, so a briefing east or west of
UTC, or across a daylight-saving change, loses no article and repeats none."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from briefing import config as config_module
from briefing.config import Config
from briefing.pipeline import collect, run
from briefing.store import Store

UTC = ZoneInfo("UTC")


def story(folder: Path, name: str, headline: str, sentence: str) -> None:
    (folder / f"{name}.txt").write_text(f"{headline}\n\n{sentence}\n", encoding="utf-8")


def make_config(tmp_path: Path, tz: str, schedule: str = "0 6 * * *") -> Config:
    folder = tmp_path / "in"
    folder.mkdir()
    raw = {
        "timezone": tz,
        "store": str(tmp_path / "state.sqlite3"),
        "output_dir": str(tmp_path / "public"),
        "sources": [{"name": "wire", "type": "files", "path": str(folder), "label": "Wire"}],
        "briefings": [{"name": "daily", "style": "must_reads", "title": "Daily", "schedule": schedule,
                       "timezone": tz, "stories": 10}],
        "email": {"outbox": str(tmp_path / "outbox"), "recipients": ["r@example.com"]},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return config_module.load(path)


def used_ids(config: Config) -> list[tuple[str, list[str]]]:
    store = Store(config.store)
    try:
        return [(e.id, list(e.article_ids)) for e in reversed(store.editions("daily"))]
    finally:
        store.close()


def titles(config: Config) -> list[list[str]]:
    store = Store(config.store)
    try:
        by_id = {a.id: a.title for a in store.articles_for(["wire"], None, datetime(2100, 1, 1, tzinfo=UTC), "none")}
        return [[by_id[i] for i in ids] for _, ids in used_ids(config)]
    finally:
        store.close()


def test_east_of_utc_an_article_seen_after_the_slot_goes_into_the_next_edition(tmp_path: Path) -> None:
    config = make_config(tmp_path, "Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    folder = tmp_path / "in"
    story(folder, "a", "Harbour Bridge Reopens After Repairs", "The harbour bridge reopened on Monday after two years of repairs.")
    run(config, datetime(2014, 6, 23, 6, 0, tzinfo=berlin))
    # 07:00 in Berlin is 05:00 UTC: before 06:00 as text, after the slot as time
    story(folder, "b", "Orchestra Names New Conductor", "The city orchestra named a new chief conductor on Monday evening.")
    store = Store(config.store)
    try:
        (seen,) = collect(config, store, datetime(2014, 6, 23, 7, 0, tzinfo=berlin))
    finally:
        store.close()
    assert seen.new == 1
    run(config, datetime(2014, 6, 24, 6, 0, tzinfo=berlin))
    assert titles(config) == [["Harbour Bridge Reopens After Repairs"], ["Orchestra Names New Conductor"]]


def test_west_of_utc_articles_from_before_the_last_slot_do_not_come_back(tmp_path: Path) -> None:
    config = make_config(tmp_path, "America/New_York", schedule="0 6 * * *")
    ny = ZoneInfo("America/New_York")
    folder = tmp_path / "in"
    story(folder, "a", "Harbour Bridge Reopens After Repairs", "The harbour bridge reopened on Monday after two years of repairs.")
    # collected at 05:00 in New York (09:00 UTC), published at the 06:00 slot (10:00 UTC)
    store = Store(config.store)
    try:
        collect(config, store, datetime(2014, 6, 23, 5, 0, tzinfo=ny))
    finally:
        store.close()
    first = run(config, datetime(2014, 6, 23, 6, 0, tzinfo=ny)).published[0]
    assert first.edition is not None
    second = run(config, datetime(2014, 6, 24, 6, 0, tzinfo=ny)).published[0]
    assert second.edition is None and "nothing new" in second.message


def test_across_the_end_of_daylight_saving_nothing_is_lost_or_repeated(tmp_path: Path) -> None:
    config = make_config(tmp_path, "America/New_York")
    ny = ZoneInfo("America/New_York")
    folder = tmp_path / "in"
    headlines = []
    # one new story every six hours from Oct 31 to Nov 4, 2014 (clocks went back on Nov 2)
    when = datetime(2014, 10, 31, 12, 0, tzinfo=UTC)
    slot_days = [datetime(2014, 11, d, 6, 0, tzinfo=ny) for d in (1, 2, 3, 4)]
    for n in range(16):
        headline = f"Council Votes on Budget Item Number {n + 1}"
        headlines.append(headline)
        story(folder, f"s{n:02}", headline, f"The council approved budget item {n + 1} of the year after a long debate.")
        store = Store(config.store)
        try:
            collect(config, store, when)
        finally:
            store.close()
        for slot in [s for s in slot_days if when < s.astimezone(UTC) <= when + timedelta(hours=6)]:
            run(config, slot)
        when += timedelta(hours=6)
    editions = used_ids(config)
    assert [e for e, _ in editions] == [
        "daily-2014-11-01-0600", "daily-2014-11-02-0600", "daily-2014-11-03-0600", "daily-2014-11-04-0600",
    ]
    published = [t for ts in titles(config) for t in ts]
    assert len(published) == len(set(published))  # nothing twice
    seen_by_last_slot = [h for i, h in enumerate(headlines) if datetime(2014, 10, 31, 12, 0, tzinfo=UTC)
                         + timedelta(hours=6 * i) <= slot_days[-1].astimezone(UTC)]
    assert sorted(published) == sorted(seen_by_last_slot)  # nothing lost


def test_the_migration_rewrites_local_times_as_utc(tmp_path: Path) -> None:
    config = make_config(tmp_path, "Europe/Berlin")
    story(tmp_path / "in", "a", "Harbour Bridge Reopens After Repairs", "The harbour bridge reopened on Monday after two years of repairs.")
    run(config, datetime(2014, 6, 23, 6, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    # make the store look as an older briefing left it: the slot in the briefing's zone, as text
    db = sqlite3.connect(config.store)
    db.execute("UPDATE editions SET slot = '2014-06-23T06:00:00+02:00'")
    db.execute("DELETE FROM migrations WHERE id = 4")  # "every time in UTC"
    db.commit()
    db.close()
    store = Store(config.store)  # reopening runs the migrations again
    try:
        (info,) = store.edition_infos()
        assert info.slot == datetime(2014, 6, 23, 4, 0, tzinfo=UTC)
        raw = store.db.execute("SELECT slot FROM editions").fetchone()[0]
        assert raw == "2014-06-23T04:00:00.000000+00:00"
    finally:
        store.close()
