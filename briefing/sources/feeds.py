"""`feed` sources: RSS 0.9x/1.0/2.0 and Atom (feedparser) and JSON Feed, turned into Documents.

Entry HTML passes `safe.safe_html` (nh3) and titles and authors `safe.safe_title` before anything
else sees them; links are kept only where `safe.safe_url` allows them. Where an entry carries only
a teaser and `full_text` is on, the linked page is fetched and its main text extracted
(trafilatura); where that fails, the feed's own text is kept.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser

from briefing.errors import SourceError
from briefing.models import Document
from briefing.safe import safe_html, safe_title, safe_url
from briefing.sources.dates import register as register_date_handlers
from briefing.sources.http import Response
from briefing.sources.urls import canonical_url
from briefing.text.markup import html_to_line, html_to_text
from briefing.text.normalize import collapse

log = logging.getLogger("briefing")
TEASER_CHARS = 600  # an entry whose text is shorter than this is a teaser


@dataclass(frozen=True)
class Parsed:
    documents: list[Document]
    ttl: timedelta | None  # the feed's own <ttl>
    title: str | None
    warning: str | None = None  # the feed parsed, but not cleanly


def _link(link: Any) -> str:
    """An entry's link, canonical, or "" where it is not one briefing may show (javascript:, data:...)."""
    url = safe_url(link) if isinstance(link, str) else None
    return canonical_url(url) if url else ""


def _author(value: Any) -> str | None:
    return safe_title(value) or None if isinstance(value, str) else None


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def plain_title(value: str | None, detail: Any = None) -> str:
    """A feed or entry title as plain text, made so once, before anything else sees it.

    feedparser gives a title of type text/html with its markup and with the entities that were
    escaped inside it still in place ("&#x0024;4300 1930ft<sup>2</sup>"): such a title is read as
    HTML. A text/plain title is already decoded; its white space is collapsed.
    """
    if not value:
        return ""
    kind = str(detail.get("type", "")) if isinstance(detail, dict) else ""
    if "html" in kind:
        return html_to_line(value)
    return collapse(value)


_LABEL_CUT = re.compile(r"\s+[-|–—:·»]\s+|:\s+")


def feed_label(title: str) -> str:
    """The [Source] tag a feed's own title gives: the name before any tagline.

    "Jornal de Notícias - Últimas Notícias" is "Jornal de Notícias"; "reddit: the front page of the
    internet" is "reddit"; "craigslist SF bay area | apts/housing" is "craigslist SF bay area".
    """
    name = _LABEL_CUT.split(title.strip(), maxsplit=1)[0].strip()
    return (name or title.strip())[:60]


def _identity(guid: str | None, link: str | None, title: str, text: str) -> str:
    if guid:
        return guid.strip()
    if link:
        return canonical_url(str(link))
    return "sha1:" + hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()


_HTML_START = re.compile(r"^\s*<(?:!doctype html|html|head)\b", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>([^<]*)</title>", re.IGNORECASE)


def parse(source: str, label: str, response: Response, now: datetime) -> Parsed:
    """Documents of a fetched feed; raise SourceError when it is not a feed at all."""
    register_date_handlers()  # dates in other languages' names, so old items are seen to be old
    body = response.body
    content_type = response.headers.get("content-type", "")
    if "json" in content_type or body.lstrip()[:1] == b"{":
        return _parse_json_feed(source, label, body, now)
    parsed = feedparser.parse(
        body, response_headers={"content-type": content_type or "application/xml", "content-location": response.url}
    )
    if not parsed.entries:
        head = body[:2048].decode("utf-8", "replace")
        if _HTML_START.match(head):
            # a moved feed, a login wall or an error page answers with a web page, not a feed
            found = _HTML_TITLE.search(head)
            title = safe_title(html_to_line(found.group(1))) if found else ""
            raise SourceError(
                "not a feed: the URL answers with a web page" + (f" titled {title!r}" if title else "")
                + " (has the feed moved? use the feed's own address; a `page` source reads web pages)"
            )
        if parsed.bozo:
            raise SourceError(f"not a readable feed: {_bozo(parsed)}")
        if not parsed.get("version"):
            raise SourceError("not a feed: no RSS, Atom or JSON Feed document found")
    documents = []
    for entry in parsed.entries:
        title = safe_title(plain_title(entry.get("title"), entry.get("title_detail")))
        contents = entry.get("content") or []
        html = contents[0].get("value", "") if contents else entry.get("summary", "")
        link = entry.get("link")
        documents.append(
            Document(
                source=source,
                label=label,
                uri=_identity(entry.get("id"), link, title, html),
                title=title or None,
                body=safe_html(html if isinstance(html, str) else ""),
                content_type="html",
                published=_when(entry.get("published_parsed") or entry.get("updated_parsed")),
                fetched=now,
                url=_link(link),
                byline=_author(entry.get("author")),
            )
        )
    ttl = parsed.feed.get("ttl")
    return Parsed(
        documents,
        timedelta(minutes=int(ttl)) if isinstance(ttl, str) and ttl.strip().isdigit() else None,
        plain_title(parsed.feed.get("title"), parsed.feed.get("title_detail")) or None,
        warning=f"parsed with problems: {_bozo(parsed)}" if parsed.bozo else None,
    )


def _bozo(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    text = str(exc).strip().splitlines()[0] if exc and str(exc).strip() else type(exc).__name__
    return text[:160]


def _parse_json_feed(source: str, label: str, body: bytes, now: datetime) -> Parsed:
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"not a readable JSON Feed: {exc}") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise SourceError("not a JSON Feed: no jsonfeed.org version")
    documents = []
    for item in doc.get("items", []):
        if not isinstance(item, dict):
            continue
        title = safe_title(collapse(str(item.get("title") or "")))
        html = item.get("content_html") or ""
        text = item.get("content_text") or item.get("summary") or ""
        link = item.get("url") or item.get("external_url")
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        documents.append(
            Document(
                source=source,
                label=label,
                uri=_identity(str(item.get("id")) if item.get("id") is not None else None, link, title, html or text),
                title=title or None,
                body=safe_html(str(html)) if html else str(text),
                content_type="html" if html else "text",
                published=_iso(item.get("date_published") or item.get("date_modified")),
                fetched=now,
                url=_link(link),
                byline=_author(", ".join(str(a.get("name", "")) for a in authors if isinstance(a, dict))),
            )
        )
    feed_title = doc.get("title")
    return Parsed(documents, None, collapse(feed_title) if isinstance(feed_title, str) else None)


def is_teaser(document: Document) -> bool:
    text = html_to_text(document.body) if document.content_type == "html" else document.body
    return len(" ".join(text.split())) < TEASER_CHARS


def with_full_text(document: Document, fetch_page: Callable[[str], str | None]) -> Document:
    """The document with the linked page's main text where the feed gave only a teaser."""
    if not document.url or not is_teaser(document):
        return document
    text = fetch_page(document.url)
    if not text or len(text) <= len(html_to_text(document.body)):
        return document
    from dataclasses import replace

    return replace(document, body=text, content_type="text")
