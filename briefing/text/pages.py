"""Turn one fetched document into clean articles.

A scraped plain-text page may hold several articles (a section front), site furniture (login
prompts, newsletter promotions, report lists), photo captions and credits, and roundups: a digest
("the four stories to know") or a link list ("• headline [Source]"). This module:

1. cuts the page into segments at section labels ("TIME Foreign Policy") and at headlines that
   follow two or more blank lines;
2. reads each segment's header: section, title, byline, date, captions, standfirst;
3. turns a roundup into one item per entry (with the entry's own [Source] label and nesting);
4. cleans the body: furniture removed, inline residue removed, paragraphs rejoined.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime

from briefing.models import Article, Document
from briefing.text.boilerplate import (
    boilerplate_kind,
    clean_inline,
    is_caption,
    is_credit,
    is_tail_marker,
    strip_dateline,
)
from briefing.text.dates import find_date, is_date_line
from briefing.text.markup import html_to_text
from briefing.text.normalize import collapse, fingerprint, normalize_text

_TERMINAL = (".", "!", "?", "…", "”", '"', "’", "'", ")")
_SMALL_WORDS = frozenset(
    "a an and as at but by for from if in into is nor of off on onto or out over per so than that"
    " the to up via vs with yet are be was".split()
)
_BULLET = re.compile(r"^[•▪·*–-]\s+")
_TAGGED = re.compile(r"^(?P<body>.+?)\s*\[(?P<tag>[^\[\]]{1,40})\]\s*$")
_BYLINE = re.compile(
    r"^By\s+(?P<name>(?:(?!(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d)[A-Z][\w.'’-]*\s*){1,4})"
    r"(?P<rest>.*)$"
)
_DIGEST_INTRO = re.compile(
    r"^welcome to\b|\b(stories|things|headlines) (to know|you need to know|we're watching|we’re watching)"
    r"|\bhere are the (stories|things|headlines)\b",
    re.IGNORECASE,
)
_DIGEST_FOOTER = re.compile(r"\b(is|are) published (daily|weekly|every|each|on|twice)\b", re.IGNORECASE)
_NEWS_LIST = re.compile(r"^in (the|today's|today’s) news:", re.IGNORECASE)
_AND_FINALLY = re.compile(r"^(and )?finally,\s+", re.IGNORECASE)


@dataclass(frozen=True)
class _Line:
    text: str
    indent: int
    blank_before: int


def extract_articles(doc: Document) -> list[Article]:
    """All clean articles (and roundup items) in one document."""
    raw = html_to_text(doc.body) if doc.content_type == "html" else doc.body
    lines = _lines(normalize_text(raw))
    # A feed entry or a page with its own title is one article: never cut it up.
    segments = [lines] if doc.title else _segments(lines)
    articles: list[Article] = []
    used_ids: set[str] = set()
    for segment in segments:
        for article in _parse_segment(segment, doc, single=len(segments) == 1):
            if article.id in used_ids:
                continue
            used_ids.add(article.id)
            articles.append(article)
    return articles


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    blanks = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped:
            blanks += 1
            continue
        out.append(_Line(stripped, len(raw) - len(raw.lstrip(" ")), blanks))
        blanks = 0
    return out


def is_headline(line: str) -> bool:
    """Title Case, short, and not ending like a sentence."""
    words = line.split()
    if not 2 <= len(words) <= 20 or line.rstrip().endswith((".", ",", ";", ":")):
        return False
    content = [w for w in words if w.lower().strip("‘’'\"“”") not in _SMALL_WORDS]
    if not content:
        return False
    capital = sum(1 for w in content if w.lstrip("‘’'\"“”([").strip()[:1].isupper() or w[:1].isdigit())
    return capital / len(content) >= 0.75


def _section_labels(lines: list[_Line]) -> set[int]:
    """Indices of section labels: short Title Case lines that share a first word (the publisher)."""
    candidates: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        words = line.text.split()
        if (
            1 < len(words) <= 4
            and not re.search(r"[.,;:!?\"“”]", line.text)
            and all(w[:1].isupper() for w in words)
            and i + 1 < len(lines)
            and is_headline(lines[i + 1].text)
        ):
            candidates.setdefault(words[0], []).append(i)
    return {i for found in candidates.values() if len(found) >= 2 for i in found}


def _segments(lines: list[_Line]) -> list[list[_Line]]:
    labels = _section_labels(lines)
    segments: list[list[_Line]] = [[]]
    for i, line in enumerate(lines):
        starts = i in labels or (
            line.blank_before >= 2
            and is_headline(line.text)
            and (i - 1) not in labels
            and not _BULLET.match(line.text)
        )
        if starts and segments[-1]:
            segments.append([])
        segments[-1].append(line)
    return [s for s in segments if s]


def _parse_segment(lines: list[_Line], doc: Document, *, single: bool) -> list[Article]:
    lines = list(lines)
    section = None
    labels = _section_labels(lines)
    if lines and (0 in labels or _looks_like_label(lines, doc)):
        section = " ".join(lines[0].text.split()[1:]) or None
        lines.pop(0)
    published: datetime | None = None
    # leading furniture and date lines
    while lines and (boilerplate_kind(lines[0].text) or is_date_line(lines[0].text)):
        if is_date_line(lines[0].text):
            published = published or find_date(lines[0].text)
        lines.pop(0)
    if single and doc.title:
        title = collapse(doc.title)
    elif not lines:
        return []
    else:
        title = clean_inline(lines.pop(0).text)
    byline = None
    standfirst = None
    body: list[_Line] = []
    header = True
    for i, line in enumerate(lines):
        text = line.text
        following = lines[i + 1] if i + 1 < len(lines) else None
        if is_credit(text) or is_caption(text):
            continue
        if following is not None and following.blank_before == 0 and is_caption(following.text):
            continue  # the caption's first line, repeated with its credit on the next line
        if header:
            found = _BYLINE.match(text)
            if found and len(text.split()) <= 14:
                byline = found.group("name").strip()
                published = published or find_date(found.group("rest"))
                continue
            if is_date_line(text):
                published = published or find_date(text)
                continue
            if standfirst is None and not _BULLET.match(text) and _is_standfirst(text, lines[i + 1 :]):
                standfirst = clean_inline(text)
                continue
            if boilerplate_kind(text) is None:
                header = False
        body.append(line)
    if any(_TAGGED.match(_BULLET.sub("", ln.text)) and _BULLET.match(ln.text) for ln in body):
        if sum(1 for ln in body if _BULLET.match(ln.text)) >= 3:
            return _link_list(body, doc, title, section, published)
    if any(_DIGEST_INTRO.search(ln.text) for ln in body[:3]):
        return _digest(body, doc, title, section, published)
    paragraphs = _clean_body(body)
    if not paragraphs and not (single and doc.title):
        return []
    return [
        _article(
            doc,
            title,
            paragraphs,
            byline=byline or doc.byline,
            standfirst=standfirst,
            published=published,
            section=section,
            key="document" if single else None,
        )
    ]


def _looks_like_label(lines: list[_Line], doc: Document) -> bool:
    """A lone first line such as "TIME Australia": its first word is the source's label."""
    words = lines[0].text.split()
    return (
        len(lines) > 1
        and 1 < len(words) <= 4
        and words[0].lower() == doc.label.lower()
        and is_headline(lines[1].text)
    )


def _is_standfirst(text: str, rest: list[_Line]) -> bool:
    """The paragraph under a headline that sums it up: it has no final stop, or the body repeats it."""
    if boilerplate_kind(text) or _DIGEST_INTRO.search(text) or _NEWS_LIST.match(text):
        return False
    if not text.endswith(_TERMINAL):
        return True
    words = set(re.findall(r"\w+", text.lower()))
    if len(words) < 6:
        return False
    for line in rest[:12]:
        later = set(re.findall(r"\w+", line.text.lower()))
        if len(words & later) / len(words) >= 0.8:
            return True
    return False


def _clean_body(lines: list[_Line]) -> list[str]:
    kept: list[_Line] = []
    for line in lines:
        text = line.text
        if is_tail_marker(text):
            break
        kind = boilerplate_kind(text)
        if kind == "tweet-credit":
            if kept and line.blank_before == 0 and len(kept[-1].text) <= 300:
                kept.pop()  # the embedded tweet's own text, on the line above its credit
            continue
        if kind is not None:
            continue
        kept.append(line)
    paragraphs: list[str] = []
    for _n, line in enumerate(kept):
        text = clean_inline(_BULLET.sub("", line.text))
        if not text:
            continue
        if len(paragraphs) < 2 or text.startswith("("):
            text, _place = strip_dateline(text)
        joins = (
            paragraphs
            and line.blank_before == 0
            and not paragraphs[-1].endswith((*_TERMINAL, ":"))
            and text[:1].islower()
        )
        if joins:
            paragraphs[-1] = paragraphs[-1] + " " + text
        else:
            paragraphs.append(text)
    return paragraphs


def _digest(
    lines: list[_Line], doc: Document, title: str, section: str | None, published: datetime | None
) -> list[Article]:
    """Items of a digest such as TIME's The Brief: one article per paragraph between intro and footer."""
    entries: list[str] = []
    for line in lines:
        text = line.text
        if _DIGEST_FOOTER.search(text):
            break
        if _DIGEST_INTRO.search(text) or boilerplate_kind(text):
            continue
        text = clean_inline(_AND_FINALLY.sub("", text))
        if text:
            entries.append(text[:1].upper() + text[1:])
    best = _best_match(title, entries)
    return [
        _article(
            doc,
            title if i == best else entry,
            (entry,),
            published=published,
            section=section,
            kind="item",
            key=f"digest:{title}:{i}",
        )
        for i, entry in enumerate(entries)
    ]


def _link_list(
    lines: list[_Line], doc: Document, title: str, section: str | None, published: datetime | None
) -> list[Article]:
    """Items of a link list such as Morning Must Reads: "• “quote” [NYT]", nested bullets related."""
    items: list[Article] = []
    stack: list[tuple[int, str]] = []  # (indent, article id) of open bullets
    for n, line in enumerate(lines):
        if not _BULLET.match(line.text):
            continue
        found = _TAGGED.match(_BULLET.sub("", line.text))
        if not found:
            continue
        body, tag = found.group("body").strip(), found.group("tag").strip()
        quoted = body[:1] in "“\"" and body[-1:] in "”\""
        text = body[1:-1].strip() if quoted else body
        while stack and stack[-1][0] >= line.indent:
            stack.pop()
        parent = stack[-1][1] if stack else None
        article = _article(
            replace(doc, label=tag),
            text,
            (text,) if quoted else (),
            published=published,
            section=section,
            kind="item",
            parent=parent,
            key=f"list:{title}:{n}",
        )
        items.append(article)
        stack.append((line.indent, article.id))
    return items


def _best_match(title: str, entries: list[str]) -> int:
    """The entry that shares the most content words with the title (or -1)."""
    words = {w for w in re.findall(r"\w+", title.lower()) if w not in _SMALL_WORDS}
    best, best_shared = -1, 1
    for i, entry in enumerate(entries):
        shared = len(words & set(re.findall(r"\w+", entry.lower())))
        if shared > best_shared:
            best, best_shared = i, shared
    return best


def _article(
    doc: Document,
    title: str,
    paragraphs: tuple[str, ...] | list[str],
    *,
    byline: str | None = None,
    standfirst: str | None = None,
    published: datetime | None = None,
    section: str | None = None,
    kind: str = "article",
    parent: str | None = None,
    key: str | None = None,
) -> Article:
    paragraphs = tuple(paragraphs)
    identity = f"{doc.source}|{doc.uri}|{key or title}"
    return Article(
        id=hashlib.sha1(identity.encode("utf-8")).hexdigest()[:16],
        source=doc.source,
        label=doc.label,
        url=doc.url or (doc.uri if doc.uri.startswith(("http://", "https://")) else ""),
        title=collapse(title),
        paragraphs=paragraphs,
        fingerprint=fingerprint(" ".join(paragraphs) or title),
        byline=byline,
        standfirst=standfirst,
        published=doc.published or published,
        section=section,
        kind=kind,
        parent=parent,
    )
