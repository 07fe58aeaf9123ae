"""Shared fixtures: the seeds, a fixed clock, and configs written into a temporary folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from briefing import config as config_module
from briefing.config import Config

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = datetime(2014, 6, 23, 6, 0, tzinfo=ZoneInfo("America/New_York"))
SEED_LABELS = {
    "000_*": "TIME",
    "001_*": "National Journal",
    "002_*": "Digital Journal",
    "003_*": "WSJ",
    "004_*": "GovExec",
}

# Every line of site furniture in the seeds, checked by hand: none may reach any output.
SEED_BOILERPLATE = [
    # 000: browser warning, photo captions and credits, attributions, update stamp
    "Your browser, Internet Explorer 8 or below, is out of date",
    "Learn how to update your browser",
    "Anadolu Agency—Getty Images",
    "Mark Wilson—Getty Images",
    "Brendan Smialowski—Reuters",
    "Karim Sahib—AFP/Getty Images",
    "STRINGER Iraq / Reuters—REUTERS",
    "hold a joint press conference regarding developments in Syria and Iraq",
    "The early morning sun rises behind the US Capitol Building",
    "celebrate on vehicles taken from Iraqi security forces",
    "speaks during a joint news conference in Cairo",
    "Members of Kurdish forces hold their position",
    "Iraqi Turkmen forces patrol a checkpoint",
    "[Washington Post]",
    "Additional reporting by Zeke J Miller",
    "Updated 3:18 p.m. E.T.",
    "TIME Foreign Policy",
    "#theBrief",
    # 001: embedded tweets and live-blog labels
    "Donovan Slack (@DonovanSlack)",
    "White House: Up to 275 troops deploying to Iraq",  # the embedded tweet's own text
    "Breaking: White House says U.S. won't pursue",
    "Wall Street Journal (@WSJ)",
    "http://t.co/tYCeEMbSEk",
    "Original Post",
    "6:20 p.m.:",
    "3:31 p.m.:",
    # 002: login prompt, image residue, citation marks, "more news" navigation
    "Remember me",
    "Forgot password?",
    "Log in with Twitter",
    "article image",
    "[54]",
    "[55]",
    "More about Iraq violence",
    "More news from",
    "Latest News",
    "Top News",
    # 003: navigation
    "Popular Posts",
    # 004: photo credit, newsletter promotion, report list
    "Lefteris Pitarakis/AP",
    "Stay up-to-date with federal news alerts",
    "Sign up for GovExec",
    "Close [ x ]",
    "More from GovExec",
    "Thank you for subscribing",
    "reports might interest you",
    "Forecasting Cloud",
    "Conversations with Federal, State, and Local Technology Leaders",
    "The Big Data Campaign Trail",
    "This report breaks down",
    "Communicating Innovation in Federal Government",
    "obsolete technology",
    "Flash Storage",
    "Veterans Health Care Modernization",
    "This report discusses the current state of veterans health care",
    "When you download a report",
]


def seed_config(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The embedded default, with its outputs in tmp_path and its input the repository's seeds/."""
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    raw["sources"][0]["path"] = str(SEEDS)
    raw.update(overrides)
    return raw


def seed_config_in(root: Path, **site: Any) -> Config:
    """The embedded default with its store, outputs and outbox all inside `root`, written there and loaded."""
    raw = seed_config(root)
    raw.update(store=str(root / "state.sqlite3"), output_dir=str(root / "public"))
    raw["email"]["outbox"] = str(root / "outbox")
    raw["site"].update(site)
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return config_module.load(path)


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    def write(raw: dict[str, Any] | None = None, **overrides: Any) -> Path:
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(raw or seed_config(tmp_path, **overrides), sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def seed_cfg(write_config: Callable[..., Path]) -> Config:
    return config_module.load(write_config())


@pytest.fixture(autouse=True)
def _signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed BRIEFING_SECRET, so signed unsubscribe links (and the golden .eml files) are stable."""
    monkeypatch.setenv("BRIEFING_SECRET", "test-secret-for-golden-files-0123456789")


@pytest.fixture(autouse=True)
def _no_network_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """NLTK must never be needed: point its data path at an empty folder."""
    monkeypatch.setenv("NLTK_DATA", str(tmp_path / "no-nltk-data"))


def update_golden() -> bool:
    return os.environ.get("BRIEFING_UPDATE_GOLDEN") == "1"
