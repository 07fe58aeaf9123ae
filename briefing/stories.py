"""Group articles into stories and stories into topics; label and rank them.

- Stories: each article is a TF-IDF vector of its words (headline twice, standfirst, summary) joined
  with character 3-5-grams of its headline (spelling variants: "sterilisation", "sterilization").
  Each article is linked to its `neighbours` most similar articles, the similarity damped by the
  time between them (exp(-hours / time_scale): a story is a burst); a link needs two words in
  common. The links that most of eight Louvain runs keep inside one community, and the connected
  parts they form, are the stories (one run depends on the order of the nodes). Syndicated copies
  found by `dedupe` are folded into their original first. On the UCI headline dev set this scores
  B-cubed F1 0.88 where TF-IDF with average-link clustering peaks at 0.71 (README, "briefing eval").
- Lead article: the most complete full article (most body sentences); roundup items lead only
  stories that hold no full article; ties go to the earliest published, then the id.
- Topic label: see briefing/labels.py.
- Rank: distinct sources, size, full articles, recency and centrality.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from briefing.dedupe import find_duplicates, is_near_duplicate_sentence
from briefing.labels import label_topics
from briefing.models import Article, Attributed, Story, Summary


@dataclass(frozen=True)
class Clustering:
    """How stories are found (see the module docstring); the defaults are the measured ones."""

    neighbours: int = 10
    min_weight: float = 0.12  # UCI dev: flat 0.88-0.89 from 0.06 to 0.16; on the seeds 0.10-0.12 keep Kerry's visit whole
    time_scale_hours: float = 8.0
    char_weight: float = 0.7
    resolution: float = 1.0
    seed: int = 0
    runs: int = 8  # Louvain runs whose agreement decides (a single run depends on node order)
    min_shared_words: int = 2  # a link needs this many distinct words in common ("Paul" alone is not a story)


DEFAULT_CLUSTERING = Clustering()
if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
# scikit-learn, scipy, networkx and sumy's stemmer load on first use: a run with nothing new
# never needs them, and they cost most of a second to import.
_STEMMER: Any = None


def _stem(word: str) -> str:
    global _STEMMER
    if _STEMMER is None:
        from sumy.nlp.stemmers import Stemmer

        _STEMMER = Stemmer("english")
    return str(_STEMMER(word))


@functools.lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    from sumy.utils import get_stop_words

    return frozenset(get_stop_words("english"))
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+[\w.]*")
_CHUNK = 2048  # rows of the similarity matrix computed at once


def _tokens(text: str) -> list[str]:
    stop = _stop()
    return [_stem(w.lower()) for w in _WORD.findall(text) if w.lower() not in stop and len(w) > 1]


def _vectorize(
    texts: Sequence[str], titles: Sequence[str], char_weight: float
) -> tuple[csr_matrix, csr_matrix, csr_matrix]:
    """(vectors, binary word occurrence matrix, word-only vectors of unit length)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    words = TfidfVectorizer(tokenizer=_tokens, lowercase=False, token_pattern=None, sublinear_tf=True)
    try:
        counts = words.fit_transform(texts)
        matrix = normalize(counts)
        present = (counts > 0).astype(np.float32).tocsr()
    except ValueError:  # no usable words at all
        matrix = csr_matrix((len(texts), 1))
        present = csr_matrix((len(texts), 1), dtype=np.float32)
    words_only = csr_matrix(matrix)
    if char_weight:
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2 if len(titles) >= 50 else 1)
        try:
            matrix = hstack([matrix, char_weight * normalize(chars.fit_transform([t.lower() for t in titles]))])
        except ValueError:
            pass
    return normalize(csr_matrix(matrix)), present, words_only


def cluster(
    texts: Sequence[str],
    titles: Sequence[str],
    hours: Sequence[float | None],
    params: Clustering = DEFAULT_CLUSTERING,
) -> list[int]:
    """A story number for each item (numbered by first appearance)."""
    return _cluster(_vectorize(texts, titles, params.char_weight), texts, hours, params)


def _cluster(
    vectors: tuple[csr_matrix, csr_matrix, csr_matrix], texts: Sequence[str], hours: Sequence[float | None], params: Clustering
) -> list[int]:
    import networkx as nx

    n = len(texts)
    if n <= 1:
        return [0] * n
    matrix, present, _ = vectors
    times = np.array([np.nan if h is None else h for h in hours], dtype=float)
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(n))
    k = min(params.neighbours, n - 1)
    for start in range(0, n, _CHUNK):
        block = (matrix[start : start + _CHUNK] @ matrix.T).toarray()
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = 0.0
        if params.min_shared_words > 1:
            shared = (present[start : start + _CHUNK] @ present.T).toarray()
            block[shared < params.min_shared_words] = 0.0
        if params.time_scale_hours:
            gap = np.abs(times[start : start + _CHUNK, None] - times[None, :])
            block *= np.exp(-np.nan_to_num(gap, nan=0.0) / params.time_scale_hours)
        nearest = np.argpartition(-block, k - 1, axis=1)[:, :k]
        for i, row in enumerate(nearest):
            for j in row:
                weight = float(block[i, j])
                if weight >= params.min_weight:
                    graph.add_edge(start + i, int(j), weight=weight)
    # Consensus of several Louvain runs: keep an edge where its two ends share a community in at
    # least half of the runs; the connected components of what is kept are the stories.
    together: Counter[tuple[int, int]] = Counter()
    for run in range(params.runs):
        communities = nx.community.louvain_communities(
            graph, weight="weight", resolution=params.resolution, seed=params.seed + run
        )
        member = {i: c for c, group in enumerate(communities) for i in group}
        for i, j in graph.edges():
            if member[i] == member[j]:
                together[(i, j)] += 1
    agreed: nx.Graph[int] = nx.Graph()
    agreed.add_nodes_from(range(n))
    agreed.add_edges_from(edge for edge, count in together.items() if 2 * count >= params.runs)
    label = [0] * n
    for number, members in enumerate(nx.connected_components(agreed)):
        for i in members:
            label[i] = number
    first: dict[int, int] = {}
    return [first.setdefault(x, len(first)) for x in label]


def _canonical_order(article: Article) -> tuple[float, str, str]:
    when = article.published or article.first_seen
    return (when.timestamp() if when else 0.0, article.title, article.text[:200])


def _hours(article: Article) -> float | None:
    when = article.published or article.first_seen
    return when.timestamp() / 3600 if when else None


def _story_text(article: Article, summary: Summary | None) -> str:
    parts = [article.title, article.title, article.standfirst or ""]
    parts.extend(summary.texts if summary and summary.sentences else article.paragraphs[:3])
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
    vectors = _vectorize(texts, [a.title for a in originals], params.char_weight)
    labels = _cluster(vectors, texts, [_hours(a) for a in originals], params)
    groups: dict[int, list[Article]] = {}
    for article, label in zip(originals, labels, strict=False):
        groups.setdefault(label, []).append(article)
    by_id = {a.id: a for a in articles}
    folded: dict[str, list[Article]] = {}
    for copy_id, original_id in copies.items():
        folded.setdefault(original_id, []).append(by_id[copy_id])
    centrality = _centrality(vectors[2], labels)
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
    if matrix.shape[0] < 2:
        return {}
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    overall /= np.linalg.norm(overall) or 1.0
    out: dict[int, float] = {}
    labels_arr = np.array(labels)
    for label in set(labels):
        centroid = np.asarray(matrix[labels_arr == label].mean(axis=0)).ravel()
        out[label] = float(centroid @ overall / (np.linalg.norm(centroid) or 1.0))
    return out


def _lead_key(article: Article) -> tuple[bool, int, float, str]:
    sentences = sum(len(p) for p in article.paragraphs)
    published = article.published.timestamp() if article.published else float("inf")
    return (article.kind != "article", -sentences, published, article.id)


def _story_summary(
    articles: Sequence[Article], summaries: Mapping[str, Summary], count: int
) -> tuple[Attributed, ...]:
    """The best sentences across the story, each with its source, no sentence said twice."""
    candidates: list[tuple[float, int, Attributed]] = []
    for rank, article in enumerate(articles):
        summary = summaries.get(article.id)
        if not summary:
            continue
        for s in summary.sentences:
            weight = s.score + (1.0 if s.text == summary.key_sentence else 0.0) - 0.1 * rank
            candidates.append((weight, rank, Attributed(s.text, article.label, article.id)))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    chosen: list[Attributed] = []
    for _, _, sentence in candidates:
        if len(chosen) == count:
            break
        if not is_near_duplicate_sentence(sentence.text, [c.text for c in chosen]):
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
    words = Counter(w.lower() for a in articles for w in _WORD.findall(f"{a.title} {a.text}"))
    soft = sum(words[w] for w in _SOFT)
    hard = sum(words[w] for w in _HARD)
    return soft > 0 and soft >= hard
