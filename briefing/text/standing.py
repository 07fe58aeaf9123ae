"""Which sentences stand alone: what an edition may quote as a story's key sentence.

A key sentence is read without the sentences around it, so it must not lean on an earlier one
("But", "However", "All this", a pronoun before any name, a quotation without its speaker), and it
must tell news rather than introduce it (a hook that talks to the reader, a teaser cut off).
`briefing eval` reports the share of chosen key sentences that lean back (`leans_back`).
"""

from __future__ import annotations

import re

from briefing.text.language import stop_words

# Openings that lean on an earlier sentence: such a sentence does not stand alone as a key sentence.
_DEPENDENT_START = re.compile(
    r"^[“\"‘']?(he|she|they|it|its|this|that|these|those|there|but|and|or|so|yet|still|also|however"
    r"|meanwhile|instead|then|which|his|her|their|such|both|neither|nor|as a result|in addition)\b",
    re.IGNORECASE,
)


_PRONOUN = re.compile(r"^(he|she|his|her|him|they|their|them|it|its)$", re.IGNORECASE)
_PERSON = frozenset({"he", "she", "they"})
# Openings that point back at what came before, beyond a single word: "All this means ...".
_LEANING_START = re.compile(
    r"^[“\"‘']?(all (this|that|these|those|of this|of that)|even so|despite (this|that)|because of (this|that)"
    r"|for (this|that) reason|in (turn|response|contrast)|by contrast|on the other hand|at the same time"
    r"|nevertheless|nonetheless|moreover|furthermore|likewise|similarly|otherwise|thus|hence|therefore"
    r"|the (latter|former)|that's why|that’s why|this is|this was|(to|on) the contrary|in fact|indeed|after all"
    r"|even then|as such)\b",
    re.IGNORECASE,
)


def leans_back(sentence: str) -> bool:
    """True when a sentence leans on the one before it: it opens with "But", "However", "This",
    "All this" and the like, a pronoun comes before any name or noun of the sentence's own ("After
    his meeting, he ...", but not "The company said it expects ..."; "he", "she" and "they" need a
    name), or it is a quotation with no speaker."""
    text = sentence.strip()
    if _DEPENDENT_START.match(text) or _LEANING_START.match(text):
        return True
    if text[:1] in "“\"" and text.rstrip()[-1:] in "”\"":
        return True  # a quotation with no speaker
    words = text.split()
    first = words[0].strip("“”\"‘’'(),;:.") if words else ""
    if first.lower() not in stop_words("en") and first[:1].isupper():
        return False  # the sentence opens with a name the pronouns can refer to ("Netflix ... its")
    stop = stop_words("en")
    offered = False  # a noun of the sentence's own that a pronoun can refer to ("The company said it")
    for before, word in zip(words, words[1:], strict=False):
        bare = word.strip("“”\"‘’'(),;:.")
        if _PRONOUN.match(bare) and not (len(bare) > 1 and bare.isupper()):  # "IT" is not "it"
            # before any name or noun of its own it refers to someone the reader has not met; "he",
            # "she" and "they" before a name do too ("One day after he decided ...", "After the
            # meeting, he signaled ..."), and so does "it" opening the main clause after a comma
            if not offered or bare.lower() in _PERSON or (before.endswith(",") and bare.lower() == "it"):
                return True
            continue
        if bare[:1].isupper():
            return False
        offered = offered or (len(bare) > 2 and bare.lower() not in stop)
    return False


# A hook that talks to the reader ("You'll be hearing a lot about ...", "If you've been following
# the news lately, ...", "Here's what you need to know") introduces the news without telling it: in
# the seeds, the opening of TIME's column on Egypt is about Baghdad. Only an opening addressed to
# the reader counts: a quotation ("“You have explored ...,” he said") or a title ("Who's Your
# Daddy, the first episode ...") is not a hook.
_ADDRESSES_READER = re.compile(
    r"^(?:(?:if|when|whether|unless|once|as|now|imagine|remember|here(?:'s|’s| is| are) (?:what|why|how|everything))\s+)?"
    r"you(?:['’](?:ll|re|ve|d))?\s",
    re.IGNORECASE,
)


def stands_alone(sentence: str) -> bool:
    """A sentence a reader can understand without the one before it, and one that tells news: eight
    words or more, not a question, not leaning back (`leans_back`), not talking to the reader in
    its first words (a hook: "You'll be hearing a lot about ..."), not a teaser cut off ("... alegou
    sofrer perseguiç...")."""
    return (
        len(sentence.split()) >= 8
        and not sentence.endswith("?")
        and not sentence.rstrip().endswith(("...", "…", "[…]", "[...]"))
        and not leans_back(sentence)
        and not _ADDRESSES_READER.match(sentence)
    )

