"""Hostile items: every output is walked for what must never appear, then a later run still works.

The items carry script and handler HTML, links with schemes browsers would run (with case,
whitespace and entity tricks), CR/LF and bidi controls in titles and authors, a 100 kB title, and the
poison headline of issue 12 (`Iowa corn strike&#13;\\nBcc: x@evil`), from an RSS feed and a JSON Feed.
"""

from __future__ import annotations

import email
import html
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from briefing.config import Config
from briefing.pipeline import run

from .conftest import NOW, feed, fault_config, rss
from .hostile import HostileServer, respond

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# what must not appear in any output, as a browser reads it (whitespace gone, entities decoded)
FORBIDDEN = ("javascript:", "vbscript:", "data:text", "<script", "onerror=", "onclick=", "alert(")
GMAIL_CLIP = 102 * 1024
BIG_TITLE = "Giant headline " + "word " * 20_000  # about 100 kB

TOPICS = [
    ("<p>Farmers in Iowa walked off the fields on Monday in a dispute over corn prices.</p>"
     "<p>The union said the strike would last until the co-operative raised its offer.</p>"
     "<p>Grain elevators across the state reported long queues of idle trucks.</p>"),
    ("<p>Voters in the northern province chose a new governor after a close race.</p>"
     "<p>The winner promised to repair rural roads and open three new hospitals.</p>"
     "<p>Turnout was the highest the province has seen in twenty years.</p>"),
    ("<p>Astronomers reported a comet that will pass close to Earth next spring.</p>"
     "<p>The comet should be visible to the naked eye from dark places, they said.</p>"
     "<p>Observatories plan public viewing nights when it comes closest.</p>"),
    ("<p>The national football team named a new coach after a poor tournament.</p>"
     "<p>The coach, a former defender, signed a contract for four years.</p>"
     "<p>Fans gathered outside the stadium to welcome him on Tuesday.</p>"),
    ("<p>A heat wave pushed temperatures past forty degrees in the south.</p>"
     "<p>Authorities opened cooling centres and asked people to stay indoors.</p>"
     "<p>Hospitals reported a rise in patients with heat stroke.</p>"),
    ("<p>The central bank left interest rates unchanged at its monthly meeting.</p>"
     "<p>Its governor said inflation was easing but remained above target.</p>"
     "<p>Markets had expected the decision and shares barely moved.</p>"),
    ("<p>A new museum of maritime history opened in the old customs house.</p>"
     "<p>Its collection includes ship models, maps and a restored lifeboat.</p>"
     "<p>Entry will be free for children during the first month.</p>"),
    ("<p>Rail workers agreed a new pay deal, ending months of strikes.</p>"
     "<p>Trains will run a normal timetable again from next week.</p>"
     "<p>Commuters welcomed the news after weeks of cancelled services.</p>"),
]
EVIL_HTML = (
    '<script>alert(1)</script><img src="x" onerror="alert(2)"><p onclick="alert(3)">Read'
    ' <a href="javascript:alert(4)">more</a> <a href=" JaVa&#9;ScRiPt:alert(5)">here</a>'
    ' <a href="data:text/html,&lt;script&gt;alert(6)&lt;/script&gt;">there</a></p>'
)
# (title, link) exactly as they stand in the XML: entities are decoded by the parser
RSS_ITEMS = [
    ("Iowa corn strike&#13;\nBcc: x@evil", "http://example.org/corn"),
    ("Election \u202egpj.exe\u202c result announced", "javascript:alert(7)"),
    ("Comet \u2066approaches\u2069 Earth", " JaVa&#9;ScRiPt:alert(8)"),
    ("Coach named&#10;X-Injected: yes", "javascript&amp;#58;alert(9)"),
    ("Heat wave grips the south", "data:text/html,&lt;script&gt;alert(10)&lt;/script&gt;"),
    ("Bank holds rates", "vbscript:msgbox(11)"),
    (BIG_TITLE, "http://example.org/museum"),
]


def hostile_rss() -> bytes:
    items = [(t, link, f"r{i}", TOPICS[i] + EVIL_HTML) for i, (t, link) in enumerate(RSS_ITEMS)]
    body = rss("Hostile", *items).decode("utf-8")
    # an author with a line break and a bidi override on the first item
    return body.replace("</guid>", "</guid><author>m@evil.example (Mallory&#13;\nBcc: y@evil \u202e)</author>", 1).encode()


def hostile_json_feed() -> bytes:
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Hostile JSON",
        "items": [{
            "id": "j1",
            "url": "\tjavascript:alert(12)",
            "title": "Rail deal\r\nBcc: z@evil \u202e",
            "content_html": TOPICS[7] + EVIL_HTML,
            "authors": [{"name": "Eve\nBcc: w@evil\u202e"}],
        }],
    }).encode()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(v or "" for k, v in attrs if k in ("href", "src", "action", "formaction"))


def links_in(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.urls


def check_text(where: str, text: str) -> None:
    # twice: a feed's escaped HTML content is decoded once by the XML reader, once as HTML
    lowered = "".join(html.unescape(html.unescape(text)).lower().split())
    for bad in FORBIDDEN:
        assert bad not in lowered, f"{where}: {bad!r} in the output"
    for char in BIDI:
        assert char not in text, f"{where}: bidi control U+{ord(char):04X} in the output"


def check_links(where: str, html: str) -> None:
    """Every link is http, https or mailto, or relative (the site's own pages), as a browser reads it."""
    for url in links_in(html):
        cleaned = re.sub(r"[\x00-\x20]", "", url)
        scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
        if scheme:
            assert scheme.group(1).lower() in ("http", "https", "mailto"), f"{where}: link {url!r}"
        else:
            assert not cleaned.startswith("//") and "&" not in cleaned, f"{where}: link {url!r}"


def walk_outputs(root: Path) -> dict[str, int]:
    """Check every output file; return how many of each kind were checked."""
    seen = {"html": 0, "feed": 0, "json": 0, "eml": 0}
    for path in sorted((root / "public").rglob("*")) + sorted((root / "outbox").rglob("*.eml")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        where = str(path.relative_to(root))
        assert max(len(line) for line in text.splitlines()) < 20_000, f"{where}: a line of huge length"
        if path.suffix == ".html":
            seen["html"] += 1
            check_text(where, text)
            check_links(where, text)
        elif path.suffix == ".xml":
            seen["feed"] += 1
            check_text(where, text)
            parsed = feedparser.parse(raw)
            assert not parsed.bozo, (where, parsed.get("bozo_exception"))
            for entry in parsed.entries:
                assert "\n" not in entry.title and "\r" not in entry.title and len(entry.title) <= 250
                for content in entry.get("content", []):
                    check_text(where, content.value)
                    check_links(where, content.value)
        elif path.suffix == ".json":
            seen["json"] += 1
            document = json.loads(text)
            decoded = json.dumps(document, ensure_ascii=False)
            check_text(where, decoded)
            for item in document["items"]:
                assert "\n" not in item["title"] and len(item["title"]) <= 250
                check_links(where, item["content_html"])
        elif path.suffix == ".eml":
            seen["eml"] += 1
            assert len(raw) < GMAIL_CLIP // 2, f"{where}: {len(raw)} bytes"
            msg = email.message_from_bytes(raw, policy=policy.default)
            assert msg["Bcc"] is None and msg["X-Injected"] is None
            for name, value in msg.items():
                assert "\r" not in value and "\n" not in value, (where, name, value)
            assert len(msg["Subject"]) <= 250
            check_text(where + " Subject", str(msg["Subject"]))
            for part in msg.walk():
                if part.get_content_maintype() == "text":
                    content = part.get_content()
                    check_text(f"{where} {part.get_content_type()}", content)
                    if part.get_content_subtype() == "html":
                        check_links(where, content)
    return seen


@pytest.fixture
def hostile_sources(hostile: HostileServer) -> list[dict[str, object]]:
    hostile.routes["/hostile.xml"] = respond(hostile_rss())
    hostile.routes["/hostile.json"] = respond(hostile_json_feed(), content_type="application/feed+json")
    hostile.routes["/hostile-good-b"] = hostile.routes["/good-b"]  # this test changes it later
    return [
        feed("gooda", hostile.url("/good-a")),
        feed("evil", hostile.url("/hostile.xml")),
        feed("eviljson", hostile.url("/hostile.json")),
        feed("goodb", hostile.url("/hostile-good-b")),
    ]


def two_briefings(config_path: Path) -> Config:
    """The fault config with a second, `brief` briefing, whose title is the lead story's headline."""
    import yaml

    from briefing import config as config_module

    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    raw["briefings"].append(
        {"name": "brief", "style": "brief", "title": "Brief", "schedule": "0 7 * * *", "timezone": "UTC", "stories": 4}
    )
    raw["email"]["recipients"] = ["reader@example.com", "second@example.com"]
    config_path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return config_module.load(config_path)


def test_hostile_items_never_reach_an_output_and_a_later_run_works(
    hostile: HostileServer, hostile_sources: list[dict[str, object]], warm: float, tmp_path: Path
) -> None:
    fault_config(tmp_path, hostile_sources)
    config = two_briefings(tmp_path / "config.yaml")
    report = run(config, NOW)
    errors = {s.name: s.error for s in report.sources if s.error}
    assert not errors, errors
    published = {p.briefing: p for p in report.published}
    assert published["wire"].edition is not None and published["brief"].edition is not None
    assert not published["wire"].failed and not published["brief"].failed
    wire_items = published["wire"].edition.items
    assert len(wire_items) >= 8  # the hostile items were published, made safe, not dropped
    seen = walk_outputs(tmp_path)
    assert seen == {"html": 5, "feed": 4, "json": 2, "eml": 4}, seen

    # A later run, as a real process: the poison editions are done, a new item is published.
    hostile.routes["/hostile-good-b"] = respond(rss("B", ("Orchestra Adds A Winter Tour", "http://example.org/b2", "b2",
        "<p>The national orchestra will tour the mountain towns this winter, its director said.</p>"
        "<p>Tickets go on sale next month at every town hall on the route.</p>")))
    later = (NOW + timedelta(days=1)).isoformat()
    env = {**os.environ, "NLTK_DATA": str(tmp_path / "no-nltk")}
    done = subprocess.run(
        [sys.executable, "-m", "briefing", "run", "-c", str(tmp_path / "config.yaml"), "--now", later],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "wire: published" in done.stdout and "brief: published" in done.stdout, done.stdout
    walk_outputs(tmp_path)
