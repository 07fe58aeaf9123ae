"""The baseline for `briefing summarize`: sumy's own Reduction summarizer, one process.

    python bench/baseline_summarize.py INPUT.jsonl OUTPUT.jsonl

The same articles through sumy's PlaintextParser with a plain offline sentence splitter (a regular
expression: sumy's own Tokenizer needs NLTK data that is never downloaded here), three sentences each.
"""

from __future__ import annotations

import json
import re
import sys

from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.reduction import ReductionSummarizer
from sumy.utils import get_stop_words


class PlainTokenizer:
    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return [s for s in re.split(r"(?<=[.!?])\s+", paragraph.strip()) if s]

    def to_words(self, sentence: str) -> list[str]:
        return re.findall(r"\w+", sentence)


def main() -> None:
    summarizer = ReductionSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = PlainTokenizer()
    with open(sys.argv[1], encoding="utf-8") as source, open(sys.argv[2], "w", encoding="utf-8") as out:
        for line in source:
            row = json.loads(line)
            document = PlaintextParser.from_string(row["text"], tokenizer).document
            summary = [str(s) for s in summarizer(document, 3)]
            out.write(json.dumps({"id": row["id"], "summary": summary}) + "\n")


if __name__ == "__main__":
    main()
