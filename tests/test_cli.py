"""The command line as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def briefing(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=cwd, env=env, text=True, capture_output=True, timeout=120)


def test_run_prints_what_it_did(tmp_path: Path, write_config) -> None:
    config = write_config()
    result = briefing("run", "-c", str(config), "--now", "2014-06-23T06:00", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Collected 28 new articles from 1 source(s)." in out
    assert "the-brief: published “" in out
    assert "feeds:   public/the-brief/feed.xml, public/the-brief/atom.xml" in out
    assert "outbox:  1 message(s) in outbox/the-brief-2014-06-23-0600/" in out
    again = briefing("run", "-c", str(config), "--now", "2014-06-23T06:00", cwd=tmp_path)
    assert again.returncode == 0
    assert "the-brief: nothing new: edition the-brief-2014-06-23-0600 for this slot is already published" in again.stdout


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("sources: []\nbriefings: []\ncolour: red\n", encoding="utf-8")
    result = briefing("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: config.yaml: colour: unknown setting")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_config_names_the_fix(tmp_path: Path) -> None:
    result = briefing("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "config file not found (pass -c PATH" in result.stderr


def test_bad_now(tmp_path: Path, write_config) -> None:
    result = briefing("run", "-c", str(write_config()), "--now", "yesterday", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: --now: 'yesterday' is not an ISO-8601 date-time (example: 2014-06-23T06:00)"


def test_missing_source_folder_is_reported_and_the_run_goes_on(tmp_path: Path, write_config) -> None:
    from .conftest import seed_config

    raw = seed_config(tmp_path)
    raw["sources"].append({"name": "gone", "type": "files", "path": "nowhere"})
    result = briefing("run", "-c", str(write_config(raw)), "--now", "2014-06-23T06:00", cwd=tmp_path)
    assert result.returncode == 4  # published, but a source failed
    assert "gone: error (1 run(s) in a row): source gone: folder" in result.stdout
    assert "the-brief: published" in result.stdout


def test_quiet_and_verbose_go_before_or_after_the_command(tmp_path: Path, write_config) -> None:
    config = str(write_config())
    after = briefing("run", "-q", "-c", config, "--now", "2014-06-23T06:00", cwd=tmp_path)
    assert after.returncode == 0 and after.stdout == ""
    before = briefing("-q", "run", "-c", config, "--now", "2014-06-24T06:00", cwd=tmp_path)
    assert before.returncode == 0 and before.stdout == ""
    loud = briefing("run", "-c", config, "--now", "2014-06-25T06:00", cwd=tmp_path)
    assert "briefing: collecting 1 source(s)" in loud.stderr  # plain progress lines when not a terminal
