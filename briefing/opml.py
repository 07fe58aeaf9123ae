"""OPML 2.0 subscription lists: read the feeds of one, write one from the config's feed sources."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from briefing.config import Config, FeedSource
from briefing.errors import ConfigError


@dataclass(frozen=True)
class Subscription:
    title: str
    url: str


def read_opml(path: Path) -> list[Subscription]:
    """Every outline with an xmlUrl, nested folders included, in document order."""
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such OPML file") from None
    except ET.ParseError as exc:
        raise ConfigError(f"{path}: not valid OPML ({exc})") from None
    if root.tag != "opml":
        raise ConfigError(f"{path}: not an OPML file (the root element is <{root.tag}>)")
    found = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if url:
            found.append(Subscription((outline.get("title") or outline.get("text") or url).strip(), url.strip()))
    return found


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "feed"


def write_opml(title: str, subscriptions: list[Subscription]) -> str:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for sub in subscriptions:
        ET.SubElement(body, "outline", type="rss", text=sub.title, title=sub.title, xmlUrl=sub.url)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def import_subscriptions(config: Config, path: Path) -> list[str]:
    """Add the feeds of an OPML file that the config lacks to config.yaml; return the new source names.

    A feed already configured (same URL) is skipped; a name already taken gets "-2", "-3", ...
    """
    from briefing.config_edit import append_sources

    known = {s.name for s in config.sources}
    urls = {getattr(s, "url", None) for s in config.sources}
    entries = []
    for sub in read_opml(path):
        if sub.url in urls:
            continue
        name, n = slug(sub.title), 2
        while name in known:
            name, n = f"{slug(sub.title)}-{n}", n + 1
        known.add(name)
        urls.add(sub.url)
        entries.append({"name": name, "type": "feed", "url": sub.url, "label": sub.title})
    if entries:
        append_sources(config.path, entries)
    return [e["name"] for e in entries]


def export_subscriptions(config: Config) -> tuple[str, int]:
    """The config's feed sources as an OPML document, and how many there are."""
    feeds = [Subscription(s.label or s.name, s.url) for s in config.sources if isinstance(s, FeedSource)]
    return write_opml(config.site.title, feeds), len(feeds)
