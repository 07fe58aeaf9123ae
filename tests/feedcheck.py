"""A checker for the W3C Feed Validation Service rules our feeds rely on.

The W3C validator (feedvalidator) is not packaged on PyPI, so the rules we depend on are written
down here, in its words, and the checker is itself tested against samples the real validator judged
(tests/data/validator_samples/demo_output.txt). Errors and warnings are both returned: our feeds must
have neither.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_RFC822 = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"
    r" \d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT|UT|[ECMP][SD]T|Z)$"
)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
_URI_OK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


def _full_url(value: str) -> bool:
    parts = urlsplit(value)
    return bool(_URI_OK.match(value)) and parts.scheme in ("http", "https") and bool(parts.netloc)


def _rfc822(value: str) -> bool:
    if not _RFC822.match(value.strip()):
        return False
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    return True


def check_rss(data: bytes) -> list[str]:
    problems: list[str] = []
    root = etree.fromstring(data)
    if root.tag != "rss" or root.get("version") != "2.0":
        return ["Not an RSS 2.0 document"]
    channel = root.find("channel")
    if channel is None:
        return ["Missing element: channel"]
    for name in ("title", "link", "description"):
        element = channel.find(name)
        if element is None or not (element.text or "").strip():
            problems.append(f"Missing channel element: {name}")
    link = channel.findtext("link")
    if link and not _full_url(link.strip()):
        problems.append("Invalid character in a URI" if not _URI_OK.match(link) else "link must be a full URL")
    selfs = [a for a in channel.findall(f"{ATOM}link") if a.get("rel") == "self"]
    if not selfs:
        problems.append('Missing atom:link with rel="self"')
    for a in selfs:
        if not _full_url(a.get("href", "")):
            problems.append("atom:link href must be a full URL")
    for name in ("pubDate", "lastBuildDate"):
        value = channel.findtext(name)
        if value is not None and not _rfc822(value):
            problems.append(f"{name} must be an RFC-822 date-time")
    guids: set[str] = set()
    for item in channel.findall("item"):
        if item.find("title") is None and item.find("description") is None:
            problems.append("item must contain either title or description")
        item_link = item.findtext("link")
        if item_link is not None and not _URI_OK.match(item_link.strip()):
            problems.append("Invalid character in a URI")
        elif item_link is not None and not _full_url(item_link.strip()):
            problems.append("link must be a full URL")
        pub = item.findtext("pubDate")
        if pub is not None and not _rfc822(pub):
            problems.append("pubDate must be an RFC-822 date-time")
        guid = item.find("guid")
        if guid is None:
            problems.append("item should contain a guid element")
        else:
            value = (guid.text or "").strip()
            if guid.get("isPermaLink", "true") == "true" and not _full_url(value):
                problems.append("guid must be a full URL, unless isPermaLink attribute is false")
            if value in guids:
                problems.append(f"guid values must be unique: {value}")
            guids.add(value)
        description = item.findtext("description") or ""
        if re.search(r"<[a-zA-Z/][^>]*>", description):
            problems.append("description should not contain HTML (use content:encoded)")
        for content in item.findall(f"{CONTENT}encoded"):
            for href in re.findall(r'(?:href|src)="([^"]*)"', content.text or ""):
                if not _full_url(href) and not href.startswith("mailto:"):
                    problems.append(f"content:encoded should not contain relative URL references: {href}")
    return problems


def check_atom(data: bytes) -> list[str]:
    problems: list[str] = []
    root = etree.fromstring(data)
    if root.tag != f"{ATOM}feed":
        return ["Not an Atom 1.0 feed"]
    for name in ("id", "title", "updated"):
        if root.find(f"{ATOM}{name}") is None:
            problems.append(f"Missing feed element: {name}")
    feed_author = root.find(f"{ATOM}author") is not None
    if not any(link.get("rel") == "self" for link in root.findall(f"{ATOM}link")):
        problems.append('Missing atom:link with rel="self"')
    for link in root.findall(f".//{ATOM}link"):
        if not _full_url(link.get("href", "")):
            problems.append(f"link href must be a full URL: {link.get('href')}")
    for element in root.iter(f"{ATOM}updated", f"{ATOM}published"):
        if not _RFC3339.match((element.text or "").strip()):
            problems.append(f"{element.tag.replace(ATOM, '')} must be an RFC-3339 date-time")
    ids: set[str] = set()
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            if entry.find(f"{ATOM}{name}") is None:
                problems.append(f"Missing entry element: {name}")
        if not feed_author and entry.find(f"{ATOM}author") is None:
            problems.append("Missing entry element: author")
        entry_id = entry.findtext(f"{ATOM}id") or ""
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", entry_id):
            problems.append("id must be a full and valid URL")
        if entry_id in ids:
            problems.append(f"id values must be unique: {entry_id}")
        ids.add(entry_id)
        content = entry.find(f"{ATOM}content")
        has_alternate = any(l.get("rel", "alternate") == "alternate" for l in entry.findall(f"{ATOM}link"))
        if content is None and not has_alternate:
            problems.append("Missing entry element: content or alternate link")
        if content is not None and content.get("type") not in (None, "text", "html", "xhtml"):
            problems.append(f"content type {content.get('type')!r} is not text, html or xhtml")
    return problems


def check_json_feed(data: bytes) -> list[str]:
    """JSON Feed 1.1: the required keys and types, and unique item ids."""
    problems: list[str] = []
    doc = json.loads(data)
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version must be https://jsonfeed.org/version/1.1")
    if not isinstance(doc.get("title"), str):
        problems.append("title is required")
    for key in ("home_page_url", "feed_url"):
        if key in doc and not _full_url(doc[key]):
            problems.append(f"{key} must be a full URL")
    ids: set[str] = set()
    for item in doc.get("items", []):
        if not isinstance(item.get("id"), str):
            problems.append("item id is required and must be a string")
        if item.get("id") in ids:
            problems.append("item ids must be unique")
        ids.add(item.get("id"))
        if "content_html" not in item and "content_text" not in item:
            problems.append("item needs content_html or content_text")
        for key in ("date_published", "date_modified"):
            if key in item:
                try:
                    datetime.fromisoformat(item[key])
                except ValueError:
                    problems.append(f"{key} must be RFC 3339")
    return problems
