"""Cleaning and splitting the seed pages into articles."""

from datetime import datetime, timezone

import pytest

from briefing.models import Document
from briefing.text.boilerplate import boilerplate_kind, is_caption, is_credit
from briefing.text.pages import extract_articles, html_to_text

from .conftest import SEED_BOILERPLATE, SEEDS

LABELS = {"000": "TIME", "001": "National Journal", "002": "Digital Journal", "003": "WSJ", "004": "GovExec"}
FETCHED = datetime(2014, 6, 23, 10, tzinfo=timezone.utc)


def seed(prefix: str) -> list:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    doc = Document("seeds", LABELS[prefix], f"seeds/{path.name}", None, path.read_text(encoding="utf-8"), "text", None, FETCHED)
    return extract_articles(doc)


@pytest.fixture(scope="module")
def all_articles() -> list:
    return [a for p in LABELS for a in seed(p)]


def test_seed_000_is_split_into_its_articles() -> None:
    titles = [a.title for a in seed("000") if a.kind == "article"]
    assert titles == [
        "White House Doesn’t Rule Out Iraq Partition",
        "A ‘Chilling’ Verdict in Egypt After U.S. Floats More Aid",
        "Kerry Presses for Iraq Peace but Warns Militants Could Force U.S. Action",
        "You’ll Never Guess Which Country Is the Biggest Per Capita Contributor of Foreign Jihadists to ISIS",
        "Kerry Arrives in Baghdad to Confront Threat of New War",
        "Dick Cheney Fires Back at Rand Paul Over Iraq Criticism",
        "Sunni Militants Push for Control of Iraq’s Western Border",
        "Iraqi Official: Sunni Insurgents, Baathists Fighting One Another",
    ]


def test_section_labels_and_standfirsts_are_recognised() -> None:
    first, egypt = seed("000")[:2]
    assert first.section == "Foreign Policy"
    assert first.standfirst == "Spokesman doesn't close the door on possible partition"
    assert egypt.standfirst.startswith("Secretary of State John Kerry's visit to Cairo")
    assert not any("Getty Images" in p for p in egypt.paragraphs)


def test_the_brief_becomes_four_items() -> None:
    items = [a for a in seed("000") if a.section == "The Brief"]
    assert [a.kind for a in items] == ["item"] * 4
    assert items[1].paragraphs == (
        "More auto recalls, but this time they’re not from GM, as Honda, Mazda and Nissan are calling back"
        " vehicles due to defective airbags.",
    )
    # the page headline belongs to the item it describes; "And finally," is dropped from the text
    assert items[3].title == "Former Baylor Star Isaiah Austin Reveals Career-Ending Diagnosis"
    assert items[3].paragraphs[0].startswith("A career-ending diagnosis for former Baylor player Isaiah Austin")


def test_must_reads_link_list_keeps_sources_and_nesting() -> None:
    items = [a for a in seed("000") if a.section == "Morning Must Reads"]
    assert [a.label for a in items][:4] == ["NYT", "Reuters", "TIME", "WashPost"]
    army, reuters, pentagon, drones = items[:4]
    assert reuters.parent == army.id and pentagon.parent == army.id and drones.parent is None
    assert army.paragraphs[0].startswith("As Iraqi Army forces try to rally")  # quote marks removed
    assert pentagon.paragraphs == () and pentagon.title == "What’s the Pentagon’s endgame in Iraq?"
    assert not any(a.title.startswith("In the news") for a in items)


def test_byline_date_and_dateline() -> None:
    (article,) = seed("002")
    assert article.title == "U.S. and Iran are allies in Iraq"
    assert article.byline == "Ken Hanly"
    assert article.published == datetime(2014, 6, 13, tzinfo=timezone.utc)
    assert article.paragraphs[0].startswith("While the U.S. and Iran usually disagree")
    (wsj,) = seed("003")
    assert wsj.published == datetime(2014, 6, 15, tzinfo=timezone.utc)


def test_no_seed_boilerplate_survives_cleaning(all_articles: list) -> None:
    text = "\n".join(f"{a.title}\n{a.standfirst or ''}\n{a.text}" for a in all_articles)
    assert [line for line in SEED_BOILERPLATE if line in text] == []


@pytest.mark.parametrize(
    ("prefix", "sentence"),
    [
        ("000", "Last week, Senate Majority Leader Harry Reid declared that Iraq is currently in a civil war."),
        ("000", "And with the U.S. aid spigot likely to reopen in full, it’s also hard to see what might make al-Sisi seek that broader support."),
        ("001", "There will be boots on the ground in Iraq after all."),
        ("001", "That...sounded pretty decisive."),
        ("002", "Obama had no choice but to withdraw from Iraq because the Iraqi government refused to accept the terms of a new Status of Forces Agreement drafted by the US."),
        ("003", "Neither the alleged death toll nor the identity of the purported victims could be verified independently."),
        ("004", "Lo and behold, American Secretary of State John Kerry seemed to cautiously embrace the idea Monday morning, telling Yahoo News that he would \"not rule out anything that would be constructive\" and that Washington was \"open for discussions.\""),
    ],
)
def test_body_sentences_are_kept(prefix: str, sentence: str) -> None:
    assert any(sentence in a.text for a in seed(prefix))


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Remember meForgot password?", "login"),
        ("Stay up-to-date with federal news alerts and analysis — Sign up for GovExec's email newsletters.", "newsletter"),
        ("Learn how to update your browser", "browser"),
        ("Popular Posts", "navigation"),
        ("— Additional reporting by Zeke J Miller and Michael Crowley", "reporting-credit"),
        ("Lefteris Pitarakis/AP", "photo-credit"),
        ("The White House declined to rule out an eventual breakup of Iraq on Monday.", None),
    ],
)
def test_boilerplate_kinds(line: str, kind: str | None) -> None:
    assert boilerplate_kind(line) == kind


def test_captions_and_credits() -> None:
    assert is_caption("Members of Kurdish forces hold their position June 21, 2014 Karim Sahib—AFP/Getty Images")
    assert is_credit("Lefteris Pitarakis/AP")
    assert not is_caption("Kerry said the talks went well.")


def test_html_file_is_read_as_text() -> None:
    html = "<html><head><style>p{}</style><script>x()</script></head><body><h1>Big News Arrives Today</h1><p>First para.</p><p>Second &amp; last.</p></body></html>"
    doc = Document("f", "Site", "f/a.html", None, html, "html", None, FETCHED)
    (article,) = extract_articles(doc)
    assert article.title == "Big News Arrives Today"
    assert article.paragraphs == ("First para.", "Second & last.")
    assert "x()" not in html_to_text(html)


# Lines that frame a roundup rather than report: they become the edition's own intro, not body text.
SEED_STRUCTURE = ("Here are the stories TIME is watching",)


def _seed_body_lines() -> list[tuple[str, str]]:
    """(seed, line) for every line of running text in the seeds: a sentence of eight words or more
    that is neither listed as furniture nor part of a page's header (title, standfirst, caption)."""
    out = []
    for prefix in LABELS:
        path = next(SEEDS.glob(f"{prefix}_*.txt"))
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip().lstrip("•").strip()
            if len(line.split()) < 8 or not line.endswith((".", "”", '"', "?", "’", ")")):
                continue  # headlines, labels, standfirsts without a final stop, short furniture
            if any(b in line for b in SEED_BOILERPLATE) or line.startswith(SEED_STRUCTURE):
                continue
            out.append((prefix, line))
    return out


def test_every_body_sentence_of_the_seeds_is_kept(all_articles: list) -> None:
    from briefing.text.boilerplate import clean_inline, strip_dateline
    from briefing.text.sentences import split_sentences

    from briefing.text.normalize import collapse, normalize_text

    def norm(text: str) -> str:
        return collapse(normalize_text(text))

    kept = norm(" ".join(f"{a.title} {a.standfirst or ''} {a.text}" for a in all_articles))
    lines = _seed_body_lines()
    assert len(lines) == 127  # every line of running text in the five seeds
    missing = []
    for prefix, line in lines:
        text = strip_dateline(clean_inline(norm(line)))[0].strip('“”"')
        for sentence in split_sentences(text):
            sentence = sentence.strip('“”" ')
            if sentence.startswith("And finally, "):  # a digest item keeps its text without the prefix
                sentence = sentence[13].upper() + sentence[14:]
            if sentence and sentence not in kept:
                missing.append((prefix, sentence))
    assert missing == []
