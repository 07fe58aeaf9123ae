"""Cleaning keeps news: real paragraphs go through unchanged; furniture still goes.

The corpus is every sentence of the BBC dev articles and the AG News dev items in tests/data (see
tests/data/README.md), each set as its own one-sentence paragraph, the shape of wire copy, where
furniture rules that match a word inside a sentence ("subscription", "sign up", "more from") do
their damage. Every seed furniture line (conftest.SEED_BOILERPLATE) still goes: see
tests/test_pages.py::test_no_seed_boilerplate_survives_cleaning.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from briefing.models import Document
from briefing.text.boilerplate import boilerplate_kind, is_tail_marker, strip_dateline
from briefing.text.pages import extract_articles
from briefing.text.sentences import split_sentences

from .conftest import DATA

NOW = datetime(2020, 1, 1, tzinfo=UTC)
# Data noise, not news: AG News items whose description is escaped HTML with links (the link's URL
# is removed as inline residue), and a byline.
_NOISE = re.compile(r"&lt;a href=|&lt;p&gt;advertis|^By [A-Z]\w+ [A-Z]\w+\.$", re.IGNORECASE)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _articles() -> list[tuple[str, list[str]]]:
    out = []
    for path in (DATA / "bbc_news_summary" / "bbc_dev.jsonl", DATA / "ag_news_topics" / "ag_news_dev.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sentences = [s for p in row["text"].split("\n\n") for s in split_sentences(" ".join(p.split()))]
            out.append((row["title"], [s for s in sentences if not _NOISE.search(s)]))
    return out


def test_real_news_paragraphs_go_through_cleaning_unchanged() -> None:
    articles = _articles()
    total, lost = 0, []
    for i, (title, sentences) in enumerate(articles):
        body = "\n\n".join(["The opening paragraph of this article is plain news text.", *sentences, "The end of it."])
        document = Document("t", "T", f"t/{i}", title, body, "text", None, NOW)
        kept = _words(" ".join(p for a in extract_articles(document) for p in a.paragraphs))
        for sentence in sentences:
            total += 1
            if _words(strip_dateline(sentence)[0]) not in kept:
                lost.append(sentence)
        if not kept.endswith("the end of it"):
            lost.append(f"(the rest of {title!r} was cut)")
    assert total >= 3000
    assert lost == []


@pytest.mark.parametrize(
    "line",
    [
        "Investors wanted more from the company.",
        "Netflix will raise the price of its basic subscription by $1 a month, the company said on Tuesday.",
        "Customers who sign up before March get the old price.",
        "The bank said users could log in with a fingerprint from next year.",
        "More from the survey is due to be published next week.",
        "Analysts can download the report from the regulator's website.",
        "Police said the suspect had sent an email to the school on Monday.",
        "Your browser history can be sold, the court ruled.",
        "We use cookies, the baker said, to keep customers coming back.",
    ],
)
def test_sentences_with_furniture_words_are_news(line: str) -> None:
    assert boilerplate_kind(line) is None
    assert not is_tail_marker(line)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Sign up for our daily newsletter", "newsletter"),
        ("Subscribe now!", "newsletter"),
        ("Get our free email alerts", "newsletter"),
        ("Enter your email address", "newsletter"),
        ("Log in", "login"),
        ("Already a subscriber? Sign in", "login"),
        ("Create a free account to continue reading", "login"),
        ("More from Reuters", "navigation"),
        ("Most read", "navigation"),
        ("Please enable JavaScript to view the comments", "browser"),
    ],
)
def test_furniture_shapes(line: str, kind: str) -> None:
    assert boilerplate_kind(line) == kind


@pytest.mark.parametrize(
    "line", ["More from GovExec", "Close [ x ] More from GovExec", "We think these reports might interest you:", "Popular Posts"]
)
def test_tail_markers_are_whole_line_headings(line: str) -> None:
    assert is_tail_marker(line)


@pytest.mark.parametrize(
    ("line", "body", "place"),
    [
        # real openings: Reuters and AP in AG News dev, CNN in tests/data/cnn_dailymail_sample, ANSA and
        # Reuters in UOL's feed (tests/data/feeds_realworld_rssparser)
        ("NEW YORK (Reuters) - Stocks rose on Monday.", "Stocks rose on Monday.", "NEW YORK"),
        ("CARSON CITY, Nev. (AP) - The state sued.", "The state sued.", "CARSON CITY, Nev."),
        ("MOSCOU, 24 SET (ANSA) - O líder da oposição foi detido.", "O líder da oposição foi detido.", "MOSCOU, 24 SET"),
        ("BRASÍLIA (Reuters) - O governo anunciou.", "O governo anunciou.", "BRASÍLIA"),
        ("Marseille, France (CNN)The French prosecutor said.", "The French prosecutor said.", "Marseille, France"),
        ("WASHINGTON (CNN) -- As he awaits a report, Bush will speak.", "As he awaits a report, Bush will speak.", "WASHINGTON"),
        ("(CNN)Seventy years ago, Anne Frank died.", "Seventy years ago, Anne Frank died.", None),
        ("(BAGHDAD) — Confronting the threat of civil war.", "Confronting the threat of civil war.", "BAGHDAD"),
        ("ATHENS -- The mistakes were so minor.", "The mistakes were so minor.", "ATHENS"),
    ],
)
def test_a_dateline_is_cut_from_the_opening(line: str, body: str, place: str | None) -> None:
    assert strip_dateline(line) == (body, place)


@pytest.mark.parametrize(
    "line",
    ["Apple Inc. said on Monday it would buy the company.", "US stocks (Reuters) fell on Monday.", "The company said on Monday - The rest"],
)
def test_a_sentence_is_not_a_dateline(line: str) -> None:
    assert strip_dateline(line) == (line, None)


def test_json_lines_articles_lose_their_dateline(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`briefing group` and `summarize` read the same body as a feed item: no "York" topic from a dateline."""
    from briefing.jsonl import read_articles

    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": 1, "title": "Stocks rise", "text": "NEW YORK (Reuters) - Stocks rose on Monday."}) + "\n", encoding="utf-8")
    assert read_articles(path, need_text=True)[0].article.paragraphs == ("Stocks rose on Monday.",)
