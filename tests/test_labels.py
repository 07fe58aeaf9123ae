"""Topic labels on small hand-made stories: what a person would call the topic."""

from __future__ import annotations

from briefing.labels import label_topics
from briefing.models import Article, Story


def story(i: int, title: str, *paragraphs: str) -> Story:
    lead = Article(str(i), "s", "S", "", title, tuple(paragraphs), str(i), kind="item" if not paragraphs else "article")
    return Story(str(i), lead, (), (), (), 1.0)


def topics(*stories: Story) -> list[str]:
    return [s.topic for s in label_topics(stories)]


def test_a_verb_is_not_read_as_a_noun() -> None:
    assert topics(story(1, "Crashes mount as as military flies more drones in U.S.")) == ["Drones"]


def test_a_names_verb_does_not_open_a_key_term() -> None:
    # AG News dev (ag-test-00094): the pair after the name is its verb and object, not a topic
    kederis = story(
        1, "Kederis proclaims innocence",
        "Olympic champion Kostas Kederis today left hospital ahead of his date with IOC inquisitors claiming his innocence.",
    )
    assert topics(kederis) == ["Kostas Kederis"]
    assert topics(story(2, "More auto recalls", "More auto recalls, but this time they are not from GM.")) == ["Auto recalls"]


def test_a_title_case_headline_verb_is_not_part_of_the_name() -> None:
    assert topics(story(1, "Paul Ryan Hammers the IRS")) == ["Paul Ryan"]
    assert topics(story(2, "Ross Perot Returns")) == ["Ross Perot"]


def test_time_zones_and_listing_codes_are_not_topics() -> None:
    assert topics(story(1, "$1950 1BD/1BA 625ft2 apartment in Mission", "Bright 1BD/1BA apartment with a lg closet.")) != ["BA"]
    assert topics(story(2, "Live: Liverpool v Chelsea at 15:00 GMT", "Follow the match from 15:00 GMT with us.")) != ["GMT"]


def test_one_word_that_opens_a_longer_label_is_the_same_topic() -> None:
    from briefing.labels import _full_names

    assert _full_names(["AdWords API", "Iraq", "AdWords"]) == ["AdWords API", "Iraq", "AdWords API"]
    assert _full_names(["Paul Ryan", "Rand Paul", "Paul"]) == ["Paul Ryan", "Rand Paul", "Paul"]  # ambiguous: kept


def test_a_surname_takes_the_full_name_of_the_edition() -> None:
    found = topics(
        story(1, "Donald Trump in Davos", "Donald Trump arrived in the Swiss resort for the forum, and Donald Trump spoke."),
        story(2, "A tweet by Trump", "A new tweet by Trump attacked the press again; a tweet by Trump is rarely subtle."),
    )
    assert found == ["Donald Trump", "Donald Trump"]


def test_weekdays_of_other_languages_are_never_topics() -> None:
    text = (
        "O ministro do Interior alemão defendeu, esta quarta-feira, a realização de testes médicos aos"
        " refugiados que chegam à Alemanha. Esta quarta-feira o ministro falou aos jornalistas em Berlim."
    )
    [label] = topics(story(1, "Testes médicos a refugiados", text))
    assert "quarta" not in label.lower() and label.lower() not in {"esta", "o", "a"}


def test_a_label_never_opens_or_ends_with_a_stop_word() -> None:
    text = "Já são mais de 500 mil testes completos no Match Eleitoral, ferramenta criada pela Folha e pelo UOL."
    [label] = topics(story(1, "Mil testes completos", text))
    assert label.split()[0].lower() not in {"mil", "de", "já"} and label.split()[-1].lower() not in {"de", "por"}
