"""The terms of a text by the rules of its language: words, lower-cased, stop words out, stemmed.

Grouping (briefing/clustering.py) compares texts by these terms. Each language keeps its own stop
words and English's (feeds of every language quote English names and phrases) and its own Snowball
stemmer where sumy has one (English's otherwise).
"""

from __future__ import annotations

import functools
import re
from typing import Any

# sumy's stemmers load on first use: a run with nothing new never needs them (sumy imports nltk,
# most of a second).
_STEMS: dict[tuple[str, str], str] = {}
# sumy's Snowball stemmers by ISO 639-1 code. A language without one is stemmed as English, as
# everything was before languages were told apart: py3langid calls a few English headlines Nigerian
# Pidgin ("pcm"), and English rules are what suits those (UCI dev B3-F1 .9134 keeping their words'
# form, .9136 stemmed as English).
_SNOWBALL = {
    "en": "english", "pt": "portuguese", "de": "german", "es": "spanish", "fr": "french", "it": "italian",
    "nl": "dutch", "sv": "swedish", "da": "danish", "nb": "norwegian", "no": "norwegian", "fi": "finnish",
    "hu": "hungarian", "ro": "romanian", "ru": "russian", "cs": "czech", "sk": "slovak", "uk": "ukrainian",
}


@functools.lru_cache(maxsize=32)
def _stemmer(lang: str) -> Any:
    from sumy.nlp.stemmers import Stemmer

    try:
        return Stemmer(_SNOWBALL.get(lang, "english"))
    except LookupError:  # a language sumy's build lacks
        return Stemmer("english")


def stem(word: str, lang: str = "en") -> str:
    """The Snowball stem of a lower-case word in its language (computed once per word per process)."""
    found = _STEMS.get((lang, word))
    if found is None:
        found = _STEMS[(lang, word)] = str(_stemmer(lang)(word))
    return found


@functools.lru_cache(maxsize=64)
def stop_words_for(lang: str = "en") -> frozenset[str]:
    """The stop words ignored in a text of this language: its own list and English's (feeds of every
    language quote English names and phrases)."""
    from briefing.text.language import stop_words

    return stop_words("en") | stop_words(lang) if lang != "en" else stop_words("en")


def _language_code(lang: str | None) -> str:
    return (lang or "en").lower().split("-")[0]


WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+[\w.]*")


def tokens(text: str, lang: str | None = None) -> list[str]:
    """Stemmed words of a text without stop words, by the rules of its language (ISO 639-1; None is
    English): that language's stop words and English's, and its Snowball stemmer (English's where sumy
    has none)."""
    code = _language_code(lang)
    table = _token_table(code)  # word -> its stem, or "" for a stop word: one look-up a word
    out = []
    for word in WORD.findall(text.lower()):
        found = table.get(word)
        if found is None:
            found = table[word] = "" if len(word) < 2 or word in stop_words_for(code) else stem(word, code)
        if found:
            out.append(found)
    return out


@functools.lru_cache(maxsize=64)
def _token_table(lang: str) -> dict[str, str]:
    return {}


