"""safe.py: the gates themselves, on many inputs, and rendering of an edition that skipped ingestion."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from briefing.models import Edition, EditionItem
from briefing.publish.email import Envelope, build_message
from briefing.publish.feed import FeedEntry, build_feeds, build_json_feed
from briefing.render import Links, Renderer
from briefing.safe import safe_html, safe_title, safe_url

from .faults.test_hostile_items import check_links, check_text

# (given, expected): written by hand from the WHATWG URL parsing rules
URLS = [
    ("http://example.org/a?b=1&c=2", "http://example.org/a?b=1&c=2"),
    ("  https://example.org/\n", "https://example.org/"),
    ("HTTPS://Example.org/x", "HTTPS://Example.org/x"),
    ("mailto:desk@example.org", "mailto:desk@example.org"),
    ("http://exa\tmple.org/", "http://example.org/"),
    ("https://example.org/a b", "https://example.org/a%20b"),
    ("https://example.org/\u202egpj.exe", "https://example.org/%E2%80%AEgpj.exe"),
    ('https://example.org/"><script>', "https://example.org/%22%3E%3Cscript%3E"),
    ("javascript:alert(1)", None),
    ("JAVASCRIPT:alert(1)", None),
    (" JaVa\tScRiPt:alert(1)", None),
    ("\x00\x01javascript:alert(1)", None),
    ("java\nscript:alert(1)", None),
    ("java\r\nscript:alert(1)", None),
    ("javascript&#58;alert(1)", None),
    ("javascript&colon;alert(1)", None),
    ("&#106;avascript:alert(1)", None),
    ("jav&#x09;ascript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("DATA:text/html;base64,PHNjcmlwdD4=", None),
    ("vbscript:msgbox(1)", None),
    ("file:///etc/passwd", None),
    ("ftp://example.org/", None),
    ("feed:http://example.org/", None),
    ("http:alert(1)", None),
    ("//evil.example/", None),
    ("/relative/path", None),
    ("", None),
    (None, None),
    ("mailto:", None),
    ("http://example.org/" + "a" * 3000, None),
]


@pytest.mark.parametrize(("given", "expected"), URLS)
def test_safe_url(given: str | None, expected: str | None) -> None:
    assert safe_url(given) == expected


TITLES = [
    ("Iowa corn strike\r\nBcc: x@evil", "Iowa corn strike Bcc: x@evil"),
    ("Election \u202egpj.exe\u202c result", "Election gpj.exe result"),
    ("Comet \u2066approaches\u2069 Earth", "Comet approaches Earth"),
    ("Tab\tand\x00nul\x1bescape\x85nel\u2028sep", "Tab and nul escape nel sep"),
    ("  many    spaces  ", "many spaces"),
    (None, ""),
    ("Plain headline", "Plain headline"),
]


@pytest.mark.parametrize(("given", "expected"), TITLES)
def test_safe_title(given: str | None, expected: str) -> None:
    assert safe_title(given) == expected


def test_safe_title_caps_with_an_ellipsis() -> None:
    assert safe_title("word " * 20_000) == "word " * 39 + "word…"  # 199 characters and the ellipsis
    assert safe_title("x" * 100_000) == "x" * 199 + "…"
    assert safe_title("a b", limit=2) == "a…"


def test_safe_title_invariants_on_random_strings() -> None:
    """Whatever the input, the result is one line, without controls or bidi, within the cap."""
    alphabet = "ab \t\r\n\x00\x07\x1b\x7f\x85\u2028\u2029\u202a\u202e\u2066\u2069\u200f\u00e9\u4e2d"
    rng = random.Random(12)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        limit = rng.randint(2, 250)
        out = safe_title(text, limit)
        assert len(out) <= limit
        assert out == out.strip() and "  " not in out
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in out)
        assert not any(c in out for c in "\u202a\u202e\u2066\u2069\u200f")


def test_safe_html() -> None:
    cleaned = safe_html(
        '<p onclick="x()">Hi <a href="javascript:alert(1)">a</a> <a href="https://ok.example/">b</a>'
        '<img src="data:image/png;base64,xx" onerror="alert(2)"></p><script>alert(3)</script>\u202e'
    )
    assert cleaned == '<p>Hi <a rel="noopener noreferrer">a</a> <a href="https://ok.example/" rel="noopener noreferrer">b</a><img></p>'


def test_an_edition_that_skipped_ingestion_is_made_safe_by_every_output() -> None:
    """An edition recorded before a rule existed (or built by a new source kind) is made safe where it
    becomes output: archive page, email parts and headers, RSS, Atom and JSON Feed."""
    evil = "Poison\r\nBcc: x@evil \u202eexe.jpg " + "long " * 20_000
    item = EditionItem(
        text=evil, label="EVIL\r\n", url=" JaVa\tScRiPt:alert(1)", headline=evil, topic="\u202eTopic",
        children=(EditionItem(text="child", label="X", url="data:text/html,<script>alert(2)</script>", headline="c"),),
    )
    edition = Edition(
        id="e1", briefing="wire", style="must_reads", slot=datetime(2014, 6, 23, 7, tzinfo=UTC), title=evil,
        intro="In the news: \u202e", dateline="", items=(item,), footer="f", article_ids=("a",),
        preheader=evil, topics=("\u202eTopic",),
    )
    links = Links("Site", "Wire", "http://localhost/e1.html", "http://localhost/", "http://localhost/feed.xml")
    renderer = Renderer()
    html_outputs = {
        "archive": renderer.archive_page(edition, links),
        "email html": renderer.email_html(edition, links),
        "feed html": renderer.feed_html(edition, links),
        "index": renderer.archive_index("Wire", [(edition, "http://localhost/e1.html")], links),
    }
    for where, html in html_outputs.items():
        check_text(where, html)
        check_links(where, html)
        assert len(html) < 40_000, where
    text = renderer.email_text(edition, links)
    check_text("email text", text)
    envelope = Envelope("B <b@localhost>", "r@example.com", evil, edition.slot, "e1", "wire", "Wire\r\nX: y", None, None)
    message = build_message(envelope, text, html_outputs["email html"])
    raw = message.as_bytes()
    assert b"\nBcc:" not in raw and b"\nX: y" not in raw and len(raw) < 51_000
    assert len(str(message["Subject"])) <= 200
    entry = FeedEntry(edition, "http://localhost/e1.html", html_outputs["feed html"], evil, text)
    common = dict(title="Wire", description="d", language="en", base_url="http://localhost/",
                  archive_url="http://localhost/", author="Site", entries=[entry])
    rss, atom = build_feeds(**common, rss_url="http://localhost/feed.xml", atom_url="http://localhost/atom.xml")  # type: ignore[arg-type]
    json_feed = build_json_feed(**common, json_url="http://localhost/feed.json")  # type: ignore[arg-type]
    for where, data in (("rss", rss), ("atom", atom), ("json", json_feed)):
        decoded = data.decode("utf-8")
        check_text(where, decoded.encode().decode("unicode_escape") if where == "json" else decoded)
        assert len(data) < 60_000, where
