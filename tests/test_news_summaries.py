"""Key sentences that stand alone, and the lead signal of the default summarizer."""

from __future__ import annotations

import pytest

from briefing.evaluate import evaluate_summaries
from briefing.models import Article
from briefing.summarize import leans_back, summarize

from .conftest import DATA


@pytest.mark.parametrize(
    "sentence",
    [
        "All this means that more traditional Republican conservatives have less to object to.",
        "However, the minister said the plan would go ahead in the spring of next year.",
        "But the company's shares fell sharply in early trading on Wall Street.",
        "This is the third time the bridge has been closed since the floods of last winter.",
        "“We will not give up on the people of this town, whatever the cost.”",
        "After his meeting with the ruler, he signaled that more aid would follow soon.",
        "After the meeting with the ruler, he signaled that more aid would follow soon.",
        "Just one day after he decided to go easy on Russia, our president declared victory.",  # The Guardian
        "Even so, the bank kept its forecast for growth unchanged for the year.",
    ],
)
def test_sentences_that_lean_back(sentence: str) -> None:
    assert leans_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Netflix will raise the price of its basic subscription by $1 a month, the company said.",
        "Secretary of State John Kerry met Iraq's prime minister in Baghdad on Monday.",
        "“We will not give up,” Mayor Anne Hidalgo told reporters outside the town hall.",
        "Thousands of people marched through the capital on Saturday to protest against the law.",
        # Reuters wire copy (reuters21578): the pronoun refers to a noun of the sentence's own
        "The company said it expects the offering to be priced at 20 dlrs per unit.",
        "No deaths were reported but one man was admitted to hospital in serious condition after his car was buried in a mud slip.",
        "The new rules will be critical to global IT infrastructure, the ministry said.",  # "IT" is not "it"
    ],
)
def test_sentences_that_stand_alone(sentence: str) -> None:
    assert not leans_back(sentence)


def test_the_key_sentence_never_leans_back_even_when_it_scores_best() -> None:
    paragraphs = (
        "All this means that the council, the mayor and the council's budget committee have less to object to now.",
        "The city council voted on Monday to rebuild the old harbour bridge for 40 million euros.",
        "However, the council and the mayor said the bridge and the budget would be reviewed by the committee.",
    )
    article = Article("a", "s", "S", "", "Council votes to rebuild harbour bridge", paragraphs, "a")
    assert summarize(article, count=1).key_sentence == paragraphs[1]


def test_eval_reports_the_share_of_key_sentences_that_lean_back() -> None:
    results = evaluate_summaries(DATA / "bbc_news_summary" / "bbc_dev.jsonl", systems=(), limit=120)
    default = results["briefing default (ensemble)"]
    assert default["key_leans_back"] <= 0.01
    assert default["key_found"] >= 0.95
    assert default["rouge2"] > results["lead-k"]["rouge2"]


CNN = DATA / "cnn_dailymail_sample" / "cnn_sample.jsonl"


def test_the_default_beats_lead_k_on_news() -> None:
    """CNN stories against their highlights (k = highlights): news puts the event first, and a short
    summary of a long article is a brief, so the default leans on the lead, not only on centrality.
    Without the lead prior the default scored ROUGE-2 .112 against lead-k's .131 here."""
    results = evaluate_summaries(CNN, systems=("reduction",))
    default, lead = results["briefing default (ensemble)"], results["lead-k"]
    assert default["rouge2"] > lead["rouge2"]
    assert default["rougeL"] > lead["rougeL"]
    assert default["rouge2"] > results["reduction"]["rouge2"] + 0.02
    assert default["key_leans_back"] == 0.0


def test_a_brief_takes_the_lead_and_a_digest_the_centre() -> None:
    """The lead prior counts for a few sentences that are a small share of an article, not for a digest
    of half of it (what BBC dev's references are)."""
    from briefing.summarize import _lead_strength

    assert _lead_strength(3, 30) == 1.0  # CNN/DailyMail highlights, an edition's three sentences
    assert _lead_strength(8, 17) == 0.0  # BBC dev: the median article
    assert _lead_strength(7, 40) == 0.0  # many sentences are a digest, however long the article
    assert 0.0 < _lead_strength(3, 10) < 1.0


def test_a_brief_passes_over_a_features_hook() -> None:
    """CNN's "(CNN)Never mind cats having nine lives." opens a feature; the news is the next sentence."""
    import json

    from briefing.evaluate import _article

    row = next(json.loads(line) for line in CNN.read_text(encoding="utf-8").splitlines() if '"cnn-230c' in line)
    summary = summarize(_article(row), count=2)
    assert summary.texts[0].startswith("A stray pooch in Washington State has used up at least three of her own")
    assert "Never mind cats having nine lives." not in summary.texts
