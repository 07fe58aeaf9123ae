"""Sources: one module per kind. `fetch(source, now)` returns the source's Documents."""

from __future__ import annotations

from datetime import datetime

from briefing.config import FeedSource, FilesSource
from briefing.errors import SourceError
from briefing.models import Document
from briefing.sources.files import fetch_files


def fetch(source: FilesSource | FeedSource, now: datetime) -> list[Document]:
    if isinstance(source, FilesSource):
        return fetch_files(source, now)
    raise SourceError(f"source {source.name}: type {source.type!r} is not supported yet")
