"""Real `briefing collect` processes against the hostile server: one line per bad source, within the
deadline; `--force` fetches a source that is backing off."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from briefing.pipeline import collect
from briefing.store import Store

from .conftest import DEADLINE, GOOD_A, NOW, feed, fault_config, rss
from .hostile import HostileServer, drip, head, respond

PROCESS_START = 8.0  # seconds a fresh interpreter may take to import briefing on a loaded machine


def briefing(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "NLTK_DATA": str(root / "no-nltk")}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "briefing", *args, "-c", str(root / "config.yaml"), "--now", NOW.isoformat()],
        capture_output=True, text=True, timeout=120, env=env,
    )
    return done, time.monotonic() - started


def test_collect_reports_each_bad_source_once_and_force_fetches_one_backing_off(
    hostile: HostileServer, tmp_path: Path
) -> None:
    valid = rss("Flaky", ("Flaky Feed Returns", "http://example.org/f", "f1", GOOD_A[1]))
    hostile.routes["/cli-slow"] = drip(head("200 OK", {"Content-Type": "application/rss+xml"}) + valid)
    hostile.routes["/cli-429"] = respond(b"", "429 Too Many Requests", Retry_After="99999999999999999999")
    hostile.routes["/cli-flaky"] = respond(b"oops", "500 Internal Server Error")
    sources = [
        feed("gooda", hostile.url("/good-a")),
        feed("slow", hostile.url("/cli-slow")),
        feed("limited", hostile.url("/cli-429")),
        feed("flaky", hostile.url("/cli-flaky")),
        feed("goodb", hostile.url("/good-b")),
    ]
    config = fault_config(tmp_path, sources, backoff_minutes=30)
    done, seconds = briefing(tmp_path, "collect")
    assert done.returncode == 4, done.stderr  # done, but some sources failed
    assert seconds < DEADLINE + PROCESS_START
    lines = (done.stdout + done.stderr).splitlines()
    for name, reason in (("slow", "deadline"), ("limited", "2014-06-24 07:00 UTC"), ("flaky", "server error (500)")):
        mentions = [line for line in lines if f"{name}:" in line]
        assert len(mentions) == 1 and reason in mentions[0], lines
    assert any(line.strip().startswith("gooda: 1 documents") for line in lines), lines
    assert not any("Traceback" in line for line in lines)

    # The feed is fixed: a plain collect leaves it alone (backing off), --force fetches it now.
    hostile.routes["/cli-flaky"] = respond(valid)
    store = Store(config.store)
    try:
        skipped = {r.name: r.skipped for r in collect(config, store, NOW)}
    finally:
        store.close()
    assert skipped["flaky"] is not None and skipped["flaky"].startswith("not due until")
    done, _ = briefing(tmp_path, "collect", "--force", "flaky")
    assert done.returncode == 0, done.stderr
    assert "  flaky: 1 documents, 1 articles, 1 new" in done.stdout, done.stdout

    done, _ = briefing(tmp_path, "collect", "--force", "nosuchsource")
    assert done.returncode != 0 and done.stderr.startswith("Error: --force: no source named 'nosuchsource'")
