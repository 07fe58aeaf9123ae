"""Which collected articles an edition may use: recent enough, and in the briefing's languages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from briefing.models import Article
from briefing.text.language import keep_languages

# An item dated more than this after the slot waits for an edition of its own time: a slot replayed
# with `--now` in the past, or a feed's listings of coming days, must not publish tomorrow's items
# as today's. Feeds' clock and zone errors stay within it (a wrong offset is at most 14 hours). The
# item is not lost: a later edition still takes it (`Store.articles_for` takes articles dated after
# the previous edition as well as those first seen after it).
AHEAD_HOURS = 24.0


def select_articles(
    articles: Sequence[Article], *, slot: datetime, max_age_hours: float, languages: Iterable[str] | None = None
) -> list[Article]:
    """The articles dated within `max_age_hours` before the slot and at most `AHEAD_HOURS` after it
    (an undated one by when it was first seen), in one of `languages` when the briefing names some.
    A feed keeps items for years: without this a first run publishes 2016's news as today's."""
    cutoff = slot - timedelta(hours=max_age_hours)
    recent = [a for a in articles if (when := _when(a)) is None or cutoff <= when <= _horizon(slot)]
    return keep_languages(recent, languages)


def dated_ahead(articles: Sequence[Article], *, slot: datetime) -> list[Article]:
    """The articles dated more than `AHEAD_HOURS` after the slot: they wait for a later edition."""
    return [a for a in articles if (when := _when(a)) is not None and when > _horizon(slot)]


def _horizon(slot: datetime) -> datetime:
    return slot + timedelta(hours=AHEAD_HOURS)


def _when(article: Article) -> datetime | None:
    return article.published or article.first_seen
