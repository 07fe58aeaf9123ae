"""The web archive: one page per edition and an index per briefing, plus a site index."""

from __future__ import annotations

from pathlib import Path


def edition_path(output_dir: Path, briefing: str, edition_id: str) -> Path:
    return output_dir / briefing / f"{edition_id}.html"


def edition_url(base_url: str, briefing: str, edition_id: str) -> str:
    return f"{base_url}{briefing}/{edition_id}.html"


def index_url(base_url: str, briefing: str) -> str:
    return f"{base_url}{briefing}/"


def feed_urls(base_url: str, briefing: str) -> tuple[str, str]:
    return f"{base_url}{briefing}/feed.xml", f"{base_url}{briefing}/atom.xml"


def json_feed_url(base_url: str, briefing: str) -> str:
    return f"{base_url}{briefing}/feed.json"
