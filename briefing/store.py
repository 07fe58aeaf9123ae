"""The only SQLite code: migrations, sources, articles, summaries, editions, deliveries.

Numbered migrations run automatically when a store is opened and are recorded in `migrations`.
Every write happens in a transaction; an edition and the article ids it uses are recorded together,
before anything is published.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from briefing.errors import StoreError
from briefing.models import (
    Article,
    ScoredSentence,
    SourceState,
    Summary,
)
from briefing.store_editions import EditionStore
from briefing.store_rows import (
    article_from_row,
    parse_time,
    source_state_from_row,
    ts,
    with_first_seen,
)
from briefing.store_schema import MIGRATIONS
from briefing.store_subscribers import SubscriberStore


class _Connection(sqlite3.Connection):
    """A connection whose every statement turns an SQLite failure into a one-line StoreError, so
    no caller outside this module ever sees sqlite3's exceptions."""

    store_path: Path = Path("store")

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise store_error(self.store_path, exc) from None

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as exc:
            raise store_error(self.store_path, exc) from None


class Store(EditionStore, SubscriberStore):
    """A briefing store in one SQLite file."""

    def __init__(self, path: Path | str, *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                if self.path.is_dir():
                    raise StoreError(f"{self.path}: is a folder; `store:` must name a file")
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None, factory=_Connection)
            self.db.store_path = self.path
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self._retry_while_busy(lambda: self.db.execute("PRAGMA journal_mode = WAL"), busy_timeout)
            self._retry_while_busy(self.migrate, busy_timeout)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open the store: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    @staticmethod
    def _retry_while_busy(step: Callable[[], object], timeout: float) -> None:
        """Run a step of opening the store, again while another connection is creating it: SQLite
        answers "locked" at once, without waiting, to a journal-mode change or a schema read that
        races another connection's first transaction."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                step()
                return
            except StoreBusyError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            with contextlib.suppress(StoreError):
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- migrations -----------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply the migrations this store has not seen yet; return their names."""
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "migrations" not in tables:
            raise StoreError(
                f"{self.path}: this SQLite file is not a briefing store (it holds other tables:"
                f" {', '.join(sorted(tables)[:4])}); point `store:` at a new file"
            )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
        )
        done = {row["id"] for row in self.db.execute("SELECT id FROM migrations")}
        if done and max(done) > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: the store was written by a newer briefing (migration {max(done)});"
                " upgrade briefing to use it"
            )
        applied = []
        for number, (name, sql) in enumerate(MIGRATIONS, start=1):
            if number in done:
                continue
            with self.transaction() as db:
                # another process may have applied it since we looked: decide inside the write lock
                if db.execute("SELECT 1 FROM migrations WHERE id = ?", (number,)).fetchone():
                    continue
                if callable(sql):
                    sql(db)
                else:
                    for statement in sql.split(";"):
                        if statement.strip():
                            db.execute(statement)
                db.execute(
                    "INSERT INTO migrations (id, name, applied) VALUES (?, ?, datetime('now'))", (number, name)
                )
            applied.append(name)
        return applied

    # -- articles -------------------------------------------------------------------------------

    def add_articles(
        self, articles: Iterable[Article], first_seen: datetime, *, hide_before: datetime | None = None
    ) -> list[Article]:
        """Store articles not seen before; return the new ones.

        An article is already known by its id (its source and GUID or address), by its canonical URL
        within its source, or by its text within its source. With `hide_before`, new articles
        published earlier are remembered but never published (a new source's backlog).
        """
        new: list[Article] = []
        with self.transaction() as db:
            for a in articles:
                if a.url and db.execute(
                    "SELECT 1 FROM articles WHERE source = ? AND url = ? AND kind = 'article'", (a.source, a.url)
                ).fetchone():
                    continue
                hidden = bool(hide_before and a.published and a.published < hide_before)
                cursor = db.execute(
                    """INSERT OR IGNORE INTO articles (id, source, label, url, title, byline, standfirst, section,
                       kind, parent, paragraphs, published, fingerprint, first_seen, hidden)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        a.id, a.source, a.label, a.url, a.title, a.byline, a.standfirst, a.section, a.kind,
                        a.parent, json.dumps(a.paragraphs, ensure_ascii=False), ts(a.published),
                        a.fingerprint, ts(first_seen), int(hidden),
                    ),
                )
                if cursor.rowcount and not hidden:
                    new.append(with_first_seen(a, first_seen))
        return new

    def update_unpublished(self, articles: Iterable[Article]) -> list[Article]:
        """Take the new text of articles already stored whose text changed at the source, where no
        edition has used them yet; return those updated. An article an edition already used keeps
        the version that was published: a correction is not news again (see README, "Collecting")."""
        updated: list[Article] = []
        candidates = list(articles)
        with self.transaction() as db:
            stored: dict[str, str] = {}
            for start in range(0, len(candidates), 500):  # by primary key, a chunk at a time
                chunk = [a.id for a in candidates[start: start + 500]]
                marks = ",".join("?" for _ in chunk)
                stored.update(db.execute(f"SELECT id, fingerprint FROM articles WHERE id IN ({marks})", chunk).fetchall())
            for a in candidates:
                if stored.get(a.id, a.fingerprint) == a.fingerprint:
                    continue  # unknown here, or unchanged: the usual case, settled without another query
                row = db.execute(
                    """SELECT first_seen FROM articles WHERE id = ? AND hidden = 0
                       AND id NOT IN (SELECT article_id FROM edition_articles)""",
                    (a.id,),
                ).fetchone()
                if row is None:
                    continue
                if db.execute(
                    "SELECT 1 FROM articles WHERE source = ? AND fingerprint = ? AND id != ?", (a.source, a.fingerprint, a.id)
                ).fetchone():
                    continue  # the new text is another stored article's
                db.execute(
                    """UPDATE articles SET title = ?, byline = ?, standfirst = ?, section = ?, paragraphs = ?,
                       published = COALESCE(?, published), fingerprint = ?, url = ? WHERE id = ?""",
                    (a.title, a.byline, a.standfirst, a.section, json.dumps(a.paragraphs, ensure_ascii=False),
                     ts(a.published), a.fingerprint, a.url, a.id),
                )
                first_seen = parse_time(row["first_seen"])
                updated.append(with_first_seen(a, first_seen) if first_seen else a)
        return updated

    def articles_for(
        self, sources: Sequence[str], after: datetime | None, until: datetime, briefing: str
    ) -> list[Article]:
        """Articles of these sources first seen up to `until` and not used by this briefing: first
        seen after `after`, or dated after it (an item dated ahead of an earlier slot waited for a
        later edition: briefing/selection.py), or released by an abandoned edition of this briefing."""
        marks = ",".join("?" for _ in sources)
        rows = self.db.execute(
            f"""SELECT * FROM articles WHERE source IN ({marks}) AND first_seen <= ? AND hidden = 0
                AND (? IS NULL OR first_seen > ? OR published > ?
                     OR id IN (SELECT article_id FROM released_articles WHERE briefing = ?))
                AND id NOT IN (SELECT article_id FROM edition_articles WHERE briefing = ?)
                ORDER BY first_seen, id""",
            (*sources, ts(until), ts(after), ts(after), ts(after), briefing, briefing),
        )
        return [article_from_row(row) for row in rows]

    def count_articles(self, source: str | None = None) -> int:
        if source is None:
            return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])
        return int(self.db.execute("SELECT count(*) FROM articles WHERE source = ?", (source,)).fetchone()[0])

    # -- summaries ------------------------------------------------------------------------------

    def get_summaries(self, articles: Sequence[Article], algorithm: str, count: int) -> dict[str, Summary]:
        out = {}
        for a in articles:
            row = self.db.execute(
                "SELECT data FROM summaries WHERE fingerprint = ? AND algorithm = ? AND sentences = ?",
                (a.fingerprint, algorithm, count),
            ).fetchone()
            if row:
                data = json.loads(row["data"])
                out[a.id] = Summary(
                    a.id,
                    tuple(ScoredSentence(**s) for s in data["sentences"]),
                    data["key_sentence"],
                    tuple(data.get("central", ())),
                )
        return out

    def put_summaries(self, pairs: Iterable[tuple[Article, Summary]], algorithm: str, count: int) -> None:
        with self.transaction() as db:
            for article, summary in pairs:
                data = {
                    "sentences": [asdict(s) for s in summary.sentences],
                    "key_sentence": summary.key_sentence,
                    "central": list(summary.central),
                }
                db.execute(
                    "INSERT OR REPLACE INTO summaries (fingerprint, algorithm, sentences, data) VALUES (?, ?, ?, ?)",
                    (article.fingerprint, algorithm, count, json.dumps(data, ensure_ascii=False)),
                )

    # -- sources --------------------------------------------------------------------------------

    def source_state(self, name: str) -> SourceState | None:
        row = self.db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
        return source_state_from_row(row) if row else None

    def record_source(
        self,
        name: str,
        kind: str,
        *,
        ok: bool,
        error: str | None,
        checked: datetime,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        http_status: int | None = None,
        next_fetch: datetime | None = None,
        disable: bool = False,
        keep_validators: bool = False,
    ) -> int:
        """Record one fetch of a source; return its consecutive failure count."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO sources (name, type) VALUES (?, ?)", (name, kind))
            if ok:
                db.execute(
                    """UPDATE sources SET last_status = 'ok', failures = 0, last_error = NULL, last_checked = ?,
                       successes = successes + 1, disabled = 0, http_status = ?, next_fetch = ?, url = COALESCE(?, url),
                       etag = CASE WHEN ? THEN etag ELSE ? END,
                       last_modified = CASE WHEN ? THEN last_modified ELSE ? END
                       WHERE name = ?""",
                    (ts(checked), http_status, ts(next_fetch), url, keep_validators, etag,
                     keep_validators, last_modified, name),
                )
            else:
                db.execute(
                    """UPDATE sources SET last_status = 'error', failures = failures + 1, last_error = ?,
                       last_checked = ?, http_status = ?, next_fetch = ?, disabled = MAX(disabled, ?)
                       WHERE name = ?""",
                    (error, ts(checked), http_status, ts(next_fetch), int(disable), name),
                )
            row = db.execute("SELECT failures FROM sources WHERE name = ?", (name,)).fetchone()
        return int(row["failures"])

    def files_seen(self, source: str) -> dict[str, tuple[int, int]]:
        rows = self.db.execute("SELECT path, size, mtime_ns FROM files_seen WHERE source = ?", (source,))
        return {row["path"]: (row["size"], row["mtime_ns"]) for row in rows}

    def record_files_seen(self, source: str, seen: dict[str, tuple[int, int]]) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM files_seen WHERE source = ?", (source,))
            db.executemany(
                "INSERT INTO files_seen (source, path, size, mtime_ns) VALUES (?, ?, ?, ?)",
                [(source, path, size, mtime) for path, (size, mtime) in seen.items()],
            )

    def sources(self) -> list[SourceState]:
        return [source_state_from_row(row) for row in self.db.execute("SELECT * FROM sources ORDER BY name")]


class StoreBusyError(StoreError):
    """Another program holds a write lock on the SQLite file."""

    exit_code = 3


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """An SQLite failure as a one-line StoreError that says what to do."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreBusyError(f"{path}: the store is locked by another program; try again when it has finished")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"{path}: the store is read-only; give this user write access to the file and its folder")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"{path}: the store is damaged or not a briefing store ({text}); restore a backup or move it away to start afresh"
        )
    if "unable to open" in text:
        return StoreError(f"{path}: cannot open the store ({text}); check that its folder exists and is writable")
    if "no such table" in text or "no such column" in text:
        return StoreError(f"{path}: the store's tables are not briefing's ({text}); move it away to start afresh")
    return StoreError(f"{path}: store error: {text}")
