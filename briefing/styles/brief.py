"""The Brief, after TIME's "The Brief": the N stories to know about right now.

N stories (config `stories`), one or two sentences each, most important first, each from a different
topic; the last is introduced with "And finally," and is the best story outside the hard-news
topics where there is one. Title: the lead story's headline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from briefing.cron import number_word
from briefing.models import Edition, EditionItem, Story, Summary
from briefing.styles.common import also_in, describe_schedule, edition_id, has_headline, long_date

_SHORT = 18  # a key sentence shorter than this many words gets the story's next sentence too
_LOWER_FIRST = frozenset("a an the more this these those another some".split())


def pick_stories(stories: Sequence[Story], count: int) -> list[Story]:
    """The best stories about distinct subjects, the best soft story (about yet another subject) last.

    Two topics are one subject when their labels share a name ("Donald Trump" and "Trump Tower"):
    a day with five Trump stories is still one Trump item in a brief of four or five.
    """
    hard = [s for s in stories if not s.soft] or list(stories)
    picked: list[Story] = []
    for story in hard:
        if len(picked) == count:
            break
        if not any(_same_subject(story.topic, p.topic) for p in picked):
            picked.append(story)
    if count > 1:
        firsts = picked[: count - 1]
        soft = next((s for s in stories if s.soft and not any(_same_subject(s.topic, p.topic) for p in firsts)), None)
        if soft is not None:
            picked = [*firsts, soft]
    if len(picked) < count:  # fewer subjects than stories wanted: fill with the next best
        extra = [s for s in stories if s not in picked][: count - len(picked)]
        picked = [*picked[:-1], *extra, picked[-1]] if picked and picked[-1].soft else [*picked, *extra]
    return picked


def _names(topic: str) -> set[str]:
    return {w.lower().strip(".,’'") for w in topic.split() if len(w) >= 4 and w[:1].isupper()}


def _same_subject(a: str, b: str) -> bool:
    return a == b or bool(_names(a) & _names(b))


def _sentences(story: Story, summaries: Mapping[str, Summary]) -> str:
    summary = summaries.get(story.lead.id)
    key = summary.key_sentence if summary else None
    if key is None:
        return story.summary[0].text if story.summary else story.lead.title
    if len(key.split()) < _SHORT and key.rstrip("”’\"')")[-1:] in ".!?":  # two whole sentences, never a run-on
        extra = next((s.text for s in story.summary if s.text != key and s.article_id == story.lead.id), None)
        if extra:
            return f"{key} {extra}"
    return key


def _finally(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first.lower() in _LOWER_FIRST:
        text = text[0].lower() + text[1:]
    return text


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
    """The Brief for one slot."""
    picked = pick_stories(stories, count)
    items = []
    for i, story in enumerate(picked):
        last = i == len(picked) - 1 and story.soft and len(picked) > 1
        text = _sentences(story, summaries)
        items.append(
            EditionItem(
                text=_finally(text) if last else text,
                label=story.lead.label,
                url=story.lead.url,
                headline=story.lead.title,
                prefix="And finally, " if last else "",
                topic=story.topic,
                also_in=tuple(name for name in story.labels if name != story.lead.label),
            )
        )
    headline_story = next((s for s in picked if has_headline(s.lead)), picked[0] if picked else None)
    lead_title = headline_story.lead.title if headline_story else title
    n = number_word(len(picked))
    return Edition(
        id=edition_id(briefing, slot),
        briefing=briefing,
        style="brief",
        slot=slot,
        title=lead_title,
        intro=f"Welcome to {title}, the {n} {'story' if len(picked) == 1 else 'stories'} to know about right now",
        dateline=f"Here are the stories we’re watching this {long_date(slot)}.",
        items=tuple(items),
        footer=f"{title} is published {describe_schedule(schedule)}.",
        article_ids=tuple(a.id for s in picked for a in s.articles),
        preheader=items[0].text if items else "",
        topics=tuple(dict.fromkeys(s.topic for s in picked)),
    )


__all__ = ["compose", "pick_stories", "also_in"]
