"""Which collected articles an edition may use: recent enough, and in the briefing's languages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from briefing.models import Article
from briefing.text.language import keep_languages


def select_articles(
    articles: Sequence[Article], *, slot: datetime, max_age_hours: float, languages: Iterable[str] | None = None
) -> list[Article]:
    """The articles dated within `max_age_hours` before the slot (an undated one by when it was first
    seen), in one of `languages` when the briefing names some. A feed keeps items for years: without
    this a first run publishes 2016's news as today's."""
    cutoff = slot - timedelta(hours=max_age_hours)
    recent = [a for a in articles if (when := _when(a)) is None or when >= cutoff]
    return keep_languages(recent, languages)


def _when(article: Article) -> datetime | None:
    return article.published or article.first_seen
