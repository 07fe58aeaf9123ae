"""Benchmark briefing against a baseline measured in the same run.

    .venv/bin/python bench/run.py --data ../shared/data [--sizes 1000,10000] [--against main] [--out bench/results/latest.json]

Builds corpora of unique real items from the evaluation data (Reuters-21578 wire articles mixed with
AG News feed items and UCI headlines, one fixed shuffle; no made-up copies) and measures:

- `briefing run` end to end over a `files` source holding the corpus, into a fresh store: wall time,
  CPU time and peak memory (RSS) from /usr/bin/time, and the seconds per stage (`--stats`);
- the same run again with nothing new;
- `briefing summarize` throughput with the default configuration, next to the baseline: sumy's own
  Reduction summarizer (the algorithm the default builds on) on the same articles through sumy's
  PlaintextParser with a plain regular-expression sentence splitter, in one process;
- `briefing group` on the largest corpus;
- with `--against REF` (a git commit, branch or tag), the same first `briefing run` with the code of
  REF (exported with `git archive`, put first on PYTHONPATH) on the same corpora, in the same run,
  and each stage's seconds as a ratio to it: the machine is shared, so only same-run ratios compare.

It prints one table and writes the same figures as JSON, so runs can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def load_articles(data: Path) -> list[dict[str, str]]:
    """Unique real items: Reuters-21578 wire articles, AG News feed items and UCI headlines, shuffled once.

    Every item is a different real text (no made-up copies): long articles and short feed items
    mixed the way a day of feeds mixes them. The order is a fixed shuffle, so a corpus of n items is
    the first n and the larger corpus holds the smaller one.
    """
    import random

    rows: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for folder, pattern in (("reuters21578", "*.jsonl"), ("ag_news_topics", "*.jsonl"), ("uci_news_aggregator_stories", "*.jsonl")):
        for path in sorted((data / folder).glob(pattern)):
            for line in path.read_text(encoding="utf-8").splitlines():
                r = json.loads(line)
                key = (r["title"].strip().lower(), r["text"].strip())
                if key in seen or not r["title"].strip():
                    continue
                seen.add(key)
                rows.append({"title": r["title"], "text": r["text"] or r["title"], "origin": folder})
    if not rows:
        sys.exit(f"bench: no articles under {data} (expected reuters21578/*.jsonl)")
    random.Random(21578).shuffle(rows)
    return rows


def corpus(rows: list[dict[str, str]], size: int) -> list[dict[str, str]]:
    if size > len(rows):
        sys.exit(f"bench: {size} articles asked for, the data holds {len(rows)} unique ones")
    return [{"id": f"a{i}", "title": r["title"], "text": r["text"]} for i, r in enumerate(rows[:size])]


def write_files(articles: list[dict[str, str]], folder: Path) -> None:
    folder.mkdir(parents=True)
    for a in articles:
        (folder / f"{a['id']}.txt").write_text(f"{a['title']}\n\n{a['text']}\n", encoding="utf-8")


def write_jsonl(articles: list[dict[str, str]], path: Path) -> None:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")


def write_config(folder: Path, corpus_dir: Path) -> Path:
    config = f"""timezone: UTC
store: {folder / 'state.sqlite3'}
output_dir: {folder / 'public'}
site: {{title: Bench, base_url: "http://localhost:8000/"}}
sources:
  - {{name: corpus, type: files, path: {corpus_dir}, label: Wire}}
briefings:
  - {{name: daily, style: must_reads, title: Daily, schedule: "0 6 * * *", timezone: UTC, stories: 10}}
email: {{from: "Bench <bench@localhost>", recipients: [reader@example.com], outbox: {folder / 'outbox'}}}
"""
    path = folder / "config.yaml"
    path.write_text(config, encoding="utf-8")
    return path


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a command under /usr/bin/time -v: wall and CPU seconds, peak RSS in MB."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", *command], cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(command)} failed:\n{result.stderr[-2000:]}")

    def field(name: str) -> float:
        found = re.search(rf"{re.escape(name)}: ([\d.:]+)", result.stderr)
        return float(found.group(1)) if found else 0.0

    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(field("User time (seconds)") + field("System time (seconds)"), 3),
        "peak_rss_mb": round(field("Maximum resident set size (kbytes)") / 1024, 1),
    }


def first_run(python: str, articles: list[dict[str, str]], folder: Path, code: Path = ROOT) -> dict[str, object]:
    """`briefing run` over a files source holding the articles, into a fresh store: times and stages."""
    corpus_dir = folder / "corpus"
    write_files(articles, corpus_dir)
    config = write_config(folder, corpus_dir)
    stats = folder / "stats.json"
    command = [python, "-m", "briefing", "run", "-q", "-c", str(config), "--now", "2014-06-23T06:00", "--stats", str(stats)]
    # `python -m` puts the working directory first on sys.path: run from the code to be timed
    env = {**os.environ, "PYTHONPATH": str(code)}
    first: dict[str, object] = dict(timed(command, code, env))
    first["stages"] = json.loads(stats.read_text())["stages"]
    first["new_articles"] = json.loads(stats.read_text())["new_articles"]
    return first


def export(ref: str, work: Path) -> Path:
    """The code of a git commit, branch or tag, as a folder to run `python -m briefing` from."""
    folder = work / "against"
    folder.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def measure(python: str, articles: list[dict[str, str]], size: int, work: Path, against: Path | None = None) -> dict[str, object]:
    folder = work / f"n{size}"
    config = folder / "config.yaml"
    briefing = [python, "-m", "briefing"]
    base: dict[str, object] | None = None
    if against is not None:  # the baseline code first, on its own copy of the corpus and a fresh store
        base = first_run(python, articles, work / f"against-n{size}", against)
    first = first_run(python, articles, folder)
    again = timed([*briefing, "run", "-q", "-c", str(config), "--now", "2014-06-23T07:00"], ROOT)
    jsonl = folder / "articles.jsonl"
    write_jsonl(articles, jsonl)
    summarize = timed([*briefing, "summarize", str(jsonl), "-o", str(folder / "summaries.jsonl")], ROOT)
    baseline = timed([python, str(HERE / "baseline_summarize.py"), str(jsonl), str(folder / "baseline.jsonl")], ROOT)
    steady = json.loads(subprocess.run(
        [python, str(HERE / "throughput.py"), str(jsonl)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout)
    return {
        "against": base,
        "steady": {
            **steady,
            "briefing_per_s": round(size / steady["briefing_s"], 1),
            "baseline_per_s": round(size / steady["baseline_s"], 1),
            "speedup": round(steady["baseline_s"] / steady["briefing_s"], 2),
        },
        "size": size,
        "run": first,
        "rerun": again,
        "summarize": {**summarize, "articles_per_s": round(size / summarize["wall_s"], 1)},
        "baseline_summarize": {**baseline, "articles_per_s": round(size / baseline["wall_s"], 1)},
        "summarize_speedup": round(baseline["wall_s"] / summarize["wall_s"], 2),
    }


def rouge(python: str, data: Path) -> dict[str, float]:
    """ROUGE of the default summarizer on the BBC dev set (unchanged by speed work?)."""
    code = (
        "import json,sys; from pathlib import Path; from briefing.evaluate import evaluate_summaries, _find;"
        f"p=_find(Path({str(data)!r})/'bbc_news_summary','*.jsonl',pairs=False);"
        "r=evaluate_summaries(p, systems=()); print(json.dumps(r))"
    )
    out = subprocess.run([python, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out)["briefing default (ensemble)"]


def group(python: str, articles: list[dict[str, str]], work: Path) -> dict[str, float]:
    jsonl = work / "group.jsonl"
    write_jsonl(articles, jsonl)
    return timed([python, "-m", "briefing", "group", str(jsonl), "-o", str(work / "groups.jsonl")], ROOT)


def table(results: dict[str, object]) -> str:
    lines = ["", f"briefing benchmark ({results['cpus']} cores, Python {results['python']})", ""]
    head = f"{'measure':44s}" + "".join(f"{str(r['size']) + ' articles':>16s}" for r in results["sizes"])  # type: ignore[index]
    lines.append(head)
    sizes = results["sizes"]  # type: ignore[assignment]

    def row(name: str, get) -> None:  # type: ignore[no-untyped-def]
        lines.append(f"{name:44s}" + "".join(f"{get(r):>16}" for r in sizes))

    row("run, new articles: wall s", lambda r: f"{r['run']['wall_s']:.2f}")
    row("run, new articles: CPU s", lambda r: f"{r['run']['cpu_s']:.2f}")
    row("run, new articles: peak RSS MB", lambda r: f"{r['run']['peak_rss_mb']:.0f}")
    row("run, new articles: ms per article", lambda r: f"{1000 * r['run']['wall_s'] / r['size']:.2f}")
    stages = sorted({s for r in sizes for s in r["run"]["stages"]})
    for stage in stages:
        row(f"  {stage} s", lambda r, stage=stage: f"{r['run']['stages'].get(stage, 0):.2f}")
    if len(sizes) > 1:
        import math

        small, large = sizes[0], sizes[-1]
        ratio = math.log(large["size"] / small["size"])
        for stage in stages:
            a, b = small["run"]["stages"].get(stage, 0), large["run"]["stages"].get(stage, 0)
            growth = f"n^{math.log(b / a) / ratio:.2f}" if a > 0 and b > 0 else "-"
            lines.append(f"{'  ' + stage + ': grows as':44s}{growth:>16}")
    if all(r.get("against") for r in sizes):
        lines.append(f"against {results['against']} (same corpora, same run): that code's s -> this code's s (ratio)")

        def compare(name: str, get, digits: int = 2) -> None:  # type: ignore[no-untyped-def]
            cells = []
            for r in sizes:
                this, that = get(r["run"]), get(r["against"])
                cells.append(f"{that:.{digits}f} -> {this:.{digits}f} ({this / that:.2f}x)" if that else "-")
            lines.append(f"{name:44s}" + "".join(f"{c:>24}" for c in cells))

        compare("  run, new articles: wall s", lambda x: x["wall_s"])
        compare("  run, new articles: peak RSS MB", lambda x: x["peak_rss_mb"], 0)
        for stage in stages:
            compare(f"  {stage} s", lambda x, stage=stage: x["stages"].get(stage, 0))
        if len(sizes) > 1:
            import math

            small, large = sizes[0], sizes[-1]
            span = math.log(large["size"] / small["size"])
            for stage in stages:
                grows = []
                for key in ("against", "run"):
                    a, b = small[key]["stages"].get(stage, 0), large[key]["stages"].get(stage, 0)
                    grows.append(f"n^{math.log(b / a) / span:.2f}" if a > 0 and b > 0 else "-")
                lines.append(f"{'  ' + stage + ': grows as':44s}{grows[0] + ' -> ' + grows[1]:>24}")
    row("rerun, nothing new: wall s", lambda r: f"{r['rerun']['wall_s']:.2f}")
    row("summarize, steady: articles/s (briefing)", lambda r: f"{r['steady']['briefing_per_s']:.0f}")
    row("summarize, steady: articles/s (sumy baseline)", lambda r: f"{r['steady']['baseline_per_s']:.0f}")
    row("summarize, steady: speed-up", lambda r: f"{r['steady']['speedup']:.1f}x")
    row("summarize command incl. start-up: articles/s", lambda r: f"{r['summarize']['articles_per_s']:.0f}")
    row("baseline command incl. start-up: articles/s", lambda r: f"{r['baseline_summarize']['articles_per_s']:.0f}")
    row("summarize command: speed-up", lambda r: f"{r['summarize_speedup']:.1f}x")
    g = results.get("group")
    if g:
        lines.append(f"{'group ' + str(results['group_size']) + ' articles: wall s / peak RSS MB':44s}{g['wall_s']:>16.2f}{g['peak_rss_mb']:>16.0f}")  # type: ignore[index]
    if results.get("rouge"):
        r = results["rouge"]
        lines.append(f"{'ROUGE-1/2/L of the default (BBC dev)':44s}{r['rouge1']:.4f} / {r['rouge2']:.4f} / {r['rougeL']:.4f}")  # type: ignore[index]
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        per_small = small["run"]["wall_s"] / small["size"]
        per_large = large["run"]["wall_s"] / large["size"]
        lines.append(f"{'cost per article, largest / smallest':44s}{per_large / per_small:>16.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the evaluation data folder (../shared/data)")
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma separated")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--python", default=sys.executable, help="the interpreter with briefing installed")
    parser.add_argument("--against", metavar="REF", help="also time the first run with the code of this git ref (e.g. main)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = load_articles(args.data)
    work = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    try:
        against = export(args.against, work) if args.against else None
        results: dict[str, object] = {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "against": args.against,
            "sizes": [measure(args.python, corpus(rows, n), n, work, against) for n in sizes],
        }
        results["group_size"] = max(sizes)
        results["group"] = group(args.python, corpus(rows, max(sizes)), work)
        results["rouge"] = rouge(args.python, args.data)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table(results))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
