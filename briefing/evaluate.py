"""`briefing eval DATA_DIR`: measure summaries, stories and duplicates on labelled data.

The data folder is laid out like the project's evaluation data (nothing of it ships in the package):

    DATA_DIR/bbc_news_summary/*.jsonl              articles with reference_summary_sentences
    DATA_DIR/*/*.jsonl                             any other set whose lines carry a reference summary
                                                   (a CNN/DailyMail-style news sample, say): measured alike
    DATA_DIR/bbc_news_summary/*pairs*.jsonl        silver duplicate pairs (id_a, id_b, silver_label)
    DATA_DIR/uci_news_aggregator_stories/*.jsonl   headlines with gold story ids
    DATA_DIR/ag_news_topics/*.jsonl                short feed items (title + description), no stories

Summaries: ROUGE-1/2/L F1 (rouge-score, stemming on) against the reference with k = the number of
reference sentences, for the default configuration, lead-k and every stock sumy algorithm, all
measured in the same run on the same sentences. Stories: B-cubed precision/recall/F1, ARI and NMI of
`briefing group`'s story against the gold ids, next to TF-IDF average-link clustering. Duplicates:
precision and recall of `briefing group`'s duplicate_of pairs against the silver near-duplicate pairs.

Mixed stream (stories must be events, not feeds): the UCI stories with their timestamps plus every
AG News item as a story of its own, each AG category one source named after it, the AG times drawn
at random (fixed seed) over the UCI time range. Reported: B-cubed on the mix, B-cubed of the UCI
items within the mix, and the share of AG items put in a story with another AG item ("glued").
One edition of BBC articles (one source, no times): the sizes of the stories it forms.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from briefing.batch import group_records
from briefing.errors import BriefingError
from briefing.jsonl import Record, read_articles, read_lines
from briefing.models import Article
from briefing.summarize import ALGORITHMS, leans_back, summarize
from briefing.text.boilerplate import without_dateline
from briefing.text.sentences import split_sentences

STOCK = ("textrank", "lexrank", "lsa", "luhn", "edmundson", "sumbasic", "kl", "reduction", "random")


@dataclass
class Results:
    summaries: dict[str, dict[str, float]] = field(default_factory=dict)  # system -> metric -> value
    summary_set: str = ""
    summary_count: int = 0
    # every summary set found, BBC's first (its figures are also `summaries` above): path -> system -> metric
    summary_sets: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    summary_counts: dict[str, int] = field(default_factory=dict)
    stories: dict[str, dict[str, float]] = field(default_factory=dict)
    story_set: str = ""
    story_count: int = 0
    duplicates: dict[str, float] = field(default_factory=dict)
    duplicate_set: str = ""
    mixed: dict[str, float] = field(default_factory=dict)
    mixed_set: str = ""
    edition: dict[str, Any] = field(default_factory=dict)
    edition_set: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__


def _find(folder: Path, pattern: str, *, pairs: bool) -> Path | None:
    found = sorted(p for p in folder.glob(pattern) if ("pairs" in p.name) == pairs)
    return found[0] if found else None


def _summary_sets(data_dir: Path) -> list[Path]:
    """Every JSON Lines file one folder down whose first line carries a reference summary, BBC's first."""
    found = []
    for path in sorted(data_dir.glob("*/*.jsonl")):
        if "pairs" in path.name:
            continue
        first = next(read_lines(path), None)
        if first and (first[1].get("reference_summary_sentences") or first[1].get("reference_summary")):
            found.append(path)
    return sorted(found, key=lambda p: (p.parent.name != "bbc_news_summary", str(p)))


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
        paragraphs=without_dateline(tuple(p.strip() for p in text.split("\n\n") if p.strip())),
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
        replace(r, article=replace(r.article, source=publisher, label=publisher))
        for r, publisher in ((r, str(r.raw.get("publisher") or r.article.label)) for r in records)
    ]


def _average_link(titles: Sequence[str], threshold: float = 0.9) -> list[int]:
    """The reference point from the issue: TF-IDF vectors, average-link, cosine distance threshold."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    from briefing.text.terms import tokens

    vectors = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None, sublinear_tf=True).fit_transform(titles)
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


MIX_SEED = 14


def mixed_stream(uci: Path, ag: Path, *, seed: int = MIX_SEED, limit: int | None = None) -> tuple[list[Record], list[str]]:
    """The UCI stories plus every AG item as a singleton (AG category = source, random UCI-range times); gold ids."""
    import random
    from dataclasses import replace

    stories = _with_sources(read_articles(uci, need_text=False)[:limit])
    singles = read_articles(ag, need_text=False)[:limit]
    times = [r.article.published for r in stories if r.article.published]
    if not times:
        raise BriefingError(f"{uci}: the stories carry no 'published' times")
    start, span = min(times), (max(times) - min(times)).total_seconds()
    rng = random.Random(seed)
    spread = []
    for r in singles:
        category = str(r.raw.get("category") or "ag")
        when = start + timedelta(seconds=rng.uniform(0, span))
        spread.append(replace(r, article=replace(r.article, source=category, label=category, published=when)))
    records = sorted([*stories, *spread], key=lambda r: (r.article.published or start, r.article.id))
    gold = [str(r.raw["story"]) if "story" in r.raw else f"single:{r.article.id}" for r in records]
    return records, gold


def evaluate_mixed(uci: Path, ag: Path, *, seed: int = MIX_SEED, limit: int | None = None) -> dict[str, float]:
    records, gold = mixed_stream(uci, ag, seed=seed, limit=limit)
    predicted = [row["story"] for row in group_records(records)]
    single = [g.startswith("single:") for g in gold]
    p, r, f = bcubed(predicted, gold)
    inner = [(pr, g) for pr, g, s in zip(predicted, gold, single, strict=False) if not s]
    _, _, uci_f = bcubed([x for x, _ in inner], [g for _, g in inner])
    singles_per_story = Counter(pr for pr, s in zip(predicted, single, strict=False) if s)
    glued = sum(1 for pr, s in zip(predicted, single, strict=False) if s and singles_per_story[pr] > 1)
    return {
        "precision": p, "recall": r, "f1": f, "uci_f1": uci_f,
        "glued": glued / max(1, sum(single)),
        "items": float(len(records)), "singletons": float(sum(single)), "clusters": float(len(set(predicted))),
    }


def evaluate_edition(path: Path, *, limit: int | None = None) -> dict[str, Any]:
    """Group a set of articles as one edition of one source (no times) and describe the story sizes."""
    from dataclasses import replace

    records = [replace(r, article=replace(r.article, source="edition", label="Edition")) for r in read_articles(path, need_text=True)[:limit]]
    sizes = sorted(Counter(row["story"] for row in group_records(records)).values(), reverse=True)
    return {
        "articles": len(records), "stories": len(sizes), "largest": sizes[0] if sizes else 0,
        "alone": sum(1 for s in sizes if s == 1), "sizes": dict(sorted(Counter(sizes).items())),
    }


def evaluate(data_dir: Path, *, limit: int | None = None, baselines: bool = True) -> Results:
    """Every measurement whose data is present under `data_dir`."""
    if not data_dir.is_dir():
        raise BriefingError(f"{data_dir}: no such folder (pass the evaluation data folder, e.g. ../shared/data)")
    results = Results()
    bbc = _find(data_dir / "bbc_news_summary", "*.jsonl", pairs=False)
    pairs = _find(data_dir / "bbc_news_summary", "*.jsonl", pairs=True)
    uci = _find(data_dir / "uci_news_aggregator_stories", "*.jsonl", pairs=False)
    summary_sets = _summary_sets(data_dir)
    if not (summary_sets or uci):
        raise BriefingError(
            f"{data_dir}: found no summary set (*/*.jsonl with reference_summary) and no uci_news_aggregator_stories/*.jsonl"
        )
    started = time.perf_counter()
    for path in summary_sets:
        measured = evaluate_summaries(path, systems=STOCK if baselines else (), limit=limit)
        results.summary_sets[str(path)] = measured
        results.summary_counts[str(path)] = min(limit or 10**9, sum(1 for _ in read_lines(path)))
    if summary_sets:
        results.summary_set = str(summary_sets[0])
        results.summaries = results.summary_sets[results.summary_set]
        results.summary_count = results.summary_counts[results.summary_set]
        results.seconds["summaries"] = time.perf_counter() - started
    if uci:
        started = time.perf_counter()
        results.stories = evaluate_stories(uci, baseline=baselines, limit=limit)
        results.story_set, results.story_count = str(uci), min(limit or 10**9, sum(1 for _ in read_lines(uci)))
        results.seconds["stories"] = time.perf_counter() - started
    ag = _find(data_dir / "ag_news_topics", "*.jsonl", pairs=False)
    if uci and ag:
        started = time.perf_counter()
        results.mixed = evaluate_mixed(uci, ag, limit=limit)
        results.mixed_set = f"{uci} + {ag}"
        results.seconds["mixed"] = time.perf_counter() - started
    if bbc:
        started = time.perf_counter()
        results.edition = evaluate_edition(bbc, limit=limit)
        results.edition_set = str(bbc)
        results.seconds["edition"] = time.perf_counter() - started
    if bbc and pairs:
        started = time.perf_counter()
        results.duplicates = evaluate_duplicates(bbc, pairs)
        results.duplicate_set = str(pairs)
        results.seconds["duplicates"] = time.perf_counter() - started
    return results


def format_table(results: Results) -> str:
    lines = []
    for summary_set, systems in results.summary_sets.items():
        lines.append(f"Summaries: {summary_set} ({results.summary_counts[summary_set]} articles, k = reference sentences)")
        lines.append(f"  {'system':28s} {'ROUGE-1':>8s} {'ROUGE-2':>8s} {'ROUGE-L':>8s}")
        for name, m in systems.items():
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
    if results.mixed:
        m = results.mixed
        lines.append(f"Mixed stream: {results.mixed_set} ({int(m['items'])} items, {int(m['singletons'])} singletons)")
        lines.append(
            f"  B3-P {m['precision']:.4f}  B3-R {m['recall']:.4f}  B3-F1 {m['f1']:.4f}  UCI-in-mix B3-F1 {m['uci_f1']:.4f}"
            f"  singletons glued {100 * m['glued']:.1f}%  ({int(m['clusters'])} stories)"
        )
    if results.edition:
        e = results.edition
        sizes = ", ".join(f"{size}: {count}" for size, count in e["sizes"].items())
        lines.append(f"One edition: {results.edition_set} ({e['articles']} articles as one source)")
        lines.append(f"  {e['stories']} stories, largest {e['largest']}, {e['alone']} alone; stories by size {{{sizes}}}")
    if results.duplicates:
        d = results.duplicates
        lines.append(f"Duplicates: {results.duplicate_set} (silver near-duplicate pairs)")
        lines.append(
            f"  precision {d['precision']:.4f}  recall {d['recall']:.4f}  ({int(d['predicted_pairs'])} pairs found, {int(d['gold_pairs'])} gold)"
        )
    return "\n".join(lines)


def to_json(results: Results) -> str:
    return json.dumps(results.as_dict(), indent=2)
