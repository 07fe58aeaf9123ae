"""`briefing eval DATA_DIR`: measure summaries, stories and duplicates on labelled data.

The data folder is laid out like the project's evaluation data (nothing of it ships in the package):

    DATA_DIR/bbc_news_summary/*.jsonl              articles with reference_summary_sentences
    DATA_DIR/bbc_news_summary/*pairs*.jsonl        silver duplicate pairs (id_a, id_b, silver_label)
    DATA_DIR/uci_news_aggregator_stories/*.jsonl   headlines with gold story ids

Summaries: ROUGE-1/2/L F1 (rouge-score, stemming on) against the reference with k = the number of
reference sentences, for the default configuration, lead-k and every stock sumy algorithm, all
measured in the same run on the same sentences. Stories: B-cubed precision/recall/F1, ARI and NMI of
`briefing group`'s story against the gold ids, next to TF-IDF average-link clustering. Duplicates:
precision and recall of `briefing group`'s duplicate_of pairs against the silver near-duplicate pairs.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.batch import group_records
from briefing.errors import BriefingError
from briefing.jsonl import Record, read_articles, read_lines
from briefing.models import Article
from briefing.summarize import ALGORITHMS, leans_back, summarize
from briefing.text.sentences import split_sentences

STOCK = ("textrank", "lexrank", "lsa", "luhn", "edmundson", "sumbasic", "kl", "reduction", "random")


@dataclass
class Results:
    summaries: dict[str, dict[str, float]] = field(default_factory=dict)  # system -> metric -> value
    summary_set: str = ""
    summary_count: int = 0
    stories: dict[str, dict[str, float]] = field(default_factory=dict)
    story_set: str = ""
    story_count: int = 0
    duplicates: dict[str, float] = field(default_factory=dict)
    duplicate_set: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__


def _find(folder: Path, pattern: str, *, pairs: bool) -> Path | None:
    found = sorted(p for p in folder.glob(pattern) if ("pairs" in p.name) == pairs)
    return found[0] if found else None


def bcubed(predicted: Sequence[Any], gold: Sequence[Any]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering against gold clusters."""
    pc, gc, both = Counter(predicted), Counter(gold), Counter(zip(predicted, gold, strict=False))
    n = len(gold)
    precision = sum(both[(p, g)] / pc[p] for p, g in zip(predicted, gold, strict=False)) / n
    recall = sum(both[(p, g)] / gc[g] for p, g in zip(predicted, gold, strict=False)) / n
    return precision, recall, 2 * precision * recall / (precision + recall)


def _article(record: dict[str, Any]) -> Article:
    text = record["text"]
    return Article(
        id=str(record["id"]),
        source="eval",
        label="",
        url="",
        title=record.get("title") or "",
        paragraphs=tuple(p.strip() for p in text.split("\n\n") if p.strip()),
        fingerprint=str(record["id"]),
    )


def _lead(article: Article, k: int) -> list[str]:
    return [s for p in article.paragraphs for s in split_sentences(p)][:k]


def evaluate_summaries(path: Path, *, default: str = "ensemble", systems: Sequence[str] = STOCK, limit: int | None = None) -> dict[str, dict[str, float]]:
    from rouge_score import rouge_scorer

    rows = [r for _, r in read_lines(path)][:limit]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    keys: list[str | None] = []  # the default's key sentences, for the share that leans back

    def run_default(article: Article, k: int) -> list[str]:
        summary = summarize(article, default, k)
        keys.append(summary.key_sentence)
        return summary.texts

    default_name = f"briefing default ({default})"
    runs: dict[str, Callable[[Article, int], list[str]]] = {default_name: run_default}
    runs["lead-k"] = _lead
    for name in systems:
        if name not in ALGORITHMS:
            raise BriefingError(f"unknown sumy algorithm {name!r}")
        def run_stock(a: Article, k: int, name: str = name) -> list[str]:
            return summarize(a, name, k).texts

        runs[name] = run_stock
    out = {}
    for system, run in runs.items():
        totals = [0.0, 0.0, 0.0]
        for row in rows:
            references = row.get("reference_summary_sentences") or split_sentences(row.get("reference_summary") or "")
            if not references:
                continue
            article = _article(row)
            scores = scorer.score(" ".join(references), " ".join(run(article, len(references))))
            totals[0] += scores["rouge1"].fmeasure
            totals[1] += scores["rouge2"].fmeasure
            totals[2] += scores["rougeL"].fmeasure
        out[system] = {"rouge1": totals[0] / len(rows), "rouge2": totals[1] / len(rows), "rougeL": totals[2] / len(rows)}
    chosen = [k for k in keys if k]
    # share of the default's key sentences (what an edition quotes) that lean on an earlier sentence
    out[default_name]["key_leans_back"] = sum(map(leans_back, chosen)) / len(chosen) if chosen else 0.0
    out[default_name]["key_found"] = len(chosen) / len(keys) if keys else 0.0
    return out


def evaluate_stories(path: Path, *, baseline: bool = True, limit: int | None = None) -> dict[str, dict[str, float]]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    records = read_articles(path, need_text=False)[:limit]
    gold = [r.raw["story"] for r in records]
    runs: dict[str, list[Any]] = {"briefing group": [row["story"] for row in group_records(_with_sources(records))]}
    if baseline:
        runs["tf-idf average-link (0.9)"] = _average_link([r.article.title for r in records])
    out = {}
    for name, predicted in runs.items():
        p, r, f = bcubed(predicted, gold)
        out[name] = {
            "precision": p, "recall": r, "f1": f,
            "ari": adjusted_rand_score(gold, predicted), "nmi": normalized_mutual_info_score(gold, predicted),
            "clusters": float(len(set(predicted))),
        }
    return out


def _with_sources(records: Sequence[Record]) -> list[Record]:
    from dataclasses import replace

    return [
        replace(r, article=replace(r.article, label=str(r.raw.get("publisher") or r.article.label)))
        for r in records
    ]


def _average_link(titles: Sequence[str], threshold: float = 0.9) -> list[int]:
    """The reference point from the issue: TF-IDF vectors, average-link, cosine distance threshold."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    from briefing.stories import _tokens

    vectors = TfidfVectorizer(tokenizer=_tokens, lowercase=False, token_pattern=None, sublinear_tf=True).fit_transform(titles)
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold)
    return [int(x) for x in model.fit_predict(vectors.toarray())]


def evaluate_duplicates(articles_path: Path, pairs_path: Path) -> dict[str, float]:
    records = read_articles(articles_path, need_text=True)
    rows = group_records(records)
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(str(row["duplicate_of"] or row["id"]), []).append(str(row["id"]))
    predicted = {frozenset(p) for g in groups.values() for p in itertools.combinations(g, 2)}
    gold = {
        frozenset((str(p["id_a"]), str(p["id_b"])))
        for _, p in read_lines(pairs_path)
        if p.get("silver_label") == "near_duplicate"
    }
    hits = len(predicted & gold)
    return {
        "precision": hits / len(predicted) if predicted else 1.0,
        "recall": hits / len(gold) if gold else 1.0,
        "predicted_pairs": float(len(predicted)),
        "gold_pairs": float(len(gold)),
    }


def evaluate(data_dir: Path, *, limit: int | None = None, baselines: bool = True) -> Results:
    """Every measurement whose data is present under `data_dir`."""
    if not data_dir.is_dir():
        raise BriefingError(f"{data_dir}: no such folder (pass the evaluation data folder, e.g. ../shared/data)")
    results = Results()
    bbc = _find(data_dir / "bbc_news_summary", "*.jsonl", pairs=False)
    pairs = _find(data_dir / "bbc_news_summary", "*.jsonl", pairs=True)
    uci = _find(data_dir / "uci_news_aggregator_stories", "*.jsonl", pairs=False)
    if not (bbc or uci):
        raise BriefingError(f"{data_dir}: found neither bbc_news_summary/*.jsonl nor uci_news_aggregator_stories/*.jsonl")
    if bbc:
        started = time.perf_counter()
        results.summaries = evaluate_summaries(bbc, systems=STOCK if baselines else (), limit=limit)
        results.summary_set, results.summary_count = str(bbc), min(limit or 10**9, sum(1 for _ in read_lines(bbc)))
        results.seconds["summaries"] = time.perf_counter() - started
    if uci:
        started = time.perf_counter()
        results.stories = evaluate_stories(uci, baseline=baselines, limit=limit)
        results.story_set, results.story_count = str(uci), min(limit or 10**9, sum(1 for _ in read_lines(uci)))
        results.seconds["stories"] = time.perf_counter() - started
    if bbc and pairs:
        started = time.perf_counter()
        results.duplicates = evaluate_duplicates(bbc, pairs)
        results.duplicate_set = str(pairs)
        results.seconds["duplicates"] = time.perf_counter() - started
    return results


def format_table(results: Results) -> str:
    lines = []
    if results.summaries:
        lines.append(f"Summaries: {results.summary_set} ({results.summary_count} articles, k = reference sentences)")
        lines.append(f"  {'system':28s} {'ROUGE-1':>8s} {'ROUGE-2':>8s} {'ROUGE-L':>8s}")
        for name, m in results.summaries.items():
            lines.append(f"  {name:28s} {m['rouge1']:8.4f} {m['rouge2']:8.4f} {m['rougeL']:8.4f}")
            if "key_leans_back" in m:
                lines.append(
                    f"  {'':28s} key sentences that lean back: {m['key_leans_back']:.2%}"
                    f" (a key sentence found for {m['key_found']:.0%} of articles)"
                )
    if results.stories:
        lines.append(f"Stories: {results.story_set} ({results.story_count} items)")
        lines.append(f"  {'system':28s} {'B3-P':>7s} {'B3-R':>7s} {'B3-F1':>7s} {'ARI':>7s} {'NMI':>7s} {'stories':>8s}")
        for name, m in results.stories.items():
            lines.append(
                f"  {name:28s} {m['precision']:7.4f} {m['recall']:7.4f} {m['f1']:7.4f} {m['ari']:7.4f} {m['nmi']:7.4f} {int(m['clusters']):8d}"
            )
    if results.duplicates:
        d = results.duplicates
        lines.append(f"Duplicates: {results.duplicate_set} (silver near-duplicate pairs)")
        lines.append(
            f"  precision {d['precision']:.4f}  recall {d['recall']:.4f}  ({int(d['predicted_pairs'])} pairs found, {int(d['gold_pairs'])} gold)"
        )
    return "\n".join(lines)


def to_json(results: Results) -> str:
    return json.dumps(results.as_dict(), indent=2)
