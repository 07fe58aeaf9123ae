"""Topic labels: a short phrase naming each story's event, in the story's own language.

Candidates are capitalised phrases, two-word key terms ("auto recalls") and nouns after a
determiner ("more drones"), weighted by how often the story uses them (the headline counts three
times), how early the lead sentence names them, and how many other stories share them (so related
stories gather under "Iraq"); people (a name after "Sen." or before "said") count half. Stop words
of the story's language (briefing/text/language.py) are trimmed from a candidate's ends; a candidate
holding a weekday, month or day word of any common language ("Esta quarta-feira"), or a label too
broad to help ("U.S."), is never a label. A lower-case pair whose second word is followed by a
determiner is a verb phrase ("military flies more drones"), not a key term. Across the stories of
one edition, a surname alone becomes the full name another story carries ("Trump" -> "Donald
Trump"), so one person is one topic.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from briefing.models import Story
from briefing.text.language import all_date_words, date_words, language_of, stop_words

_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
_CAP = (
    r"(?:(?:Mt|St|Ft|Dr|Gen|Sen|Rep|Gov|Lt|Col)\.|[A-Z](?:\.[A-Z])+\.?|[" + _UPPER + r"][\w'’-]*\w|[" + _UPPER + r"])"
)
_PHRASE = re.compile(r"(?<![\w/])" + _CAP + r"(?:[ ](?:of[ ]the|of|de|da|do|dos|das|del|la|von|der|al|bin)?[ ]?" + _CAP + r")*")
_LOWER_PAIR = re.compile(r"(?=\b([a-zà-öø-ÿ][a-zà-öø-ÿ-]{2,})\s+([a-zà-öø-ÿ][a-zà-öø-ÿ-]{2,})\b(\s+[\w’']+)?)")
# Words that open a noun phrase in English: the word after one is a noun (or its adjective), and
# a word followed by one is a verb ("flies more drones").
_DETERMINERS = frozenset(
    "the a an more most many much some several few fewer its their his her our your this these those"
    " another other new two three four five six seven eight nine ten dozens hundreds thousands".split()
)
_DETERMINED = re.compile(
    r"\b(?:" + "|".join(sorted(_DETERMINERS, key=len, reverse=True)) + r")\s+([a-z][a-z-]{3,})\b", re.IGNORECASE
)
_BROAD = frozenset(
    "U.S. U.S US USA America American Americans United States Washington White House Obama Administration"
    " Sunday Monday Tuesday Wednesday Thursday Friday Saturday January February March April May June"
    " July August September October November December Mr. Mrs. Ms. Dr. I The A An In On At It He She"
    " We They This That But And As If For Of By To Update Breaking More New"
    " GMT UTC BST CET CEST EST EDT CST CDT PST PDT ET PT AM PM".split()
)
_ROLE = re.compile(
    r"\b(?:Sen|Rep|Gov|Gen|Mr|Mrs|Ms|Dr|Secretary of State|Secretary|President|Minister|Prime Minister"
    r"|spokesman|spokeswoman|Speaker|Leader|cleric|player|star|coach)\.?\s+((?:[A-Z][\w'’-]+\s+)*[A-Z][\w'’-]+)"
)
_SAID = re.compile(r"\b([A-Z][\w'’-]+)\s+(?:said|says|told|added|wrote|explained)\b")
_VERBISH = re.compile(r"(?:ed|ing|ly)$")
_OPENERS = (".", "!", "?", "“", '"', "‘", "'", ":", "—", "–", "-", "(")


class _Words:
    """The stop and date words a story's candidates are judged by."""

    def __init__(self, lang: str | None) -> None:
        self.stop = stop_words(lang) | stop_words("en")
        self.dates = all_date_words() | date_words(lang)

    def trim(self, words: list[str]) -> list[str]:
        """The words with stop words cut from both ends; nothing when a date word is among them."""
        bare = [w.lower().strip(".,;:!?\"'“”‘’()") for w in words]
        if any(b in self.dates or any(part in self.dates for part in b.split("-")) and "-" in b for b in bare):
            return []
        start, end = 0, len(words)
        while start < end and bare[start] in self.stop:
            start += 1
        while end > start and bare[end - 1] in self.stop:
            end -= 1
        return words[start:end]


@functools.lru_cache(maxsize=128)
def _words_for(lang: str | None) -> _Words:
    return _Words(lang)


def _title_case(text: str, words: _Words) -> bool:
    content = [w for w in text.split() if w[:1].isalpha() and w.lower() not in words.stop]
    return len(content) >= 3 and sum(w[0].isupper() for w in content) / len(content) >= 0.75


def _phrases(text: str, words: _Words) -> list[str]:
    """Capitalised phrases that do not open a sentence."""
    found = []
    for match in _PHRASE.finditer(text):
        before = text[: match.start()].rstrip()
        parts = re.sub(r"['’]s$", "", match.group(0)).split()
        opens_sentence = not before or before.endswith(_OPENERS)
        if opens_sentence and (len(parts) == 1 or parts[0].lower() in words.stop or parts[0] in _BROAD):
            parts = parts[1:]  # a sentence's first word is capitalised anyway; a longer name is kept
        phrase = " ".join(words.trim(parts)).strip()
        if phrase and phrase.rstrip(".") not in _BROAD and phrase not in _BROAD and len(phrase) > 1:
            found.append(phrase)
    return found


_HEADLINE_VERB = re.compile(r"^[A-Z][a-z]+(?:s|es|ed)$")  # "Hammers", "Wins", "Slammed"; not "IRS", "Ross"


def _without_headline_verb(phrase: str) -> str:
    """A Title Case headline capitalises its verb too: "Paul Ryan Hammers (the IRS)" is about Paul
    Ryan. A name of two or more words followed by a verb-shaped last word loses that word."""
    parts = phrase.split()
    if len(parts) >= 3 and _HEADLINE_VERB.match(parts[-1]) and not parts[-1].endswith(("ss", "us", "is")):
        return " ".join(parts[:-1])
    return phrase


def _key_pairs(text: str, words: _Words) -> list[str]:
    """Two-word key terms in lower case ("auto recalls"): neither word a stop word or verb-like, and
    the second not followed by a determiner (then it is a verb: "military flies more drones")."""
    out = []
    for match in _LOWER_PAIR.finditer(text):
        a, b, after = match.groups(default="")
        if a in words.stop or b in words.stop or _VERBISH.search(a) or _VERBISH.search(b):
            continue
        if after.strip().lower() in _DETERMINERS or not words.trim([a, b]) == [a, b]:
            continue
        if _after_a_name(text, match.start()) and _THIRD_PERSON.search(a):
            continue  # the first word is the name's verb: "Kederis proclaims innocence"
        out.append(f"{a} {b}")
    return out


_THIRD_PERSON = re.compile(r"[^su]s$")  # "proclaims", "buys"; not "news", "bus", "gas", "press"
_LAST_WORD = re.compile(r"(\S+)\s+$")


def _after_a_name(text: str, at: int) -> bool:
    """Whether the word before position `at` is a capitalised name (not an opening "More" or "The")."""
    found = _LAST_WORD.search(text, 0, at) if at else None
    word = found.group(1) if found else ""
    return word[:1].isupper() and word.lower().strip("“”\"'’.,:;") not in _DETERMINERS


def _nouns(text: str, words: _Words) -> list[str]:
    """Single nouns after a determiner ("more drones"): a weaker candidate than a phrase or a pair."""
    return [w for w in (m.group(1) for m in _DETERMINED.finditer(text)) if words.trim([w]) and not _VERBISH.search(w)]


def _people(text: str) -> set[str]:
    names: set[str] = set()
    for match in _ROLE.finditer(text):
        parts = match.group(1).split()
        names.update(parts)
        names.add(" ".join(parts))
    names.update(m.group(1) for m in _SAID.finditer(text))
    return names


def _candidates(story: Story) -> tuple[Counter[str], Counter[str], str]:
    """Candidate labels with their weighted counts, single nouns likewise, and the lead sentence."""
    counts: Counter[str] = Counter()
    nouns: Counter[str] = Counter()
    words = _words_for(language_of(story.lead))
    lead_text = story.lead.paragraphs[0] if story.lead.paragraphs else story.lead.title
    for article in story.articles:
        body = f"{article.standfirst or ''} {article.text}"
        body_terms = _phrases(body, words) + _key_pairs(body, words)
        counts.update(body_terms)
        nouns.update(_nouns(body, words))
        title_terms = _phrases(article.title, words) + _key_pairs(article.title, words)
        if _title_case(article.title, words):
            # Title Case capitalises every word: use the headline only to weigh phrases the body has.
            title_terms = [p for p in body_terms if p in article.title] or (
                [_without_headline_verb(p) for p in title_terms] if not body.strip() else []
            )
        for term in title_terms:
            counts[term] += 3
        for noun in _nouns(article.title, words):
            nouns[noun] += 3
    return counts, nouns, lead_text


def label_topics(stories: Sequence[Story]) -> list[Story]:
    """Give each story a short topic label drawn from its text."""
    found = {s.id: _candidates(s) for s in stories}
    spread = Counter(p for counts, _, _ in found.values() for p in counts)
    labels = []
    for story in stories:
        counts, nouns, lead = found[story.id]
        people = _people(" ".join(f"{a.title} {a.text}" for a in story.articles))
        weight = _Weigher(counts, spread, people, " ".join(lead.split()[:8]))
        if counts:
            best = max(counts, key=lambda p: (weight(p), len(p), p))
        elif nouns:  # no phrase: the headline's noun ("Crashes mount as military flies more drones")
            best = max(nouns, key=lambda p: (nouns[p], p))
        else:  # the headline's first name ("McCarthy’s role is debated ...")
            names = [re.sub(r"['’]s$", "", m.group(0)) for m in _PHRASE.finditer(story.lead.title)]
            best = next((n for n in names if n not in _BROAD), story.lead.title.split(":")[0][:40])
        labels.append(best[:1].upper() + best[1:])
    labels = _full_names(labels)
    return [replace(story, topic=label) for story, label in zip(stories, labels, strict=True)]


class _Weigher:
    """A candidate's weight: uses, shared with other stories, not a person, early in the lead."""

    def __init__(self, counts: Counter[str], spread: Counter[str], people: set[str], opening: str) -> None:
        self.counts, self.spread, self.people, self.opening = counts, spread, people, opening

    def __call__(self, phrase: str) -> float:
        w = self.counts[phrase] * (1 + math.log(max(1, self.spread[phrase])))
        if phrase in self.people or set(phrase.split()) & self.people:
            w *= 0.5
        if phrase[:1].islower():
            w *= 0.8
        if phrase in self.opening or phrase.lower() in self.opening.lower():
            w *= 1.6
        return w


def _full_names(labels: Sequence[str]) -> list[str]:
    """A one-word label that ends or opens a longer label of the same edition becomes that label
    ("Trump" next to "Donald Trump", "AdWords" next to "AdWords API"): one subject, one topic."""
    by_end: dict[str, set[str]] = {}  # first and last word -> the longer labels (one pass, not n x n)
    for x in labels:
        words = x.split()
        if len(words) > 1:
            by_end.setdefault(words[-1], set()).add(x)
            by_end.setdefault(words[0], set()).add(x)
    out = []
    for label in labels:
        if len(label.split()) == 1:
            fuller = by_end.get(label, set())
            if len(fuller) == 1:
                label = next(iter(fuller))
        out.append(label)
    return out
