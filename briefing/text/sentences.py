"""Offline sentence and word tokenizer, and the adapter that lets sumy use it.

Why our own splitter instead of a library: sumy's `Tokenizer("english")` needs NLTK's punkt data,
which must be downloaded (forbidden here). Of the packaged splitters, pysbd keeps quotes whole but
takes about 6.5 ms for a BBC article (more than TextRank itself), and syntok takes 1.3 ms but
breaks inside quotations ("Why did we deal with Stalin? Because ..."). This splitter is a single
regular-expression pass with an abbreviation list and quote tracking: it keeps quotes whole like
pysbd, runs in a small fraction of the time (see bench/), and returns verbatim slices of its input,
so every summary sentence is exactly as the source wrote it.
"""

from __future__ import annotations

import re

# Words that end with a period without ending a sentence. Lower-case, without the final period.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms messrs dr prof sen sens rep reps gov govs gen lt col maj sgt capt cmdr adm cpl pvt
    pres supt det insp rev fr sr jr st mt ft ave blvd rd hon amb atty
    inc corp ltd co cos llc plc bros dept univ assn est
    no nos vol vols pp fig figs approx vs etc al cf ca op cit ibid
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    a.m p.m u.s u.k u.n e.u d.c n.y l.a u.s.a a.k.a i.e e.g ph.d b.a m.a
    ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss mo mont
    neb nev okla ore pa penn tenn tex va vt wash wis wyo
    """.split()
)

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then white space.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
# What may start the next sentence: an upper-case letter or digit, maybe after an opening mark.
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9À-Ý]")
_WORD_BEFORE = re.compile(r"([\w.&'’-]+)$")
_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")
SPLIT_INSIDE_QUOTES = True  # a full stop inside a quotation ends a sentence; ? and ! do not
_OPENERS = "“"
_CLOSERS = "”"


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences, each a verbatim (stripped) slice of the input."""
    text = paragraph.strip()
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    depth = 0  # open curly double quotes
    straight_open = False  # inside a straight double quote
    scanned = 0
    for match in _BOUNDARY.finditer(text):
        segment = text[scanned : match.end()]
        depth = max(0, depth + segment.count(_OPENERS) - segment.count(_CLOSERS))
        if segment.count('"') % 2:
            straight_open = not straight_open
        scanned = match.end()
        if not _NEXT_START.match(text, match.end()):
            continue
        punct = match.group(0)
        if (depth or straight_open) and not punct.rstrip("\"'”’)]").endswith("."):
            continue  # a ? or ! inside a quotation does not end the sentence around it
        if (depth or straight_open) and not punct.endswith(("”", '"')) and not SPLIT_INSIDE_QUOTES:
            continue
        if punct.startswith(".") and not punct.startswith("...") and _is_abbreviation(text, match.start()):
            if not (_is_dotted(text, match.start()) and _opens_sentence(text, match.end())):
                continue
        sentence = text[start : match.end()].strip()
        if sentence:
            sentences.append(sentence)
        start = match.end()
        depth = 0
        straight_open = False
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _is_abbreviation(text: str, dot: int) -> bool:
    found = _WORD_BEFORE.search(text, max(0, dot - 40), dot)  # only the word before the dot
    if not found:
        return False
    word = found.group(1).lower().strip("'’-")
    if word in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "John F. Kennedy", "(R., S.C.)"
    # dotted forms such as "U.S" or "S.C" (the final period is the one we are looking at)
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


# After "U.S." or "p.m.", these words start a new sentence ("... than does the U.S. The Iranian ...").
_OPENERS_AFTER_ACRONYM = frozenset(
    "the a an he she it they we i this that these those there but and in on at for its his her their"
    " our however meanwhile still yet so if when while after before as".split()
)


def _is_dotted(text: str, dot: int) -> bool:
    found = _WORD_BEFORE.search(text, max(0, dot - 40), dot)
    return bool(found and re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", found.group(1)))


def _opens_sentence(text: str, end: int) -> bool:
    following = re.match(r"\s+[\"'“‘(]*([A-Za-z]+)", text[end:])
    return bool(following and following.group(1).lower() in _OPENERS_AFTER_ACRONYM and following.group(1)[0].isupper())


def split_words(sentence: str) -> list[str]:
    """Words of a sentence, keeping inner apostrophes, hyphens and dotted abbreviations."""
    return _WORD.findall(sentence)


class SumyTokenizer:
    """The object sumy's PlaintextParser needs: `language`, `to_sentences`, `to_words`."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return split_sentences(paragraph)

    def to_words(self, sentence: str) -> list[str]:
        return split_words(sentence)
