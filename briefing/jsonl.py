"""JSON Lines in and out for `briefing summarize`, `briefing group` and `briefing eval`.

Input lines are read into Articles; a bad line is reported as "FILE:LINE: what is wrong".
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from briefing.errors import BriefingError
from briefing.models import Article
from briefing.text.boilerplate import without_dateline
from briefing.text.normalize import fingerprint


class InputError(BriefingError):
    exit_code = 2


@dataclass(frozen=True)
class Record:
    raw: dict[str, Any]
    article: Article
    line: int


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line of a JSON Lines file ("-" is standard input)."""
    try:
        handle: TextIO = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(value, dict):
                raise InputError(f"{path}:{number}: expected a JSON object, found {type(value).__name__}")
            yield number, value


def paragraphs_of(text: str) -> tuple[str, ...]:
    """Paragraphs of a plain text: blank-line separated blocks (single line breaks inside one are kept as spaces)."""
    blocks = [" ".join(line.strip() for line in block.splitlines() if line.strip()) for block in text.split("\n\n")]
    return tuple(b for b in blocks if b)


def _text_field(value: dict[str, Any], key: str, path: Path, number: int, *, required: bool) -> str:
    if key not in value or value[key] is None:
        if required:
            raise InputError(f"{path}:{number}: '{key}' is missing")
        return ""
    if not isinstance(value[key], str):
        raise InputError(f"{path}:{number}: '{key}' must be a string, found {type(value[key]).__name__}")
    text: str = value[key]
    return text


def read_articles(path: Path, *, need_text: bool) -> list[Record]:
    """Articles from lines with `id`, `title`, `text` and optionally `source`, `published`."""
    records = []
    seen: set[str] = set()
    for number, value in read_lines(path):
        if "id" not in value:
            raise InputError(f"{path}:{number}: 'id' is missing")
        key = str(value["id"])
        if key in seen:
            raise InputError(f"{path}:{number}: id {key!r} appears twice")
        seen.add(key)
        title = _text_field(value, "title", path, number, required=not need_text)
        text = _text_field(value, "text", path, number, required=need_text)
        published = None
        if value.get("published"):
            try:
                published = datetime.fromisoformat(str(value["published"]).replace("Z", "+00:00"))
            except ValueError:
                raise InputError(f"{path}:{number}: 'published' is not an ISO-8601 date-time: {value['published']!r}") from None
            if published.tzinfo is None:
                published = published.replace(tzinfo=UTC)
        source = str(value.get("source") or "")
        article = Article(
            id=key,
            source=source,
            label=source,
            url=str(value.get("url") or ""),
            title=title,
            paragraphs=without_dateline(paragraphs_of(text)),
            fingerprint=fingerprint(text or title) if (text or title) else hashlib.sha1(key.encode()).hexdigest(),
            published=published,
        )
        records.append(Record(value, article, number))
    return records


def write_lines(rows: Iterable[dict[str, Any]], out: Path | None) -> None:
    """Write objects as JSON Lines to `out` (or standard output)."""
    if out is None or str(out) == "-":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    from briefing.publish.files import write_atomic

    write_atomic(out, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def sentences_override(value: dict[str, Any], default: int, path: Path, number: int) -> int:
    count = value.get("sentences", default)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise InputError(f"{path}:{number}: 'sentences' must be a whole number of at least 1, found {count!r}")
    return count


def ids(records: Sequence[Record]) -> list[Any]:
    return [r.raw["id"] for r in records]
