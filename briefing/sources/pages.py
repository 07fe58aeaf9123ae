"""`page` sources and full-text extraction: the main text of a web page (trafilatura)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura

from briefing.models import Document
from briefing.sources.http import Response
from briefing.sources.urls import canonical_url


@dataclass(frozen=True)
class Extracted:
    title: str | None
    text: str
    author: str | None
    published: datetime | None


def decode(response: Response) -> str:
    """The body as text, by the charset the server declared, else UTF-8 with a fallback."""
    charset = None
    for part in response.headers.get("content-type", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset":
            charset = value.strip().strip("'\"")
    for encoding in (charset, "utf-8"):
        if encoding:
            try:
                return response.body.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return response.body.decode("cp1252", errors="replace")


def extract(html: str, url: str) -> Extracted | None:
    """The main text of a page, one paragraph a line, with its metadata; None where there is none."""
    result = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    if not result:
        return None
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    text = (data.get("text") or "").strip()
    if not text:
        return None
    published = None
    if data.get("date"):
        try:
            published = datetime.fromisoformat(str(data["date"])).replace(tzinfo=UTC)
        except ValueError:
            published = None
    return Extracted(data.get("title") or None, text, data.get("author") or None, published)


def page_document(source: str, label: str, url: str, response: Response, now: datetime) -> Document | None:
    found = extract(decode(response), response.url)
    if found is None:
        return None
    return Document(
        source=source,
        label=label,
        uri=canonical_url(url),
        title=found.title,
        body=found.text,
        content_type="text",
        published=found.published,
        fetched=now,
        url=canonical_url(response.url),
        byline=found.author,
    )
