"""Group articles into stories and stories into topics; label and rank them.

- Stories: TF-IDF vectors of each article's headline (twice), standfirst and summary, clustered
  with average-link agglomerative clustering under a cosine-distance threshold. Syndicated copies
  found by `dedupe` are folded into their original first.
- Lead article: the most complete full article (most body sentences); roundup items lead only
  stories that hold no full article; ties go to the earliest published, then the id.
- Topic label: the capitalised phrase that the story's text stresses most (headline counts three
  times), preferring phrases other stories share, leaving out people (a word seen after a title such
  as "Sen." or before "said"), weekdays, months and labels too broad to help ("U.S.").
- Rank: distinct sources, size, recency and centrality (similarity to the rest of the day's news).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

from briefing.dedupe import find_duplicates, is_near_duplicate_sentence
from briefing.models import Article, Attributed, Story, Summary, Topic

STORY_DISTANCE = 0.8  # cosine distance under which average-linked articles are one story
_STEM = Stemmer("english")
_STOP = frozenset(get_stop_words("english"))
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# A capitalised word is a dotted acronym ("U.S.") or a word with no inner stop ("al-Maliki").
_CAP = r"(?:[A-Z](?:\.[A-Z])+\.?|[A-Z][\w'’-]*\w|[A-Z])"
_PHRASE = re.compile(_CAP + r"(?:[ ](?:of[ ]the|of|de|al|bin)?[ ]?" + _CAP + r")*")
_BROAD = frozenset(
    "U.S. US USA America American Americans United States Washington White House Obama Administration"
    " Sunday Monday Tuesday Wednesday Thursday Friday Saturday January February March April May June"
    " July August September October November December Mr. Mrs. Ms. Dr. I The A An In On At It He She"
    " We They This That But And As If For Of By To Update Breaking".split()
)
_ROLE = re.compile(
    r"\b(?:Sen|Rep|Gov|Gen|Mr|Mrs|Ms|Dr|Secretary of State|Secretary|President|Minister|Prime Minister"
    r"|spokesman|spokeswoman|Speaker|Leader|cleric|player|star|coach)\.?\s+((?:[A-Z][\w'’-]+\s+)*[A-Z][\w'’-]+)"
)
_SAID = re.compile(r"\b([A-Z][\w'’-]+)\s+(?:said|says|told|added|wrote|explained)\b")

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


def _tokens(text: str) -> list[str]:
    return [_STEM(w.lower()) for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 1]


def _story_text(article: Article, summary: Summary | None) -> str:
    parts = [article.title, article.title, article.standfirst or ""]
    parts.extend(summary.texts if summary and summary.sentences else article.paragraphs[:3])
    return " ".join(parts)


def group_stories(
    articles: Sequence[Article],
    summaries: Mapping[str, Summary],
    now: datetime,
    *,
    distance: float = STORY_DISTANCE,
    summary_sentences: int = 3,
) -> list[Story]:
    """Stories of the given articles, best first, each with a topic label."""
    if not articles:
        return []
    copies = find_duplicates(articles)
    originals = [a for a in articles if a.id not in copies]
    labels = _cluster(originals, summaries, distance)
    groups: dict[int, list[Article]] = {}
    for article, label in zip(originals, labels):
        groups.setdefault(int(label), []).append(article)
    by_id = {a.id: a for a in articles}
    folded: dict[str, list[Article]] = {}
    for copy_id, original_id in copies.items():
        folded.setdefault(original_id, []).append(by_id[copy_id])
    vectors = _vectorize(originals, summaries)
    centrality = _centrality(vectors, labels)
    stories = []
    for label, members in groups.items():
        lead = min(members, key=_lead_key)
        related = tuple(sorted((a for a in members if a is not lead), key=_lead_key))
        duplicates = tuple(d for m in members for d in sorted(folded.get(m.id, []), key=lambda a: a.id))
        story_articles = (lead, *related)
        summary = _story_summary(story_articles, summaries, summary_sentences)
        score = _score(story_articles, duplicates, now, centrality.get(label, 0.0))
        story_id = hashlib.sha1(",".join(sorted(a.id for a in story_articles)).encode()).hexdigest()[:12]
        stories.append(
            Story(
                id=story_id,
                lead=lead,
                related=related,
                duplicates=duplicates,
                summary=summary,
                score=round(score, 6),
                soft=_is_soft(story_articles),
            )
        )
    stories.sort(key=lambda s: (-s.score, s.id))
    return label_topics(stories)


def _vectorize(articles: Sequence[Article], summaries: Mapping[str, Summary]) -> np.ndarray:
    texts = [_story_text(a, summaries.get(a.id)) for a in articles]
    vectorizer = TfidfVectorizer(tokenizer=_tokens, lowercase=False, token_pattern=None, sublinear_tf=True)
    try:
        return vectorizer.fit_transform(texts).toarray()
    except ValueError:  # no usable words at all
        return np.zeros((len(articles), 1))


def _cluster(articles: Sequence[Article], summaries: Mapping[str, Summary], distance: float) -> list[int]:
    if len(articles) == 1:
        return [0]
    vectors = _vectorize(articles, summaries)
    empty = ~vectors.any(axis=1)
    vectors[empty, 0] = 1e-9  # cosine distance needs a non-zero vector
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    )
    return [int(x) for x in model.fit_predict(vectors)]


def _centrality(vectors: np.ndarray, labels: Sequence[int]) -> dict[int, float]:
    """Mean similarity of a story's articles to articles of other stories."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1, norms)
    sims = unit @ unit.T
    out: dict[int, float] = {}
    labels_arr = np.array(labels)
    for label in set(labels):
        inside = labels_arr == label
        outside = ~inside
        out[label] = float(sims[np.ix_(inside, outside)].mean()) if outside.any() else 0.0
    return out


def _lead_key(article: Article) -> tuple[int, int, float, str]:
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
    times = [a.published or a.first_seen for a in articles if (a.published or a.first_seen)]
    newest = max(times) if times else None
    hours = max(0.0, (now - newest).total_seconds() / 3600) if newest else 48.0
    recency = math.exp(-hours / 24)
    full = sum(1 for a in articles if a.kind == "article")
    return len(labels) + 0.5 * math.log1p(len(articles) + len(duplicates)) + 0.3 * full + 0.5 * recency + central


def _is_soft(articles: Sequence[Article]) -> bool:
    words = Counter(w.lower() for a in articles for w in _WORD.findall(f"{a.title} {a.text}"))
    soft = sum(words[w] for w in _SOFT)
    hard = sum(words[w] for w in _HARD)
    return soft > 0 and soft >= hard


def _phrases(text: str) -> list[str]:
    """Capitalised phrases that do not open a sentence."""
    found = []
    for match in _PHRASE.finditer(text):
        start = match.start()
        before = text[:start].rstrip()
        phrase = re.sub(r"['’]s$", "", match.group(0))
        words = phrase.split()
        if not before or before.endswith((".", "!", "?", "“", '"', ":")):
            words = words[1:]  # the sentence's first word is capitalised anyway
        phrase = " ".join(words).strip()
        if phrase and phrase.rstrip(".") not in _BROAD and phrase not in _BROAD and len(phrase) > 1:
            found.append(phrase)
    return found


def _people(text: str) -> set[str]:
    names: set[str] = set()
    for match in _ROLE.finditer(text):
        parts = match.group(1).split()
        names.update(parts)
        names.add(" ".join(parts))
    names.update(m.group(1) for m in _SAID.finditer(text))
    return names


def label_topics(stories: Sequence[Story]) -> list[Story]:
    """Give each story a short topic label drawn from its text."""
    texts = {s.id: " ".join(f"{a.title}. {a.title}. {a.title}. {a.standfirst or ''} {a.text}" for a in s.articles) for s in stories}
    counts = {sid: Counter(_phrases(t)) for sid, t in texts.items()}
    spread = Counter(p for c in counts.values() for p in c)
    out = []
    for story in stories:
        people = _people(texts[story.id])
        candidates = {
            p: n * (0.5 if p in people or set(p.split()) & people else 1.0)
            for p, n in counts[story.id].items()
        } or {story.lead.title.split(":")[0][:40]: 1.0}
        best = max(candidates, key=lambda p: (candidates[p] * (1 + math.log(max(1, spread[p]))), len(p), p))
        out.append(_with_topic(story, best))
    return out


def _with_topic(story: Story, label: str) -> Story:
    from dataclasses import replace

    return replace(story, topic=label)


def topics_of(stories: Sequence[Story]) -> list[Topic]:
    """Stories under their topic labels, topics in the order of their best story."""
    order: dict[str, list[Story]] = {}
    for story in stories:
        order.setdefault(story.topic, []).append(story)
    return [Topic(label, tuple(group)) for label, group in order.items()]
