"""The store's schema: numbered migrations, applied in order and recorded in `migrations`.

A migration is SQL (statements separated by ";") or a Python function run in the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from briefing.store_rows import parse_time, ts


def _migrate_times_to_utc(db: sqlite3.Connection) -> None:
    """Stores before this migration mixed zones (slots in the briefing's zone, the rest in UTC) and
    compared them as text; rewrite every time as fixed-width UTC."""
    for table, keys, columns in _TIME_COLUMNS:
        rows = db.execute(f"SELECT {', '.join(keys + columns)} FROM {table}").fetchall()
        for row in rows:
            values = [ts(parse_time(row[c])) for c in columns]
            db.execute(
                f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE "
                + " AND ".join(f"{k} = ?" for k in keys),
                (*values, *(row[k] for k in keys)),
            )



MIGRATIONS: list[tuple[str, str | Callable[[sqlite3.Connection], None]]] = [
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
    ("every time in UTC", _migrate_times_to_utc),
    (
        "edition titles for listings",
        """
        ALTER TABLE editions ADD COLUMN title TEXT NOT NULL DEFAULT '';
        UPDATE editions SET title = json_extract(content, '$.title');
        CREATE INDEX deliveries_status ON deliveries (status);
        """,
    ),    (
        "subscribers and confirmation mails",
        """
        CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY,
            briefing TEXT NOT NULL,
            address TEXT NOT NULL COLLATE NOCASE,
            name TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
            origin TEXT NOT NULL CHECK (origin IN ('form', 'import', 'config')),
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            requested TEXT,
            UNIQUE (briefing, address)
        );
        CREATE INDEX subscribers_status ON subscribers (briefing, status);
        CREATE TABLE confirmation_mails (
            address TEXT NOT NULL COLLATE NOCASE,
            sent TEXT NOT NULL
        );
        CREATE INDEX confirmation_mails_address ON confirmation_mails (address, sent);
        """,
    ),
    (
        "articles released by abandoned editions",
        """
        CREATE TABLE released_articles (
            briefing TEXT NOT NULL,
            article_id TEXT NOT NULL,
            PRIMARY KEY (briefing, article_id)
        );
        """,
    ),
    (
        # summaries are cached under "algorithm/version" since the lead prior (briefing/collect.py):
        # the unversioned rows are never read again
        "summaries cached before versioned keys",
        "DELETE FROM summaries WHERE instr(algorithm, '/') = 0;",
    ),
]

# Every time column, for the UTC migration: (table, key columns, time columns).
_TIME_COLUMNS = (
    ("sources", ("name",), ("last_checked", "next_fetch")),
    ("articles", ("id",), ("published", "first_seen")),
    ("editions", ("id",), ("slot", "created")),
    ("deliveries", ("edition_id", "recipient"), ("updated", "next_attempt")),
)


