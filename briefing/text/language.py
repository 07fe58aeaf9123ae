"""Each article's language, and the words of each language that never name a topic.

Detector: py3langid (a maintained fork of langid.py: 97 languages, the model ships in the wheel, no
download). Measured on the 470 entries of the real feeds in tests/data/feeds_realworld_rssparser
whose feed declares a language (title and text): py3langid 0.94 correct at 0.27 ms an entry,
lingua-language-detector 0.94 at 17.5 ms (2.3 ms in its low-accuracy mode, 0.936), so py3langid.
Every miss of both was an entry with no language to find (release notes that are a version number)
or a feed that declares Kannada and writes English. A guess below `MIN_CONFIDENCE` is no answer.

Stop words: English keeps sumy's list (what summaries and grouping were tuned with); other languages
use stopwordsiso. Weekday and month names come from Babel's CLDR data, relative day words
("today", "ontem", "gestern") from a short list here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from briefing.models import Article

MIN_CONFIDENCE = 0.5
# the headline and the opening are enough: 800 characters tell the same language as 1,500 for all
# 1,366 entries of the real feeds in tests/data, at 0.27 ms instead of 0.44 (Reuters articles)
_SAMPLE_CHARS = 800
_WORDS = re.compile(r"[^\W\d_]+")
# Languages whose wide weekday and month names are left out of every label, whatever the article's
# language (a Portuguese weekday in an English line is still a weekday). Abbreviations ("out", "set",
# "ago" in Portuguese) are English words: they count only within their own language.
COMMON_LANGUAGES = (
    "en de fr es pt it nl sv da nb fi pl cs sk ro hu tr id ru uk el ca hr sl et lv lt".split()
)
# Another language's month that is an English name: the planet stays a topic in an English story.
_NOT_ACROSS_LANGUAGES = frozenset({"mars"})
_RELATIVE_DAYS: dict[str, str] = {
    "en": "today yesterday tomorrow tonight weekend",
    "pt": "hoje ontem amanhã anteontem fim-de-semana",
    "es": "hoy ayer mañana anteayer",
    "de": "heute gestern morgen vorgestern übermorgen wochenende",
    "fr": "aujourd'hui aujourd’hui hier demain week-end",
    "it": "oggi ieri domani",
    "nl": "vandaag gisteren morgen weekend",
}


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


# English told by its function words before the model is asked (hand-written, and measurably
# better: the model costs 0.9 s to load and 0.27 ms a text). A text of eight words or more, nearly
# all ASCII, of which 15% or more are these words, is English: so were all 501 BBC dev articles,
# 1,644 of 2,000 Reuters articles, 359 of 400 AG items and 773 of 1,366 real feed entries, and
# py3langid agreed on every one but five English headlines it called Nigerian Pidgin ("Chiquita
# and Fyffes join to make world's biggest banana firm"). No text in another language passed.
_ENGLISH_FUNCTION_WORDS = frozenset(
    "the of and to in is that for on with as was at by it from are be has have said will an its his"
    " he this who after were been their not".split()
)
_ENGLISH_SHARE = 0.15


def _plainly_english(words: list[str]) -> bool:
    if len(words) < 8 or sum(1 for w in words if not w.isascii()) > 0.02 * len(words):
        return False
    return sum(w in _ENGLISH_FUNCTION_WORDS for w in words) >= _ENGLISH_SHARE * len(words)


def classify(text: str) -> tuple[str | None, float, int]:
    """The most likely language of the text, its probability and how many letters it was told from."""
    sample = text[:_SAMPLE_CHARS]
    words = _WORDS.findall(sample.lower())
    letters = sum(map(len, words))
    if letters < 12:
        return None, 0.0, letters
    if _plainly_english(words):
        return "en", 1.0, letters
    code, confidence = _identifier().classify(sample)
    return str(code), float(confidence), letters


def detect(text: str) -> str | None:
    """The ISO 639-1 code of the text's language, or None when it cannot be told."""
    code, confidence, _ = classify(text)
    return code if confidence >= MIN_CONFIDENCE else None


@functools.lru_cache(maxsize=65536)
def _classify_cached(title: str, fingerprint: str, opening: str) -> tuple[str | None, float, int]:
    return classify(f"{title}. {opening}")


def _classification(article: Article) -> tuple[str | None, float, int]:
    """Headline and opening paragraphs, classified once per text."""
    opening = " ".join(article.paragraphs[:4])[:_SAMPLE_CHARS]
    return _classify_cached(article.title, article.fingerprint, opening)


def language_of(article: Article) -> str | None:
    """The article's language, or None when it cannot be told."""
    code, confidence, _ = _classification(article)
    return code if confidence >= MIN_CONFIDENCE else None


# Grouping and sentence comparison use a language's own rules only for a sure guess: a headline alone
# is often guessed wrong, and English rules are what the grouping was tuned with. On UCI dev (3,481
# English headlines), py3langid calls 11 of them another language at 0.5 to 0.62 ("UPDATE 1-Fox
# exec raises questions on Comcast-Time Warner Cable merger" is French at 0.503, stemmed "tim warn"
# it left its story); Jornal de Notícias' and heise's items are told at 0.83 and up.
SURE_CONFIDENCE = 0.65


def sure_language_of(article: Article) -> str | None:
    """The article's language where the guess is sure (at least `SURE_CONFIDENCE`), else None."""
    code, confidence, _ = _classification(article)
    return code if confidence >= SURE_CONFIDENCE else None


def keep_languages(articles: Iterable[Article], languages: Iterable[str] | None) -> list[Article]:
    """Only the articles in one of `languages` (all of them when None).

    An article whose language cannot be told (a headline of a few words, a version number) is kept:
    dropping it would drop short items of every language. A headline alone often tells, though not
    surely: a guess that is not sure (at least `FILTER_CONFIDENCE`) still drops an article from a
    briefing that asked for other languages ("Fernanda Melchionna: a Primavera Feminista vai
    derrotar Bolsonaro nas ruas e nas urnas!" is Portuguese at 0.44).
    """
    wanted = {code.lower() for code in languages} if languages else None
    if not wanted:
        return list(articles)
    out = []
    for article in articles:
        found = language_of(article) or _guess(article)
        if found is None or found in wanted:
            out.append(article)
    return out


FILTER_CONFIDENCE = 0.3


def _guess(article: Article) -> str | None:
    code, confidence, letters = _classification(article)
    return code if letters >= 20 and confidence >= FILTER_CONFIDENCE else None


@functools.lru_cache(maxsize=128)
def stop_words(lang: str | None) -> frozenset[str]:
    """Lower-case stop words of a language (English for None or a language without a list)."""
    code = (lang or "en").lower().split("-")[0]
    if code != "en":
        import stopwordsiso

        if stopwordsiso.has_lang(code):
            return frozenset(w.lower() for w in stopwordsiso.stopwords(code))
    from sumy.utils import get_stop_words

    return frozenset(get_stop_words("english"))


@functools.lru_cache(maxsize=128)
def date_words(lang: str | None) -> frozenset[str]:
    """Lower-case weekday and month names (wide and abbreviated) and relative day words of a language."""
    code = (lang or "en").lower().split("-")[0]
    words = set(_RELATIVE_DAYS.get(code, "").split())
    words.update(_calendar_names(code, abbreviated=True))
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def all_date_words() -> frozenset[str]:
    """Wide weekday and month names and relative day words of every common language."""
    words: set[str] = set()
    for code in COMMON_LANGUAGES:
        words.update(_calendar_names(code, abbreviated=False))
        words.update(_RELATIVE_DAYS.get(code, "").split())
    return frozenset(words - _NOT_ACROSS_LANGUAGES)


def _calendar_names(code: str, *, abbreviated: bool) -> set[str]:
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return set()
    widths = ("wide", "abbreviated") if abbreviated else ("wide",)
    names: set[str] = set()
    for table in (locale.days, locale.months):
        for context in ("format", "stand-alone"):
            for width in widths:
                for name in table.get(context, {}).get(width, {}).values():
                    names.add(str(name).lower().rstrip("."))
    return names
