"""End to end on the seeds: collect, publish, and what a second run does."""

from __future__ import annotations

import email
import re
import html
from email import policy
from pathlib import Path

import feedparser
import pytest

from briefing import config as config_module
from briefing.pipeline import collect, publish, run
from briefing.render import Renderer
from briefing.store import Store

from .conftest import NOW, SEED_BOILERPLATE


def outputs(root: Path) -> dict[str, str]:
    """Every text file written under public/ and outbox/, HTML entities decoded."""
    found = {}
    for folder in ("public", "outbox"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                raw = path.read_bytes()
                if path.suffix == ".eml":
                    msg = email.message_from_bytes(raw, policy=policy.default)
                    text = "\n".join(part.get_content() for part in msg.walk() if part.get_content_maintype() == "text")
                else:
                    text = raw.decode("utf-8")
                found[str(path.relative_to(root))] = html.unescape(html.unescape(text))
    return found


@pytest.fixture
def first_run(seed_cfg):
    return seed_cfg, run(seed_cfg, NOW)


def test_run_publishes_feed_email_and_archive(first_run, tmp_path: Path) -> None:
    config, report = first_run
    assert report.new_articles == 28
    assert [p.edition is not None for p in report.published] == [True, True]
    for briefing in ("the-brief", "morning-must-reads"):
        edition_id = f"{briefing}-2014-06-23-0600"
        folder = tmp_path / "public" / briefing
        assert (folder / f"{edition_id}.html").is_file()
        assert (folder / "index.html").is_file()
        assert len(list((tmp_path / "outbox" / edition_id).glob("*.eml"))) == 1
    assert (tmp_path / "public" / "index.html").is_file()


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_feeds_read_back_with_feedparser(first_run, tmp_path: Path, name: str) -> None:
    config, report = first_run
    brief = next(p.edition for p in report.published if p.briefing == "the-brief")
    parsed = feedparser.parse((tmp_path / "public" / "the-brief" / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "The Brief"
    assert parsed.feed.link == "http://localhost:8000/the-brief/"  # the archive, not the feed itself
    (entry,) = parsed.entries
    assert entry.title == brief.title
    assert entry.link == "http://localhost:8000/the-brief/the-brief-2014-06-23-0600.html"
    assert entry.id == "tag:localhost,2014-06-23:the-brief/the-brief-2014-06-23-0600"
    content = html.unescape(entry.content[0].value)
    for item in brief.items:
        assert item.text.replace("“", "‘").replace("”", "’")[:60] in content or item.text[:60] in content
    assert entry.published_parsed[:4] == (2014, 6, 23, 10)  # 06:00 New York is 10:00 UTC


def test_email_is_multipart_alternative(first_run, tmp_path: Path) -> None:
    config, report = first_run
    path = next((tmp_path / "outbox").glob("the-brief-*/*.eml"))
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    plain, rich = msg.get_payload()
    assert (plain.get_content_type(), rich.get_content_type()) == ("text/plain", "text/html")
    assert plain.get_content_charset() == rich.get_content_charset() == "utf-8"
    brief = next(p.edition for p in report.published if p.briefing == "the-brief")
    assert msg["Subject"] == brief.title
    assert msg["To"] == "reader@example.com"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # a signed link per recipient, never the bare address (issue 13)
    assert re.search(r"<http://localhost:8000/unsubscribe/the-brief\?token=[\w.-]+>$", msg["List-Unsubscribe"])
    assert "reader" not in msg["List-Unsubscribe"].split(",")[1]
    assert msg["Message-ID"].startswith("<the-brief-2014-06-23-0600.")
    text = plain.get_content()
    assert "Welcome to The Brief, the four stories to know about right now" in text
    assert "And finally, " in text
    assert "<table" in rich.get_content() and "style=" in rich.get_content()


def test_no_seed_boilerplate_in_any_output(first_run, tmp_path: Path) -> None:
    written = outputs(tmp_path)
    assert len(written) >= 10
    leaks = {(name, line) for name, text in written.items() for line in SEED_BOILERPLATE if line in text}
    assert leaks == set()


def test_second_run_with_the_same_now_publishes_nothing(first_run, tmp_path: Path) -> None:
    config, _ = first_run
    before = outputs(tmp_path)
    again = run(config, NOW)
    assert again.new_articles == 0
    assert [p.edition for p in again.published] == [None, None]
    assert all("already published" in p.message for p in again.published)
    assert outputs(tmp_path) == before


def test_later_slot_with_no_new_articles_publishes_nothing(first_run, tmp_path: Path) -> None:
    config, _ = first_run
    later = run(config, NOW.replace(day=24))
    assert [p.edition for p in later.published] == [None, None]
    assert all(p.message.startswith("nothing new: no articles collected since the last edition") for p in later.published)


def test_new_file_is_published_in_the_next_slot_only(tmp_path: Path, write_config) -> None:
    seeds = tmp_path / "in"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Storm Hits the Coast\n\nA storm hit the coast on Monday, officials said.\n", encoding="utf-8")
    from .conftest import seed_config

    raw = seed_config(tmp_path)
    raw["sources"][0]["path"] = str(seeds)
    config = config_module.load(write_config(raw))
    first = run(config, NOW)
    assert first.published[1].edition.article_ids and len(first.published[1].edition.items) == 1
    (seeds / "b.txt").write_text("Rail Strike Ends After Talks\n\nThe rail strike ended on Tuesday after talks with the union.\n", encoding="utf-8")
    second = run(config, NOW.replace(day=24))
    items = second.published[1].edition.items
    assert [i.headline for i in items] == ["Rail Strike Ends After Talks"]


def test_outputs_are_deterministic(tmp_path: Path, write_config) -> None:

    from .conftest import seed_config_in

    results = []
    for name in ("one", "two"):
        root = tmp_path / name
        root.mkdir()
        run(seed_config_in(root), NOW)
        results.append({p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".html", ".eml")})
    assert results[0].keys() == results[1].keys()
    assert results[0] == results[1]


def test_crash_after_recording_is_finished_by_the_next_run(seed_cfg, tmp_path: Path) -> None:
    store = Store(seed_cfg.store)
    collect(seed_cfg, store, NOW)
    briefing = seed_cfg.briefings[0]

    def crash(edition):
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        publish(seed_cfg, store, briefing, NOW, Renderer(), after_record=crash)
    assert not list((tmp_path / "outbox").glob("*/*.eml"))
    report = publish(seed_cfg, store, briefing, NOW, Renderer())
    assert "already published" in report.message
    emls = list((tmp_path / "outbox").glob("the-brief-*/*.eml"))
    assert len(emls) == 1
    assert (tmp_path / "public" / "the-brief" / "feed.xml").is_file()
    # and a third run sends nothing more
    publish(seed_cfg, store, briefing, NOW, Renderer())
    assert [(d.recipient, d.status, d.attempts) for d in store.deliveries()] == [
        ("reader@example.com", "sent", 1)
    ]
    store.close()


def test_store_records_migrations_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    Store(path).close()
    store = Store(path)
    assert [r[0] for r in store.db.execute("SELECT name FROM migrations")] == [
        "initial", "source fetch state and first-run backfill", "files seen by files sources", "every time in UTC",
        "edition titles for listings", "subscribers and confirmation mails", "articles released by abandoned editions",
        "summaries cached before versioned keys",
    ]
    assert store.migrate() == []
    store.close()


def test_no_edition_says_the_same_thing_twice(first_run) -> None:
    from briefing.dedupe import is_near_duplicate_sentence

    _, report = first_run
    for published in report.published:
        lines = [t for item in published.edition.items for t in (item.text, *(c.text for c in item.children))]
        for i, line in enumerate(lines):
            assert not is_near_duplicate_sentence(line, lines[:i]), f"{published.briefing} repeats: {line[:80]}"


def test_unchanged_files_are_not_read_again(tmp_path: Path, write_config) -> None:
    from .conftest import seed_config

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Storm Hits the Coast\n\nA storm hit the coast on Monday, officials said.\n", encoding="utf-8")
    raw = seed_config(tmp_path)
    raw["sources"][0]["path"] = str(folder)
    config = config_module.load(write_config(raw))
    store = Store(config.store)
    try:
        (first,) = collect(config, store, NOW)
        (second,) = collect(config, store, NOW.replace(hour=7))
        (folder / "a.txt").write_text("Storm Hits the Coast\n\nA storm hit the coast on Monday, officials said. Roads closed.\n", encoding="utf-8")
        (third,) = collect(config, store, NOW.replace(hour=8))
    finally:
        store.close()
    assert (first.documents, first.new) == (1, 1)
    assert second.documents == 0  # unchanged: not read, not parsed
    assert third.documents == 1  # changed: read again
    assert (third.new, third.updated) == (0, 1)  # the same article, its new text stored


def test_a_changed_article_is_updated_until_an_edition_uses_it(tmp_path: Path, write_config) -> None:
    from .conftest import seed_config

    folder = tmp_path / "in"
    folder.mkdir()
    story = folder / "a.txt"
    story.write_text("Storm Hits the Coast\n\nA storm hit the coast on Monday, officials said.\n", encoding="utf-8")
    raw = seed_config(tmp_path)
    raw["sources"][0]["path"] = str(folder)
    raw["briefings"] = raw["briefings"][:1]
    config = config_module.load(write_config(raw))
    briefing = config.briefings[0]
    store = Store(config.store)
    try:
        collect(config, store, NOW.replace(hour=5))
        story.write_text("Storm Hits the Coast\n\nA storm hit the coast on Monday and closed every road, officials said.\n",
                         encoding="utf-8")
        (changed,) = collect(config, store, NOW.replace(hour=5, minute=30))
        assert changed.updated == 1
        edition = publish(config, store, briefing, NOW, Renderer()).edition
        assert edition is not None
        page = (tmp_path / "public" / "the-brief" / f"{edition.id}.html").read_text(encoding="utf-8")
        assert "closed every road" in page  # the edition carries the update
        # after publication a further change is not news again: the published version stays
        story.write_text("Storm Hits the Coast\n\nA storm hit the coast on Monday. Roads reopened.\n", encoding="utf-8")
        (later,) = collect(config, store, NOW.replace(hour=9))
        assert (later.new, later.updated) == (0, 0)
        next_edition = publish(config, store, briefing, NOW.replace(day=24), Renderer())
        assert next_edition.edition is None and "nothing new" in next_edition.message
    finally:
        store.close()


def test_two_processes_opening_a_new_store_at_once_both_succeed(tmp_path: Path) -> None:
    """A `briefing status` started while a first `briefing run` creates the store must not fail
    with 'table ... already exists': each migration is decided inside the write lock."""
    import threading

    path = tmp_path / "new.sqlite3"
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_it() -> None:
        try:
            start.wait()
            Store(path).close()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = Store(path)
    try:
        assert store.migrate() == []
    finally:
        store.close()


def test_summaries_cached_by_an_older_summarizer_are_dropped_on_upgrade(tmp_path: Path) -> None:
    """Summaries are cached under "algorithm/version": a store of the unversioned kind loses its stale
    rows when it is opened by this version, so old articles are summarized afresh."""
    path = tmp_path / "s.sqlite3"
    store = Store(path)
    for algorithm in ("ensemble", "ensemble/2"):
        store.db.execute("INSERT INTO summaries (fingerprint, algorithm, sentences, data) VALUES ('f', ?, 3, '{}')", (algorithm,))
    store.db.execute("DELETE FROM migrations WHERE name = 'summaries cached before versioned keys'")
    store.db.commit()
    store.close()
    store = Store(path)
    assert [r[0] for r in store.db.execute("SELECT algorithm FROM summaries")] == ["ensemble/2"]
    store.close()
