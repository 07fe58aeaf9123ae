"""Broken configs and broken stores: one line that says what and where, the documented exit code,
never a traceback. Each case runs the real CLI in a subprocess."""

from __future__ import annotations

import copy
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..conftest import ROOT, seed_config

NOW = "2014-06-23T06:00"


def briefing(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "briefing", *args], env=env, cwd=cwd, text=True, capture_output=True, timeout=120
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single 'Error: ...' line of a failed command; fails on a traceback or a multi-line mess."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def _set(raw: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node: Any = raw
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return raw


def edit(path: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda raw: _set(raw, path, value)


# (case, change to the embedded default, words the one-line error must hold)
BROKEN: list[tuple[str, Callable[[dict[str, Any]], Any], tuple[str, ...]]] = [
    ("cron weekday 8", edit("briefings.0.schedule", "0 6 * * 8"), ("briefings.the-brief.schedule", "weekday '8'", "0-7")),
    ("cron minute 61", edit("briefings.0.schedule", "61 6 * * *"), ("minute '61'", "0-59")),
    ("cron four fields", edit("briefings.0.schedule", "0 6 * *"), ("five fields",)),
    ("cron words", edit("briefings.0.schedule", "at six daily please"), ("schedule",)),
    ("cron backwards range", edit("briefings.0.schedule", "0 6 * * 5-1"), ("runs backwards",)),
    ("unknown zone", edit("briefings.1.timezone", "Europe/Atlantis"), ("Europe/Atlantis", "IANA")),
    ("unknown algorithm", edit("summarizer.algorithm", "gpt"), ("summarizer.algorithm", "gpt")),
    ("stories not a number", edit("briefings.0.stories", "four"), ("stories", "whole number", "'four'")),
    ("stories zero", edit("briefings.0.stories", 0), ("stories",)),
    ("base_url not absolute", edit("site.base_url", "localhost"), ("site.base_url", "absolute")),
    ("unknown key", edit("sumarizer", {"algorithm": "lsa"}), ("sumarizer", "unknown setting", "did you mean 'summarizer'")),
    ("unknown source type", edit("sources.0.type", "podcast"), ("type", "'podcast'")),
    ("feed url not http", lambda raw: raw["sources"].append({"name": "f", "type": "feed", "url": "ftp://x/f"}),
     ("sources.f.url", "http")),
    ("unknown style", edit("briefings.0.style", "tabloid"), ("style", "'tabloid'")),
    ("briefing name with spaces", edit("briefings.0.name", "The Brief"), ("name",)),
    ("duplicate source", lambda raw: raw["sources"].append(copy.deepcopy(raw["sources"][0])), ("used twice",)),
    ("unknown source in briefing", edit("briefings.0.sources", ["wires"]), ("no source named 'wires'",)),
    ("duplicate briefing", lambda raw: raw["briefings"].append(copy.deepcopy(raw["briefings"][0])), ("used twice",)),
    ("bad recipient", edit("email.recipients", ["not-an-address"]), ("not-an-address", "email address")),
    ("smtp port", edit("email.smtp", {"host": "mail.example.com", "port": 70000}), ("email.smtp.port",)),
    ("negative timeout", edit("fetch.timeout", -1), ("fetch.timeout",)),
    ("sources not a list", edit("sources", "seeds"), ("sources",)),
    ("missing briefings", lambda raw: raw.pop("briefings"), ("briefings", "missing")),
]


@pytest.mark.parametrize(("case", "change", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_config_is_one_line_and_exit_2(
    tmp_path: Path, case: str, change: Callable[[dict[str, Any]], Any], words: tuple[str, ...]
) -> None:
    raw = seed_config(tmp_path)
    change(raw)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    result = briefing("run", "-c", "config.yaml", "--now", NOW, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = one_line_error(result)
    assert line.startswith("Error: config.yaml: ")
    for word in words:
        assert word in line, line
    assert not (tmp_path / "public").exists()  # nothing was published from a bad config


RAW_FILES: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("binary", b"\x00\x01\x02briefings: []\x00", ("not a text file",)),
    ("latin-1", "title: Nachrichten f\u00fcr M\u00fcnchen\n".encode("latin-1"), ("not UTF-8",)),
    ("not yaml", b"sources: [\n  - name: x\n    type: files\n  path: oops\n", ("not valid YAML", "line")),
    ("a list", b"- sources\n- briefings\n", ("mapping of settings",)),
    ("empty", b"", ("mapping of settings",)),
    ("billion laughs",
     b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
         f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join('*' + chr(97 + i) for _ in range(9))}]\n".encode()
         for i in range(9)),
     ("aliases",)),
    ("too large", b"# " + b"x" * 1_100_000 + b"\n", ("too large", "1 MB")),
]


@pytest.mark.parametrize(("case", "data", "words"), RAW_FILES, ids=[r[0] for r in RAW_FILES])
def test_an_unreadable_config_file_is_one_line_and_exit_2(
    tmp_path: Path, case: str, data: bytes, words: tuple[str, ...]
) -> None:
    (tmp_path / "config.yaml").write_bytes(data)
    started = time.monotonic()
    result = briefing("run", "-c", "config.yaml", cwd=tmp_path)
    assert time.monotonic() - started < 30  # refused, not chewed on
    assert result.returncode == 2, result.stderr
    line = one_line_error(result)
    for word in words:
        assert word in line, line


def test_a_folder_or_a_missing_file_as_config(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    folder = briefing("run", "-c", "conf", cwd=tmp_path)
    assert folder.returncode == 2 and "is a folder" in one_line_error(folder)
    missing = briefing("status", "-c", "nope.yaml", cwd=tmp_path)
    assert missing.returncode == 2 and "config file not found" in one_line_error(missing)


def test_check_config_reports_every_problem_in_one_pass(tmp_path: Path) -> None:
    raw = seed_config(tmp_path)
    raw["briefings"][0]["schedule"] = "0 6 * * 8"
    raw["briefings"][1]["timezone"] = "Europe/Atlantis"
    raw["summarizer"]["algorithm"] = "gpt"
    raw["briefings"][1]["sources"] = ["wires"]
    raw["sources"].append(copy.deepcopy(raw["sources"][0]))
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    result = briefing("check-config", "-c", "config.yaml", cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 5, result.stderr
    assert "5 problem(s) in config.yaml." in result.stderr
    # and `run` names the first with a count of the rest
    run = briefing("run", "-c", "config.yaml", cwd=tmp_path)
    assert "(and 4 more problems: see `briefing check-config`)" in one_line_error(run)


# -- the store ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store after one real run of the seeds (copied for each fault)."""
    root = tmp_path_factory.mktemp("good")
    raw = seed_config(root)
    (root / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    assert briefing("run", "-q", "-c", "config.yaml", "--now", NOW, cwd=root).returncode == 0
    return root / "state" / "briefing.sqlite3"


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 100)


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:3000])


def _pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    # every page after the header and the schema pages (a fixed middle range may fall on pages a run
    # never reads, as the store grows tables)
    data[8192:] = b"A" * (len(data) - 8192)
    path.write_bytes(bytes(data))


def _foreign(path: Path) -> None:
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE articles (x)")
    db.commit()
    db.close()


def _newer(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("INSERT INTO migrations VALUES (999, 'from the future', datetime('now'))")
    db.commit()
    db.close()


STORE_FAULTS = [
    ("garbage", _garbage, "damaged or not a briefing store"),
    ("truncated", _truncated, "damaged or not a briefing store"),
    ("corrupt pages", _pages, "damaged or not a briefing store"),
    ("another program's database", _foreign, "not a briefing store"),
    ("written by a newer briefing", _newer, "newer briefing"),
]


@pytest.mark.parametrize(("case", "damage", "words"), STORE_FAULTS, ids=[f[0] for f in STORE_FAULTS])
def test_a_damaged_store_is_one_line_and_exit_1(
    tmp_path: Path, good_store: Path, case: str, damage: Callable[[Path], None], words: str
) -> None:
    raw = seed_config(tmp_path)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    store = tmp_path / "state" / "briefing.sqlite3"
    store.parent.mkdir()
    shutil.copy(good_store, store)
    damage(store)
    result = briefing("run", "-c", "config.yaml", "--now", "2014-06-24T06:00", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    line = one_line_error(result)
    assert str(store) in line and words in line


def test_a_store_locked_by_another_sqlite_client_is_exit_3(tmp_path: Path, good_store: Path) -> None:
    raw = seed_config(tmp_path)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    store = tmp_path / "state" / "briefing.sqlite3"
    store.parent.mkdir()
    shutil.copy(good_store, store)
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        result = briefing("run", "-c", "config.yaml", "--now", "2014-06-24T06:00", cwd=tmp_path)
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 3
    assert "locked by another program" in one_line_error(result)
    assert waited < 20  # a few seconds' grace, not a hang


def test_store_paths_that_cannot_be_used(tmp_path: Path) -> None:
    raw = seed_config(tmp_path)
    (tmp_path / "store-is-a-folder").mkdir()
    raw["store"] = "store-is-a-folder"
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    folder = briefing("run", "-c", "a.yaml", "--now", NOW, cwd=tmp_path)
    assert folder.returncode == 1 and "store-is-a-folder" in one_line_error(folder)
    (tmp_path / "state-is-a-file").write_text("x", encoding="utf-8")
    raw["store"] = "state-is-a-file/briefing.sqlite3"
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    file = briefing("run", "-c", "b.yaml", "--now", NOW, cwd=tmp_path)
    assert file.returncode == 1 and "state-is-a-file" in one_line_error(file)


NO_FILE_MODE_BYPASS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None, reason="as root, needs setpriv to honour file modes"
)
def test_a_read_only_store_and_state_folder(tmp_path: Path, good_store: Path) -> None:
    """A store the user may only read, in a folder where no lock or journal can be created."""
    raw = seed_config(tmp_path)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    state = tmp_path / "state"
    state.mkdir()
    shutil.copy(good_store, state / "briefing.sqlite3")
    os.chmod(state / "briefing.sqlite3", 0o444)
    os.chmod(state, 0o555)
    try:
        prefix = NO_FILE_MODE_BYPASS if os.geteuid() == 0 else []  # root ignores file modes otherwise
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "briefing", "run", "-c", "config.yaml", "--now", "2014-06-24T06:00"],
            env=env, cwd=tmp_path, text=True, capture_output=True, timeout=120,
        )
    finally:
        os.chmod(state, 0o755)
        os.chmod(state / "briefing.sqlite3", 0o644)
    assert result.returncode == 1, result.stderr
    line = one_line_error(result)
    assert "state" in line and ("read-only" in line or "cannot" in line), line
