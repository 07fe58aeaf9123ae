"""sumy adapter: every sumy algorithm by name, run with our offline tokenizer.

`summarize(article, algorithm, count)` gives a `Summary`: the `count` best sentences in document order
with the algorithm's own scores, and the key sentence (the best one that stands on its own).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import random
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

from briefing.models import Article, ScoredSentence, Summary
from briefing.text import terms
from briefing.text.language import sure_language_of
from briefing.text.sentences import SumyTokenizer, split_sentences, split_words
from briefing.text.standing import leans_back as leans_back
from briefing.text.standing import stands_alone

# sumy's summarizers by name, imported on first use (some pull in scipy.stats through nltk).
ALGORITHMS: dict[str, str] = {
    "textrank": "sumy.summarizers.text_rank:TextRankSummarizer",
    "lexrank": "sumy.summarizers.lex_rank:LexRankSummarizer",
    "lsa": "sumy.summarizers.lsa:LsaSummarizer",
    "luhn": "sumy.summarizers.luhn:LuhnSummarizer",
    "edmundson": "sumy.summarizers.edmundson:EdmundsonSummarizer",
    "sumbasic": "sumy.summarizers.sum_basic:SumBasicSummarizer",
    "kl": "sumy.summarizers.kl:KLSummarizer",
    "reduction": "sumy.summarizers.reduction:ReductionSummarizer",
    "random": "sumy.summarizers.random:RandomSummarizer",
}
_TOKENIZER = SumyTokenizer()
_MIN_WORDS = 4  # shorter fragments ("Why?", "That...sounded pretty decisive.") are never chosen


@lru_cache(maxsize=16)
def _summarizer(name: str) -> Any:
    try:
        module, _, name_in_module = ALGORITHMS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown sumy algorithm {name!r}; choose ensemble or one of {', '.join(ALGORITHMS)}") from None
    import importlib

    cls = getattr(importlib.import_module(module), name_in_module)
    stop_words = get_stop_words("english")
    summarizer = cls(Stemmer("english"))
    if hasattr(summarizer, "stop_words"):
        summarizer.stop_words = stop_words
    if name == "edmundson":
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


# The default algorithm, "ensemble": sumy's Reduction (graph centrality) ranks the sentences; a
# word-frequency prior (average document frequency of the sentence's words) ranks them too; the two
# within-article rank percentiles are summed with small priors for words shared with the headline
# and for the opening sentence, and the inverted pyramid's prior where a summary is short next to
# its article (`_lead_strength`). Tuned on the BBC dev set and a CNN/DailyMail sample (README,
# "briefing eval").
ENSEMBLE_WEIGHTS = {"reduction": 1.0, "frequency": 0.8, "title": 0.2, "position": 0.2, "lead": 6.0, "hook": 3.0}
# The lead prior: weight x exp(-i / LEAD_SCALE) for the i-th eligible sentence, times
# `_lead_strength`. Measured with k = the reference's sentences on 64 CNN/DailyMail articles (20
# CNN stories in tests/data, 44 of the FRANK benchmark's test split, not shipped; datelines cut)
# against lead-k's ROUGE-2 .134 / .178: weight 5 or 6 with scale 3 to 5 .139 / .180-.183; 4
# .133 / .179; 7 .139 / .176; 8 .133 / .174; 1 / (1 + i / scale), marking sentences under eight
# words and questions down as hooks, or a penalty on long sentences did no better (all before the
# hook rule below).
LEAD_SCALE = 4.0
# A feature opens with a hook, not the news: "It's amazing what a bit of make-up can do.", "Never
# mind cats having nine lives.", "So what now?". In a brief, a first sentence under HOOK_WORDS
# words or a question loses `hook` of its head start. Found on the 29 FRANK articles fetched as a
# check after the lead prior was tuned (ROUGE-2 .178 -> .196 there, against lead-k's .180), and
# it holds on the other two samples (CNN .139 -> .139, FRANK .183 -> .187; lead-k .134, .178);
# only the opening counts (every short sentence: CNN .139 -> .133); 2 to 6 score alike.
HOOK_WORDS = 10
# A brief is a few sentences that are a small share of the article: the prior counts fully where
# k / n <= LEAD_FULL and k <= BRIEF_FULL, and not at all from k / n = LEAD_NONE or k = BRIEF_NONE.
# BBC dev's extractive references take about half of each article (k / n below 0.4 for 3% of its
# articles, and those ask for five sentences or more), so its scores stay (ROUGE-1/2/L .8310 /
# .7756 / .5109 against .8308 / .7754 / .5110 without the prior). CNN/DailyMail's three or four
# highlights (k / n about 0.1 to 0.3) and an edition's key sentence are briefs. Gates measured:
# k / n from 0.15 to 0.35 alone (no gate on k) kept BBC's ROUGE-2 at .7745 and lost to lead on
# the Daily Mail half; 0.2 to 0.45 cost BBC .006.
LEAD_FULL, LEAD_NONE = 0.2, 0.4
BRIEF_FULL, BRIEF_NONE = 4, 6
def _rules(lang: str | None) -> tuple[frozenset[str], Callable[[str], str]]:
    """The stop words and the stemmer for a text of this language (None: English, sumy's own list
    and Snowball stemmer, as sumy's summarizers use them)."""
    code = lang or "en"
    return terms.stop_words_for(code), functools.partial(terms.stem, lang=code)


def reduction_ratings(
    sentences: Sequence[str], tokens: Sequence[Sequence[str]] | None = None, lang: str | None = None
) -> np.ndarray:
    """sumy's Reduction ratings, computed as one matrix product instead of a pairwise loop.

    sumy rates sentence i as the sum over j != i of (words shared, counted with repetition) divided by
    log(len_i) + log(len_j), over stemmed non-stop words. That is the dot product of term-count vectors
    over a log-length norm, so the whole matrix comes from C @ C.T. The ratings equal sumy's own
    (tests/test_summarize.py::test_fast_reduction_equals_sumy). `tokens` are the sentences' lower-case
    words, when the caller has them already; `lang` the text's language (stop words and stemmer).
    """
    if tokens is None:
        tokens = [[x.lower() for x in split_words(s)] for s in sentences]
    stop, stem = _rules(lang)
    vocabulary: dict[str, int] = {}
    stemmed = [[vocabulary.setdefault(stem(w), len(vocabulary)) for w in ws if w not in stop] for ws in tokens]
    n = len(sentences)
    if not vocabulary:
        return np.zeros(n)
    width = len(vocabulary)
    flat = np.fromiter((i * width + j for i, ids in enumerate(stemmed) for j in ids), dtype=np.int64)
    counts = np.bincount(flat, minlength=n * width).reshape(n, width).astype(float)
    shared = counts @ counts.T
    lengths = np.array([len(ids) for ids in stemmed], dtype=float)
    logs = np.log(np.maximum(lengths, 1.0))
    norm = logs[:, None] + logs[None, :]
    edges = np.divide(shared, norm, out=np.zeros_like(shared), where=(norm != 0) & (shared != 0))
    np.fill_diagonal(edges, 0.0)
    ratings: np.ndarray = edges.sum(axis=1)
    return ratings


def _lead_strength(count: int | None, n: int) -> float:
    """How much the inverted pyramid counts when `count` of `n` sentences are asked for (0 to 1):
    fully for a brief (a few sentences, a small share of the article), not at all for a digest."""
    if not count or not n:
        return 0.0
    share = min(1.0, max(0.0, (LEAD_NONE - count / n) / (LEAD_NONE - LEAD_FULL)))
    few = min(1.0, max(0.0, (BRIEF_NONE - count) / (BRIEF_NONE - BRIEF_FULL)))
    return share * few


def ensemble_parts(
    sentences: Sequence[str],
    title: str,
    weights: dict[str, float] | None = None,
    tokens: Sequence[Sequence[str]] | None = None,
    count: int | None = None,
    lang: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A score for every sentence in two parts: how well it stands for the whole article (Reduction's
    rating and the word-frequency prior as within-article rank percentiles, plus the headline and
    opening priors, weighted by ENSEMBLE_WEIGHTS), and the lead prior where `count` sentences are a
    brief of the article (`_lead_strength`; zeros elsewhere). `lang` is the text's language."""
    w = ENSEMBLE_WEIGHTS if weights is None else weights
    n = len(sentences)
    words = tokens if tokens is not None else [[x.lower() for x in split_words(s)] for s in sentences]
    total = np.zeros(n)

    def percentiles(values: np.ndarray) -> np.ndarray:
        order = np.lexsort((-np.arange(n), values))  # ties: the earlier sentence ranks higher
        out = np.empty(n)
        out[order] = np.arange(n) / max(1, n - 1)
        return out

    if w.get("reduction"):
        total += w["reduction"] * percentiles(reduction_ratings(sentences, words, lang))
    if w.get("frequency"):
        stop = _rules(lang)[0]
        content = [[x for x in ws if x not in stop] for ws in words]
        counts = Counter(x for ws in content for x in ws)
        freq = np.array([sum(map(counts.__getitem__, ws)) / max(1, len(ws)) for ws in content])
        total += w["frequency"] * percentiles(freq)
    if w.get("position"):
        # News puts the event first: a lead bonus for the opening sentence. Measured on BBC dev
        # (ROUGE-2 .7762 without): a bonus of 0.1 .7749, 0.2 .7754, 0.3 .7728; a linear prior over
        # every position did worse (0.1: .7745, 0.3: .7738, 0.6: .7602). On wire copy (800 Reuters
        # articles, the headline as reference, one sentence) ROUGE-2 rises from .0304 to .0366 with
        # 0.2, still below lead-1 (.0659); forcing the lead (10) matches lead-1 there but costs BBC
        # .0080. 0.2 is what a digest keeps; a brief gets the lead prior below as well.
        total += w["position"] * (np.arange(n) == 0)
    lead = np.zeros(n)
    strength = _lead_strength(count, n)
    if strength and w.get("lead"):
        # The inverted pyramid: news tells the event first, so a brief of a long article is mostly
        # its opening. The prior is a head start, not lead-k: centrality still picks among the first
        # sentences and skips a weak one (ROUGE-2 .139 and .183 on the two CNN/DailyMail samples
        # against lead-k's .134 and .178, README; the prior alone at full weight is lead-k).
        lead = strength * w["lead"] * np.exp(-np.arange(n) / LEAD_SCALE)
        opening = sentences[0].rstrip()
        if len(opening.split()) < HOOK_WORDS or opening.endswith("?"):
            lead[0] -= strength * w.get("hook", 0.0)
    if w.get("title"):
        title_words = {x.lower() for x in split_words(title)}
        if title_words:
            total += w["title"] * np.array([len(title_words & set(ws)) / len(title_words) for ws in words])
    return total, lead


def summarize(article: Article, algorithm: str = "ensemble", count: int = 3) -> Summary:
    """The `count` best sentences of an article, in document order, and its key sentence."""
    if not article.paragraphs:
        return Summary(article.id, (), None)
    if algorithm == "ensemble":
        return _summarize_ensemble(article, count)
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
    # The key sentence is the best-scored sentence of the whole article that stands on its own.
    ranked = sorted(eligible, key=lambda s: (-scores.get(s, 0.0), position[id(s)]))
    key = next((s._text for s in ranked if stands_alone(s._text)), None)
    if key is None and article.kind == "item":
        key = scored[0].text
    return Summary(article.id, scored, key)


def _summarize_ensemble(article: Article, count: int) -> Summary:
    """The default algorithm on plain strings: the same choices as the sumy path, several times faster."""
    all_sentences = [s for p in article.paragraphs for s in split_sentences(p)]
    eligible = []
    tokens = []
    for i, sentence in enumerate(all_sentences):
        words = split_words(sentence)
        if len(words) >= _MIN_WORDS:
            eligible.append((i, sentence))
            tokens.append([x.lower() for x in words])
    if not eligible:
        return Summary(article.id, (), None)
    texts = [s for _, s in eligible]
    if len(eligible) <= count:
        scores = np.ones(len(eligible))
        picked = central = list(range(len(eligible)))
    else:
        whole, lead = ensemble_parts(texts, article.title, tokens=tokens, count=count, lang=sure_language_of(article))
        scores = whole + lead
        picked = sorted(range(len(eligible)), key=lambda k: -scores[k])[:count]
        central = sorted(range(len(eligible)), key=lambda k: -whole[k])[:count]
    chosen = tuple(
        ScoredSentence(texts[k], eligible[k][0], round(float(scores[k]), 6)) for k in sorted(picked)
    )
    ranked = sorted(range(len(eligible)), key=lambda k: (-scores[k], eligible[k][0]))
    key = next((texts[k] for k in ranked if stands_alone(texts[k])), None)
    if key is None and article.kind == "item":
        key = chosen[0].text
    # what grouping compares, where the lead prior changed the choice (else the same sentences: none)
    apart = sorted(central) != sorted(picked)
    return Summary(article.id, chosen, key, tuple(texts[k] for k in sorted(central)) if apart else ())



# A process pool pays off only where its fixed cost (the forkserver imports sumy and nltk again,
# the articles are pickled both ways: ~1.5 s) is less than the time it saves. Measured on 2 cores
# with Reuters articles: one process 0.34 s for 1,000 and 2.49 s for 10,000 (0.25 ms an article);
# two processes 1.52 s and 2.71 s. So a pool is used when n * 0.25 ms * (1 - 1/workers) > 1.5 s
# (about 12,000 articles on 2 cores, 7,000 on 8).
_POOL_COST_S = 1.5
_ARTICLE_S = 0.00025


def _pool_pays(articles: int, workers: int) -> bool:
    return workers > 1 and articles * _ARTICLE_S * (1 - 1 / workers) > _POOL_COST_S


def _summarize_task(job: tuple[Article, str, int]) -> Summary:
    return summarize(*job)


def _one_blas_thread() -> None:
    """Sentence matrices are tiny: BLAS threads only fight over the cores (measured: twice the CPU
    for the same wall time), so each summarizing process does its algebra on one thread."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def summarize_many(
    articles: Sequence[Article], algorithm: str = "ensemble", count: int | Sequence[int] = 3, workers: int | None = None
) -> list[Summary]:
    """Summaries of many articles, on every core (`workers` processes; default: all of them)."""
    counts = [count] * len(articles) if isinstance(count, int) else list(count)
    jobs = list(zip(articles, [algorithm] * len(articles), counts, strict=False))
    workers = workers or os.cpu_count() or 1
    if not _pool_pays(len(jobs), workers):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return [_summarize_task(job) for job in jobs]
    # Not "fork": summarizing runs while the fetch pool's threads (and in the daemon APScheduler's)
    # are alive, and a forked child can deadlock on a lock one of them held. The forkserver is a
    # clean single-threaded process that imports this module once; workers fork from it.
    context: multiprocessing.context.BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        forkserver = multiprocessing.get_context("forkserver")
        forkserver.set_forkserver_preload(["briefing.summarize"])
        context = forkserver
    else:
        context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_one_blas_thread) as pool:
        return list(pool.map(_summarize_task, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
