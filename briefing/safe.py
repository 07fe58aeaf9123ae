"""The one place content from sources becomes output-safe: one gate per trust boundary.

Everything a source yields is hostile: titles, authors, links and HTML. It reaches an output (archive
page, email, RSS, Atom, JSON Feed) only through these functions:

- `safe_title`: any header or title built from content (email Subject, page and feed titles, item
  titles, authors, labels): control characters and line breaks become spaces, bidi controls are
  removed, whitespace is collapsed and the length is capped with an ellipsis.
- `safe_url`: any URL that may become a link: http, https and mailto only, judged after the
  whitespace and control-character stripping a browser does (WHATWG URL parser) and after HTML
  entities are decoded; anything else is no link at all (None).
- `safe_html`: any HTML body (nh3): no scripts, styles, event handlers, unknown elements, or links
  outside the same allow-list.
- `safe_edition`: an Edition with every content field passed through the gates above, applied by
  render.py and publish/ where an edition becomes output, so an edition recorded before a rule
  changed is still made safe when it is rendered again.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

import nh3

from briefing.models import Edition, EditionItem

TITLE_LIMIT = 200  # characters: a Subject line or headline, with room to spare
LABEL_LIMIT = 80  # a [Source] tag or topic label
TEXT_LIMIT = 1000  # one quoted sentence of an edition
URL_LIMIT = 2048  # longer links are not links (browsers and mail clients truncate them anyway)
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
ELLIPSIS = "…"

# Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) plus the implicit marks
# (LRM, RLM, ALM): they reorder what a reader sees, e.g. make "gpj.exe" look like "exe.jpg".
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_DROP_BIDI = {ord(c): None for c in _BIDI}
# C0 and C1 controls (CR, LF, tab, NUL, NEL...), DEL and the Unicode line/paragraph separators:
# each becomes a space, so "strike\r\nBcc: x" can never become two header lines.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_WHITESPACE = re.compile(r"\s+")

# WHATWG URL parsing: leading and trailing C0 controls and spaces are stripped, and every ASCII tab
# and newline anywhere is removed, before the scheme is read.
_URL_EDGES = "".join(chr(c) for c in range(0x21))
_URL_TAB_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
# What is left that must not appear raw in an href or a text part: percent-encoded.
_URL_UNSAFE = re.compile("[\x00-\x20\x7f-\x9f\"'<>`\\\\\u2028\u2029" + _BIDI + "]")


def safe_title(text: str | None, limit: int = TITLE_LIMIT) -> str:
    """A single line fit for a header or a title: no controls, no bidi controls, at most `limit` chars."""
    if not text:
        return ""
    # Only the head of a huge title can survive the cap; looking at more is wasted work.
    head = text[: limit * 8 + 64]
    one_line = _WHITESPACE.sub(" ", _CONTROLS.sub(" ", head.translate(_DROP_BIDI))).strip()
    if len(one_line) <= limit and len(head) == len(text):
        return one_line
    if len(one_line) <= limit:  # only the unread tail was cut
        return one_line + ELLIPSIS if len(one_line) < limit else one_line[: limit - 1].rstrip() + ELLIPSIS
    cut = one_line[: limit - 1]
    space = cut.rfind(" ")
    if one_line[limit - 1] != " " and space > limit * 2 // 3:  # end on a word boundary where one is near
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _scheme(url: str) -> str | None:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def _as_browser_reads(url: str) -> str:
    return _URL_TAB_NEWLINE.sub("", url.strip(_URL_EDGES))


def safe_url(url: str | None) -> str | None:
    """`url` if it may be linked (http, https, mailto), cleaned the way a browser reads it; else None.

    The scheme is judged twice, on the URL as given and with its HTML entities decoded
    (`javascript&#58;alert(1)`), each after a browser's stripping (` JaVa\\tScRiPt:` is javascript:);
    both must be on the allow-list. Relative URLs are refused: an item link must stand alone.
    """
    if not url or not isinstance(url, str):
        return None
    cleaned = _as_browser_reads(url)
    if not cleaned or len(cleaned) > URL_LIMIT:
        return None
    decoded = _as_browser_reads(html.unescape(cleaned))
    scheme = _scheme(cleaned)
    if scheme not in ALLOWED_SCHEMES or _scheme(decoded) != scheme:
        return None
    rest = cleaned[len(scheme) + 1 :]
    if scheme in ("http", "https"):
        if not re.match(r"[/\\]{2}[^/\\?#\s]", rest):  # needs a host
            return None
    elif not rest.strip():
        return None
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), cleaned)


def safe_html(body: str) -> str:
    """HTML made safe to show: no scripts, styles, handlers or unknown elements; links http(s)/mailto only."""
    return nh3.clean(body.translate(_DROP_BIDI), url_schemes=set(ALLOWED_SCHEMES))


def _item(item: EditionItem) -> EditionItem:
    return replace(
        item,
        text=safe_title(item.text, TEXT_LIMIT),
        label=safe_title(item.label, LABEL_LIMIT),
        url=safe_url(item.url) or "",
        headline=safe_title(item.headline),
        prefix=safe_title(item.prefix, LABEL_LIMIT) + (" " if item.prefix[-1:].isspace() else ""),
        topic=safe_title(item.topic, LABEL_LIMIT),
        also_in=tuple(safe_title(a, LABEL_LIMIT) for a in item.also_in),
        children=tuple(_item(c) for c in item.children),
    )


def safe_edition(edition: Edition) -> Edition:
    """The edition with every field that came from content passed through its gate."""
    return replace(
        edition,
        title=safe_title(edition.title),
        intro=safe_title(edition.intro, TEXT_LIMIT),
        dateline=safe_title(edition.dateline, TEXT_LIMIT),
        footer=safe_title(edition.footer, TEXT_LIMIT),
        preheader=safe_title(edition.preheader, TEXT_LIMIT),
        items=tuple(_item(i) for i in edition.items),
        topics=tuple(safe_title(t, LABEL_LIMIT) for t in edition.topics),
    )
