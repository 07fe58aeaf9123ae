"""Morning Must Reads, after TIME's: "In the news: A; B; C", then a quoted bullet per story.

Stories with the same topic label follow each other under one heading (the template shows a
topic only where it changes). Each bullet is the story's key sentence in quotes (or its headline where no sentence stands alone)
tagged with its source, `[NYT]`; the story's related articles are nested under it, each with its
own quote or headline and source tag; syndicated copies show as "also in".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from briefing.dedupe import is_near_duplicate_sentence
from briefing.models import Edition, Story, Summary
from briefing.styles.common import also_in, describe_schedule, edition_id, item_for, short_date
from briefing.text.language import sure_language_of


def compose(
    stories: Sequence[Story],
    summaries: Mapping[str, Summary],
    *,
    briefing: str,
    title: str,
    count: int,
    schedule: str,
    slot: datetime,
) -> Edition:
    """Morning Must Reads for one slot: the `count` best stories in rank order, no topic taking
    more than a third of the bullets while other topics have stories to show."""
    # Stories under one topic sit together under one heading, at the place of the best of them.
    by_topic: dict[str, list[Story]] = {}
    for story in _pick(stories, count):
        by_topic.setdefault(story.topic, []).append(story)
    picked = [story for group in by_topic.values() for story in group]
    items = []
    said: list[str] = []  # every line so far: no edition says the same thing twice
    for story in picked:
        lead = item_for(story.lead, summaries, also_in=also_in(story), topic=story.topic)
        said.append(lead.text)
        children = []
        for article in story.related:
            child = item_for(article, summaries)
            lang = sure_language_of(article)
            if is_near_duplicate_sentence(child.text, said, lang=lang):
                if child.quoted and not is_near_duplicate_sentence(article.title, said, lang=lang):
                    child = replace(child, text=article.title, quoted=False)  # fall back to its headline
                else:
                    continue
            said.append(child.text)
            children.append(child)
        items.append(replace(lead, children=tuple(children)))
    topics = tuple(dict.fromkeys(s.topic for s in picked))
    return Edition(
        id=edition_id(briefing, slot),
        briefing=briefing,
        style="must_reads",
        slot=slot,
        title=f"{title}: {short_date(slot)}",
        intro="In the news: " + "; ".join(topics),
        dateline="",
        items=tuple(items),
        footer=f"{title} is published {describe_schedule(schedule)}.",
        article_ids=tuple(a.id for s in picked for a in s.articles),
        preheader="In the news: " + "; ".join(topics),
        topics=topics,
    )


def _pick(stories: Sequence[Story], count: int) -> list[Story]:
    """The best `count` stories, at most a third of them (and at least two) per topic on a first
    pass, so one big running story ("Iraq") leaves room for the rest of the day's news; the
    slots left are filled in rank order."""
    cap = max(2, count // 3)
    taken: dict[str, int] = {}
    first: list[Story] = []
    for story in stories:
        if len(first) == count:
            break
        if taken.get(story.topic, 0) < cap:
            taken[story.topic] = taken.get(story.topic, 0) + 1
            first.append(story)
    rest = [s for s in stories if s not in first][: count - len(first)]
    chosen = {id(s) for s in first + rest}
    return [s for s in stories if id(s) in chosen]  # in rank order
