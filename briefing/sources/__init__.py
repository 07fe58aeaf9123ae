"""Sources: one module per kind. `fetch(source, ...)` returns what one fetch of a source yielded."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from briefing.config import FeedSource, FilesSource, PageSource
from briefing.errors import SourceError
from briefing.models import Document, SourceState
from briefing.sources.files import fetch_files

if TYPE_CHECKING:  # feedparser, trafilatura and httpx load when a feed or page is fetched
    from briefing.sources.http import Fetcher

log = logging.getLogger("briefing")


@dataclass
class Fetched:
    documents: list[Document] = field(default_factory=list)
    not_modified: bool = False
    url: str | None = None  # a new permanent address (after a 301)
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    next_fetch: datetime | None = None  # not before (feed ttl, Cache-Control)
    warnings: list[str] = field(default_factory=list)
    files_seen: dict[str, tuple[int, int]] = field(default_factory=dict)  # files sources: path -> (size, mtime_ns)


def fetch(
    source: FilesSource | FeedSource | PageSource,
    now: datetime,
    fetcher: Fetcher | None,
    state: SourceState | None = None,
    known_files: dict[str, tuple[int, int]] | None = None,
) -> Fetched:
    """Fetch one source. Raise SourceError (FetchError for HTTP) with a one-line reason; anything
    unforeseen is turned into one line by the collect job, which isolates each source."""
    result = _fetch(source, now, fetcher, state, known_files)
    result.warnings = list(dict.fromkeys(result.warnings))  # each warning once
    return result


def _fetch(
    source: FilesSource | FeedSource | PageSource,
    now: datetime,
    fetcher: Fetcher | None,
    state: SourceState | None,
    known_files: dict[str, tuple[int, int]] | None,
) -> Fetched:
    label = source.label or source.name
    if isinstance(source, FilesSource):
        documents, seen = fetch_files(source, now, known_files or {})
        return Fetched(documents, files_seen=seen)
    assert fetcher is not None
    if isinstance(source, PageSource):
        return _fetch_pages(source, label, now, fetcher)
    return _fetch_feed(source, label, now, fetcher, state or SourceState(source.name, source.type))


def _fetch_feed(source: FeedSource, label: str, now: datetime, fetcher: Fetcher, state: SourceState) -> Fetched:
    from briefing.sources import feeds

    url = state.url or source.url
    response = fetcher.get(url, etag=state.etag, last_modified=state.last_modified, now=now)
    result = Fetched(
        url=response.permanent_url,
        etag=response.etag or state.etag,
        last_modified=response.last_modified or state.last_modified,
        http_status=response.status,
    )
    wait = response.max_age()
    if response.not_modified:
        result.not_modified = True
        result.next_fetch = now + wait if wait else None
        return result
    parsed = feeds.parse(source.name, label, response, now)
    if not source.label and parsed.title:  # [Source] is the feed's own name unless config sets a label
        own = feeds.feed_label(parsed.title)
        parsed = replace(parsed, documents=[replace(d, label=own) for d in parsed.documents])
    if parsed.warning:
        result.warnings.append(parsed.warning)
    waits = [w for w in (wait, parsed.ttl) if w]
    result.next_fetch = now + max(waits) if waits else None
    documents = parsed.documents
    if source.full_text:
        pages = _FullText(fetcher, now, time.monotonic() + fetcher.deadline)
        documents = [feeds.with_full_text(d, pages.text) for d in documents]
        if pages.failed:
            result.warnings.append(pages.summary())
    result.documents = documents
    return result


class _FullText:
    """Fetches linked pages for one feed within one fetch deadline, counting what failed, so a
    feed whose pages all fail gives one warning, not one per entry."""

    def __init__(self, fetcher: Fetcher, now: datetime, until: float) -> None:
        self.fetcher, self.now, self.until = fetcher, now, until
        self.tried = 0
        self.failed = 0
        self.reasons: dict[str, int] = {}

    def text(self, url: str) -> str | None:
        from briefing.sources import pages

        self.tried += 1
        try:
            response = self.fetcher.get(url, now=self.now, deadline=self.until - time.monotonic())
            found = pages.extract(pages.decode(response), response.url)
        except (SourceError, ValueError) as exc:
            reason = str(exc)
        else:
            if found is not None:
                return found.text
            reason = "no main text found"
        self.failed += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        return None

    def summary(self) -> str:
        reason = max(self.reasons, key=lambda r: self.reasons[r])
        return (
            f"full text unavailable for {self.failed} of {self.tried} items; used the feed text"
            f" (most often: {reason})"
        )


def _fetch_pages(source: PageSource, label: str, now: datetime, fetcher: Fetcher) -> Fetched:
    from briefing.sources import pages

    result = Fetched()
    errors = []
    for url in source.urls:
        try:
            document = pages.page_document(source.name, label, url, fetcher.get(url, now=now), now)
        except SourceError as exc:
            errors.append(f"{url}: {exc}")
            continue
        if document is None:
            errors.append(f"{url}: no main text found")
        else:
            result.documents.append(document)
    if errors and not result.documents:
        raise SourceError("; ".join(errors))
    result.warnings.extend(errors)
    return result


def backoff(failures: int, minutes: float) -> timedelta:
    """How long to leave a failing source alone: doubling from `minutes`, at most a day."""
    return min(timedelta(minutes=minutes * 2 ** max(0, failures - 1)), timedelta(days=1))


__all__ = ["Fetched", "fetch", "backoff", "replace"]
