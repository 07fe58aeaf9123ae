"""sumy adapter: every sumy algorithm by name, run with our offline tokenizer.

`summarize(article, algorithm, count)` gives a `Summary`: the `count` best sentences in document order
with the algorithm's own scores, and the key sentence (the best one that stands on its own).
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.edmundson import EdmundsonSummarizer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.random import RandomSummarizer
from sumy.summarizers.reduction import ReductionSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from briefing.models import Article, ScoredSentence, Summary
from briefing.text.sentences import SumyTokenizer, split_sentences

ALGORITHMS: dict[str, type] = {
    "textrank": TextRankSummarizer,
    "lexrank": LexRankSummarizer,
    "lsa": LsaSummarizer,
    "luhn": LuhnSummarizer,
    "edmundson": EdmundsonSummarizer,
    "sumbasic": SumBasicSummarizer,
    "kl": KLSummarizer,
    "reduction": ReductionSummarizer,
    "random": RandomSummarizer,
}
_TOKENIZER = SumyTokenizer()
_MIN_WORDS = 4  # shorter fragments ("Why?", "That...sounded pretty decisive.") are never chosen
# Openings that lean on an earlier sentence: such a sentence does not stand alone as a key sentence.
_DEPENDENT_START = re.compile(
    r"^[“\"‘']?(he|she|they|it|its|this|that|these|those|there|but|and|or|so|yet|still|also|however"
    r"|meanwhile|instead|then|which|his|her|their|such|both|neither|nor|as a result|in addition)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=16)
def _summarizer(name: str) -> Any:
    try:
        cls = ALGORITHMS[name]
    except KeyError:
        raise ValueError(f"unknown sumy algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}") from None
    stop_words = get_stop_words("english")
    summarizer = cls(Stemmer("english"))
    if hasattr(summarizer, "stop_words"):
        summarizer.stop_words = stop_words
    if isinstance(summarizer, EdmundsonSummarizer):
        summarizer.null_words = stop_words
        summarizer.bonus_words = ("said", "announced", "will", "first", "new")
        summarizer.stigma_words = ("reportedly", "allegedly", "perhaps", "maybe")
    return summarizer


def build_document(paragraphs: Iterable[str]) -> ObjectDocumentModel:
    """A sumy document from our paragraphs and sentences (no sumy parser, no NLTK)."""
    built = []
    for paragraph in paragraphs:
        sentences = [Sentence(s, _TOKENIZER) for s in split_sentences(paragraph)]
        if sentences:
            built.append(Paragraph(sentences))
    return ObjectDocumentModel(built)


def rate(document: ObjectDocumentModel, algorithm: str, count: int) -> tuple[list[Any], dict[Any, float]]:
    """Run a sumy summarizer; return the sentences it picked and a score for every sentence.

    sumy's summarizers all end in `_get_best_sentences(sentences, count, rating)`, where `rating` is a
    dict or a function. We wrap that one call to keep the ratings, so any algorithm yields scores.
    """
    summarizer = _summarizer(algorithm)
    captured: dict[Any, float] = {}
    original: Callable[..., Any] = type(summarizer)._get_best_sentences

    def keep(sentences: Any, n: Any, rating: Any, *args: Any, **kwargs: Any) -> Any:
        # Evaluate each rating exactly once (LSA's rating function is a one-shot iterator),
        # then let sumy choose from the dict as it would have.
        for s in sentences:
            value = rating(s, *args, **kwargs) if callable(rating) else rating[s]
            captured[s] = float(value) if value is not None else 0.0
        return original(sentences, n, captured)

    summarizer._get_best_sentences = keep
    state = random.getstate()
    # sumy's "random" draws from the random module: seed it from the text so runs repeat exactly.
    random.seed(zlib.crc32(" ".join(str(s) for s in document.sentences).encode("utf-8")))
    try:
        picked = list(summarizer(document, count))
    finally:
        del summarizer._get_best_sentences
        random.setstate(state)
    return picked, captured


def summarize(article: Article, algorithm: str = "textrank", count: int = 3) -> Summary:
    """The `count` best sentences of an article, in document order, and its key sentence."""
    if not article.paragraphs:
        return Summary(article.id, (), None)
    document = build_document(article.paragraphs)
    all_sentences = list(document.sentences)
    eligible = [s for s in all_sentences if len(s.words) >= _MIN_WORDS]
    if not eligible:
        return Summary(article.id, (), None)
    if len(eligible) <= count:
        picked, scores = eligible, {s: 1.0 for s in eligible}
    else:
        document = ObjectDocumentModel([Paragraph(eligible)])
        picked, scores = rate(document, algorithm, count)
    position = {id(s): i for i, s in enumerate(all_sentences)}
    chosen = sorted(picked, key=lambda s: position[id(s)])
    scored = tuple(ScoredSentence(s._text, position[id(s)], round(scores.get(s, 0.0), 6)) for s in chosen)
    by_score = sorted(scored, key=lambda s: (-s.score, s.position))
    key = next((s.text for s in by_score if stands_alone(s.text)), None)
    if key is None and article.kind == "item":
        key = scored[0].text
    return Summary(article.id, scored, key)


def stands_alone(sentence: str) -> bool:
    """A sentence a reader can understand without the one before it."""
    words = sentence.split()
    return len(words) >= 8 and not _DEPENDENT_START.match(sentence) and not sentence.endswith("?")
