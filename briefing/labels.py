"""Topic labels: a short phrase naming each story's event.

Candidates are capitalised phrases and two-word key terms ("auto recalls"), weighted by how often the
story uses them (the headline counts three times), how early the lead sentence names them, and how
many other stories share them (so related stories gather under "Iraq"); people (a name after "Sen."
or before "said") count half; weekdays, months and labels too broad to help ("U.S.") are left out.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from briefing.models import Story


@functools.lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    from sumy.utils import get_stop_words

    return frozenset(get_stop_words("english"))


_CAP = r"(?:(?:Mt|St|Ft|Dr|Gen|Sen|Rep|Gov|Lt|Col)\.|[A-Z](?:\.[A-Z])+\.?|[A-Z][\w'’-]*\w|[A-Z])"
_PHRASE = re.compile(_CAP + r"(?:[ ](?:of[ ]the|of|de|al|bin)?[ ]?" + _CAP + r")*")
_LOWER_PAIR = re.compile(r"\b([a-z][a-z-]{2,})\s+([a-z][a-z-]{2,})\b")
_BROAD = frozenset(
    "U.S. U.S US USA America American Americans United States Washington White House Obama Administration"
    " Sunday Monday Tuesday Wednesday Thursday Friday Saturday January February March April May June"
    " July August September October November December Mr. Mrs. Ms. Dr. I The A An In On At It He She"
    " We They This That But And As If For Of By To Update Breaking More New".split()
)
_ROLE = re.compile(
    r"\b(?:Sen|Rep|Gov|Gen|Mr|Mrs|Ms|Dr|Secretary of State|Secretary|President|Minister|Prime Minister"
    r"|spokesman|spokeswoman|Speaker|Leader|cleric|player|star|coach)\.?\s+((?:[A-Z][\w'’-]+\s+)*[A-Z][\w'’-]+)"
)
_SAID = re.compile(r"\b([A-Z][\w'’-]+)\s+(?:said|says|told|added|wrote|explained)\b")
_VERBISH = re.compile(r"(?:ed|ing|ly)$")


def _title_case(text: str) -> bool:
    stop = _stop()
    words = [w for w in text.split() if w[:1].isalpha() and w.lower() not in stop]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) >= 0.75


def _phrases(text: str) -> list[str]:
    """Capitalised phrases that do not open a sentence."""
    found = []
    for match in _PHRASE.finditer(text):
        before = text[: match.start()].rstrip()
        words = re.sub(r"['’]s$", "", match.group(0)).split()
        opens_sentence = not before or before.endswith((".", "!", "?", "“", '"', ":", "—"))
        if opens_sentence and (len(words) == 1 or words[0].lower() in _stop() or words[0] in _BROAD):
            words = words[1:]  # a sentence's first word is capitalised anyway; a longer name is kept
        phrase = " ".join(words).strip()
        if phrase and phrase.rstrip(".") not in _BROAD and phrase not in _BROAD and len(phrase) > 1:
            found.append(phrase)
    return found


def _key_pairs(text: str) -> list[str]:
    """Two-word key terms in lower case ("auto recalls"), neither word a stop word or verb-like."""
    out = []
    stop = _stop()
    for a, b in _LOWER_PAIR.findall(text):
        if a in stop or b in stop or _VERBISH.search(a) or _VERBISH.search(b):
            continue
        out.append(f"{a} {b}")
    return out


def _people(text: str) -> set[str]:
    names: set[str] = set()
    for match in _ROLE.finditer(text):
        parts = match.group(1).split()
        names.update(parts)
        names.add(" ".join(parts))
    names.update(m.group(1) for m in _SAID.finditer(text))
    return names


def _candidates(story: Story) -> tuple[Counter[str], str]:
    """Candidate labels with their weighted counts, and the lead sentence (for position)."""
    counts: Counter[str] = Counter()
    lead_text = story.lead.paragraphs[0] if story.lead.paragraphs else story.lead.title
    for article in story.articles:
        body = f"{article.standfirst or ''} {article.text}"
        counts.update(_phrases(body))
        counts.update(_key_pairs(body))
        title_terms = _phrases(article.title) + _key_pairs(article.title)
        if _title_case(article.title):
            # Title Case capitalises every word: use the headline only to weigh phrases the body has.
            title_terms = [p for p in _phrases(body) + _key_pairs(body) if p in article.title] or (
                title_terms if not body.strip() else []
            )
        for term in title_terms:
            counts[term] += 3
    return counts, lead_text


def label_topics(stories: Sequence[Story]) -> list[Story]:
    """Give each story a short topic label drawn from its text."""
    found = {s.id: _candidates(s) for s in stories}
    spread = Counter(p for counts, _ in found.values() for p in counts)
    out = []
    for story in stories:
        counts, lead = found[story.id]
        people = _people(" ".join(f"{a.title} {a.text}" for a in story.articles))
        opening = " ".join(lead.split()[:8])

        def weight(phrase: str) -> float:
            w = counts[phrase] * (1 + math.log(max(1, spread[phrase])))
            if phrase in people or set(phrase.split()) & people:
                w *= 0.5
            if phrase[:1].islower():
                w *= 0.8
            if phrase in opening or phrase.lower() in opening.lower():
                w *= 1.6
            return w

        if counts:
            best = max(counts, key=lambda p: (weight(p), len(p), p))
        else:  # no phrase: the headline's first name ("McCarthy’s role is debated ...")
            names = [re.sub(r"['’]s$", "", m.group(0)) for m in _PHRASE.finditer(story.lead.title)]
            best = next((n for n in names if n not in _BROAD), story.lead.title.split(":")[0][:40])
        label = best[:1].upper() + best[1:]
        out.append(replace(story, topic=label))
    return out
