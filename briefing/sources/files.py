"""`files` sources: a folder of .txt, .md and .html files, such as seeds/."""

from __future__ import annotations

import fnmatch
from datetime import UTC, datetime

from briefing.config import FilesSource
from briefing.errors import SourceError
from briefing.models import Document


def label_for(source: FilesSource, name: str) -> str:
    """The display label of one file: the first matching `labels` glob, else the source's label."""
    for pattern, label in source.labels.items():
        if fnmatch.fnmatch(name, pattern):
            return label
    return source.label or source.name


def fetch_files(
    source: FilesSource, now: datetime, known: dict[str, tuple[int, int]] | None = None
) -> tuple[list[Document], dict[str, tuple[int, int]]]:
    """A Document per matching file that is new or changed since `known` (path -> (size, mtime_ns)),
    in name order, and the (size, mtime_ns) of every file seen. The file's path is its identity."""
    folder = source.path
    if not folder.is_dir():
        raise SourceError(f"source {source.name}: folder {folder} does not exist")
    paths = sorted({p for pattern in source.patterns for p in folder.rglob(pattern) if p.is_file()})
    documents = []
    seen: dict[str, tuple[int, int]] = {}
    for path in paths:
        relative = path.relative_to(folder).as_posix()
        info = path.stat()
        seen[relative] = (info.st_size, info.st_mtime_ns)
        if known and known.get(relative) == seen[relative]:
            continue  # unchanged since the last collect: nothing new in it
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"source {source.name}: cannot read {path}: {exc.strerror}") from None
        try:
            body = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            body = raw.decode("cp1252", errors="replace")
        documents.append(
            Document(
                source=source.name,
                label=label_for(source, relative),
                uri=f"{folder.name}/{relative}",
                title=None,
                body=body,
                content_type="html" if path.suffix.lower() in (".html", ".htm") else "text",
                published=None,
                fetched=now.astimezone(UTC),
            )
        )
    return documents, seen
