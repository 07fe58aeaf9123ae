"""sumy summaries with the packaged tokenizer: exact sentences on a small article."""

from dataclasses import replace

import pytest

from briefing.models import Article
from briefing.summarize import ALGORITHMS, stands_alone, summarize
from briefing.text.sentences import split_sentences

from .test_pages import seed

ARTICLE = Article(
    id="a1",
    source="test",
    label="TEST",
    url="",
    title="Kerry Presses for Iraq Peace",
    paragraphs=(
        "Secretary of State John Kerry warned Monday that the threat from militants storming across Iraq could"
        " force the U.S. to take military action. He pressed the country’s leaders to cede more power.",
        "Kerry’s comments came during an unannounced visit to Baghdad, during which he met with the country’s"
        " top officials and urged Shi‘ite leaders to cede more power to their rivals.",
        "Kerry had a 90-minute closed-door meeting with Prime Minister Nouri al-Maliki in Baghdad. The weather was hot.",
        "Why?",
    ),
    fingerprint="f1",
)


def test_textrank_picks_exact_sentences_in_document_order() -> None:
    article = seed("000")[0]  # "White House Doesn’t Rule Out Iraq Partition"
    summary = summarize(article, "textrank", 2)
    assert summary.texts == [
        "With fighters from the militant group Islamic State of Iraq and Greater Syria (ISIS) seizing more"
        " territory, White House press secretary Josh Earnest said it’s up to the Iraqi people to decide how"
        " their maps should be drawn, adding that the Obama Administration believes the best course would be"
        " for Iraq’s political leaders to come together to find a political solution.",
        "“It is the view of this Administration that the best way for us to confront this challenge is to"
        " empower the Iraqi people to make the kinds of decisions that demonstrate their vested interest in"
        " the success of that country, and that starts by having political leadership, elected political"
        " leadership, that ensures that the rights and interests and aspirations of every Iraqi citizen is"
        " incorporated into their governing agenda,” Earnest added.",
    ]
    assert [s.position for s in summary.sentences] == [1, 6]


def test_random_is_repeatable() -> None:
    assert summarize(ARTICLE, "random", 2) == summarize(ARTICLE, "random", 2)


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_every_sumy_algorithm_runs_offline(algorithm: str) -> None:
    summary = summarize(ARTICLE, algorithm, 2)
    assert len(summary.sentences) == 2
    text = ARTICLE.text
    assert all(s.text in text for s in summary.sentences)
    assert "Why?" not in summary.texts  # fragments are never summary sentences


def test_key_sentence_stands_alone() -> None:
    assert stands_alone("Secretary of State John Kerry warned Monday that the threat was real.")
    assert not stands_alone("He pressed the country’s leaders to cede more power to rivals.")
    assert not stands_alone("Too short.")


def test_headline_only_item_has_no_summary() -> None:
    item = Article(id="i", source="s", label="NYT", url="", title="A headline", paragraphs=(), fingerprint="x", kind="item")
    summary = summarize(item)
    assert summary.sentences == () and summary.key_sentence is None


def test_default_ensemble_picks_exact_sentences() -> None:
    article = seed("000")[0]  # "White House Doesn’t Rule Out Iraq Partition"
    summary = summarize(article, count=2)
    # two sentences of a ten-sentence article are a brief: the inverted pyramid's lede and nut graf
    assert [s.position for s in summary.sentences] == [0, 1]
    assert summary.texts[0].startswith("The White House declined to rule out an eventual breakup of Iraq on Monday")
    assert summary.texts[1].startswith("With fighters from the militant group Islamic State of Iraq and Greater Syria")
    # what stands for the whole article without the lead prior (what grouping compares): the quotes
    assert summary.central[0].startswith("“The most direct way for — in the view of this Administration")
    assert summary.central[1].endswith("incorporated into their governing agenda,” Earnest added.")
    # the key sentence is the best one that stands alone
    assert summary.key_sentence == summary.texts[0]


def test_a_digest_keeps_to_the_centre_of_the_article() -> None:
    """Half of an article's sentences are a digest, not a brief: the lead prior does not count (BBC dev)."""
    article = seed("000")[0]
    n = len([s for p in article.paragraphs for s in split_sentences(p)])
    summary = summarize(article, count=n // 2)
    assert summary.central == ()
    # the two quotes of the brief's `central` are chosen, and so is the closing sentence (not lead-5)
    assert [s.position for s in summary.sentences] == [0, 1, 3, 6, 9]


@pytest.mark.parametrize(
    "hook",
    [
        "You’ll be hearing a lot in the coming days about John Kerry’s visit to Baghdad Monday.",
        "If you’ve been following the news lately, there are certain things you doubtless know.",
        "To the contrary: Hours after Kerry left Cairo, an Egyptian court convicted three journalists.",
        "In fact, the ministry had approved the plan a week before the vote in parliament.",
        "O ex-ministro foi condenado a nove anos de prisão, mas recorreu e alegou sofrer perseguiç...",
    ],
)
def test_a_hook_or_a_sentence_leaning_back_is_not_a_key_sentence(hook: str) -> None:
    assert not stands_alone(hook)


@pytest.mark.parametrize(
    "sentence",
    [
        # BBC dev: a title and a quotation that hold "your" and "you" are not hooks
        "Who's Your Daddy, the first episode of which was broadcast on Monday night, drew complaints.",
        "“You have explored the possibilities of film,” Mr de Vabres told the director on Friday.",
        "Voters who asked what you can do about the plan were told to write to their councillor.",
    ],
)
def test_a_sentence_that_only_mentions_you_can_be_a_key_sentence(sentence: str) -> None:
    assert stands_alone(sentence)


def test_key_sentence_never_starts_with_an_unmet_pronoun() -> None:
    assert not stands_alone("After his Sunday meeting with Egypt’s military ruler Abdul Fattah al-Sisi, he signaled support.")


def test_fast_reduction_equals_sumy() -> None:
    """The vectorised Reduction gives sumy's own ratings, sentence for sentence."""
    import json

    import numpy as np
    from sumy.models.dom import ObjectDocumentModel, Paragraph

    from briefing.jsonl import paragraphs_of
    from briefing.summarize import _MIN_WORDS, build_document, rate, reduction_ratings

    from .conftest import DATA

    rows = [json.loads(line) for line in (DATA / "bbc_news_summary" / "bbc_dev.jsonl").read_text(encoding="utf-8").splitlines()[:80]]
    for row in rows:
        document = build_document(paragraphs_of(row["text"]))
        sentences = [s for s in document.sentences if len(s.words) >= _MIN_WORDS]
        _, theirs = rate(ObjectDocumentModel([Paragraph(sentences)]), "reduction", 1)
        ours = reduction_ratings([str(s) for s in sentences])
        assert np.allclose([theirs.get(s, 0.0) for s in sentences], ours, rtol=0, atol=1e-9)


def test_parallel_summaries_equal_serial_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing import summarize as summarize_module

    articles = [a for p in ("000", "001", "002", "003", "004") for a in seed(p)] * 8
    articles = [replace(a, id=f"{a.id}-{i}") for i, a in enumerate(articles)]
    assert not summarize_module._pool_pays(len(articles), 2)  # too few to pay for a pool on its own
    monkeypatch.setattr(summarize_module, "_POOL_COST_S", 0.0)  # so make it use one (a forkserver)
    assert summarize_module._pool_pays(len(articles), 2)
    assert summarize_module.summarize_many(articles, workers=2) == summarize_module.summarize_many(articles, workers=1)


def test_another_languages_function_words_make_no_sentence_central() -> None:
    """A German article is rated by German stop words and stems: two sentences that share only "der",
    "und", "die", "sind", "mit" and "dem" have nothing in common (by English rules they would)."""
    from briefing.summarize import reduction_ratings

    sentences = ["Der Zug und die Bahn sind mit dem Wetter unzufrieden", "Der Hund und die Katze sind mit dem Ball zufrieden"]
    assert reduction_ratings(sentences, lang="de").tolist() == [0.0, 0.0]
    assert min(reduction_ratings(sentences).tolist()) > 0.0
