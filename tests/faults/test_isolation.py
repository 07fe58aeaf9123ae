"""One failing source, edition or briefing is reported in one line and the others go on; an
unfinished edition can be listed and given up; a source failing run after run is named at the end
of the edition."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from briefing import collect as collect_module
from briefing import config as config_module
from briefing.pipeline import run
from briefing.store import Store

from ..conftest import NOW, ROOT, SEEDS, seed_config


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "briefing", *args], env=env, cwd=cwd, text=True,
                          capture_output=True, timeout=120)


def write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_an_unexpected_exception_in_one_source_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = seed_config(tmp_path)
    raw["sources"].append({"name": "broken", "type": "files", "path": str(SEEDS), "label": "Broken"})
    config = config_module.load(write(tmp_path, raw))
    real_fetch = collect_module.fetch

    def fetch(source, *args, **kwargs):  # a bug in one source's code, not a fault it reports
        if source.name == "broken":
            raise KeyError("enclosure")
        return real_fetch(source, *args, **kwargs)

    monkeypatch.setattr(collect_module, "fetch", fetch)
    report = run(config, NOW)
    broken = next(s for s in report.sources if s.name == "broken")
    assert broken.error == "unexpected KeyError: 'enclosure'"
    assert report.new_articles == 28 and all(p.edition for p in report.published)
    assert report.degraded


def test_a_poison_edition_blocks_nothing_and_can_be_abandoned(tmp_path: Path) -> None:
    raw = seed_config(tmp_path)
    config_path = write(tmp_path, raw)
    # the-brief's page for June 23 cannot be written (a folder sits where the file goes)
    (tmp_path / "public" / "the-brief" / "the-brief-2014-06-23-0600.html").mkdir(parents=True)
    first = cli("run", "-c", "config.yaml", "--now", "2014-06-23T06:00", cwd=tmp_path)
    assert first.returncode == 4, first.stderr  # published (must reads), but the-brief failed
    assert "the-brief: failed:" in first.stdout and "Traceback" not in first.stderr
    assert "morning-must-reads: published" in first.stdout
    # the next day: the stuck edition fails again, named in one line; today's editions go out
    (SEED_DAY2 := tmp_path / "day2").mkdir()
    (SEED_DAY2 / "storm.txt").write_text("Storm Hits the Coast\n\nA storm hit the coast on Tuesday, officials said.\n",
                                         encoding="utf-8")
    raw["sources"].append({"name": "day2", "type": "files", "path": str(SEED_DAY2), "label": "Wire"})
    write(tmp_path, raw)
    second = cli("run", "-c", "config.yaml", "--now", "2014-06-24T06:00", cwd=tmp_path)
    assert second.returncode == 4
    assert "not delivered: edition the-brief-2014-06-23-0600:" in second.stdout
    assert "the-brief: published" in second.stdout and "morning-must-reads: published" in second.stdout
    listed = json.loads(cli("editions", "-c", "config.yaml", "--json", cwd=tmp_path).stdout)
    states = {e["id"]: e["status"] for e in listed}
    assert states["the-brief-2014-06-23-0600"] == "composed"
    assert states["the-brief-2014-06-24-0600"] == "done"
    table = cli("editions", "-c", "config.yaml", cwd=tmp_path).stdout
    assert any(line.split()[:2] == ["the-brief-2014-06-23-0600", "composed"] for line in table.splitlines())
    # give it up: kept and marked, never half-published; its articles go to the next edition
    gone = cli("editions", "-c", "config.yaml", "abandon", "the-brief-2014-06-23-0600", cwd=tmp_path)
    assert gone.returncode == 0 and "Abandoned the-brief-2014-06-23-0600" in gone.stdout
    again = cli("editions", "-c", "config.yaml", "abandon", "the-brief-2014-06-24-0600", cwd=tmp_path)
    assert again.returncode == 1 and "only an unfinished edition can be abandoned" in again.stderr
    feed = (tmp_path / "public" / "the-brief" / "feed.xml").read_text(encoding="utf-8")
    assert "the-brief-2014-06-23-0600" not in feed and "the-brief-2014-06-24-0600" in feed
    config = config_module.load(config_path)
    store = Store(config.store)
    try:
        released = {i for e in store.editions("the-brief") for i in e.article_ids}
        third = run(config, NOW + timedelta(days=2)).published[0]
        assert third.edition is not None and third.error is None
        # the abandoned edition's articles were not lost: the next edition could take them
        assert set(third.edition.article_ids) - released
        assert "the-brief-2014-06-23-0600" in {e.id for e in store.edition_infos() if e.status == "abandoned"}
    finally:
        store.close()


def test_a_source_failing_run_after_run_is_named_at_the_end_of_the_edition(tmp_path: Path) -> None:
    raw = seed_config(tmp_path)
    raw["sources"].append({"name": "dead", "type": "files", "path": str(tmp_path / "gone"), "label": "Dead Wire"})
    raw["fetch"] = {"report_after_failures": 2, "backoff_minutes": 0}
    raw["briefings"] = raw["briefings"][:1]
    config = config_module.load(write(tmp_path, raw))
    first = run(config, NOW).published[0].edition
    assert first is not None and first.source_problems == ()  # one failure is not yet a problem
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "a.txt").write_text("Storm Hits the Coast\n\nA storm hit the coast on Tuesday, officials said.\n",
                                           encoding="utf-8")
    raw["sources"].append({"name": "more", "type": "files", "path": str(tmp_path / "more")})
    config = config_module.load(write(tmp_path, raw))
    second = run(config, NOW + timedelta(days=1)).published[0].edition
    assert second is not None and second.source_problems == ("Dead Wire",)
    page = (tmp_path / "public" / "the-brief" / f"{second.id}.html").read_text(encoding="utf-8")
    assert "Sources with problems: Dead Wire (left out of this edition)." in page
    (mail,) = (tmp_path / "outbox" / second.id).glob("*.eml")
    assert "Sources with problems: Dead Wire" in mail.read_text(encoding="utf-8")
    status = json.loads(cli("status", "-c", "config.yaml", "--json", cwd=tmp_path).stdout)
    assert [s["name"] for s in status["failing_sources"]] == ["dead"]
