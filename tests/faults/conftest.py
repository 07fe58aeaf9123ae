"""Fault-matrix fixtures: one hostile server for the session, two good feeds, short deadlines."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefing import config as config_module
from briefing.config import Config
from briefing.pipeline import RunReport, run
from ..conftest import seed_config
from .hostile import HostileServer, respond

NOW = datetime(2014, 6, 23, 7, 0, tzinfo=UTC)
DEADLINE = 2.0  # fetch.deadline in these tests, seconds
READ_TIMEOUT = 1.0
# A run with one hostile source must end within its fetch deadline plus the time a run of the two
# good sources takes on a loaded 2-core machine (measured at about 0.3 s warm).
RUN_LIMIT = DEADLINE + 3.0

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{name}</title><link>http://example.org/</link><description>d</description>
{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{link}</link><guid isPermaLink="false">{guid}</guid>
<pubDate>Mon, 23 Jun 2014 05:00:00 GMT</pubDate><description><![CDATA[{body}]]></description></item>"""

GOOD_A = (
    "Harbour Bridge Vote Passes",
    "<p>The city council voted on Monday to rebuild the old harbour bridge, officials said.</p>"
    "<p>Work will start in the spring and last two years, the mayor told reporters at the town hall.</p>"
    "<p>Engineers said the new bridge would carry trams as well as cars and bicycles.</p>",
)
GOOD_B = (
    "Orchestra Opens Its Summer Season",
    "<p>The national orchestra opened its summer season with a free concert in the park on Sunday.</p>"
    "<p>Thousands of listeners brought blankets and picnics to hear the symphony under the stars.</p>"
    "<p>The conductor said the programme would tour six towns before the autumn.</p>",
)


def rss(name: str, *items: tuple[str, str, str, str]) -> bytes:
    """An RSS 2.0 feed of (title, link, guid, body) items; titles and links are inserted as given."""
    rendered = "".join(ITEM.format(title=t, link=link, guid=g, body=b) for t, link, g, b in items)
    return RSS.format(name=name, items=rendered).encode("utf-8")


@pytest.fixture(scope="session")
def hostile() -> Iterator[HostileServer]:
    server = HostileServer().start()
    server.routes["/good-a"] = respond(rss("A", (GOOD_A[0], "http://example.org/a", "a1", GOOD_A[1])))
    server.routes["/good-b"] = respond(rss("B", (GOOD_B[0], "http://example.org/b", "b1", GOOD_B[1])))
    yield server
    server.stop()


def feed(name: str, url: str) -> dict[str, Any]:
    return {"name": name, "type": "feed", "url": url, "label": name.upper(), "full_text": False}


def fault_config(root: Path, sources: list[dict[str, Any]], **fetch: Any) -> Config:
    """A config with these sources, one must_reads briefing, short fetch limits, all files under root."""
    raw = seed_config(root)
    raw.update(store=str(root / "state.sqlite3"), output_dir=str(root / "public"))
    raw["email"]["outbox"] = str(root / "outbox")
    raw["sources"] = sources
    raw["fetch"] = {
        "timeout": READ_TIMEOUT, "deadline": DEADLINE, "backoff_minutes": 0, "max_bytes": 1_000_000, **fetch
    }
    raw["briefings"] = [
        {"name": "wire", "style": "must_reads", "title": "Wire", "schedule": "0 7 * * *", "timezone": "UTC",
         "stories": 20}
    ]
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return config_module.load(path)


@dataclass
class Outcome:
    report: RunReport
    seconds: float
    config: Config


def run_between_good(hostile: HostileServer, root: Path, bad: list[dict[str, Any]], **fetch: Any) -> Outcome:
    """One real run (collect and publish) with the bad sources between the two good feeds."""
    sources = [feed("gooda", hostile.url("/good-a")), *bad, feed("goodb", hostile.url("/good-b"))]
    config = fault_config(root, sources, **fetch)
    started = time.monotonic()
    report = run(config, NOW)
    return Outcome(report, time.monotonic() - started, config)


@pytest.fixture(scope="session")
def warm(hostile: HostileServer, tmp_path_factory: pytest.TempPathFactory) -> float:
    """One run of the good feeds alone, so the timed runs do not pay for first imports."""
    outcome = run_between_good(hostile, tmp_path_factory.mktemp("warm"), [])
    return outcome.seconds
