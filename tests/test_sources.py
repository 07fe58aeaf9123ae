"""Collecting feeds and pages from a real HTTP server on localhost, every way it can go wrong."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefing import config as config_module
from briefing.pipeline import collect, run
from briefing.sources.urls import canonical_url
from briefing.store import Store

from .conftest import DATA, NOW, seed_config
from .feedserver import FeedServer, Route

REALWORLD = DATA / "feeds_realworld_rssparser"
TESTSUITE = DATA / "feeds_feedparser_testsuite" / "raw" / "tests"

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title><link>http://example.org/</link><description>d</description>
{ttl}{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{link}</link><guid>{guid}</guid><pubDate>{date}</pubDate>
<description><![CDATA[{body}]]></description></item>"""
BODY = (
    "<p>The city council voted on Monday to rebuild the old harbour bridge, officials said.</p>"
    "<p>Work will start in the spring and last two years, the mayor told reporters at the town hall.</p>"
    "<p>Residents had asked for a new bridge since the floods of last winter closed the old one.</p>"
    "<p>The project will cost about 40 million euros, paid for by the region and the state.</p>"
    "<p>Engineers said the new bridge would carry trams as well as cars and bicycles.</p>"
    "<p>Shops near the harbour welcomed the decision, which they said was long overdue.</p>"
)


def rss(*items: dict[str, str], ttl: int | None = None) -> bytes:
    rendered = "".join(
        ITEM.format(
            title=i.get("title", "Bridge Vote Passes"),
            link=i.get("link", "http://example.org/a"),
            guid=i.get("guid", "a"),
            date=i.get("date", "Mon, 23 Jun 2014 08:00:00 GMT"),
            body=i.get("body", BODY),
        )
        for i in items
    )
    return RSS.format(items=rendered, ttl=f"<ttl>{ttl}</ttl>" if ttl else "").encode("utf-8")


@pytest.fixture
def server():
    s = FeedServer().start()
    yield s
    s.stop()


def make_config(tmp_path: Path, sources: list[dict[str, Any]], **fetch: Any) -> config_module.Config:
    raw = seed_config(tmp_path)
    raw["sources"] = sources
    raw["fetch"] = {"timeout": 2, "backoff_minutes": 0, **fetch}
    raw["briefings"] = [
        {"name": "wire", "style": "must_reads", "title": "Wire", "schedule": "0 7 * * *", "timezone": "UTC", "stories": 20}
    ]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return config_module.load(path)


def feed(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "feed", "url": url, "label": name.upper(), "full_text": False, **extra}


def collect_once(config, when=NOW):
    store = Store(config.store)
    try:
        return {r.name: r for r in collect(config, store, when)}, store.sources()
    finally:
        store.close()


def test_real_world_feeds_parse(server: FeedServer, tmp_path: Path) -> None:
    index = [json.loads(line) for line in (REALWORLD / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    sources = []
    for i, row in enumerate(index):
        server.routes[f"/rw/{i}"] = Route.file(REALWORLD / row["path"], content_type="application/xml")
        sources.append(feed(f"rw{i}", server.url(f"/rw/{i}")))
    reports, _ = collect_once(make_config(tmp_path, sources))
    with_articles = [r for r in reports.values() if r.articles > 0]
    failed = [r for r in reports.values() if r.error]
    # every feed parses or fails with a one-line reason; none crashes the run
    assert all("\n" not in r.error for r in failed)
    assert len(index) == 31 and len(with_articles) == 28, [(r.name, r.error) for r in reports.values() if not r.articles]
    # the other three: two feeds whose only entries have an id and nothing else (nothing to publish,
    # no error), and an HTML "Document Moved" page that is no feed at all
    empty = {row["path"].rsplit("/", 1)[1] for i, row in enumerate(index) if reports[f"rw{i}"].articles == 0}
    assert empty == {"incomplete-fields.atom", "missing-fields.atom", "unrecognized.rss"}
    assert [r.error for r in failed] == [
        "not a feed: the URL answers with a web page titled 'Document Moved' (has the feed moved? use the feed's own"
        " address; a `page` source reads web pages)"
    ]


def test_conditional_get_sends_validators_back_exactly(server: FeedServer, tmp_path: Path) -> None:
    etag, modified = '"v1-abc"', "Mon, 23 Jun 2014 08:00:00 GMT"
    server.routes["/f"] = Route(body=rss({}), etag=etag, last_modified=modified)
    config = make_config(tmp_path, [feed("wire", server.url("/f"))])
    first, _ = collect_once(config)
    assert first["wire"].new == 1
    second, states = collect_once(config, NOW + timedelta(minutes=30))
    assert second["wire"].not_modified and second["wire"].new == 0
    sent = server.requests_for("/f")[-1]
    assert sent["if-none-match"] == etag and sent["if-modified-since"] == modified
    assert sent["user-agent"].startswith("briefing/") and "gzip" in sent["accept-encoding"]
    assert states[0].etag == etag and states[0].last_status == "ok"


def test_permanent_redirect_updates_the_stored_url(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/old"] = Route(status=301, redirect="/new")
    server.routes["/new"] = Route(body=rss({}))
    config = make_config(tmp_path, [feed("wire", server.url("/old"))])
    reports, states = collect_once(config)
    assert reports["wire"].new == 1
    assert states[0].url == server.url("/new")
    collect_once(config, NOW + timedelta(hours=1))
    assert [p for p, _ in server.requests].count("/old") == 1  # the second run went straight to /new


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (Route(status=404), "not found (404)"),
        (Route(status=500), "server error (500)"),
        (Route(body=(TESTSUITE / "illformed" / "rss_empty_document.xml").read_bytes()), "not a readable feed"),
        (Route(body=rss({}), truncate=True), "the connection broke off"),
        (Route(body=rss({}), delay=3), "timed out after 0.5 s"),
        (Route(body=b"<html><body><p>Just a page.</p></body></html>", content_type="text/html"), "not a"),
    ],
    ids=["404", "500", "empty", "truncated", "timeout", "html-not-feed"],
)
def test_a_broken_source_is_reported_and_the_others_go_on(server: FeedServer, tmp_path: Path, route: Route, message: str) -> None:
    server.routes["/bad"] = route
    server.routes["/good"] = Route(body=rss({}))
    config = make_config(tmp_path, [feed("bad", server.url("/bad")), feed("good", server.url("/good"))], timeout=0.5)
    report = run(config, NOW)
    bad, good = report.sources
    assert bad.error and message in bad.error and "\n" not in bad.error
    assert bad.failures == 1
    assert good.new == 1 and report.published[0].edition is not None


def test_gone_disables_the_source(server: FeedServer, tmp_path: Path, capsys) -> None:
    server.routes["/gone"] = Route(status=410)
    config = make_config(tmp_path, [feed("gone", server.url("/gone"))])
    reports, states = collect_once(config)
    assert "gone (410)" in reports["gone"].error
    assert states[0].disabled
    again, _ = collect_once(config, NOW + timedelta(days=1))
    assert again["gone"].skipped.startswith("disabled")
    assert len(server.requests_for("/gone")) == 1
    from briefing.cli import main

    assert main(["sources", "-c", str(config.path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    contract = {"name": "gone", "type": "feed", "status": "disabled", "articles": 0, "last_error": reports["gone"].error}
    assert {k: row[k] for k in contract} == contract


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(server: FeedServer, tmp_path: Path, status: int) -> None:
    server.routes["/busy"] = Route(status=status, headers={"Retry-After": "600"})
    config = make_config(tmp_path, [feed("busy", server.url("/busy"))])
    reports, states = collect_once(config)
    assert "retrying after" in reports["busy"].error
    assert states[0].next_fetch is not None and abs(states[0].next_fetch - (NOW + timedelta(minutes=10))) < timedelta(minutes=2)
    soon, _ = collect_once(config, NOW + timedelta(minutes=5))
    assert soon["busy"].skipped.startswith("not due until")
    server.routes["/busy"] = Route(body=rss({}))
    later, _ = collect_once(config, NOW + timedelta(minutes=11))
    assert later["busy"].new == 1
    assert len(server.requests_for("/busy")) == 2


def test_backoff_after_failures(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/flaky"] = Route(status=500)
    config = make_config(tmp_path, [feed("flaky", server.url("/flaky"))], backoff_minutes=30)
    collect_once(config)
    skipped, _ = collect_once(config, NOW + timedelta(minutes=20))
    assert skipped["flaky"].skipped.startswith("not due until")
    failing, states = collect_once(config, NOW + timedelta(minutes=31))
    assert failing["flaky"].failures == 2
    # the second failure waits twice as long
    assert states[0].next_fetch is not None and states[0].next_fetch > NOW + timedelta(minutes=31 + 59)


def test_feed_ttl_and_cache_control_are_respected(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/ttl"] = Route(body=rss({}, ttl=120))
    server.routes["/cc"] = Route(body=rss({"guid": "b"}), headers={"Cache-Control": "max-age=3600"})
    config = make_config(tmp_path, [feed("ttl", server.url("/ttl")), feed("cc", server.url("/cc"))])
    collect_once(config)
    after, _ = collect_once(config, NOW + timedelta(minutes=59))
    assert after["ttl"].skipped and after["cc"].skipped
    later, _ = collect_once(config, NOW + timedelta(minutes=61))
    assert later["ttl"].skipped and not later["cc"].skipped


def test_size_cap(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/big"] = Route(body=rss(*({"guid": str(i)} for i in range(40))))
    config = make_config(tmp_path, [feed("big", server.url("/big"))], max_bytes=4096)
    reports, _ = collect_once(config)
    assert "larger than the 4096-byte cap" in reports["big"].error


def test_gzip_and_non_utf8_charset(server: FeedServer, tmp_path: Path) -> None:
    latin = RSS.format(ttl="", items=ITEM.format(title="Café société à Genève", link="http://example.org/c", guid="c",
                                               date="Mon, 23 Jun 2014 08:00:00 GMT", body=BODY))
    body = latin.replace('encoding="utf-8"', 'encoding="iso-8859-1"').encode("iso-8859-1")
    server.routes["/latin"] = Route(body=body, content_type="application/rss+xml; charset=iso-8859-1", gzip=True)
    config = make_config(tmp_path, [feed("latin", server.url("/latin"))])
    reports, _ = collect_once(config)
    assert reports["latin"].new == 1
    store = Store(config.store)
    (article,) = store.articles_for(["latin"], None, NOW, "wire")
    store.close()
    assert article.title == "Café société à Genève"


def test_entry_html_is_sanitized(server: FeedServer, tmp_path: Path) -> None:
    evil = BODY + '<script>alert("owned")</script><p onclick="steal()">Click <a href="javascript:bad()">here</a>.</p>'
    server.routes["/x"] = Route(body=rss({"body": evil}))
    config = make_config(tmp_path, [feed("x", server.url("/x"))])
    run(config, NOW)
    written = "".join(p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".html", ".xml", ".eml"))
    assert "alert(" not in written and "steal()" not in written and "javascript:" not in written


def test_teaser_is_replaced_by_the_linked_page(server: FeedServer, tmp_path: Path) -> None:
    page = (
        "<html><head><title>Bridge Vote Passes</title></head><body><nav>Home | News | Sport</nav>"
        f"<article><h1>Bridge Vote Passes</h1>{BODY}</article><footer>Subscribe to our newsletter</footer></body></html>"
    )
    server.routes["/story"] = Route(body=page.encode(), content_type="text/html; charset=utf-8")
    server.routes["/t"] = Route(body=rss({"link": server.url("/story"), "body": "The council voted on the bridge."}))
    server.routes["/dead"] = Route(body=rss({"link": server.url("/nothing-here"), "body": "A short teaser about the bridge vote.", "guid": "d"}))
    config = make_config(tmp_path, [feed("t", server.url("/t"), full_text=True), feed("dead", server.url("/dead"), full_text=True)])
    reports, _ = collect_once(config)
    store = Store(config.store)
    (full,) = store.articles_for(["t"], None, NOW, "wire")
    (kept,) = store.articles_for(["dead"], None, NOW, "wire")
    store.close()
    assert "Engineers said the new bridge would carry trams" in full.text
    assert "Home | News" not in full.text and "newsletter" not in full.text
    assert kept.text == "A short teaser about the bridge vote."  # extraction failed: the feed's text is kept
    assert reports["dead"].warnings == [
        "full text unavailable for 1 of 1 items; used the feed text (most often: not found (404))"
    ]


def test_page_source(server: FeedServer, tmp_path: Path) -> None:
    page = f"<html><head><title>Harbour Bridge to Be Rebuilt</title><meta name='author' content='Ana Silva'></head><body><article>{BODY}</article></body></html>"
    server.routes["/p"] = Route(body=page.encode(), content_type="text/html; charset=utf-8")
    config = make_config(tmp_path, [{"name": "pages", "type": "page", "urls": [server.url("/p?utm_source=x")], "label": "Local"}])
    reports, _ = collect_once(config)
    store = Store(config.store)
    (article,) = store.articles_for(["pages"], None, NOW, "wire")
    store.close()
    assert article.title == "Harbour Bridge to Be Rebuilt"
    assert article.url == server.url("/p")
    assert "The project will cost about 40 million euros" in article.text


def test_json_feed_source(server: FeedServer, tmp_path: Path) -> None:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "j1", "url": "http://example.org/j1", "title": "Bridge Vote Passes", "content_html": BODY, "date_published": "2014-06-23T08:00:00Z"}]}
    server.routes["/feed.json"] = Route(body=json.dumps(doc).encode(), content_type="application/feed+json")
    config = make_config(tmp_path, [feed("j", server.url("/feed.json"))])
    reports, _ = collect_once(config)
    assert reports["j"].new == 1


def test_nothing_is_stored_twice(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/a"] = Route(body=rss({"guid": "g1", "link": "http://example.org/story?utm_source=rss"}))
    config = make_config(tmp_path, [feed("a", server.url("/a"))])
    assert collect_once(config)[0]["a"].new == 1
    # same item again, then the same link under a new GUID, then the same text under a new link
    assert collect_once(config, NOW + timedelta(hours=1))[0]["a"].new == 0
    server.routes["/a"] = Route(body=rss({"guid": "g2", "link": "http://example.org/story?utm_medium=email"}))
    assert collect_once(config, NOW + timedelta(hours=2))[0]["a"].new == 0
    server.routes["/a"] = Route(body=rss({"guid": "g3", "link": "http://example.org/other"}))
    assert collect_once(config, NOW + timedelta(hours=3))[0]["a"].new == 0


def test_first_run_publishes_only_the_last_day(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/new"] = Route(body=rss(
        {"guid": "old", "title": "Old News From Last Week", "date": "Mon, 16 Jun 2014 08:00:00 GMT", "link": "http://example.org/old", "body": BODY.replace("Monday", "Tuesday")},
        {"guid": "fresh", "title": "Bridge Vote Passes", "date": "Mon, 23 Jun 2014 08:00:00 GMT"},
    ))
    config = make_config(tmp_path, [feed("n", server.url("/new"), first_run_window_hours=24)])
    report = run(config, NOW)
    assert [i.headline for i in report.published[0].edition.items] == ["Bridge Vote Passes"]
    store = Store(config.store)
    assert store.count_articles("n") == 2  # the old item is remembered, so it never comes back as new
    store.close()


def test_fetches_are_concurrent_within_the_per_host_limit(server: FeedServer, tmp_path: Path) -> None:
    for i in range(6):
        server.routes[f"/s{i}"] = Route(body=rss({"guid": f"s{i}", "title": f"Story Number {i}", "link": f"http://example.org/{i}"}), delay=0.3)
    config = make_config(tmp_path, [feed(f"s{i}", server.url(f"/s{i}")) for i in range(6)], per_host=2)
    collect_once(config)
    assert server.most_at_once == 2


def test_canonical_url() -> None:
    assert canonical_url("HTTPS://Example.org:443/a/b?utm_source=x&id=7&fbclid=1#top") == "https://example.org/a/b?id=7"
    assert canonical_url("http://example.org") == "http://example.org/"


def test_failing_source_is_reported_after_n_runs(server: FeedServer, tmp_path: Path, capsys) -> None:
    server.routes["/down"] = Route(status=500)
    server.routes["/up"] = Route(body=rss({}))
    config = make_config(tmp_path, [feed("down", server.url("/down")), feed("up", server.url("/up"))], report_after_failures=2)
    from briefing.cli import main

    main(["run", "-c", str(config.path), "--now", "2014-06-23T06:00"])
    assert "Failing for" not in capsys.readouterr().out
    main(["run", "-c", str(config.path), "--now", "2014-06-23T07:00"])
    out = capsys.readouterr().out
    assert "down: error (2 run(s) in a row): server error (500)" in out
    assert "Failing for 2+ runs in a row: down" in out
    main(["sources", "-c", str(config.path)])
    table = capsys.readouterr().out
    assert "down" in table and "error" in table and "up" in table and "ok" in table


def test_malformed_xml_keeps_what_can_be_read_and_says_so(server: FeedServer, tmp_path: Path) -> None:
    broken = rss({"guid": "m1"}).replace(b"</channel></rss>", b"<item><title>Half an item</titl")
    server.routes["/m"] = Route(body=broken, content_type="text/xml")
    config = make_config(tmp_path, [feed("m", server.url("/m"))])
    reports, states = collect_once(config)
    assert reports["m"].error is None and reports["m"].new == 1
    (warning,) = reports["m"].warnings
    assert warning.startswith("parsed with problems:") and "\n" not in warning
    assert states[0].last_status == "ok"


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
<outline text="News"><outline type="rss" text="The Wire" xmlUrl="https://wire.example.org/rss"/>
<outline type="rss" title="Harbour Daily" text="hd" xmlUrl="https://harbour.example.org/feed.xml"/></outline>
<outline type="rss" text="The Wire" xmlUrl="https://wire.example.org/rss"/>
</body></opml>"""


def test_opml_import_keeps_the_config_comments_and_export_round_trips(tmp_path: Path, write_config, capsys) -> None:
    from .conftest import ROOT

    path = tmp_path / "config.yaml"
    path.write_text((ROOT / "config.yaml").read_text(encoding="utf-8").replace("path: seeds", f"path: {ROOT / 'seeds'}"), encoding="utf-8")
    (tmp_path / "subs.opml").write_text(OPML, encoding="utf-8")
    from briefing.cli import main

    assert main(["sources", "import", str(tmp_path / "subs.opml"), "-c", str(path)]) == 0
    assert "Added 2 feed(s)" in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    assert "# per-file [Source] tags (file-name glob: label)" in text  # comments kept
    config = config_module.load(path)
    feeds = [s for s in config.sources if s.type == "feed"]
    assert [(s.name, s.label, s.url) for s in feeds] == [
        ("the-wire", "The Wire", "https://wire.example.org/rss"),
        ("harbour-daily", "Harbour Daily", "https://harbour.example.org/feed.xml"),
    ]
    assert main(["sources", "import", str(tmp_path / "subs.opml"), "-c", str(path)]) == 0  # again: nothing new
    assert "Added 0 feed(s)" in capsys.readouterr().out
    assert main(["sources", "export", "-c", str(path), "-o", str(tmp_path / "out.opml")]) == 0
    from briefing.opml import read_opml

    assert [(s.title, s.url) for s in read_opml(tmp_path / "out.opml")] == [
        ("The Wire", "https://wire.example.org/rss"), ("Harbour Daily", "https://harbour.example.org/feed.xml")]


def test_opml_errors_are_one_line(tmp_path: Path, capsys) -> None:
    from briefing.cli import main
    from .conftest import ROOT

    (tmp_path / "bad.opml").write_text("<opml><body><outline", encoding="utf-8")
    assert main(["sources", "import", str(tmp_path / "bad.opml"), "-c", str(ROOT / "config.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "not valid OPML" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "entry", [json.loads(line) for line in (DATA / "feeds_feedparser_testsuite" / "index.jsonl").read_text(encoding="utf-8").splitlines()],
    ids=lambda e: e["path"],
)
def test_feedparser_testsuite_sample(entry: dict, server: FeedServer, tmp_path: Path) -> None:
    """Every sample parses or fails with a one-line reason, and nothing unsafe reaches an article."""
    headers = dict(h.split(": ", 1) for h in (entry.get("http_headers") or []))
    content_type = headers.get("Content-type", "application/xml")
    server.routes["/t"] = Route(body=(TESTSUITE / entry["path"]).read_bytes(), content_type=content_type)
    config = make_config(tmp_path, [feed("t", server.url("/t"))])
    reports, _ = collect_once(config)
    report = reports["t"]
    assert report.error is None or "\n" not in report.error
    if entry["expect_bozo"] is False and entry["suite"] != "illformed":
        assert report.error is None, report.error
    store = Store(config.store)
    texts = " ".join(f"{a.title} {a.text}" for a in store.articles_for(["t"], None, NOW, "wire"))
    store.close()
    assert "<script" not in texts.lower() and "javascript:" not in texts.lower()
