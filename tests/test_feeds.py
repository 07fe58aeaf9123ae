"""Feeds: valid by the W3C rules, read back by feedparser, JSON Feed 1.1, the last K editions."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from briefing import config as config_module
from briefing.pipeline import run

from .conftest import DATA, NOW, seed_config
from .feedcheck import check_atom, check_json_feed, check_rss

SAMPLES = DATA / "validator_samples"


def test_checker_agrees_with_the_w3c_validator_on_the_samples() -> None:
    assert check_rss((SAMPLES / "good_rss.xml").read_bytes()) == []
    assert check_atom((SAMPLES / "good_atom.xml").read_bytes()) == []
    # demo_output.txt: the four problems the W3C validator found in bad_rss.xml
    assert sorted(check_rss((SAMPLES / "bad_rss.xml").read_bytes())) == sorted(
        [
            "Invalid character in a URI",
            "pubDate must be an RFC-822 date-time",
            "guid must be a full URL, unless isPermaLink attribute is false",
            "Missing channel element: link",
            'Missing atom:link with rel="self"',  # a warning: demo.py ran at level "A", errors only
        ]
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import yaml

    root = tmp_path_factory.mktemp("feeds")
    raw = seed_config(root)
    raw.update(store=str(root / "s.sqlite3"), output_dir=str(root / "public"))
    raw["email"]["outbox"] = str(root / "outbox")
    raw["site"]["feed_items"] = 2
    raw["site"]["base_url"] = "https://news.example.org/briefing/"
    (root / "config.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    config = config_module.load(root / "config.yaml")
    run(config, NOW)
    # three more slots, each with one new article, so the feed has to drop the oldest
    extra = root / "extra"
    extra.mkdir()
    raw["sources"].append({"name": "extra", "type": "files", "path": str(extra), "label": "Wire"})
    (root / "config.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    config = config_module.load(root / "config.yaml")
    for day, title in ((24, "Storm Hits the Coast"), (25, "Rail Strike Ends After Talks"), (26, "Museum Reopens Its Doors")):
        (extra / f"{day}.txt").write_text(f"{title}\n\n{title} on the {day}th, officials said in a statement on Tuesday.\n", encoding="utf-8")
        run(config, NOW.replace(day=day))
    return root


@pytest.mark.parametrize("briefing", ["the-brief", "morning-must-reads"])
def test_feeds_have_no_w3c_errors_or_warnings(published: Path, briefing: str) -> None:
    folder = published / "public" / briefing
    assert check_rss((folder / "feed.xml").read_bytes()) == []
    assert check_atom((folder / "atom.xml").read_bytes()) == []
    assert check_json_feed((folder / "feed.json").read_bytes()) == []


def test_feeds_keep_the_last_k_editions_newest_first(published: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse((published / "public" / "the-brief" / name).read_bytes())
        assert not parsed.bozo
        assert [e.title for e in parsed.entries] == ["Museum Reopens Its Doors", "Rail Strike Ends After Talks"]
        assert all(e.link.startswith("https://news.example.org/briefing/the-brief/the-brief-2014-06-2") for e in parsed.entries)
    doc = json.loads((published / "public" / "the-brief" / "feed.json").read_bytes())  # feedparser 6.0 has no JSON Feed
    assert [i["title"] for i in doc["items"]] == ["Museum Reopens Its Doors", "Rail Strike Ends After Talks"]


def test_json_feed_content(published: Path) -> None:
    doc = json.loads((published / "public" / "the-brief" / "feed.json").read_text(encoding="utf-8"))
    assert doc["feed_url"] == "https://news.example.org/briefing/the-brief/feed.json"
    item = doc["items"][0]
    assert item["id"] == "tag:news.example.org,2014-06-26:the-brief/the-brief-2014-06-26-0600"
    assert "Museum Reopens Its Doors" in item["content_html"] and "Museum Reopens Its Doors" in item["content_text"]
    assert item["date_published"] == "2014-06-26T06:00:00-04:00"


def test_feed_links_are_absolute(published: Path) -> None:
    rss = (published / "public" / "the-brief" / "feed.xml").read_text(encoding="utf-8")
    assert 'href="/' not in rss and "http://localhost" not in rss
