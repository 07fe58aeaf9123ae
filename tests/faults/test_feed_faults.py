"""The feed fault matrix: each broken or hostile server sits between two good feeds in a real run.

For every fault: the run ends within its deadline, both good feeds reach the published edition
(read back from the RSS file with feedparser), and the bad source is reported in one line that
names what went wrong. Faults a careful client can survive (lying encodings) may publish; they must
still leave the good sources alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest

from briefing.store import Store

from .conftest import NOW, RUN_LIMIT, Outcome, feed, rss, run_between_good
from .hostile import (
    Behaviour,
    HostileServer,
    drip,
    endless,
    gzip_bomb,
    gzipped,
    hang_up,
    head,
    redirect,
    reset,
    respond,
    silent,
)

VALID = rss("Bad", ("A Quiet Day At The Port", "http://example.org/q", "q1", "<p>Ships came and went.</p>"))
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><link>http://example.org/</link><description>d</description>
<item><title>Laughs &lol9;</title><link>http://example.org/l</link><guid>l1</guid>
<description>&lol9;</description></item></channel></rss>"""


def lying_utf16() -> bytes:
    """Declares UTF-8 in the header and the XML declaration, is UTF-16."""
    return VALID.decode("utf-8").replace('encoding="utf-8"', 'encoding="utf-8"').encode("utf-16")


def lying_latin1() -> bytes:
    """Declares UTF-8, carries Latin-1 bytes (é as 0xE9)."""
    text = rss("Bad", ("Café Opens On The Quay", "http://example.org/c", "c1", "<p>The café opened today.</p>"))
    return text.decode("utf-8").encode("latin-1")


@dataclass(frozen=True)
class Fault:
    behaviour: Behaviour
    expect: str | None  # a phrase the one-line error must hold; None: may publish, must not harm


def faults(xxe_target: str) -> dict[str, Fault]:
    body_head = head("200 OK", {"Content-Type": "application/rss+xml", "Content-Length": str(len(VALID))})
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{xxe_target}">]>'
        '<rss version="2.0"><channel><title>x</title><link>http://example.org/</link><description>d</description>'
        '<item><title>Leak &xxe;</title><link>http://example.org/x</link><guid>x1</guid>'
        "<description>&xxe;</description></item></channel></rss>"
    ).encode()
    return {
        "slow-drip-body": Fault(drip(body_head + VALID), "deadline"),
        "slow-drip-headers": Fault(drip(body_head), "deadline"),
        "no-answer": Fault(silent, "timed out"),
        "reset-at-once": Fault(reset(), "connection"),
        "reset-mid-body": Fault(reset(body_head + VALID[:100]), "connection"),
        "hang-up": Fault(hang_up, "connection"),
        "redirect-to-itself": Fault(redirect("/f/redirect-to-itself"), "too many redirects"),
        "redirect-ping-pong": Fault(redirect("/f/redirect-pong", "302 Found"), "too many redirects"),
        "gone-410": Fault(respond(b"", "410 Gone"), "gone (410)"),
        "server-error-500": Fault(respond(b"oops", "500 Internal Server Error"), "server error (500)"),
        "retry-after-huge": Fault(
            respond(b"", "429 Too Many Requests", Retry_After="99999999999999999999"), "too many requests (429)"
        ),
        "retry-after-year-9999": Fault(
            respond(b"", "429 Too Many Requests", Retry_After="Fri, 31 Dec 9999 23:59:59 GMT"), "429"
        ),
        "retry-after-garbage": Fault(respond(b"", "503 Service Unavailable", Retry_After="-5, soon"), "503"),
        "html-not-a-feed": Fault(
            respond(b"<html><body><p>Welcome to our shop</p></body></html>", content_type="text/html"), "not a"
        ),
        "binary-image": Fault(respond(bytes(range(256)) * 40, content_type="image/png"), "not a"),
        "empty-body": Fault(respond(b""), "not a"),
        "truncated-xml": Fault(respond(VALID[: len(VALID) // 3]), "not a readable feed"),
        "declared-length-lies": Fault(
            lambda s, srv: s.sendall(
                head("200 OK", {"Content-Type": "application/rss+xml", "Content-Length": str(len(VALID) * 3)}) + VALID
            ),
            "connection",
        ),
        "gzip-bomb": Fault(respond(gzip_bomb(), Content_Encoding="gzip"), "cap"),
        "corrupt-gzip": Fault(respond(b"\x1f\x8b\x08\x00garbage-not-deflate", Content_Encoding="gzip"), "corrupt"),
        "body-200-mb": Fault(endless(), "cap"),
        "declared-200-mb": Fault(endless(declared=200_000_000), "cap"),
        "billion-laughs": Fault(respond(BILLION_LAUGHS), None),
        "xxe-local-file": Fault(respond(xxe), None),
        "lying-encoding-utf16": Fault(respond(lying_utf16()), None),
        "lying-encoding-latin1": Fault(respond(lying_latin1()), None),
        "json-feed-wrong-shape": Fault(
            respond(b'{"version": "https://jsonfeed.org/version/1.1", "items": 5}', content_type="application/json"),
            "unexpected",
        ),
        "json-nested-100k": Fault(
            respond(b'{"version":' + b"[" * 100_000 + b"]" * 100_000 + b"}", content_type="application/feed+json"),
            "unexpected RecursionError",
        ),
        "gzip-wrapped-nothing": Fault(respond(gzipped(b""), Content_Encoding="gzip"), "not a"),
    }


SECRET = "XXE-SECRET-7f3a9c-do-not-publish"
NAMES = list(faults("/x"))


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def matrix(hostile: HostileServer, secret_file: Path) -> dict[str, Fault]:
    table = faults(str(secret_file))
    for name, fault in table.items():
        hostile.routes[f"/f/{name}"] = fault.behaviour
    hostile.routes["/f/redirect-pong"] = redirect("/f/redirect-ping-pong", "302 Found")
    return table


def published_text(outcome: Outcome) -> str:
    """The newest edition's content in the RSS file, as a feed reader sees it."""
    parsed = feedparser.parse(str(outcome.config.output_dir / "wire" / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed.entries[0].content[0].value


def every_output(root: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", errors="replace")
        for folder in ("public", "outbox")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    )


@pytest.mark.parametrize("name", NAMES)
def test_feed_fault_between_two_good_sources(
    name: str, matrix: dict[str, Fault], hostile: HostileServer, warm: float, tmp_path: Path
) -> None:
    fault = matrix[name]
    outcome = run_between_good(hostile, tmp_path, [feed("bad", hostile.url(f"/f/{name}"))])
    reports = {r.name: r for r in outcome.report.sources}
    assert outcome.seconds < RUN_LIMIT, f"{name}: the run took {outcome.seconds:.1f} s"
    assert reports["gooda"].error is None and reports["goodb"].error is None
    text = published_text(outcome)
    assert "[GOODA]" in text and "[GOODB]" in text
    bad = reports["bad"]
    if fault.expect is not None:
        assert bad.error is not None, f"{name}: the fault went unnoticed"
        assert fault.expect in bad.error, bad.error
    if bad.error is not None:
        assert "\n" not in bad.error and len(bad.error) < 300, bad.error
    assert SECRET not in every_output(tmp_path)
    assert SECRET.encode() not in (tmp_path / "state.sqlite3").read_bytes()


def test_retry_after_is_clamped_to_a_day(matrix: dict[str, Fault], hostile: HostileServer, tmp_path: Path) -> None:
    """A hostile Retry-After neither crashes the run nor parks the source past 24 hours."""
    outcome = run_between_good(
        hostile, tmp_path, [feed(n.replace("-", ""), hostile.url(f"/f/{n}")) for n in NAMES if "retry-after" in n],
        backoff_minutes=30,
    )
    store = Store(outcome.config.store)
    try:
        states = {n: store.source_state(n) for n in ("retryafterhuge", "retryafteryear9999", "retryaftergarbage")}
    finally:
        store.close()
    day = NOW + timedelta(hours=24)
    assert states["retryafterhuge"].next_fetch == day
    assert states["retryafteryear9999"].next_fetch == day
    # garbage is ignored: the normal back-off (30 minutes after a first failure) applies
    assert states["retryaftergarbage"].next_fetch == NOW + timedelta(minutes=30)
