"""Exact and near-duplicate detection: syndicated copies folded into one article.

Two articles are copies when the word 5-gram shingles of the smaller one are mostly found in the
larger one (containment, not only Jaccard), so a copy inside a longer page (an article republished
with an update on top) is found. Candidates come from a datasketch MinHash LSH Ensemble index,
which answers containment queries, and every candidate is verified on the exact shingle sets; no
step compares all pairs.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import Any

from briefing.models import Article

_WORD = re.compile(r"\w+")
SHINGLE = 5
CONTAINMENT = 0.7  # share of the smaller text's shingles in the larger (BBC dev: copies >= 0.73, related stories <= 0.67)
NUM_PERM = 128
_MIN_SHINGLES = 20  # shorter texts (roundup items, headlines) are compared by fingerprint only
_SEED = 7


def shingles(text: str, size: int = SHINGLE) -> set[int]:
    """Stable 32-bit hashes of the text's word n-grams (the same in every process)."""
    words = _WORD.findall(text.lower())
    return {zlib.crc32(" ".join(words[i : i + size]).encode("utf-8")) for i in range(max(0, len(words) - size + 1))}


def containment(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


_PERMUTATIONS: Any = None


def _identity(value: int) -> int:
    return value  # shingles are already 32-bit hashes


def _minhash(values: set[int]) -> Any:
    global _PERMUTATIONS
    from datasketch import MinHash

    if _PERMUTATIONS is None:  # loaded on first use: datasketch is not needed for a run with nothing new
        _PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme="affine32").permutations
    m = MinHash(num_perm=NUM_PERM, seed=_SEED, permutations=_PERMUTATIONS, scheme="affine32", hashfunc=_identity)
    m.update_batch(list(values))
    return m


def find_duplicates(articles: Sequence[Article]) -> dict[str, str]:
    """Map each duplicate's id to the id of the article it copies (the most complete copy)."""
    return find_copies([(a.id, a.text, a.fingerprint) for a in articles])


def find_copies(items: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """Map duplicate id -> original id for (id, text, fingerprint) triples; the longest copy is the original."""
    order = sorted(items, key=lambda item: (-len(item[1]), item[0]))
    canonical: dict[str, str] = {}
    by_print: dict[str, str] = {}
    sets: dict[str, set[int]] = {}
    hashes: dict[str, Any] = {}
    for key, text, print_ in order:
        if print_ in by_print:
            canonical[key] = by_print[print_]
            continue
        by_print[print_] = key
        found = shingles(text)
        if len(found) >= _MIN_SHINGLES:
            sets[key] = found
            hashes[key] = _minhash(found)
    if len(sets) > 1:
        from datasketch import MinHashLSHEnsemble

        index = MinHashLSHEnsemble(threshold=CONTAINMENT, num_perm=NUM_PERM, num_part=8)
        index.index((key, hashes[key], len(sets[key])) for key in sets)
        position = {key: i for i, (key, _, _) in enumerate(order)}
        # Longest first: an article's candidates are the indexed texts that contain it; the first
        # (longest) one that is itself an original and passes the exact check is the original.
        for key in sorted(sets, key=position.__getitem__):
            candidates = sorted(
                (c for c in index.query(hashes[key], len(sets[key])) if c != key and position[c] < position[key]),
                key=position.__getitem__,
            )
            for other in candidates:
                if other not in canonical and containment(sets[key], sets[other]) >= CONTAINMENT:
                    canonical[key] = other
                    break
    # An exact copy may point at an article that the index later found to be a copy itself:
    # every duplicate must name an original, so follow each chain to its end.
    return {key: _root(key, canonical) for key in canonical}


def _root(key: str, canonical: dict[str, str]) -> str:
    seen = {key}
    while key in canonical:
        key = canonical[key]
        if key in seen:
            break
        seen.add(key)
    return key


def is_near_duplicate_sentence(sentence: str, others: Sequence[str], threshold: float = 0.6) -> bool:
    """True when `sentence` says what one of `others` says (word-set Jaccard)."""
    words = set(_WORD.findall(sentence.lower()))
    for other in others:
        theirs = set(_WORD.findall(other.lower()))
        if words and theirs and len(words & theirs) / len(words | theirs) >= threshold:
            return True
    return False

