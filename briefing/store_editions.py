"""The editions half of the store (a mixin of Store): editions, their articles and deliveries.

An edition is recorded with the article ids it uses and one pending delivery per recipient in one
transaction, before anything is published. Deliveries move pending -> sending -> sent | retry |
failed (see publish/deliver.py); an abandoned edition releases its articles to the next one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from briefing.errors import StoreError
from briefing.models import OPEN_DELIVERY_SQL, Delivery, Edition, EditionInfo
from briefing.store_rows import (
    DELIVERY_COLUMNS,
    EDITION_COLUMNS,
    delivery_from_row,
    edition_from_json,
    edition_info_from_row,
    edition_to_json,
    ts,
)


class EditionStore:
    db: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    # -- editions -------------------------------------------------------------------------------

    def last_edition(self, briefing: str) -> EditionInfo | None:
        """The briefing's latest edition by slot, abandoned ones aside."""
        row = self.db.execute(
            f"SELECT {EDITION_COLUMNS} FROM editions e WHERE briefing = ? AND status != 'abandoned'"
            " ORDER BY slot DESC LIMIT 1",
            (briefing,),
        ).fetchone()
        return edition_info_from_row(row) if row else None

    def edition_exists(self, edition_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM editions WHERE id = ?", (edition_id,)).fetchone() is not None

    def add_edition(self, edition: Edition, created: datetime, recipients: Sequence[str]) -> None:
        """Record an edition, claim its articles and queue its deliveries, all at once."""
        with self.transaction() as db:
            db.execute(
                """INSERT INTO editions (id, briefing, slot, created, status, content, title)
                   VALUES (?, ?, ?, ?, 'composed', ?, ?)""",
                (edition.id, edition.briefing, ts(edition.slot), ts(created), edition_to_json(edition), edition.title),
            )
            db.executemany(
                "INSERT INTO edition_articles (briefing, article_id, edition_id) VALUES (?, ?, ?)",
                [(edition.briefing, aid, edition.id) for aid in edition.article_ids],
            )
            db.executemany(
                "INSERT INTO deliveries (edition_id, recipient, status, updated) VALUES (?, ?, 'pending', ?)",
                [(edition.id, r, ts(created)) for r in recipients],
            )

    def set_edition_status(self, edition_id: str, status: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE editions SET status = ? WHERE id = ?", (status, edition_id))

    def abandon_edition(self, edition_id: str, when: datetime) -> EditionInfo:
        """Give up an unfinished edition: kept in the store and marked, its open deliveries closed,
        its articles released for the briefing's next edition."""
        info = self.edition_info(edition_id)
        if info is None:
            raise StoreError(f"no edition {edition_id!r} (see `briefing editions`)")
        if info.status != "composed":
            raise StoreError(f"edition {edition_id} is {info.status}; only an unfinished edition can be abandoned")
        with self.transaction() as db:
            db.execute("UPDATE editions SET status = 'abandoned' WHERE id = ?", (edition_id,))
            db.execute(
                """INSERT OR IGNORE INTO released_articles (briefing, article_id)
                   SELECT briefing, article_id FROM edition_articles WHERE edition_id = ?""",
                (edition_id,),
            )
            db.execute("DELETE FROM edition_articles WHERE edition_id = ?", (edition_id,))
            db.execute(
                f"""UPDATE deliveries SET status = 'failed', last_error = 'edition abandoned', updated = ?
                   WHERE edition_id = ? AND status IN {OPEN_DELIVERY_SQL}""",
                (ts(when), edition_id),
            )
        return info

    def edition_info(self, edition_id: str) -> EditionInfo | None:
        row = self.db.execute(f"SELECT {EDITION_COLUMNS} FROM editions e WHERE id = ?", (edition_id,)).fetchone()
        return edition_info_from_row(row) if row else None

    def edition_infos(self, briefing: str | None = None) -> list[EditionInfo]:
        """Every edition (of one briefing), newest first."""
        sql = f"SELECT {EDITION_COLUMNS} FROM editions e"
        args: list[Any] = []
        if briefing:
            sql += " WHERE briefing = ?"
            args.append(briefing)
        return [edition_info_from_row(row) for row in self.db.execute(sql + " ORDER BY slot DESC, id", args)]

    def editions(self, briefing: str, limit: int | None = None) -> list[Edition]:
        """Published editions of a briefing (abandoned ones aside), newest first."""
        sql = "SELECT content FROM editions WHERE briefing = ? AND status != 'abandoned' ORDER BY slot DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [edition_from_json(row["content"]) for row in self.db.execute(sql, (briefing,))]

    def edition(self, edition_id: str) -> Edition | None:
        row = self.db.execute("SELECT content FROM editions WHERE id = ?", (edition_id,)).fetchone()
        return edition_from_json(row["content"]) if row else None

    def unfinished_editions(self, briefing: str) -> list[Edition]:
        rows = self.db.execute(
            "SELECT content FROM editions WHERE briefing = ? AND status = 'composed' ORDER BY slot", (briefing,)
        )
        return [edition_from_json(row["content"]) for row in rows]

    # -- deliveries -----------------------------------------------------------------------------

    def open_deliveries(self, edition_id: str, due: datetime | None = None) -> list[Delivery]:
        """Deliveries of an edition still to make (pending, interrupted while sending, or waiting for
        a retry); with `due`, only those whose next attempt has come."""
        rows = self.db.execute(
            f"""SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN editions e ON e.id = d.edition_id
                WHERE d.edition_id = ? AND d.status IN {OPEN_DELIVERY_SQL}
                AND (? IS NULL OR d.next_attempt IS NULL OR d.next_attempt <= ?) ORDER BY d.recipient""",
            (edition_id, ts(due), ts(due)),
        )
        return [delivery_from_row(r) for r in rows]

    def start_delivery(self, edition_id: str, recipient: str, message_id: str, when: datetime) -> None:
        """Mark a delivery `sending` (committed) before its SMTP transaction begins."""
        with self.transaction() as db:
            db.execute(
                """UPDATE deliveries SET status = 'sending', message_id = ?, updated = ?
                   WHERE edition_id = ? AND recipient = ?""",
                (message_id, ts(when), edition_id, recipient),
            )

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
                (status, message_id, error, ts(when), ts(next_attempt), edition_id, recipient),
            )

    def delivery(self, edition_id: str, recipient: str) -> Delivery | None:
        row = self.db.execute(
            f"""SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN editions e ON e.id = d.edition_id
                WHERE d.edition_id = ? AND d.recipient = ?""",
            (edition_id, recipient),
        ).fetchone()
        return delivery_from_row(row) if row else None

    def deliveries(self, statuses: Sequence[str] | None = None) -> list[Delivery]:
        sql = f"SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN editions e ON e.id = d.edition_id"
        args: list[Any] = []
        if statuses:
            sql += f" WHERE d.status IN ({','.join('?' for _ in statuses)})"
            args.extend(statuses)
        return [delivery_from_row(r) for r in self.db.execute(sql + " ORDER BY d.edition_id, d.recipient", args)]
