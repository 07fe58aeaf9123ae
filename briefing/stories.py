"""Group articles into stories and stories into topics; label and rank them.

- Stories are events: see briefing/clustering.py (the method and why it was chosen).
- Lead article: the most complete full article (most body sentences); roundup items lead only
  stories that hold no full article; ties go to the earliest published, then the id.
- Topic label: see briefing/labels.py.
- Rank: distinct sources, size, full articles, recency and centrality.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from briefing.clustering import DEFAULT_CLUSTERING as DEFAULT_CLUSTERING
from briefing.clustering import Clustering as Clustering
from briefing.clustering import _cluster, _vectorize
from briefing.clustering import cluster as cluster
from briefing.dedupe import find_duplicates, is_near_duplicate_sentence
from briefing.labels import label_topics
from briefing.models import Article, Attributed, Story, Summary
from briefing.text.language import sure_language_of
from briefing.text.terms import WORD as _WORD

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


def _canonical_order(article: Article) -> tuple[float, str, str]:
    when = article.published or article.first_seen
    return (when.timestamp() if when else 0.0, article.title, article.text[:200])


def _hours(article: Article) -> float | None:
    when = article.published or article.first_seen
    return when.timestamp() / 3600 if when else None


def _story_text(article: Article, summary: Summary | None) -> str:
    parts = [article.title, article.title, article.standfirst or ""]
    if summary and summary.sentences:
        parts.extend(summary.central or summary.texts)
    else:
        parts.extend(article.paragraphs[:3])
    return " ".join(parts)


def group_stories(
    articles: Sequence[Article],
    summaries: Mapping[str, Summary],
    now: datetime,
    *,
    params: Clustering = DEFAULT_CLUSTERING,
    summary_sentences: int = 3,
    copies: Mapping[str, str] | None = None,
) -> list[Story]:
    """Stories of the given articles, best first, each with a topic label.

    `copies` (duplicate id -> original id) is computed with `find_duplicates` when not given.
    """
    if not articles:
        return []
    copies = find_duplicates(articles) if copies is None else copies
    # Louvain's result depends on the order of the nodes: give it one that depends only on the
    # articles themselves (time, then headline), never on how the caller happened to list them.
    originals = sorted((a for a in articles if a.id not in copies), key=_canonical_order)
    texts = [_story_text(a, summaries.get(a.id)) for a in originals]
    # each text by its own language's stop words and stemmer (one detection an article, cached)
    languages = [sure_language_of(a) for a in originals]
    vectors = _vectorize(texts, [a.title for a in originals], [a.source for a in originals], params, languages)
    # the outlet is the tag a reader sees ([NYT]): one files folder or one aggregator feed may hold many
    labels = _cluster(vectors[0], [_hours(a) for a in originals], params, [a.label for a in originals])
    groups: dict[int, list[Article]] = {}
    for article, label in zip(originals, labels, strict=False):
        groups.setdefault(label, []).append(article)
    by_id = {a.id: a for a in articles}
    folded: dict[str, list[Article]] = {}
    for copy_id, original_id in copies.items():
        folded.setdefault(original_id, []).append(by_id[copy_id])
    centrality = _centrality(vectors[1], labels)
    stories = []
    for label, members in groups.items():
        lead = min(members, key=_lead_key)
        related = tuple(sorted((a for a in members if a is not lead), key=_lead_key))
        duplicates = tuple(d for m in members for d in sorted(folded.get(m.id, []), key=lambda a: a.id))
        story_articles = (lead, *related)
        stories.append(
            Story(
                id=hashlib.sha1(",".join(sorted(a.id for a in story_articles)).encode()).hexdigest()[:12],
                lead=lead,
                related=related,
                duplicates=duplicates,
                summary=_story_summary(story_articles, summaries, summary_sentences),
                score=round(_score(story_articles, duplicates, now, centrality.get(label, 0.0)), 6),
                soft=_is_soft(story_articles),
            )
        )
    stories.sort(key=lambda s: (-s.score, s.id))
    return label_topics(stories)


def _centrality(matrix: csr_matrix, labels: Sequence[int]) -> dict[int, float]:
    """Similarity of each story's centroid to the centroid of the whole day's news (word vectors)."""
    from scipy.sparse import csr_matrix

    n = matrix.shape[0]
    if n < 2:
        return {}
    overall = np.asarray(matrix.sum(axis=0)).ravel()
    overall /= np.linalg.norm(overall) or 1.0
    rows = np.asarray(labels)
    sums = csr_matrix((np.ones(n), (rows, np.arange(n))), shape=(int(rows.max()) + 1, n)) @ matrix
    dots = np.asarray(sums @ overall).ravel()
    norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
    return {label: float(dots[label] / (norms[label] or 1.0)) for label in set(labels)}


def _lead_key(article: Article) -> tuple[bool, int, float, str]:
    sentences = sum(len(p) for p in article.paragraphs)
    published = article.published.timestamp() if article.published else float("inf")
    return (article.kind != "article", -sentences, published, article.id)


def _story_summary(
    articles: Sequence[Article], summaries: Mapping[str, Summary], count: int
) -> tuple[Attributed, ...]:
    """The best sentences across the story, each with its source, no sentence said twice."""
    candidates: list[tuple[float, int, Attributed, str | None]] = []
    for rank, article in enumerate(articles):
        summary = summaries.get(article.id)
        if not summary:
            continue
        lang = sure_language_of(article)
        for s in summary.sentences:
            weight = s.score + (1.0 if s.text == summary.key_sentence else 0.0) - 0.1 * rank
            candidates.append((weight, rank, Attributed(s.text, article.label, article.id), lang))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    chosen: list[Attributed] = []
    for _, _, sentence, lang in candidates:
        if len(chosen) == count:
            break
        if not is_near_duplicate_sentence(sentence.text, [c.text for c in chosen], lang=lang):
            chosen.append(sentence)
    return tuple(chosen)


def _score(articles: Sequence[Article], duplicates: Sequence[Article], now: datetime, central: float) -> float:
    labels = {a.label for a in (*articles, *duplicates)}
    times = [t for t in (a.published or a.first_seen for a in articles) if t]
    hours = max(0.0, (now - max(times)).total_seconds() / 3600) if times else 48.0
    full = sum(1 for a in articles if a.kind == "article")
    return len(labels) + 0.5 * math.log1p(len(articles) + len(duplicates)) + 0.3 * full + 0.5 * math.exp(-hours / 24) + central


# Words that mark a story outside the hard-news topics (for The Brief's "And finally").
_SOFT = frozenset(
    "sport sports game games team teams player players league nba nfl nhl mlb fifa olympic olympics"
    " cup match matches tournament championship coach season baseball basketball football soccer"
    " tennis golf star celebrity film movie music album song singer actor actress tv television show"
    " festival fashion art arts museum book novel health diagnosis disease syndrome doctors medical"
    " study science scientists space nasa animal animals zoo recipe food travel career draft"
    " wedding royal baby".split()
)
_HARD = frozenset(
    "war military militants militant troops army government minister president election court verdict"
    " sentenced attack attacks killed crisis insurgents insurgency parliament senate congress policy"
    " economy sanctions terror terrorist terrorists jihadists rebels strikes nuclear diplomacy"
    " recalls recall lawsuit bank".split()
)


def _is_soft(articles: Sequence[Article]) -> bool:
    words = [w for a in articles for w in _WORD.findall(f"{a.title} {a.text}".lower())]
    soft = sum(map(_SOFT.__contains__, words))
    hard = sum(map(_HARD.__contains__, words))
    return soft > 0 and soft >= hard
