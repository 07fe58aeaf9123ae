"""Operating briefing: the run lock, check-config, status, preview and the schedule daemon."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

from briefing.lock import RunLock

from .conftest import ROOT, seed_config


def command(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> list[str]:
    return [sys.executable, "-m", "briefing", *args]


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def briefing(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), cwd=cwd, env=environment(**env), text=True, capture_output=True, timeout=300)


def test_two_runs_at_once_on_one_store(tmp_path: Path, write_config) -> None:
    config = write_config()
    procs = [
        subprocess.Popen(command("run", "-c", str(config), "--now", "2014-06-23T06:00"), env=environment(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 3], results
    blocked = next(err for code, _, err in results if code == 3)
    assert blocked.startswith("Error: another briefing run holds") and "Traceback" not in blocked
    emls = list((tmp_path / "outbox").glob("the-brief-*/*.eml"))
    assert len(emls) == 1


def test_a_held_lock_gives_exit_status_3(tmp_path: Path, write_config) -> None:
    config_path = write_config()
    from briefing import config as config_module

    with RunLock(config_module.load(config_path).store):
        result = briefing("run", "-c", str(config_path), "--now", "2014-06-23T06:00")
    assert result.returncode == 3
    assert "another briefing run holds" in result.stderr
    again = briefing("run", "-c", str(config_path), "--now", "2014-06-23T06:00")
    assert again.returncode == 0  # the lock is released with its holder


def test_check_config_reports_every_problem(tmp_path: Path) -> None:
    raw = seed_config(tmp_path)
    raw["colour"] = "red"
    raw["sources"][0]["path"] = str(tmp_path / "missing")
    raw["briefings"][0]["schedule"] = "61 6 * * *"
    raw["briefings"][1]["timezone"] = "Europe/Atlantis"
    raw["summarizer"]["algorithm"] = "gpt"
    raw["email"]["smtp"] = {"host": "smtp.example.com", "password_env": "BRIEFING_TEST_UNSET"}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    result = briefing("check-config", "-c", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    expected = [
        "colour: unknown setting",
        "briefings.the-brief.schedule: bad cron expression '61 6 * * *'",
        "briefings.morning-must-reads.timezone: unknown time zone 'Europe/Atlantis'",
        "summarizer.algorithm: unknown sumy algorithm 'gpt'",
    ]
    for text in expected:
        assert any(text in line for line in lines), (text, lines)
    assert lines[-1] == f"{len(lines) - 1} problem(s) in {path}."
    # the semantic checks run once the shape is right
    raw = seed_config(tmp_path)
    raw["sources"][0]["path"] = str(tmp_path / "missing")
    raw["email"]["smtp"] = {"host": "smtp.example.com", "password_env": "BRIEFING_TEST_UNSET"}
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    lines = briefing("check-config", "-c", str(path)).stderr.strip().splitlines()
    assert any(f"sources.seeds.path: folder {tmp_path / 'missing'} does not exist" in line for line in lines)
    assert any("email.smtp.password_env: environment variable BRIEFING_TEST_UNSET is not set" in line for line in lines)
    assert briefing("check-config", "-c", str(ROOT / "config.yaml")).returncode == 0


def test_check_config_on_broken_files(tmp_path: Path) -> None:
    for text, message in [
        ("sources: [\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping of settings"),
        ("sources: []\n", "briefings: required setting is missing"),
    ]:
        path = tmp_path / "c.yaml"
        path.write_text(text, encoding="utf-8")
        result = briefing("check-config", "-c", str(path))
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def _fingerprint(store: Path) -> str:
    db = sqlite3.connect(store)
    rows = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        rows.append((table, sorted(map(repr, db.execute(f"SELECT * FROM {table}")))))
    db.close()
    return hashlib.sha1(repr(rows).encode()).hexdigest()


def test_preview_leaves_the_store_unchanged(tmp_path: Path, write_config) -> None:
    config = write_config()
    assert briefing("run", "-c", str(config), "--now", "2014-06-23T06:00").returncode == 0
    (tmp_path / "extra").mkdir()
    raw = seed_config(tmp_path)
    raw["sources"].append({"name": "extra", "type": "files", "path": str(tmp_path / "extra"), "label": "Wire"})
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    (tmp_path / "extra" / "a.txt").write_text("Storm Hits the Coast\n\nA storm hit the coast on Tuesday, officials said.\n", encoding="utf-8")
    store = tmp_path / "state" / "briefing.sqlite3"
    before = _fingerprint(store)
    files_before = sorted(str(p) for p in tmp_path.rglob("*") if "state" not in p.parts)
    result = briefing("preview", "-c", str(config), "--briefing", "morning-must-reads", "--now", "2014-06-24T07:00")
    assert result.returncode == 0, result.stderr
    assert "preview of “Morning Must Reads: June 24”" in result.stdout and "nothing was recorded or sent" in result.stdout
    html = Path(result.stdout.splitlines()[1].strip())
    assert html.name == "email.html" and "A storm hit the coast on Tuesday" in html.read_text(encoding="utf-8")
    assert _fingerprint(store) == before
    assert sorted(str(p) for p in tmp_path.rglob("*") if "state" not in p.parts) == files_before
    # and the real run afterwards still publishes the article
    run = briefing("run", "-c", str(config), "--now", "2014-06-24T07:00")
    assert "morning-must-reads: published" in run.stdout


def test_status(tmp_path: Path, write_config) -> None:
    config = write_config()
    briefing("run", "-c", str(config), "--now", "2014-06-23T06:00")
    result = briefing("status", "-c", str(config), "--now", "2014-06-23T08:00")
    assert result.returncode == 0
    assert "the-brief (0 6 * * 1-5, America/New_York)" in result.stdout
    assert "next slot:          2014-06-24T06:00:00-04:00" in result.stdout
    assert "last edition:       the-brief-2014-06-23-0600" in result.stdout
    assert "pending deliveries: 0" in result.stdout and "Failing sources: none" in result.stdout


def test_schedule_catches_up_a_missed_slot_once_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    raw = seed_config(tmp_path)
    # a slot every minute; the daemon starts after one has passed with no edition
    raw["briefings"] = [dict(raw["briefings"][0], schedule="* * * * *", timezone="UTC")]
    raw["scheduler"] = {"collect_every_minutes": 60, "misfire_grace_minutes": 10}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    proc = subprocess.Popen(command("schedule", "-c", str(path)), env=environment(), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list((tmp_path / "outbox").glob("*/*.eml")):
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "was not published on time; publishing it now (late)" in err
    assert "briefing schedule: stopped." in out
    emls = list((tmp_path / "outbox").glob("*/*.eml"))
    assert len(emls) == 1  # once, not once per missed slot
    assert "Traceback" not in err


def test_collect_only_and_unknown_briefing(tmp_path: Path, write_config) -> None:
    config = write_config()
    result = briefing("collect", "-c", str(config), "--now", "2014-06-23T05:30")
    assert result.returncode == 0 and "Collected 28 new articles" in result.stdout
    assert not (tmp_path / "outbox").exists()
    wrong = briefing("run", "-c", str(config), "--briefing", "the-breif")
    assert wrong.returncode == 2 and "--briefing: no briefing named 'the-breif'" in wrong.stderr
    run = briefing("run", "-c", str(config), "--now", "2014-06-23T06:00")
    assert "Collected 0 new articles" in run.stdout and "the-brief: published" in run.stdout
