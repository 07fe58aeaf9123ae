"""Recognise site boilerplate, photo captions and credits, one line at a time.

The rules are patterns of page furniture in general (login prompts, newsletter sign-ups, browser
warnings, navigation blocks, report and ad lists, share lines, photo credits, embedded tweets), not
strings of particular sites. `is_tail_marker` lines start the furniture at the foot of an article:
the marker and everything after it in that article is dropped.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

_AGENCIES = (
    r"(?:Getty Images|Reuters|REUTERS|AP|AFP|EPA|Bloomberg|Corbis|Redux|Polaris|Sipa|SIPA|Landov"
    r"|Zuma|ZUMA|Xinhua|Shutterstock|iStock(?:photo)?|Pool|POOL|Anadolu Agency)"
)
# A photo credit at the end of a line: "Mark Wilson—Getty Images", "Karim Sahib—AFP/Getty Images",
# "Lefteris Pitarakis/AP", "© STRINGER Iraq / Reuters—REUTERS".
_CREDIT_END = re.compile(r"[—–/]\s*(?:[A-Z][\w.&]*\s*/\s*)*" + _AGENCIES + r"\s*$")
_CREDIT_ONLY = re.compile(
    r"^(?:(?:photo|image|credit)s?:?\s*)?(?:©\s*)?[A-Z][\w.'’ -]{1,50}?\s*[—–/]\s*(?:[A-Z][\w.&]*\s*/\s*)*"
    + _AGENCIES
    + r"\s*$"
)

# Every rule matches the shape of a whole line of furniture (a prompt, a heading, a button), never a
# word inside a sentence: "Investors wanted more from the company." and "Netflix will raise the price
# of its basic subscription by $1 a month" are news. A call to action counts where it opens the line
# or a clause of it ("... analysis — Sign up for GovExec's email newsletters."); a heading has no
# full stop.
_CLAUSE = r"(?:^|[.!?:|•—–]\s*)"
_HEADING_END = r"[^.!?]{0,80}$"
_LINE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("login", re.compile(
        r"^(?:log ?in|sign ?in|log ?out)(?: (?:with|to|using|via) [^.!?]{1,40})?\W*$"
        r"|^create an? (?:free )?account\b" + _HEADING_END + r"|forgot (?:your )?password\W*$|^remember me\b"
        r"|^already (?:a subscriber|have an account|registered)\b",
        _I,
    )),
    ("newsletter", re.compile(
        _CLAUSE + r"(?:sign ?up|subscribe|register)(?: now| today| here| free)?(?: (?:for|to)\b[^.!?]*)?[.!]?\s*$"
        r"|^(?:get|receive) (?:our|the|free|daily|weekly)\b[^.!?]{0,40}\b(?:newsletters?|e-?mail alerts?)\b"
        + _HEADING_END
        + r"|^(?:enter )?(?:your )?e-?mail(?: address)?\W*$|^(?:our )?(?:newsletters?|e-?mail alerts?)\W*$"
        r"|^stay (?:up[- ]to[- ]date|informed|in the know)\b[^.!?]*(?:newsletters?|alerts?|sign ?up)\b",
        _I,
    )),
    ("browser", re.compile(
        r"^(?:learn how to )?update your browser|^your browser\b.{0,60}\b(?:out of date|not supported|outdated)"
        r"|^(?:please )?enable javascript|\bjavascript is (?:disabled|required)\W*$"
        r"|^(?:this (?:site|website) uses|we use) cookies\b.{0,80}"
        r"\b(?:experience|browsing|site|website|consent|policy)\b"
        r"|^accept (?:all )?cookies\W*$",
        _I,
    )),
    ("reports", re.compile(
        r"^[\w ]{0,30}\breports? (?:might|may) interest you\W*$|^(?:click to )?download (?:this|the|a|our) (?:free )?"
        r"(?:report|whitepaper)\W*$|^whitepapers?\W*$",
        _I,
    )),
    ("close-button", re.compile(r"\[\s*x\s*\]", _I)),
    # feed furniture: The Guardian's "Continue reading...", reddit's "submitted by /u/x [link] [comments]"
    ("continue-reading", re.compile(
        r"^(?:continue|keep) reading(?: (?:the )?(?:main |full )?(?:story|article|post))?(?: on [\w .]{1,30})?"
        r"\s*(?:\.\.\.|…)?\W*$",
        _I,
    )),
    ("related-link", re.compile(r"^related:\s+\S.{0,200}$", _I)),  # The Guardian's "Related: <headline>"
    ("reddit-footer", re.compile(
        r"^(?:submitted by\s+(?:/?u/)?[\w-]+(?:\s+to\s+(?:/?r/)?\w+)?)?\s*(?:\[link\])?\s*(?:\[\d* ?comments?\])?\s*$", _I
    )),
    ("navigation", re.compile(
        r"^(popular posts|most (popular|read|viewed|shared)|latest (news|stories|posts)|top (news|stories)"
        r"|related( articles| stories| posts| coverage| content)?|more on this( story)?|read more|see also"
        r"|trending( now)?|recommended( for you)?|advertisement|you may (also )?like|around the web"
        r"|sponsored( content| stories)?|promoted stories)\W*$"
        r"|^more (?:news )?from\b" + _HEADING_END + r"|^more about\b" + _HEADING_END,
        _I,
    )),
    ("share", re.compile(
        r"^(share|tweet|pin it|email|print|comments?|share (this|on) \w+)( this)?( article| story)?\W*$", _I
    )),
    ("update-stamp", re.compile(r"^(updated?|posted|published|last updated|last modified):?\s.{0,40}\d.{0,20}$", _I)),
    ("reporting-credit", re.compile(r"^[—–-]*\s*(additional )?(reporting|writing|editing|research) (by|from)\b", _I)),
    ("tweet-credit", re.compile(r"^[—–-]\s*.{1,80}\(@\w{1,30}\)\s+\w+ \d{1,2}, \d{4}$")),
    ("attribution", re.compile(r"^\[[^\[\]]{2,40}\]$")),
    ("liveblog-label", re.compile(
        r"^(update[sd]?|original post|developing( story)?|breaking( news)?|live( updates)?|correction)\W*$", _I
    )),
    ("image-alt", re.compile(r"^(article )?(image|photo|video)$", _I)),
]

# A line after which the rest of an article is furniture: a whole-line heading ("More from GovExec",
# "Popular Posts", "We think these reports might interest you:"), after an optional close button.
_TAIL = re.compile(
    r"^(?:close\s*)?(?:\[\s*x\s*\]\s*)?"
    r"(?:(?:popular posts|most (?:popular|read|viewed|shared)|latest (?:news|stories|posts)|top (?:news|stories)"
    r"|related(?: articles| stories| posts| coverage)?|you may (?:also )?like|around the web|recommended(?: for you)?"
    r"|sponsored|promoted stories)\W*$"
    r"|more (?:news )?from\b" + _HEADING_END + r"|more about\b" + _HEADING_END
    + r"|[\w ]{0,30}\breports? (?:might|may) interest you\W*$|thank you for (?:subscribing|signing up)\b)",
    _I,
)
_MAX_FURNITURE_WORDS = 30  # a long paragraph is body text even if it mentions "subscribe"


def boilerplate_kind(line: str) -> str | None:
    """The kind of page furniture this line is, or None for a line of content."""
    text = line.strip().lstrip("•*·▪-– ").strip()
    if not text:
        return None
    if is_credit(text):
        return "photo-credit"
    if len(text.split()) > _MAX_FURNITURE_WORDS:
        return None
    for kind, pattern in _LINE_RULES:
        if pattern.search(text):
            return kind
    return None


def is_tail_marker(line: str) -> bool:
    """A line after which the rest of an article is page furniture."""
    text = line.strip()
    return len(text.split()) <= 12 and bool(_TAIL.search(text))


def is_credit(line: str) -> bool:
    """A line that is only a photo credit ("Lefteris Pitarakis/AP")."""
    return bool(_CREDIT_ONLY.match(line.strip()))


def is_caption(line: str) -> bool:
    """A photo caption ending with its credit ("... in Cairo. Anadolu Agency—Getty Images")."""
    return bool(_CREDIT_END.search(line.strip()))


# Inline clean-up of body text.
_CITATION = re.compile(r"\[\d{1,3}\]")
_IMAGE_PREFIX = re.compile(r"^(?:article )?(?:image|photo)(?=[A-Z])", _I)
_TIMESTAMP = re.compile(r"^\d{1,2}:\d{2}\s*[ap]\.?m\.?(?:\s*[A-Z]{1,4}\.?(?:T\.)?)?\s*:\s+", _I)
# A dateline opens a wire story: "(BAGHDAD) — ", "Baghdad - ", "ATHENS -- ", "NEW YORK (Reuters) - ",
# "CARSON CITY, Nev. (AP) -", "MOSCOU, 24 SET (ANSA) - ", "Marseille, France (CNN)The French ...",
# "(CNN)  -- The ...". With a news agency's tag the place may be any capitalised words; without
# one it is one word or words in capitals ("Sophie Scholl - The Final Days portrays ..." is a film
# and its tagline), and a dash that opens an aside closed by another ("EADS - Airbus' majority
# owner - admitted ...") is no dateline either.
_PLACE = r"[A-ZÀ-Þ][\w.'’-]*(?: [A-ZÀ-Þ][\w.'’-]*){0,3}(?:, [\w.'’ ]{2,20}?)?"
_PLACE_ALONE = r"[A-ZÀ-Þ][A-ZÀ-Þ.'’-]+(?: [A-ZÀ-Þ][A-ZÀ-Þ.'’-]+){0,3}(?:, [\w.'’ ]{2,20}?)?|[A-ZÀ-Þ][a-zà-ÿ.'’-]+"
_AGENCY = r"\((?:Reuters|AP|AFP|CNN|ANSA|dpa|DPA|EFE|Lusa|UPI|CP|Xinhua|Bloomberg|Ticker|SPORTS NETWORK|ABC|BBC|Kyodo|Yonhap)\)"
_DATELINE = re.compile(
    rf"^(?:(?:(?P<agency_place>{_PLACE}) ?)?{_AGENCY}\s*(?:[—–-]{{1,2}}\s*)?"
    rf"|\((?P<bracketed>[A-Z][A-Z .,'-]{{2,40}})\)\s+[—–-]{{1,2}}\s+"
    rf"|(?P<place>{_PLACE_ALONE})\s+[—–-]{{1,2}}\s+)"
    r"(?=[A-ZÀ-Þ“\"‘'])"
)
_ASIDE_CLOSED = re.compile(r"^[^.!?]*?\s[—–-]{1,2}\s")
_URL = re.compile(r"\s*\bhttps?://\S+")


def clean_inline(text: str) -> str:
    """Remove citation marks, image-alt residue, live-blog timestamps and bare URLs."""
    text = _CITATION.sub("", text)
    text = _IMAGE_PREFIX.sub("", text)
    text = _TIMESTAMP.sub("", text)
    text = _URL.sub("", text)
    return text.strip()


def strip_dateline(text: str) -> tuple[str, str | None]:
    """Split "(BAGHDAD) — Confronting ..." or "NEW YORK (Reuters) - Stocks ..." into the body and the
    dateline's place (None where there is no dateline or it names only an agency)."""
    match = _DATELINE.match(text)
    if not match or (match.group("place") and _ASIDE_CLOSED.match(text[match.end() :])):
        return text, None
    place = match.group("bracketed") or match.group("place") or match.group("agency_place")
    return text[match.end() :], place.strip() if place else None


def without_dateline(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """The paragraphs with the first one's dateline removed ("NEW YORK (Reuters) - Stocks ..."): a
    dateline is neither news for a key sentence nor a topic ("York")."""
    if not paragraphs:
        return paragraphs
    return (strip_dateline(paragraphs[0])[0], *paragraphs[1:])
