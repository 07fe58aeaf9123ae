"""The composable commands' work: summarize and group JSON Lines records (no store, no config)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from briefing.dedupe import find_duplicates
from briefing.jsonl import Record, sentences_override
from briefing.stories import DEFAULT_CLUSTERING, Clustering, group_stories
from briefing.summarize import summarize_many


def summarize_records(records: Sequence[Record], algorithm: str, count: int, source: Any = "input") -> list[dict[str, Any]]:
    """`{"id", "summary"}` per record: sentences verbatim from the text, in document order."""
    counts = [sentences_override(r.raw, count, source, r.line) for r in records]
    summaries = summarize_many([r.article for r in records], algorithm, counts)
    return [{"id": r.raw["id"], "summary": s.texts} for r, s in zip(records, summaries, strict=False)]


def group_records(
    records: Sequence[Record],
    *,
    params: Clustering = DEFAULT_CLUSTERING,
    algorithm: str = "ensemble",
    sentences: int = 3,
) -> list[dict[str, Any]]:
    """`{"id", "story", "topic", "duplicate_of"}` per record, in input order."""
    articles = [r.article for r in records]
    with_text = [a for a in articles if a.paragraphs]
    summaries = {a.id: s for a, s in zip(with_text, summarize_many(with_text, algorithm, sentences), strict=False)}
    copies = find_duplicates(articles)
    times = [a.published for a in articles if a.published]
    now = max(times) if times else datetime.now(UTC)
    stories = group_stories(articles, summaries, now, params=params, summary_sentences=sentences, copies=copies)
    where = {a.id: s for s in stories for a in s.articles}
    original_ids = {r.article.id: r.raw["id"] for r in records}
    return [
        {
            "id": r.raw["id"],
            "story": where[r.article.id].id,
            "topic": where[r.article.id].topic,
            "duplicate_of": original_ids[copies[r.article.id]] if r.article.id in copies else None,
        }
        for r in records
    ]
