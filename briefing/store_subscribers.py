"""The subscriber half of the store (a mixin of Store): subscriptions and confirmation mails.

An address that unsubscribed or bounced stays suppressed: config sync, imports and `add` never
make it active again; only a new sign-up that the owner confirms does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from briefing.models import OPEN_DELIVERY_SQL, Subscriber
from briefing.store_rows import parse_time, parse_utc, ts


class SubscriberStore:
    db: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    # -- subscribers ----------------------------------------------------------------------------
    # An address that unsubscribed or bounced stays suppressed: config sync, imports and `add` never
    # make it active again; only a new sign-up that the owner confirms does.

    def subscriber(self, subscriber_id: int) -> Subscriber | None:
        row = self.db.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        return _subscriber(row) if row else None

    def find_subscriber(self, briefing: str, address: str) -> Subscriber | None:
        row = self.db.execute(
            "SELECT * FROM subscribers WHERE briefing = ? AND address = ?", (briefing, address)
        ).fetchone()
        return _subscriber(row) if row else None

    def subscribers(self, briefing: str | None = None, status: str | None = None) -> list[Subscriber]:
        rows = self.db.execute(
            """SELECT * FROM subscribers WHERE (? IS NULL OR briefing = ?) AND (? IS NULL OR status = ?)
               ORDER BY briefing, address""",
            (briefing, briefing, status, status),
        )
        return [_subscriber(row) for row in rows]

    def active_addresses(self, briefing: str) -> list[str]:
        rows = self.db.execute(
            "SELECT address FROM subscribers WHERE briefing = ? AND status = 'active' ORDER BY address", (briefing,)
        )
        return [row["address"] for row in rows]

    def is_suppressed(self, briefing: str, address: str) -> bool:
        """True where the address unsubscribed from (or bounced on) this briefing."""
        row = self.db.execute(
            "SELECT status FROM subscribers WHERE briefing = ? AND address = ?", (briefing, address)
        ).fetchone()
        return bool(row) and row["status"] in ("unsubscribed", "bounced")

    def sync_config_recipients(self, briefing: str, addresses: Sequence[str], now: datetime) -> None:
        """Make config.yaml's recipients active subscribers (origin config) unless they are suppressed
        or already known, and drop config-origin subscribers no longer listed there."""
        stamp = ts(now)
        with self.transaction() as db:
            db.executemany(
                """INSERT OR IGNORE INTO subscribers (briefing, address, status, origin, created, updated)
                   VALUES (?, ?, 'active', 'config', ?, ?)""",
                [(briefing, a, stamp, stamp) for a in addresses],
            )
            listed = {a.lower() for a in addresses}
            gone = [
                row["id"]
                for row in db.execute(
                    """SELECT id, address FROM subscribers
                       WHERE briefing = ? AND origin = 'config' AND status = 'active'""",
                    (briefing,),
                )
                if row["address"].lower() not in listed
            ]
            db.executemany("DELETE FROM subscribers WHERE id = ?", [(i,) for i in gone])

    def add_subscribers(
        self, briefing: str, entries: Iterable[tuple[str, str, str]], origin: str, now: datetime
    ) -> tuple[int, int, list[str]]:
        """Insert or update (address, name, status) entries in one transaction.

        Returns (added, updated, suppressed): a suppressed address is never made pending or active.
        """
        stamp = ts(now)
        added = updated = 0
        suppressed: list[str] = []
        with self.transaction() as db:
            for address, name, status in entries:
                row = db.execute(
                    "SELECT id, status, name FROM subscribers WHERE briefing = ? AND address = ?", (briefing, address)
                ).fetchone()
                if row is None:
                    db.execute(
                        """INSERT INTO subscribers (briefing, address, name, status, origin, created, updated)
                           VALUES (?, ?, ?, ?, ?, ?, ?)""",
                        (briefing, address, name, status, origin, stamp, stamp),
                    )
                    added += 1
                elif row["status"] in ("unsubscribed", "bounced") and status in ("pending", "active"):
                    suppressed.append(address)
                elif row["status"] != status or (name and row["name"] != name):
                    db.execute(
                        "UPDATE subscribers SET status = ?, name = ?, updated = ? WHERE id = ?",
                        (status, name or row["name"], stamp, row["id"]),
                    )
                    if status in ("unsubscribed", "bounced"):
                        _cancel_deliveries(db, briefing, address, stamp)
                    updated += 1
        return added, updated, suppressed

    def request_subscription(self, briefing: str, address: str, now: datetime) -> Subscriber | None:
        """A sign-up through the form: the subscription becomes pending (waiting for its confirmation)
        unless it is already active; returns the pending record, or None where nothing is to confirm."""
        stamp = ts(now)
        with self.transaction() as db:
            row = db.execute(
                "SELECT * FROM subscribers WHERE briefing = ? AND address = ?", (briefing, address)
            ).fetchone()
            if row is not None and row["status"] == "active":
                return None
            if row is None:
                db.execute(
                    """INSERT INTO subscribers (briefing, address, status, origin, created, updated, requested)
                       VALUES (?, ?, 'pending', 'form', ?, ?, ?)""",
                    (briefing, address, stamp, stamp, stamp),
                )
            else:
                # an unsubscribed address asks again: it stays suppressed until the owner confirms
                db.execute(
                    "UPDATE subscribers SET status = 'pending', requested = ?, updated = ? WHERE id = ?",
                    (stamp, stamp, row["id"]),
                )
            row = db.execute(
                "SELECT * FROM subscribers WHERE briefing = ? AND address = ?", (briefing, address)
            ).fetchone()
        return _subscriber(row)

    def confirm_subscriptions(self, ids: Sequence[int], requested: datetime, now: datetime) -> list[Subscriber]:
        """Make these pending subscriptions active, where they are still waiting for the request made at
        `requested` (a later request or an unsubscribe in between voids an older confirmation link)."""
        with self.transaction() as db:
            for subscriber_id in ids:
                db.execute(
                    """UPDATE subscribers SET status = 'active', updated = ?
                       WHERE id = ? AND status = 'pending' AND requested = ?""",
                    (ts(now), subscriber_id, ts(requested)),
                )
            marks = ",".join("?" for _ in ids)
            rows = db.execute(f"SELECT * FROM subscribers WHERE id IN ({marks}) ORDER BY briefing", tuple(ids))
            return [_subscriber(row) for row in rows]

    def unsubscribe(self, subscriber_id: int, now: datetime) -> Subscriber | None:
        """Suppress this subscription at once: status unsubscribed, and every delivery of this briefing
        to the address still pending or waiting for a retry is cancelled in the same transaction."""
        stamp = ts(now)
        with self.transaction() as db:
            row = db.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
            if row is None:
                return None
            if row["status"] != "unsubscribed":
                db.execute(
                    "UPDATE subscribers SET status = 'unsubscribed', updated = ? WHERE id = ?", (stamp, subscriber_id)
                )
            _cancel_deliveries(db, row["briefing"], row["address"], stamp)
            row = db.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        return _subscriber(row)

    def mark_bounced(self, briefing: str, address: str, now: datetime) -> None:
        """The mail server refused the address itself (550 user unknown): suppress it like an
        unsubscribe, so later editions do not keep knocking (a sender's reputation depends on it)."""
        stamp = ts(now)
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE subscribers SET status = 'bounced', updated = ? WHERE briefing = ? AND address = ?"
                " AND status IN ('active', 'pending')",
                (stamp, briefing, address),
            )
            if cursor.rowcount:
                _cancel_deliveries(db, briefing, address, stamp)

    def delete_subscriber(self, subscriber_id: int) -> None:
        """Forget a subscription entirely (the address is no longer suppressed either)."""
        with self.transaction() as db:
            db.execute("DELETE FROM subscribers WHERE id = ?", (subscriber_id,))

    def confirmation_mails_since(self, address: str, since: datetime) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM confirmation_mails WHERE address = ? AND sent > ?", (address, ts(since))
        ).fetchone()
        return int(row[0])

    def record_confirmation_mail(self, address: str, now: datetime) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO confirmation_mails (address, sent) VALUES (?, ?)", (address, ts(now)))


def _cancel_deliveries(db: sqlite3.Connection, briefing: str, address: str, stamp: str | None) -> None:
    db.execute(
        f"""UPDATE deliveries SET status = 'cancelled', last_error = 'unsubscribed', updated = ?, next_attempt = NULL
           WHERE recipient = ? COLLATE NOCASE AND status IN {OPEN_DELIVERY_SQL}
           AND edition_id IN (SELECT id FROM editions WHERE briefing = ?)""",
        (stamp, address, briefing),
    )


def _subscriber(row: sqlite3.Row) -> Subscriber:
    return Subscriber(
        id=row["id"],
        briefing=row["briefing"],
        address=row["address"],
        name=row["name"],
        status=row["status"],
        origin=row["origin"],
        created=parse_utc(row["created"]),
        updated=parse_utc(row["updated"]),
        requested=parse_time(row["requested"]),
    )
