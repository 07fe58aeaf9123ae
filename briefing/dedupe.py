"""Exact and near-duplicate detection: syndicated copies folded into one article.

Two articles are copies when the word 5-gram shingles of the smaller one are mostly found in the
larger one (containment, not only Jaccard), so a copy inside a longer page (an article republished
with an update on top) is found. Candidates come from an inverted index of a fixed sample of each
text's shingles (those whose hash is 0 modulo `SAMPLE`, the same sample in every text, so a copy
shares most of its sample with the original), and every candidate is verified on the exact shingle
sets; no step compares all pairs. This replaced a datasketch MinHash LSH Ensemble index: the same
pairs on BBC dev (44 of 44 silver pairs), ten times faster on 1,000 Reuters articles, where
building the ensemble's partitions and querying it took most of the grouping time.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Sequence

import numpy as np

from briefing.models import Article
from briefing.text.normalize import fingerprint

_WORD = re.compile(r"\w+")
SHINGLE = 5
# share of the smaller text's shingles found in the larger (BBC dev: copies >= 0.73, related stories <= 0.67)
CONTAINMENT = 0.7
_MIN_SHINGLES = 20  # shorter texts (roundup items, headlines) are compared by fingerprint only


def shingles(text: str, size: int = SHINGLE) -> set[int]:
    """Stable 32-bit hashes of the text's word n-grams (the same in every process)."""
    return set(_shingle_array(text, size).tolist())


_WORD_HASH: dict[str, int] = {}
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _shingle_array(text: str, size: int = SHINGLE) -> np.ndarray:
    """The distinct shingle hashes of a text, sorted: each word's crc32 (computed once per word),
    n consecutive ones folded into 64 bits and mixed (splitmix64's finaliser), the top 32 bits kept."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return np.empty(0, dtype=np.uint64)
    table = _WORD_HASH
    hashes = np.fromiter(
        (table.get(w) or table.setdefault(w, zlib.crc32(w.encode("utf-8")) | (1 << 32)) for w in words),
        dtype=np.uint64,
        count=len(words),
    )
    count = len(words) - size + 1
    folded = hashes[:count].copy()
    for i in range(1, size):
        folded = folded * _MIX[0] + hashes[i : i + count]  # wraps modulo 2**64, as meant
    folded ^= folded >> np.uint64(30)
    folded *= _MIX[1]
    folded ^= folded >> np.uint64(27)
    folded *= _MIX[2]
    folded ^= folded >> np.uint64(31)
    return np.unique(folded >> np.uint64(32))


def containment(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


SAMPLE = 4  # one shingle in SAMPLE (by hash) goes into the candidate index
_COMMON = 50  # a sampled shingle in more texts than this is boilerplate, not evidence of copying


def find_duplicates(articles: Sequence[Article]) -> dict[str, str]:
    """Map each duplicate's id to the id of the article it copies (the most complete copy).

    Besides copies of a text, a headline-only entry is a copy of the entry of the same source with
    the same headline and a body: feeds list one story twice, once through a tracking redirect
    (UOL: "redir.folha.com.br/...*https://www1.folha.uol.com.br/..." and the plain link). Entries
    of one source sharing a headline with different bodies ("Letters to the editor") stay apart.
    """
    copies = find_copies([(a.id, a.text, a.fingerprint) for a in articles])
    with_body: dict[tuple[str, str], list[Article]] = {}
    for a in sorted(articles, key=lambda a: (-len(a.text), a.id)):
        if a.text and a.title:
            with_body.setdefault((a.source, fingerprint(a.title)), []).append(a)
    for a in articles:
        if a.text or not a.title or a.id in copies:
            continue
        twin = next((b for b in with_body.get((a.source, fingerprint(a.title)), []) if _same_day(a, b)), None)
        if twin is not None:
            copies[a.id] = copies.get(twin.id, twin.id)
    return copies


def _same_day(a: Article, b: Article) -> bool:
    """Published within a day of each other, or one of them undated: a weekly "Quiz of the week"
    entry without a body is not last week's quiz."""
    when_a, when_b = a.published or a.first_seen, b.published or b.first_seen
    return when_a is None or when_b is None or abs((when_a - when_b).total_seconds()) <= 86400


def find_copies(items: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """Map duplicate id -> original id for (id, text, fingerprint) triples; the longest copy is the original."""
    order = sorted(items, key=lambda item: (-len(item[1]), item[0]))
    canonical: dict[str, str] = {}
    by_print: dict[str, str] = {}
    keys: list[str] = []
    arrays: list[np.ndarray] = []
    for key, text, print_ in order:
        if print_ in by_print:
            canonical[key] = by_print[print_]
            continue
        by_print[print_] = key
        shingled = _shingle_array(text)
        if len(shingled) >= _MIN_SHINGLES:
            keys.append(key)
            arrays.append(shingled)
    # Longest first: a text's candidates are the longer texts sharing its sampled shingles; the
    # first (longest) one that is itself an original and passes the exact check is the original.
    sets: dict[int, set[int]] = {}
    for position, others in _candidates(arrays):
        found = sets.get(position) or sets.setdefault(position, set(arrays[position].tolist()))
        for other in others:
            other_set = sets.get(other) or sets.setdefault(other, set(arrays[other].tolist()))
            if keys[other] not in canonical and containment(found, other_set) >= CONTAINMENT:
                canonical[keys[position]] = keys[other]
                break
    # An exact copy may point at an article that the index later found to be a copy itself:
    # every duplicate must name an original, so follow each chain to its end.
    return {key: _root(key, canonical) for key in canonical}


def _candidates(arrays: Sequence[np.ndarray]) -> list[tuple[int, list[int]]]:
    """For each text (by position) the earlier texts sharing enough of its sampled shingles, in order.

    The sample is the shingles whose hash is 0 modulo SAMPLE; a sampled shingle counts for the first
    `_COMMON` + 1 texts that hold it only (after that it is boilerplate). A copy shares about
    CONTAINMENT of its sample; half of that is a generous floor.
    """
    if not arrays:
        return []
    samples = [a[a % np.uint64(SAMPLE) == 0] for a in arrays]
    lengths = np.array([len(x) for x in samples])
    if not lengths.sum():
        return []
    values = np.concatenate(samples)
    owner = np.repeat(np.arange(len(samples)), lengths)
    order = np.lexsort((owner, values))  # by shingle, then by position
    values, owner = values[order], owner[order]
    rank = np.arange(len(values)) - np.searchsorted(values, values, side="left")
    # each holder of a shingle pairs with every earlier holder, while the shingle is not yet common
    pairs = np.where(rank <= _COMMON, rank, 0)
    later = np.repeat(np.arange(len(values)), pairs)
    back = np.arange(int(pairs.sum())) - np.repeat(np.cumsum(pairs) - pairs, pairs) + 1
    earlier = owner[later - back]
    later = owner[later]
    if not len(later):
        return []
    found, shared = np.unique(later * len(samples) + earlier, return_counts=True)
    position, other = np.divmod(found, len(samples))
    floor = np.maximum(1, (0.5 * CONTAINMENT * lengths).astype(np.int64))
    keep = shared >= floor[position]
    out: dict[int, list[int]] = {}
    for p, o in zip(position[keep].tolist(), other[keep].tolist(), strict=True):
        out.setdefault(p, []).append(o)
    return sorted(out.items())


def _root(key: str, canonical: dict[str, str]) -> str:
    seen = {key}
    while key in canonical:
        key = canonical[key]
        if key in seen:
            break
        seen.add(key)
    return key


def is_near_duplicate_sentence(sentence: str, others: Sequence[str], threshold: float = 0.6, lang: str | None = None) -> bool:
    """True when `sentence` says what one of `others` says: the Jaccard similarity of their content
    words (stems without the stop words of `lang`, the sentence's language; briefing/text/terms.py).
    Function words are not what a sentence says: two Portuguese sentences sharing "de", "que", "o"
    and "a" are not one sentence. (Copies of whole articles, `find_duplicates`, are found by
    shingles of every word: there function words are part of the copy, in any language.)"""
    words = _word_set(sentence, lang)
    if not words:
        return False
    for other in others:
        theirs = _word_set(other, lang)
        if theirs and len(words & theirs) / len(words | theirs) >= threshold:
            return True
    return False


@functools.lru_cache(maxsize=65536)
def _word_set(sentence: str, lang: str | None) -> frozenset[str]:
    # an edition checks each new line against every line it already holds: split each line once
    from briefing.text.terms import tokens

    return frozenset(tokens(sentence, lang))
