"""Plain records passed between pipeline stages.

Every record is a frozen dataclass: a stage takes records in and hands new records out, so no stage
can change what another stage already decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Document:
    """What a source yielded, before any cleaning."""

    source: str  # name of the configured source
    label: str  # display label for [Source] tags
    uri: str  # guid, URL or file URI: the document's identity at its source
    title: str | None
    body: str  # raw text or HTML
    content_type: str  # "text" or "html"
    published: datetime | None
    fetched: datetime
    url: str = ""  # the article's web address, where it has one
    byline: str | None = None


@dataclass(frozen=True)
class Article:
    """One cleaned article (or one item of a roundup page)."""

    id: str  # stable: derived from the source and uri
    source: str
    label: str
    url: str
    title: str
    paragraphs: tuple[str, ...]
    fingerprint: str  # hash of the cleaned text: same text, same fingerprint
    byline: str | None = None
    standfirst: str | None = None
    published: datetime | None = None
    section: str | None = None  # e.g. "Foreign Policy" from a "TIME Foreign Policy" label
    kind: str = "article"  # "article", or "item" for one entry of a roundup (a digest or link list)
    parent: str | None = None  # for a nested roundup item: the id of the item it sits under
    first_seen: datetime | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    position: int  # index of the sentence in the article
    score: float


@dataclass(frozen=True)
class Summary:
    """Ranked sentences of one article; `sentences` are in document order."""

    article_id: str
    sentences: tuple[ScoredSentence, ...]
    key_sentence: str | None  # the best sentence, or None where no sentence stands alone
    # where the lead prior chose `sentences`, the ones that best stand for the whole article without
    # it (what grouping compares: an opening sets a scene, the centre names the event); () when the same
    central: tuple[str, ...] = ()

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.sentences]


@dataclass(frozen=True)
class Attributed:
    """A sentence and the label of the source it was taken from."""

    text: str
    label: str
    article_id: str


@dataclass(frozen=True)
class Story:
    """Articles about one event: a lead, related articles and folded syndicated copies."""

    id: str
    lead: Article
    related: tuple[Article, ...]
    duplicates: tuple[Article, ...]  # syndicated copies folded into the lead, kept for attribution
    summary: tuple[Attributed, ...]
    score: float
    topic: str = ""
    soft: bool = False  # outside the hard-news topics (sport, culture, health, science...)

    @property
    def articles(self) -> tuple[Article, ...]:
        return (self.lead, *self.related, *self.duplicates)

    @property
    def labels(self) -> list[str]:
        seen: list[str] = []
        for a in self.articles:
            if a.label not in seen:
                seen.append(a.label)
        return seen


@dataclass(frozen=True)
class Topic:
    label: str
    stories: tuple[Story, ...]


@dataclass(frozen=True)
class EditionItem:
    """One line of an edition: a quote or headline with its source, and nested related items."""

    text: str
    label: str
    url: str
    headline: str
    quoted: bool = False
    prefix: str = ""  # e.g. "And finally, "
    topic: str = ""
    also_in: tuple[str, ...] = ()
    children: tuple[EditionItem, ...] = ()


@dataclass(frozen=True)
class Edition:
    """One issue of one briefing, ready to render."""

    id: str
    briefing: str
    style: str
    slot: datetime  # the schedule slot (timezone-aware)
    title: str
    intro: str
    dateline: str
    items: tuple[EditionItem, ...]
    footer: str
    article_ids: tuple[str, ...]
    preheader: str = ""
    topics: tuple[str, ...] = field(default=())
    source_problems: tuple[str, ...] = ()  # sources failing N runs in a row when it was made


# -- records the store hands out (times parsed, in UTC) ------------------------------------------------


@dataclass(frozen=True)
class SourceState:
    """What the store remembers of one source between runs."""

    name: str
    type: str
    url: str | None = None  # where a permanent redirect moved the feed
    etag: str | None = None
    last_modified: str | None = None  # the server's Last-Modified header, verbatim
    last_status: str | None = None  # "ok" or "error"
    failures: int = 0  # consecutive failed runs
    successes: int = 0
    last_error: str | None = None
    last_checked: datetime | None = None
    next_fetch: datetime | None = None  # back-off or Retry-After: not fetched before this
    http_status: int | None = None
    disabled: bool = False  # 410 Gone: never fetched again


@dataclass(frozen=True)
class EditionInfo:
    """An edition's row: where it stands, without its content."""

    id: str
    briefing: str
    slot: datetime  # UTC
    created: datetime  # UTC
    status: str  # composed (recorded, publishing), done, abandoned
    title: str
    deliveries_open: int = 0  # pending, sending or retry


OPEN_DELIVERY_STATUSES = ("pending", "sending", "retry")  # still to be made (or made again)
OPEN_DELIVERY_SQL = "(" + ", ".join(f"'{s}'" for s in OPEN_DELIVERY_STATUSES) + ")"


@dataclass(frozen=True)
class Delivery:
    """One message of one edition to one recipient.

    status: pending -> sending -> sent | retry | failed. `sending` is committed before the SMTP
    transaction starts; a delivery found in `sending` was interrupted and is sent again.
    """

    edition_id: str
    briefing: str
    recipient: str
    status: str
    attempts: int
    message_id: str | None
    last_error: str | None
    updated: datetime | None
    next_attempt: datetime | None


@dataclass(frozen=True)
class Subscriber:
    """One address's subscription to one briefing, as the store holds it (times in UTC)."""

    id: int
    briefing: str
    address: str  # normalised (email-validator): the domain lower-cased, the local part kept
    name: str
    status: str  # pending, active, unsubscribed, bounced
    origin: str  # form, import, config
    created: datetime
    updated: datetime  # when the status last changed
    requested: datetime | None = None  # the last sign-up request through the form (pending until confirmed)
