"""The two edition styles and the schedule in words."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from briefing.styles import brief, must_reads
from briefing.styles.common import describe_schedule
from briefing.summarize import summarize

from .test_stories import articles, stories  # noqa: F401  (fixtures)

SLOT = datetime(2014, 6, 23, 6, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 6 * * 1-5", "daily on weekdays"),
        ("0 6 * * *", "daily"),
        ("30 7 * * mon-fri", "daily on weekdays"),
        ("0 8 * * 1", "every Monday"),
        ("0 8 * * 0,6", "on weekends"),
        ("0 9 * * 1,3,5", "on Mondays, Wednesdays and Fridays"),
        ("0 * * * *", "hourly"),
        ("0 6,18 * * *", "twice a day"),
        ("0 6 1 * *", "monthly on the 1st"),
    ],
)
def test_describe_schedule(cron: str, words: str) -> None:
    assert describe_schedule(cron) == words


def test_the_brief(stories: list, articles: list) -> None:  # noqa: F811
    summaries = {a.id: summarize(a) for a in articles}
    edition = brief.compose(stories, summaries, briefing="the-brief", title="The Brief", count=4,
                            schedule="0 6 * * 1-5", slot=SLOT)
    assert edition.intro == "Welcome to The Brief, the four stories to know about right now"
    assert edition.dateline == "Here are the stories we’re watching this Monday, June 23."
    assert edition.footer == "The Brief is published daily on weekdays."
    assert len(edition.items) == 4
    assert len({i.topic for i in edition.items}) == 4  # four different topics
    assert edition.items[-1].prefix == "And finally, "
    assert edition.title == stories[0].lead.title
    assert edition.id == "the-brief-2014-06-23-0600"


def test_morning_must_reads(stories: list, articles: list) -> None:  # noqa: F811
    summaries = {a.id: summarize(a) for a in articles}
    edition = must_reads.compose(stories, summaries, briefing="mmr", title="Morning Must Reads", count=6,
                                 schedule="0 7 * * 1-5", slot=SLOT)
    assert edition.title == "Morning Must Reads: June 23"
    assert edition.intro.startswith("In the news: Iraq; ")  # the day's main story leads, read off the seeds
    listed = edition.intro.removeprefix("In the news: ").split("; ")
    # distinct topics, several of them: stories are events now, so the day's separate Iraq events
    # (Kerry's visit, the partition remark, Cheney on Rand Paul) are separate items under one topic
    assert len(listed) == len(set(listed)) >= 3
    assert all(topic.strip() and topic[0].isupper() for topic in listed)
    assert len(edition.items) == 6
    # no topic takes more than a third (at least two) of the bullets while others have stories
    topics_in_order = [i.topic for i in edition.items]
    assert max(topics_in_order.count(t) for t in topics_in_order) <= 2
    # stories of one topic follow each other under one heading
    runs = [t for n, t in enumerate(topics_in_order) if n == 0 or topics_in_order[n - 1] != t]
    assert len(runs) == len(set(runs))
    for item in edition.items:
        story = next(s for s in stories if s.lead.title == item.headline and s.topic == item.topic)
        assert item.label == story.lead.label
        assert len(item.children) == len(story.related)
        if item.quoted:
            assert item.text in story.lead.text  # a verbatim sentence
        else:
            assert item.text == story.lead.title


def test_the_brief_takes_one_story_per_subject_and_a_soft_one_about_something_else() -> None:
    from briefing.models import Article, Story
    from briefing.styles.brief import pick_stories

    def s(i: int, topic: str, soft: bool = False) -> Story:
        a = Article(str(i), "s", "S", "", f"Headline {i}", ("Text.",), str(i))
        return Story(str(i), a, (), (), (), 10.0 - i, topic=topic, soft=soft)

    day = [s(0, "Donald Trump"), s(1, "Trump Tower"), s(2, "State of the Union"), s(3, "Brexit"),
           s(4, "Stormy Daniels and Trump", soft=True), s(5, "Oscars", soft=True), s(6, "NBA", soft=True)]
    assert [x.topic for x in pick_stories(day, 4)] == ["Donald Trump", "State of the Union", "Brexit", "Oscars"]
    # no soft story at all: four hard ones, still one per subject
    assert [x.topic for x in pick_stories(day[:4], 4)] == ["Donald Trump", "State of the Union", "Brexit", "Trump Tower"]
