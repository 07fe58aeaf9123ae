"""Real feeds in several languages through collect and publish: titles, [Source] names, age, languages.

The feeds are the captured ones in tests/data/feeds_realworld_rssparser (see its PROVENANCE.md):
`encoding.rss` is Jornal de Notícias (Portuguese, January 2018), `uolNoticias.rss` UOL Notícias
(Portuguese, dates written in Portuguese that no parser reads, so undated), `heise.atom` heise
developer (German, 2016), `guardian.rss` The Guardian (English, January 2018), `craigslist.rss`
(English listings with HTML titles, June 2017).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefing import config as config_module
from briefing.models import Article, Document, Edition, EditionItem
from briefing.pipeline import run
from briefing.selection import select_articles
from briefing.sources import feeds
from briefing.sources.http import Response
from briefing.text.language import date_words, detect, language_of, stop_words
from briefing.text.markup import html_to_line, html_to_text
from briefing.text.pages import extract_articles

from .conftest import DATA, seed_config
from .feedserver import FeedServer, Route

RAW = DATA / "feeds_realworld_rssparser" / "raw" / "rbren_rss_parser"
FEEDS = ("encoding.rss", "uolNoticias.rss", "heise.atom", "guardian.rss", "craigslist.rss")
SLOT = datetime(2018, 1, 4, 0, 0, tzinfo=UTC)


def parse_file(name: str) -> list[Document]:
    response = Response(url=f"http://localhost/{name}", status=200, body=(RAW / name).read_bytes())
    return feeds.parse(name, name, response, SLOT).documents


def articles_of(name: str) -> list[Article]:
    return [a for d in parse_file(name) for a in extract_articles(d)]


def flat(items: tuple[EditionItem, ...]) -> list[EditionItem]:
    return [x for i in items for x in (i, *flat(i.children))]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("realfeeds")


# A replay of the feeds' days: each feed's items are news at one of these slots (Jornal de Notícias
# January 3-4, The Guardian January 30-31, UOL September 24, 2018)
RUNS = (SLOT, datetime(2018, 1, 31, 12, tzinfo=UTC), datetime(2018, 9, 25, 12, tzinfo=UTC))


@pytest.fixture(scope="module")
def runs(root: Path) -> list[dict[str, Edition]]:
    """Runs over the five feeds (no `label` in config) at each of RUNS with two briefings, into one store."""
    server = FeedServer().start()
    try:
        for name in FEEDS:
            server.routes[f"/{name}"] = Route.file(RAW / name, content_type="application/xml")
        raw: dict[str, Any] = seed_config(root)
        raw.pop("max_age_hours", None)  # the default, 72 hours
        raw.update(store=str(root / "state.sqlite3"), output_dir=str(root / "public"))
        raw["email"]["outbox"] = str(root / "outbox")
        raw["sources"] = [{"name": n.split(".")[0], "type": "feed", "url": server.url(f"/{n}"), "full_text": False} for n in FEEDS]
        raw["fetch"] = {"timeout": 5, "backoff_minutes": 0}
        brief = {"style": "must_reads", "title": "Wire", "schedule": "0 0 * * *", "timezone": "UTC", "stories": 50}
        raw["briefings"] = [{"name": "all", **brief}, {"name": "pt-only", "languages": ["pt"], **brief}]
        path = root / "config.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        config = config_module.load(path)
        reports = [run(config, when) for when in RUNS]
    finally:
        server.stop()
    return [{p.briefing: p.edition for p in report.published if p.edition} for report in reports]


@pytest.fixture(scope="module")
def published(runs: list[dict[str, Edition]]) -> dict[str, Edition]:
    """The first run's editions (SLOT)."""
    return runs[0]


def labels_of(runs: list[dict[str, Edition]], briefing: str) -> set[str]:
    return {i.label for r in runs if briefing in r for i in flat(r[briefing].items)}


def test_source_tag_is_the_feeds_own_name(runs: list[dict[str, Edition]]) -> None:
    labels = labels_of(runs, "all")
    assert {"Jornal de Notícias", "UOL Noticias", "The Guardian"} <= labels
    assert not labels & {"encoding", "uolNoticias", "guardian"}


def test_old_items_are_left_out(runs: list[dict[str, Edition]]) -> None:
    # heise (2016) and craigslist (June 2017) are older than 72 hours before every slot
    labels = labels_of(runs, "all")
    assert "craigslist SF bay area" not in labels and not any(label.startswith("heise") for label in labels)


def test_items_dated_after_the_slot_wait_for_an_edition_of_their_time(runs: list[dict[str, Edition]]) -> None:
    """A slot replayed in the past does not publish later items as its news, and loses none of them:
    each feed's items come out in the edition of their own days."""
    by_run = [{i.label for i in flat(r["all"].items)} for r in runs]
    assert by_run == [{"Jornal de Notícias"}, {"The Guardian"}, {"UOL Noticias"}]


def test_a_briefing_keeps_only_its_languages(runs: list[dict[str, Edition]]) -> None:
    assert labels_of(runs, "pt-only") == {"Jornal de Notícias", "UOL Noticias"}


def test_topics_are_never_weekdays_months_or_stop_words(runs: list[dict[str, Edition]]) -> None:
    for edition in (e for r in runs for e in r.values()):
        assert edition.topics
        for topic in edition.topics:
            words = topic.lower().split()
            assert not any(w in date_words("pt") | date_words("en") for w in words), topic
            assert not all(w in stop_words("pt") | stop_words("en") for w in words), topic


@pytest.mark.parametrize(("name", "language"), [("encoding.rss", "pt"), ("uolNoticias.rss", "pt"), ("heise.atom", "de"), ("guardian.rss", "en")])
def test_language_of_real_feed_items(name: str, language: str) -> None:
    found = [language_of(a) for a in articles_of(name)]
    assert len(found) >= 10
    assert sum(f == language for f in found) / len(found) >= 0.9, found


def test_no_language_is_claimed_for_a_version_number() -> None:
    assert detect("v3.9.0 3.9.0") is None


def test_html_titles_become_plain_text_once() -> None:
    titles = [d.title for d in parse_file("craigslist.rss")]
    assert "Bright, Spacious Beautiful Victorian (oakland north / temescal) $4300 3bd 1930ft2" in titles
    assert not any(t and ("<" in t or "&#" in t or "&amp;" in t) for t in titles)
    assert html_to_line("&#x0024;2112 2bd 796ft<sup>2</sup>") == "$2112 2bd 796ft2"
    assert html_to_line("Fish &amp;amp; chips &lt;b&gt;") == "Fish &amp; chips <b>"


def test_html_to_text_decodes_entities_once() -> None:
    assert html_to_text("<p>a &amp;lt; b</p>").strip() == "a &lt; b"
    assert html_to_text("<p>AT&amp;T &#8212; &lt;3</p>").strip() == "AT&T — <3"


@pytest.mark.parametrize(
    ("title", "label"),
    [
        ("Jornal de Notícias - Últimas Notícias", "Jornal de Notícias"),
        ("reddit: the front page of the internet", "reddit"),
        ("craigslist SF bay area | apts/housing for rent search", "craigslist SF bay area"),
        ("The Guardian", "The Guardian"),
        ("heise developer neueste Meldungen", "heise developer neueste Meldungen"),
    ],
)
def test_feed_label(title: str, label: str) -> None:
    assert feeds.feed_label(title) == label


def test_select_articles_by_age_and_language() -> None:
    def article(i: int, title: str, text: str, published: datetime | None, first_seen: datetime) -> Article:
        return Article(str(i), "s", "S", "", title, (text,), str(i), published=published, first_seen=first_seen)

    en = "The city council voted on Monday to rebuild the old harbour bridge, officials said on the day."
    pt = "A câmara municipal aprovou na segunda-feira a reconstrução da velha ponte do porto, disseram."
    old, recent = SLOT - timedelta(hours=73), SLOT - timedelta(hours=71)
    items = [
        article(1, "Bridge", en, old, recent),  # dated too old, even though first seen recently
        article(2, "Bridge", en, recent, old),  # dated recently
        article(3, "Ponte", pt, None, recent),  # undated, first seen recently
        article(4, "Ponte", pt, None, old),  # undated, first seen too long ago
    ]
    assert [a.id for a in select_articles(items, slot=SLOT, max_age_hours=72)] == ["2", "3"]
    assert [a.id for a in select_articles(items, slot=SLOT, max_age_hours=72, languages=["pt"])] == ["3"]
    assert [a.id for a in select_articles(items, slot=SLOT, max_age_hours=1000, languages=["en"])] == ["1", "2"]


def test_languages_key_is_validated(tmp_path: Path) -> None:
    raw = seed_config(tmp_path)
    raw["briefings"][0]["languages"] = ["Portuguese"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(config_module.ConfigError, match="languages"):
        config_module.load(path)


def test_a_portuguese_headline_without_text_is_not_kept_for_an_english_briefing() -> None:
    from briefing.text.language import keep_languages

    pt = Article("pt", "uol", "UOL", "", "Fernanda Melchionna: a Primavera Feminista vai derrotar Bolsonaro nas ruas e nas urnas!",
                 (), "pt1", kind="item")
    en = Article("en", "g", "The Guardian", "", "Markets rally as central bank holds interest rates steady", (), "en1",
                 kind="item")
    assert [a.id for a in keep_languages([pt, en], ["en"])] == ["en"]


def test_a_one_language_briefings_feeds_say_so(published: dict[str, Edition], root: Path) -> None:
    import feedparser

    assert feedparser.parse(str(root / "public" / "pt-only" / "feed.xml")).feed.language == "pt"
    assert feedparser.parse(str(root / "public" / "all" / "feed.xml")).feed.language == "en"


def test_plain_english_is_told_without_loading_the_model() -> None:
    """The detector's model costs most of a second to load: a day of English news never needs it, and a
    Portuguese or German item still goes to it."""
    import subprocess
    import sys

    guardian = articles_of("guardian.rss")[0]
    jn = articles_of("encoding.rss")[0]
    script = (
        "import sys; from briefing.text.language import classify, _identifier\n"
        "print(classify(sys.argv[1])[0], _identifier.cache_info().currsize)\n"
        "print(classify(sys.argv[2])[0], _identifier.cache_info().currsize)\n"
    )
    english = f"{guardian.title}. {' '.join(guardian.paragraphs[:4])}"
    portuguese = f"{jn.title}. {' '.join(jn.paragraphs[:4])}"
    out = subprocess.run([sys.executable, "-c", script, english, portuguese], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["en 0", "pt 1"]


def test_an_item_dated_a_day_ahead_of_the_slot_waits() -> None:
    from briefing.selection import dated_ahead

    def article(i: int, published: datetime) -> Article:
        return Article(str(i), "s", "S", "", "Bridge", ("The council voted on Monday to rebuild the bridge.",), str(i), published=published, first_seen=SLOT)

    items = [article(1, SLOT + timedelta(hours=13)), article(2, SLOT + timedelta(hours=25))]  # a zone error; tomorrow's
    assert [a.id for a in select_articles(items, slot=SLOT, max_age_hours=72)] == ["1"]
    assert [a.id for a in dated_ahead(items, slot=SLOT)] == ["2"]
