"""Exact and near-duplicate detection: syndicated copies folded into one article.

Two articles are copies when their word 5-gram shingles overlap by containment (shared shingles over
the smaller set), not only Jaccard: a copy inside a longer page (an article republished with an update
on top) still counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefing.models import Article

_WORD = re.compile(r"\w+")
SHINGLE = 5
CONTAINMENT = 0.6  # share of the smaller article's shingles found in the larger one
_MIN_SHINGLES = 20  # shorter texts (roundup items) are compared by fingerprint only


def shingles(text: str, size: int = SHINGLE) -> set[int]:
    words = _WORD.findall(text.lower())
    return {hash(tuple(words[i : i + size])) for i in range(max(0, len(words) - size + 1))}


def containment(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def find_duplicates(articles: Sequence[Article]) -> dict[str, str]:
    """Map each duplicate's id to the id of the article it copies (the most complete copy).

    Pairwise over the edition's candidates, which number in the tens to hundreds per slot.
    """
    order = sorted(articles, key=lambda a: (-len(a.text), a.id))
    sets = {a.id: shingles(a.text) for a in order}
    canonical: dict[str, str] = {}
    by_print: dict[str, str] = {}
    kept: list[Article] = []
    for article in order:
        if article.fingerprint in by_print:
            canonical[article.id] = by_print[article.fingerprint]
            continue
        mine = sets[article.id]
        match = None
        if len(mine) >= _MIN_SHINGLES:
            match = next(
                (k for k in kept if len(sets[k.id]) >= _MIN_SHINGLES and containment(mine, sets[k.id]) >= CONTAINMENT),
                None,
            )
        if match is not None:
            canonical[article.id] = match.id
            continue
        by_print[article.fingerprint] = article.id
        kept.append(article)
    return canonical


def is_near_duplicate_sentence(sentence: str, others: Sequence[str], threshold: float = 0.6) -> bool:
    """True when `sentence` says what one of `others` says (word-set Jaccard)."""
    words = set(_WORD.findall(sentence.lower()))
    for other in others:
        theirs = set(_WORD.findall(other.lower()))
        if words and theirs and len(words & theirs) / len(words | theirs) >= threshold:
            return True
    return False
