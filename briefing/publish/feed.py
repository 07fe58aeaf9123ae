"""RSS 2.0 and Atom feeds of a briefing's last editions (feedgen).

Deterministic: the same editions give byte-identical files. feedgen would stamp lastBuildDate with
the current time and its own version in the Atom generator, so both are set here from the editions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

from briefing.models import Edition

GENERATOR = "briefing"


@dataclass(frozen=True)
class FeedEntry:
    edition: Edition
    url: str  # the edition's archive page
    html: str  # the whole edition as HTML
    summary: str  # plain text: the intro and each item in one paragraph
    text: str = ""  # the whole edition as plain text (JSON Feed content_text)


def entry_guid(base_url: str, edition: Edition) -> str:
    """A stable, unique id for an edition: a tag URI, never a permalink."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},{edition.slot:%Y-%m-%d}:{edition.briefing}/{edition.id}"


def build_feeds(
    *,
    title: str,
    description: str,
    language: str,
    base_url: str,
    archive_url: str,
    rss_url: str,
    atom_url: str,
    author: str,
    entries: Sequence[FeedEntry],
) -> tuple[bytes, bytes]:
    """(RSS 2.0, Atom 1.0) documents for these entries, newest first."""
    def generator(self_url: str, self_type: str, content_type: str) -> Any:
        return _generator(title=title, description=description, language=language, base_url=base_url,
                          archive_url=archive_url, entries=entries, feed_id=atom_url, author=author,
                          self_url=self_url, self_type=self_type, content_type=content_type)

    rss = generator(rss_url, "application/rss+xml", "CDATA")
    atom = generator(atom_url, "application/atom+xml", "html")
    return rss.rss_str(pretty=True), atom.atom_str(pretty=True)


def _generator(
    *,
    title: str,
    description: str,
    language: str,
    base_url: str,
    archive_url: str,
    entries: Sequence[FeedEntry],
    feed_id: str,
    author: str,
    self_url: str,
    self_type: str,
    content_type: str,
) -> FeedGenerator:
    # feedgen writes the content type as given: "CDATA" suits RSS content:encoded, while Atom
    # needs type="html" (escaped text), so each format gets its own generator.
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.description(description)
    fg.subtitle(description)
    fg.language(language)
    fg.generator(GENERATOR)
    fg.author({"name": author})  # Atom requires an author for the feed or for every entry
    fg.docs("https://www.rssboard.org/rss-specification")
    # feedgen takes the RSS <link> from the last link added, so the self link goes first.
    fg.link(href=self_url, rel="self", type=self_type)
    fg.link(href=archive_url, rel="alternate", type="text/html")
    newest = max((e.edition.slot for e in entries), default=None)
    if newest is not None:
        fg.lastBuildDate(newest)  # also Atom's <updated>; never the wall clock
    for entry in sorted(entries, key=lambda e: (e.edition.slot, e.edition.id)):
        fe = fg.add_entry()
        guid = entry_guid(base_url, entry.edition)
        fe.id(guid)
        fe.guid(guid, permalink=False)
        fe.title(entry.edition.title)
        fe.link(href=entry.url, rel="alternate", type="text/html")
        fe.published(entry.edition.slot)
        fe.updated(entry.edition.slot)
        fe.summary(entry.summary)
        fe.content(entry.html, type=content_type)
    return fg


def build_json_feed(
    *,
    title: str,
    description: str,
    language: str,
    base_url: str,
    archive_url: str,
    json_url: str,
    author: str,
    entries: Sequence[FeedEntry],
) -> bytes:
    """A JSON Feed 1.1 document (https://jsonfeed.org/version/1.1), written with the standard library."""
    items = []
    for entry in sorted(entries, key=lambda e: (e.edition.slot, e.edition.id), reverse=True):
        items.append(
            {
                "id": entry_guid(base_url, entry.edition),
                "url": entry.url,
                "title": entry.edition.title,
                "content_html": entry.html,
                "content_text": entry.text,
                "summary": entry.summary,
                "date_published": entry.edition.slot.isoformat(),
                "date_modified": entry.edition.slot.isoformat(),
                "tags": list(entry.edition.topics),
            }
        )
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": archive_url,
        "feed_url": json_url,
        "description": description,
        "language": language,
        "authors": [{"name": author}],
        "items": items,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
