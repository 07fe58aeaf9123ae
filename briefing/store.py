"""The only SQLite code: migrations, sources, articles, summaries, editions, deliveries.

Numbered migrations run automatically when a store is opened and are recorded in `migrations`.
Every write happens in a transaction; an edition and the article ids it uses are recorded together,
before anything is published.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from briefing.errors import StoreError
from briefing.models import Article, Edition, EditionItem, ScoredSentence, Summary

MIGRATIONS: list[tuple[str, str]] = [
    (
        "initial",
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            url TEXT,
            etag TEXT,
            last_modified TEXT,
            last_status TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_checked TEXT,
            disabled INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            label TEXT NOT NULL,
            url TEXT NOT NULL,
            title TEXT NOT NULL,
            byline TEXT,
            standfirst TEXT,
            section TEXT,
            kind TEXT NOT NULL,
            parent TEXT,
            paragraphs TEXT NOT NULL,
            published TEXT,
            fingerprint TEXT NOT NULL,
            first_seen TEXT NOT NULL
        );
        CREATE INDEX articles_first_seen ON articles (first_seen);
        CREATE UNIQUE INDEX articles_source_fingerprint ON articles (source, fingerprint);
        CREATE TABLE summaries (
            fingerprint TEXT NOT NULL,
            algorithm TEXT NOT NULL,
            sentences INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (fingerprint, algorithm, sentences)
        );
        CREATE TABLE editions (
            id TEXT PRIMARY KEY,
            briefing TEXT NOT NULL,
            slot TEXT NOT NULL,
            created TEXT NOT NULL,
            status TEXT NOT NULL,
            content TEXT NOT NULL
        );
        CREATE INDEX editions_briefing_slot ON editions (briefing, slot);
        CREATE TABLE edition_articles (
            briefing TEXT NOT NULL,
            article_id TEXT NOT NULL,
            edition_id TEXT NOT NULL REFERENCES editions (id),
            PRIMARY KEY (briefing, article_id)
        );
        CREATE TABLE deliveries (
            edition_id TEXT NOT NULL REFERENCES editions (id),
            recipient TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id TEXT,
            last_error TEXT,
            updated TEXT,
            next_attempt TEXT,
            PRIMARY KEY (edition_id, recipient)
        );
        """,
    ),
    (
        "source fetch state and first-run backfill",
        """
        ALTER TABLE sources ADD COLUMN next_fetch TEXT;
        ALTER TABLE sources ADD COLUMN http_status INTEGER;
        ALTER TABLE sources ADD COLUMN successes INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE articles ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX articles_source_url ON articles (source, url);
        """,
    ),
    (
        "files seen by files sources",
        """
        CREATE TABLE files_seen (
            source TEXT NOT NULL,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            PRIMARY KEY (source, path)
        );
        """,
    ),
]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Store:
    """A briefing store in one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from None
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.migrate()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- migrations -----------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply the migrations this store has not seen yet; return their names."""
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
                        a.parent, json.dumps(a.paragraphs, ensure_ascii=False), _iso(a.published),
                        a.fingerprint, first_seen.isoformat(), int(hidden),
                    ),
                )
                if cursor.rowcount and not hidden:
                    new.append(_replace_first_seen(a, first_seen))
        return new

    def articles_for(
        self, sources: Sequence[str], after: datetime | None, until: datetime, briefing: str
    ) -> list[Article]:
        """Articles of these sources first seen in (after, until] and not used by this briefing."""
        marks = ",".join("?" for _ in sources)
        rows = self.db.execute(
            f"""SELECT * FROM articles WHERE source IN ({marks}) AND first_seen <= ? AND hidden = 0
                AND (? IS NULL OR first_seen > ?)
                AND id NOT IN (SELECT article_id FROM edition_articles WHERE briefing = ?)
                ORDER BY first_seen, id""",
            (*sources, until.isoformat(), _iso(after), _iso(after), briefing),
        )
        return [_article(row) for row in rows]

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
                    a.id, tuple(ScoredSentence(**s) for s in data["sentences"]), data["key_sentence"]
                )
        return out

    def put_summaries(self, pairs: Iterable[tuple[Article, Summary]], algorithm: str, count: int) -> None:
        with self.transaction() as db:
            for article, summary in pairs:
                data = {
                    "sentences": [asdict(s) for s in summary.sentences],
                    "key_sentence": summary.key_sentence,
                }
                db.execute(
                    "INSERT OR REPLACE INTO summaries (fingerprint, algorithm, sentences, data) VALUES (?, ?, ?, ?)",
                    (article.fingerprint, algorithm, count, json.dumps(data, ensure_ascii=False)),
                )

    # -- sources --------------------------------------------------------------------------------

    def source_state(self, name: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
        return dict(row) if row else None

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
                    """UPDATE sources SET last_status = 'ok', failures = 0, last_error = NULL, last_checked = ?, disabled = 0,
                       successes = successes + 1, http_status = ?, next_fetch = ?, url = COALESCE(?, url),
                       etag = CASE WHEN ? THEN etag ELSE ? END,
                       last_modified = CASE WHEN ? THEN last_modified ELSE ? END
                       WHERE name = ?""",
                    (checked.isoformat(), http_status, _iso(next_fetch), url, keep_validators, etag,
                     keep_validators, last_modified, name),
                )
            else:
                db.execute(
                    """UPDATE sources SET last_status = 'error', failures = failures + 1, last_error = ?,
                       last_checked = ?, http_status = ?, next_fetch = ?, disabled = MAX(disabled, ?)
                       WHERE name = ?""",
                    (error, checked.isoformat(), http_status, _iso(next_fetch), int(disable), name),
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

    def sources(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.db.execute("SELECT * FROM sources ORDER BY name")]

    # -- editions -------------------------------------------------------------------------------

    def last_edition(self, briefing: str) -> tuple[str, datetime] | None:
        row = self.db.execute(
            "SELECT id, slot FROM editions WHERE briefing = ? ORDER BY slot DESC LIMIT 1", (briefing,)
        ).fetchone()
        return (row["id"], datetime.fromisoformat(row["slot"])) if row else None

    def edition_exists(self, edition_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM editions WHERE id = ?", (edition_id,)).fetchone() is not None

    def add_edition(self, edition: Edition, created: datetime, recipients: Sequence[str]) -> None:
        """Record an edition, claim its articles and queue its deliveries, all at once."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO editions (id, briefing, slot, created, status, content) VALUES (?, ?, ?, ?, 'composed', ?)",
                (edition.id, edition.briefing, edition.slot.isoformat(), created.isoformat(), edition_to_json(edition)),
            )
            db.executemany(
                "INSERT INTO edition_articles (briefing, article_id, edition_id) VALUES (?, ?, ?)",
                [(edition.briefing, aid, edition.id) for aid in edition.article_ids],
            )
            db.executemany(
                "INSERT INTO deliveries (edition_id, recipient, status, updated) VALUES (?, ?, 'pending', ?)",
                [(edition.id, r, created.isoformat()) for r in recipients],
            )

    def set_edition_status(self, edition_id: str, status: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE editions SET status = ? WHERE id = ?", (status, edition_id))

    def editions(self, briefing: str, limit: int | None = None, status: str | None = None) -> list[Edition]:
        """Editions of a briefing, newest first."""
        sql = "SELECT content FROM editions WHERE briefing = ?"
        args: list[Any] = [briefing]
        if status:
            sql += " AND status = ?"
            args.append(status)
        sql += " ORDER BY slot DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [edition_from_json(row["content"]) for row in self.db.execute(sql, args)]

    def unfinished_editions(self, briefing: str) -> list[Edition]:
        rows = self.db.execute(
            "SELECT content FROM editions WHERE briefing = ? AND status != 'done' ORDER BY slot", (briefing,)
        )
        return [edition_from_json(row["content"]) for row in rows]

    # -- deliveries -----------------------------------------------------------------------------

    def pending_deliveries(self, edition_id: str, due: datetime | None = None) -> list[dict[str, Any]]:
        """Deliveries of an edition still to make; with `due`, only those whose next attempt has come."""
        rows = self.db.execute(
            """SELECT * FROM deliveries WHERE edition_id = ? AND status IN ('pending', 'retry')
               AND (? IS NULL OR next_attempt IS NULL OR next_attempt <= ?) ORDER BY recipient""",
            (edition_id, _iso(due), _iso(due)),
        )
        return [dict(r) for r in rows]

    def record_delivery(
        self,
        edition_id: str,
        recipient: str,
        *,
        status: str,
        message_id: str | None,
        error: str | None,
        when: datetime,
        next_attempt: datetime | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                """UPDATE deliveries SET status = ?, attempts = attempts + 1, message_id = COALESCE(?, message_id),
                   last_error = ?, updated = ?, next_attempt = ? WHERE edition_id = ? AND recipient = ?""",
                (status, message_id, error, when.isoformat(), _iso(next_attempt), edition_id, recipient),
            )

    def delivery(self, edition_id: str, recipient: str) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT * FROM deliveries WHERE edition_id = ? AND recipient = ?", (edition_id, recipient)
        ).fetchone()
        return dict(row)

    def deliveries(self, statuses: Sequence[str] | None = None) -> list[dict[str, Any]]:
        sql = "SELECT d.*, e.briefing FROM deliveries d JOIN editions e ON e.id = d.edition_id"
        args: list[Any] = []
        if statuses:
            sql += f" WHERE d.status IN ({','.join('?' for _ in statuses)})"
            args.extend(statuses)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY d.edition_id, d.recipient", args)]


def _replace_first_seen(article: Article, when: datetime) -> Article:
    from dataclasses import replace

    return replace(article, first_seen=when)


def _article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        source=row["source"],
        label=row["label"],
        url=row["url"],
        title=row["title"],
        paragraphs=tuple(json.loads(row["paragraphs"])),
        fingerprint=row["fingerprint"],
        byline=row["byline"],
        standfirst=row["standfirst"],
        published=_dt(row["published"]),
        section=row["section"],
        kind=row["kind"],
        parent=row["parent"],
        first_seen=_dt(row["first_seen"]),
    )


def edition_to_json(edition: Edition) -> str:
    data = asdict(edition)
    data["slot"] = edition.slot.isoformat()
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _item(data: dict[str, Any]) -> EditionItem:
    return EditionItem(
        **{
            **data,
            "also_in": tuple(data.get("also_in", ())),
            "children": tuple(_item(c) for c in data.get("children", ())),
        }
    )


def edition_from_json(text: str) -> Edition:
    data = json.loads(text)
    return Edition(
        **{
            **data,
            "slot": datetime.fromisoformat(data["slot"]),
            "items": tuple(_item(i) for i in data["items"]),
            "article_ids": tuple(data["article_ids"]),
            "topics": tuple(data.get("topics", ())),
        }
    )
