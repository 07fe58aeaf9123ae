"""Duplicates, stories and topics on the seeds."""

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from briefing.dedupe import find_duplicates
from briefing.models import Document
from briefing.stories import group_stories
from briefing.summarize import summarize
from briefing.text.pages import extract_articles

from .conftest import SEEDS
from .test_pages import LABELS

NOW = datetime(2014, 6, 23, 10, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def articles() -> list:
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = Document("seeds", LABELS[path.name[:3]], f"seeds/{path.name}", None, path.read_text(encoding="utf-8"), "text", None, NOW)
        out += [replace(a, first_seen=NOW) for a in extract_articles(doc)]
    return out


@pytest.fixture(scope="module")
def stories(articles: list) -> list:
    return group_stories(articles, {a.id: summarize(a) for a in articles}, NOW)


def test_syndicated_copy_is_folded_into_the_original(articles: list) -> None:
    by_label = {a.label: a for a in articles if a.kind == "article" and a.label in ("National Journal", "GovExec")}
    copies = find_duplicates(articles)
    # 001 carries 004 whole plus an update on top: 004 is the copy, 001 the most complete version
    assert copies == {by_label["GovExec"].id: by_label["National Journal"].id}


def test_folded_copy_keeps_its_source(stories: list) -> None:
    story = next(s for s in stories if s.duplicates)
    assert story.lead.label == "National Journal"
    assert [d.label for d in story.duplicates] == ["GovExec"]
    assert {"National Journal", "GovExec"} <= set(story.labels)


def story_of(stories: list, needle: str):
    return next(s for s in stories if any(needle in a.title or needle in a.text for a in s.articles))


def test_separate_events_are_separate_stories(stories: list) -> None:
    egypt = story_of(stories, "Al Jazeera journalists")
    austin = story_of(stories, "Isaiah Austin")
    iran = story_of(stories, "not rule out anything that would be constructive")
    assert len({egypt.id, austin.id, iran.id}) == 3


def test_every_article_is_in_exactly_one_story(stories: list, articles: list) -> None:
    ids = [a.id for s in stories for a in s.articles]
    assert sorted(ids) == sorted(a.id for a in articles)


def test_topic_labels_are_short_phrases_from_the_text(stories: list) -> None:
    for story in stories:
        assert story.topic and len(story.topic.split()) <= 8
    assert story_of(stories, "Al Jazeera journalists").topic == "Egypt"
    assert story_of(stories, "World Cup tie").topic == "World Cup"


def test_story_summary_never_repeats_a_sentence(stories: list) -> None:
    for story in stories:
        texts = [s.text for s in story.summary]
        assert len(texts) == len(set(texts))


def test_soft_stories_are_marked(stories: list) -> None:
    assert story_of(stories, "Isaiah Austin").soft
    assert not story_of(stories, "Al Jazeera journalists").soft


def test_ranking_prefers_stories_told_by_several_sources(stories: list) -> None:
    assert len(stories[0].labels) >= 2
    assert [s.score for s in stories] == sorted((s.score for s in stories), reverse=True)


def test_kerrys_baghdad_visit_is_one_story_with_several_sources(stories: list) -> None:
    visit = story_of(stories, "Kerry Arrives in Baghdad")
    titles = " | ".join(a.title for a in visit.articles)
    assert "Kerry Presses for Iraq Peace" in titles
    assert any(a.label == "Reuters" and "Kerry met Iraq’s prime minister" in a.text for a in visit.articles)
    assert {"TIME", "Reuters"} <= set(visit.labels)
    assert visit.topic == "Iraq"


def test_egypt_austin_and_us_iran_talks_are_separate_from_the_visit(stories: list) -> None:
    visit = story_of(stories, "Kerry Arrives in Baghdad")
    others = [story_of(stories, n) for n in ("Al Jazeera journalists", "Isaiah Austin", "not rule out anything that would be constructive")]
    assert len({visit.id, *(s.id for s in others)}) == 4


def test_labels_from_key_terms(stories: list) -> None:
    assert story_of(stories, "More auto recalls").topic == "Auto recalls"


def test_an_exact_copy_of_a_copy_names_the_original() -> None:
    from briefing.dedupe import find_copies
    from briefing.text.normalize import fingerprint

    body = " ".join(f"Sentence number {i} of the long original report on the harbour bridge vote." for i in range(30))
    longer = body + " An update was added on top of the story later in the day by the editors."
    items = [("orig", longer, fingerprint(longer)), ("copy", body, fingerprint(body)), ("copy2", body, fingerprint(body))]
    assert find_copies(items) == {"copy": "orig", "copy2": "orig"}


def _pair(similarity: float):  # type: ignore[no-untyped-def]
    """Two unit vectors with the given cosine."""
    from scipy.sparse import csr_matrix

    shared, own = similarity**0.5, (1 - similarity) ** 0.5
    return csr_matrix([[shared, own, 0.0], [shared, 0.0, own]])


def test_two_outlets_alike_above_the_floor_make_one_story() -> None:
    from briefing.clustering import DEFAULT_CLUSTERING, _cluster

    assert DEFAULT_CLUSTERING.min_weight == 0.14
    assert _cluster(_pair(0.17), [None, None], DEFAULT_CLUSTERING, ["NYT", "WSJ"]) == [0, 0]
    assert _cluster(_pair(0.13), [None, None], DEFAULT_CLUSTERING, ["NYT", "WSJ"]) == [0, 1]


def test_one_outlet_needs_more_evidence_than_two() -> None:
    # floor x (1 + 0.5 D ln 2) with D = 1 for two articles of one outlet: 0.14 x 1.35 = 0.188
    from dataclasses import replace

    from briefing.clustering import DEFAULT_CLUSTERING, _cluster

    assert _cluster(_pair(0.17), [None, None], DEFAULT_CLUSTERING, ["BBC", "BBC"]) == [0, 1]
    assert _cluster(_pair(0.20), [None, None], DEFAULT_CLUSTERING, ["BBC", "BBC"]) == [0, 0]
    without = replace(DEFAULT_CLUSTERING, one_outlet_growth=0.0)
    assert _cluster(_pair(0.17), [None, None], without, ["BBC", "BBC"]) == [0, 0]


@pytest.mark.parametrize(
    ("lang", "first", "second"),
    [
        # real shapes of Jornal de Notícias and heise headlines: nothing in common but the language's
        # articles, prepositions and auxiliaries
        ("pt", "A mãe de um utente é a nova presidente da associação de pais do Porto",
         "O pai de um jogador é o novo treinador da equipa de futebol do Braga"),
        ("de", "Die Polizei hat in der Nacht zu Sonntag einen Mann in Berlin festgenommen, der mit dem Auto",
         "Die Regierung hat in der Nacht zu Montag einen Plan für die Bahn vorgestellt, der mit dem Geld"),
    ],
)
def test_another_languages_stop_words_are_not_evidence_of_one_event(lang: str, first: str, second: str) -> None:
    from briefing.clustering import cluster
    from briefing.text.terms import tokens as _tokens

    assert cluster([first, second], [first, second], [None, None], languages=[lang, lang]) == [0, 1]
    assert not {"de", "um", "da", "do", "der", "die", "dem", "mit", "hat"} & set(_tokens(first, lang) + _tokens(second, lang))


def test_a_portuguese_feed_groups_by_its_own_words() -> None:
    """Jornal de Notícias (tests/data, 40 items of one January 2018 day): its unrelated items are less
    alike by Portuguese stop words and stems than by English ones, and no story passes two items."""
    from collections import Counter

    from briefing.clustering import DEFAULT_CLUSTERING, _cluster, _vectorize
    from briefing.text.language import language_of

    from .test_realfeeds import articles_of

    items = articles_of("encoding.rss")
    texts = [" ".join([a.title, a.title, *a.paragraphs[:3]]) for a in items]
    langs = [language_of(a) for a in items]
    assert Counter(langs).most_common(1)[0] == ("pt", len(items))

    def mean_similarity(languages: list) -> float:
        m = _vectorize(texts, [a.title for a in items], [a.source for a in items], DEFAULT_CLUSTERING, languages)[0]
        return float(((m @ m.T).sum() - m.shape[0]) / (m.shape[0] * (m.shape[0] - 1)))

    assert mean_similarity(langs) < 0.8 * mean_similarity([None] * len(items))
    m = _vectorize(texts, [a.title for a in items], [a.source for a in items], DEFAULT_CLUSTERING, langs)[0]
    assert max(Counter(_cluster(m, [None] * len(items), DEFAULT_CLUSTERING, [a.label for a in items])).values()) <= 2


def test_a_near_duplicate_sentence_is_judged_by_its_content_words_in_its_language() -> None:
    """Two Portuguese sentences that share 61% of their words, nearly all of them function words,
    say different things; a sentence with one more word than another says the same thing."""
    from briefing.dedupe import is_near_duplicate_sentence

    minister = "O ministro disse que o governo vai aprovar a lei de que se fala há tanto tempo e que é para todos"
    coach = "O treinador disse que o clube vai contratar o jogador de que se fala há tanto tempo e que é para todos"
    again = "O ministro disse ontem que o governo vai aprovar a lei de que se fala há tanto tempo"
    assert not is_near_duplicate_sentence(minister, [coach], lang="pt")
    assert is_near_duplicate_sentence(minister, [again], lang="pt")


def test_a_headline_only_entry_is_a_copy_of_its_sources_entry_with_a_body() -> None:
    """UOL lists one Folha story twice: through a tracking redirect with no body, and with its text."""
    from .test_realfeeds import articles_of

    items = articles_of("uolNoticias.rss")
    twins = [a for a in items if a.title.startswith("Match Eleitoral já soma")]
    assert len(twins) == 2
    bare, full = sorted(twins, key=lambda a: len(a.text))
    assert find_duplicates(items) == {bare.id: full.id}


def test_entries_of_one_source_sharing_a_headline_with_different_bodies_stay_apart() -> None:
    from datetime import timedelta

    from briefing.models import Article

    letters = [
        Article(str(i), "paper", "Paper", f"http://x/{i}", "Letters to the editor", (body,), str(i))
        for i, body in enumerate(["The new bridge is a fine thing for the town.", "Nobody asked for a bridge."])
    ]
    assert find_duplicates(letters) == {}
    # a weekly headline-only entry is not last week's entry with a body
    quiz = [
        Article("q1", "paper", "Paper", "http://x/q1", "Quiz of the week", ("Ten questions on the news.",), "q1", published=NOW),
        Article("q2", "paper", "Paper", "http://x/q2", "Quiz of the week", (), "q2", published=NOW + timedelta(days=7)),
        Article("q3", "paper", "Paper", "http://x/q3", "Quiz of the week", (), "q3", published=NOW + timedelta(hours=2)),
    ]
    assert find_duplicates(quiz) == {"q3": "q1"}
