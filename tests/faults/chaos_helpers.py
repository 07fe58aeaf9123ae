"""Shared parts of the delivery and crash fault tests (test_smtp_chaos.py, test_sigkill.py).

A real SMTP server on localhost (aiosmtpd) whose handler keeps every message it accepts, small
distinct articles written into a `files` source folder for each new slot, configs built from the
embedded default, and the figures file the README quotes (tests/artifacts/, not committed).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from ..conftest import seed_config

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SLOT_0 = datetime.fromisoformat("2014-06-23T07:00:00-04:00")


def free_port() -> int:
    # aiosmtpd's Controller(port=0) does not work: bind a free port first and pass it.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def slot_time(index: int) -> datetime:
    """The slot of the `index`-th trial or kill round: one day apart, so each is its own edition."""
    return SLOT_0 + timedelta(days=index)


@dataclass(frozen=True)
class Received:
    """One message the server accepted (stored), as the server saw it."""

    recipient: str
    message_id: str
    edition_id: str


class Mailbox:
    """Base of the test SMTP handlers: keeps every accepted message, thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.data_seen = 0  # DATA commands whose content arrived (accepted or not)
        self.connections = 0  # open now

    def store(self, envelope: Any) -> None:
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        mid = str(headers["Message-ID"])
        edition = mid[1:].split(".", 1)[0]  # "<{edition id}.{digest}@{domain}>"
        with self.lock:
            self.messages.extend(Received(r, mid, edition) for r in envelope.rcpt_tos)

    def copies(self) -> dict[tuple[str, str], int]:
        """Accepted copies per (edition id, recipient)."""
        with self.lock:
            counts: dict[tuple[str, str], int] = {}
            for m in self.messages:
                counts[m.edition_id, m.recipient] = counts.get((m.edition_id, m.recipient), 0) + 1
            return counts

    def message_ids(self) -> dict[tuple[str, str], set[str]]:
        with self.lock:
            ids: dict[tuple[str, str], set[str]] = {}
            for m in self.messages:
                ids.setdefault((m.edition_id, m.recipient), set()).add(m.message_id)
            return ids


class _CountingController(Controller):
    """A Controller whose connections count themselves in and out on the handler."""

    def factory(self) -> SMTP:
        handler = self.handler

        class CountingSMTP(SMTP):
            def connection_made(self, transport: Any) -> None:
                handler.connections += 1
                super().connection_made(transport)

            def connection_lost(self, error: Exception | None) -> None:
                super().connection_lost(error)  # cancels the handler: nothing is kept after this
                handler.connections -= 1

        return CountingSMTP(handler, **self.SMTP_kwargs)


class SmtpServer:
    """`with SmtpServer(handler) as server:` an aiosmtpd server on 127.0.0.1:server.port."""

    def __init__(self, handler: Mailbox) -> None:
        self.handler = handler
        self.port = free_port()
        self.controller = _CountingController(handler, hostname="127.0.0.1", port=self.port)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every connection is closed: after a client is killed, what the server will
        keep of it is known only once it has seen the connection end."""
        deadline = time.monotonic() + timeout
        while self.handler.connections:
            assert time.monotonic() < deadline, "the SMTP server still holds a connection"
            time.sleep(0.005)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


# Ten unrelated subjects: two of them per slot give an edition both styles use whole (each article
# its own story and topic), so "every article is in exactly one edition" can be checked exactly.
_TOPICS = [
    (
        "{place} opens a new ferry terminal",
        "The city of {place} opened a new ferry terminal on {day} after {n} years of construction. "
        "The terminal can dock four ferries at once and replaces a pier built in 1950. "
        "Officials said the project came in under budget. Commuters welcomed shorter waits at rush hour.",
    ),
    (
        "{place} orchestra names {name} its conductor",
        "The {place} Symphony named {name} as its new music director on {day}. "
        "{name} has led orchestras in Prague and Lyon and will begin in September. "
        "The season will add {n} works by living composers. Tickets for the first concert go on sale next month.",
    ),
    (
        "Cherry growers near {place} start the harvest early",
        "Growers around {place} began picking cherries {n} days early this year. "
        "A warm spring pushed the fruit ahead of schedule, farm owners said on {day}. "
        "Seasonal pickers were called in ahead of plan. Market prices for the fruit fell slightly as supply rose.",
    ),
    (
        "{place} library lends {n} telescopes to readers",
        "The public library in {place} now lends telescopes the way it lends books. "
        "Librarian {name} said on {day} that the waiting list already holds {n} families. "
        "Each telescope comes with a star chart and a red flashlight. The astronomy club offers free lessons.",
    ),
    (
        "Marathon in {place} draws a record {n} runners",
        "A record field of {n} runners crossed the finish line in {place} on {day}. "
        "The winner, {name}, set a course record in the cool morning air. "
        "Volunteers handed out water at twenty stations. Streets reopened to traffic by early afternoon.",
    ),
    (
        "{place} bakery wins national bread prize",
        "A small bakery in {place} won the national prize for sourdough on {day}. "
        "Owner {name} bakes {n} loaves before dawn in a wood-fired oven. "
        "Judges praised the crust and the open crumb. Queues formed outside the shop within hours.",
    ),
    (
        "Engineers in {place} test a quieter tram",
        "Engineers in {place} began testing a tram with rubber-cushioned wheels on {day}. "
        "The design cuts noise by {n} decibels on tight curves, project lead {name} said. "
        "Residents along the line had complained of screeching at night. Trials run until autumn.",
    ),
    (
        "Rare orchid found in {place} nature reserve",
        "Botanists found {n} plants of a rare ghost orchid in the {place} reserve on {day}. "
        "The leafless flower was last recorded in the region decades ago. "
        "Wardens will keep the exact site secret to protect it. Botanist {name} called the find remarkable.",
    ),
    (
        "{place} chess club teaches {n} pupils",
        "A chess club in {place} now teaches {n} schoolchildren every week. "
        "Coach {name} said on {day} that reading and patience improved among the pupils. "
        "The club meets in the town hall after classes. A youth tournament is planned for December.",
    ),
    (
        "Old lighthouse near {place} reopens to visitors",
        "A restored lighthouse near {place} reopened to visitors on {day} after {n} months of repairs. "
        "Keeper {name} will guide tours up the spiral stairs to the lamp room. "
        "The lens was cleaned and the brass polished by volunteers. Tickets fund further upkeep of the tower.",
    ),
]
_PLACES = [
    "Port Alden",
    "Hollowmere",
    "Brackenford",
    "Castelby",
    "Dunmarsh",
    "Elmsworth",
    "Fairhaven",
    "Greywater",
    "Hartwell",
    "Ivybridge",
    "Kestrel Bay",
    "Larkspur",
]
_NAMES = [
    "Maria Ostrova",
    "Tomas Reyes",
    "Ada Lindqvist",
    "Kofi Mensah",
    "Yuki Tanaka",
    "Lena Fischer",
    "Omar Haddad",
    "Grace Okafor",
    "Pavel Novak",
    "Ines Duarte",
    "Rui Costa",
    "Hanna Berg",
]


def write_articles(folder: Path, index: int, count: int = 2) -> list[Path]:
    """Write `count` small unrelated articles for slot `index` into a `files` source folder."""
    folder.mkdir(parents=True, exist_ok=True)
    day = slot_time(index).strftime("%A")
    written = []
    for k in range(count):
        title, body = _TOPICS[(index * 3 + k * 5) % len(_TOPICS)]
        words = {
            "place": _PLACES[(index + 7 * k) % len(_PLACES)],
            "name": _NAMES[(index * 5 + k) % len(_NAMES)],
            "n": str(11 + index * 7 + k * 3),
            "day": day,
        }
        path = folder / f"slot{index:03d}_{k}.txt"
        path.write_text(title.format(**words) + "\n\n" + body.format(**words) + "\n", encoding="utf-8")
        written.append(path)
    return written


def chaos_config(
    root: Path,
    *,
    recipients: list[str],
    smtp_port: int | None,
    smtp_timeout: float = 5.0,
    retry: dict[str, Any] | None = None,
    feed_items: int = 20,
    briefings: tuple[str, ...] = ("the-brief", "morning-must-reads"),
) -> Path:
    """The embedded default with a `files` source of our own articles and everything inside `root`."""
    raw = seed_config(root)
    raw["sources"] = [{"name": "wire", "type": "files", "path": str(root / "articles"), "label": "Wire"}]
    raw.update(store=str(root / "state" / "briefing.sqlite3"), output_dir=str(root / "public"))
    raw["site"]["feed_items"] = feed_items
    raw["briefings"] = [b for b in raw["briefings"] if b["name"] in briefings]
    raw["email"]["outbox"] = str(root / "outbox")
    raw["email"]["recipients"] = recipients
    if smtp_port is not None:
        raw["email"]["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "security": "none", "timeout": smtp_timeout}
    if retry is not None:
        raw["email"]["retry"] = retry
    (root / "articles").mkdir(parents=True, exist_ok=True)
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def write_figures(name: str, figures: dict[str, Any]) -> Path:
    """Keep a test's measured figures for the README in tests/artifacts/<name>.json, and print them."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\n{name}: " + json.dumps(figures, sort_keys=True))
    return path
