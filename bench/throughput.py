"""Steady-state summarization throughput, briefing and the sumy baseline, on the same articles.

    python bench/throughput.py ARTICLES.jsonl

Loads the articles, then times only the summarizing: briefing's default (`summarize_many`, every
core) and the baseline (sumy's own Reduction through PlaintextParser with a plain splitter, one
process, as in baseline_summarize.py). Start-up and file reading are left out of both. Prints JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline_summarize import PlainTokenizer  # noqa: E402

from briefing.jsonl import paragraphs_of  # noqa: E402
from briefing.models import Article  # noqa: E402
from briefing.summarize import summarize_many  # noqa: E402


def main() -> None:
    rows = [json.loads(line) for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()]
    articles = [
        Article(id=r["id"], source="bench", label="", url="", title=r["title"], paragraphs=paragraphs_of(r["text"]), fingerprint=r["id"])
        for r in rows
    ]
    started = time.perf_counter()
    summarize_many(articles)
    ours = time.perf_counter() - started

    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.reduction import ReductionSummarizer
    from sumy.utils import get_stop_words

    summarizer = ReductionSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = PlainTokenizer()
    started = time.perf_counter()
    for r in rows:
        summarizer(PlaintextParser.from_string(r["text"], tokenizer).document, 3)
    baseline = time.perf_counter() - started
    print(json.dumps({"articles": len(rows), "briefing_s": round(ours, 3), "baseline_s": round(baseline, 3)}))


if __name__ == "__main__":
    main()
