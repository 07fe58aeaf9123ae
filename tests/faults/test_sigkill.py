"""SIGKILL of real `briefing run` processes at random points, each followed by a rerun.

Two stores: one delivering through a real SMTP server that is slow to answer DATA (it keeps the
message at once and answers 250 0.2 s later, as an MTA that commits and then scans would), one
writing an outbox. Each round is one slot (a day later than the last, with two new articles in the
`files` source); in a round, runs of `python -m briefing run --now SLOT` are killed with SIGKILL
(the whole process group) at a seeded random point of a seeded phase (collect, compose, the files
of a recorded edition, delivery), and the next run starts from what the dead one left, until a
run completes. After the last round:

- no article is lost: every article is in the edition of its own slot, in each briefing;
- no edition is published twice: one edition per slot and briefing, each once in RSS, Atom and
  JSON Feed (read back with feedparser), one archive page each;
- deliveries keep the stated guarantee: every recipient has every edition, with its one
  Message-ID; a duplicate only where a kill found the delivery `sending` with the message already
  at the server (the window between the server's acceptance and the store's record), so no more
  duplicates than kills during delivery.

The figures go to tests/artifacts/sigkill.json for the README.
"""

from __future__ import annotations

import asyncio
import email
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from pathlib import Path
from typing import Any

import feedparser

from briefing import config as config_module
from briefing.publish.email import message_id
from briefing.store import Store

from ..conftest import ROOT
from .chaos_helpers import Mailbox, SmtpServer, chaos_config, slot_time, write_articles, write_figures

SEED = 20140623
RECIPIENTS = ["ana@example.com", "ben@example.com", "chloe@example.com", "dev@example.com", "eve@example.com"]
BRIEFINGS = ("the-brief", "morning-must-reads")
DATA_DELAY = 0.2  # seconds the SMTP server takes to answer DATA, after it has kept the message
EARLY = ["collect", "compose", "files"]
WAIT = 120.0  # seconds: a run that takes longer is a hang, and a failure


class SlowMailbox(Mailbox):
    """Keeps each message as soon as DATA has arrived and answers 250 `DATA_DELAY` seconds later."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.store(envelope)
        with self.lock:
            self.data_seen += 1
        await asyncio.sleep(DATA_DELAY)
        return "250 2.0.0 Message accepted"


class Run:
    """A `briefing run` subprocess, its standard error read line by line as it comes."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.markers = {"collecting": threading.Event(), "publishing": threading.Event()}
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            for word, event in self.markers.items():
                if f"briefing: {word}" in line:  # the progress lines `briefing run` writes
                    event.set()

    def stderr(self) -> str:
        """Everything it wrote to standard error, once it has ended."""
        self.proc.wait(timeout=WAIT)
        self.reader.join(timeout=5)
        return "".join(self.lines)


@dataclass
class Kill:
    round: int
    target: str  # the phase aimed at
    phase: str  # the phase the process was in, from its progress lines and the store
    in_window: list[tuple[str, str]] = field(default_factory=list)  # `sending`, and already at the server


class Crasher:
    """Runs, kills and reruns `briefing run` against one config, keeping count."""

    def __init__(self, root: Path, rng: random.Random, smtp: SmtpServer | None) -> None:
        self.root = root
        self.rng = rng
        self.smtp = smtp
        self.mailbox = smtp.handler if smtp else None
        self.path = chaos_config(
            root,
            recipients=RECIPIENTS,
            smtp_port=smtp.port if smtp else None,
            retry={"in_run": 0, "in_run_delay": 0, "later_delay": 0},
        )
        self.config = config_module.load(self.path)
        self.kills: list[Kill] = []
        self.missed = 0  # runs that finished before the kill point came
        self.resent = 0  # "an interrupted send was made again" lines of completing runs
        self.rounds = 0

    # -- one run -------------------------------------------------------------------------------

    def _start(self, index: int, *, capture: bool) -> Run:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "briefing", "run", "-c", str(self.path), "--now", slot_time(index).isoformat()],
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,  # its own process group: the kill takes any child with it
        )
        return Run(proc)

    def complete(self, index: int) -> None:
        """A run that is left to finish: exit 0, and it says it resent what a kill left `sending`."""
        sending = self._sending()
        run = self._start(index, capture=True)
        out, _ = run.proc.communicate(timeout=WAIT)
        err = run.stderr()
        assert run.proc.returncode == 0, out + err
        assert "Traceback" not in err
        resent = out.count("an interrupted send was made again")
        assert resent == len(sending), (sending, out)
        self.resent += resent

    def kill(self, index: int, target: str) -> None:
        """Start a run and SIGKILL it at a random point of `target`; record where it died."""
        date = slot_time(index).strftime("%Y-%m-%d")
        before_data = self.mailbox.data_seen if self.mailbox else 0
        before_eml = self._emls(date)
        delays = {"collect": 1.5, "compose": 0.6, "files": 0.02, "delivery": 0.25 if self.mailbox else 0.02}
        delay = self.rng.uniform(0, delays[target])
        run = self._start(index, capture=False)
        proc, markers = run.proc, run.markers
        reader = _StoreReader(self.config.store)

        def due() -> bool:
            if target == "files":
                return reader.editions_of(date) > 0
            if self.mailbox:
                return self.mailbox.data_seen > before_data
            return self._emls(date) > before_eml

        # Block on the progress line that opens the phase; after "publishing", poll for the
        # edition row or the first message.
        gate = markers["collecting" if target == "collect" else "publishing"]
        deadline = time.monotonic() + WAIT
        try:
            while proc.poll() is None and not gate.wait(0.05):
                assert time.monotonic() < deadline, f"run for {date} hung"
            if target not in ("collect", "compose"):
                while proc.poll() is None and not due():
                    assert time.monotonic() < deadline, f"run for {date} hung"
                    time.sleep(0.003)
        finally:
            reader.close()
        if proc.poll() is None:
            time.sleep(delay)
        if proc.poll() is not None:
            err = run.stderr()
            assert proc.returncode == 0 and "Traceback" not in err, err  # never exit 3: the lock died with its holder
            self.missed += 1
            return
        os.killpg(proc.pid, signal.SIGKILL)
        run.stderr()
        kill = Kill(index, target, self._phase(date, markers["publishing"].is_set()))
        if self.smtp:
            self.smtp.settle()
            copies = self.smtp.handler.copies()
            kill.in_window = [key for key in self._sending() if copies.get(key, 0) > 0]
        self.kills.append(kill)

    # -- what the store says -------------------------------------------------------------------

    def _sending(self) -> list[tuple[str, str]]:
        store = Store(self.config.store)
        try:
            return [(d.edition_id, d.recipient) for d in store.deliveries(statuses=["sending"])]
        finally:
            store.close()

    def _phase(self, date: str, publishing: bool) -> str:
        if not publishing:
            return "collect"
        store = Store(self.config.store)
        try:
            unfinished = [e for e in store.edition_infos() if date in e.id and e.status == "composed"]
            started = {d.edition_id for d in store.deliveries() if d.status != "pending"}
        finally:
            store.close()
        if any(e.id in started for e in unfinished):
            return "delivery"
        return "files" if unfinished else "compose"

    def _emls(self, date: str) -> int:
        return sum(1 for _ in (self.root / "outbox").glob(f"*-{date}-*/*.eml"))

    # -- one round -----------------------------------------------------------------------------

    def round(self, index: int, early: list[str], deliveries: int) -> None:
        """Kill a run at each of the `early` phases, then `deliveries` runs during delivery, each
        rerun starting from what the last one left; then let one finish.

        Once an edition is recorded, a rerun skips composing it, so kills during delivery cost
        little: most kills are made there."""
        write_articles(self.root / "articles", index)
        for target in sorted(early, key=EARLY.index) + ["delivery"] * deliveries:
            self.kill(index, target)
        self.complete(index)
        self.rounds += 1


class _StoreReader:
    """A read-only look at a store another process is writing (WAL readers never block it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = None

    def editions_of(self, date: str) -> int:
        try:
            if self.db is None:
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            return int(self.db.execute("SELECT count(*) FROM editions WHERE id LIKE ?", (f"%-{date}-%",)).fetchone()[0])
        except sqlite3.Error:
            return 0  # not created or not migrated yet

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


# -- the checks after the last round -----------------------------------------------------------


def check_articles(crasher: Crasher) -> int:
    """Every article is in the edition of its own slot, in each briefing; return how many are lost."""
    store = Store(crasher.config.store)
    try:
        rows = store.db.execute("SELECT id, first_seen FROM articles").fetchall()
        used = {
            (r["briefing"], r["article_id"]): r["edition_id"]
            for r in store.db.execute("SELECT * FROM edition_articles")
        }
    finally:
        store.close()
    assert len(rows) == 2 * crasher.rounds
    slots = {slot_time(i): i for i in range(crasher.rounds)}
    lost = 0
    for row in rows:
        index = slots[datetime.fromisoformat(row["first_seen"])]  # collected at its own slot, not later
        date = slot_time(index).strftime("%Y-%m-%d-%H%M")
        for briefing in BRIEFINGS:
            if used.get((briefing, row["id"])) != f"{briefing}-{date}":
                lost += 1
    return lost


def check_editions(crasher: Crasher) -> int:
    """One edition per slot and briefing, each once in every feed and once in the archive; return
    how many editions were published more (or less) than once."""
    store = Store(crasher.config.store)
    try:
        infos = store.edition_infos()
    finally:
        store.close()
    assert {e.status for e in infos} == {"done"}
    wrong = 0
    public = crasher.root / "public"
    for briefing in BRIEFINGS:
        ids = sorted(e.id for e in infos if e.briefing == briefing)
        expected = sorted(f"{briefing}-{slot_time(i):%Y-%m-%d-%H%M}" for i in range(crasher.rounds))
        assert ids == expected
        pages = sorted(p.stem for p in (public / briefing).glob("*.html") if p.name != "index.html")
        rss = feedparser.parse((public / briefing / "feed.xml").read_bytes())
        atom = feedparser.parse((public / briefing / "atom.xml").read_bytes())
        items = json.loads((public / briefing / "feed.json").read_text(encoding="utf-8"))["items"]
        for listing in (
            pages,
            [_edition_of(e.id) for e in rss.entries],
            [_edition_of(e.id) for e in atom.entries],
            [_edition_of(i["id"]) for i in items],
        ):
            counts = Counter(listing)
            wrong += sum(abs(counts[i] - 1) for i in ids) + sum(n for i, n in counts.items() if i not in ids)
    return wrong


def _edition_of(guid: str) -> str:
    return guid.rsplit("/", 1)[-1]  # tag:host,date:briefing/edition-id


def check_smtp(crasher: Crasher, mailbox: Mailbox) -> int:
    """Every recipient has every edition, with one Message-ID; duplicates only from the window.
    Return the number of duplicate messages."""
    store = Store(crasher.config.store)
    try:
        deliveries = store.deliveries()
    finally:
        store.close()
    assert {d.status for d in deliveries} == {"sent"}
    assert len(deliveries) == crasher.rounds * len(BRIEFINGS) * len(RECIPIENTS)
    copies, ids = mailbox.copies(), mailbox.message_ids()
    in_window = Counter(key for kill in crasher.kills for key in kill.in_window)
    duplicates = 0
    for d in deliveries:
        key = (d.edition_id, d.recipient)
        assert copies.get(key, 0) >= 1, f"{key} never arrived"
        assert ids[key] == {message_id(d.edition_id, d.recipient, crasher.config.email.from_)}
        extra = copies[key] - 1
        assert extra <= in_window[key], f"{key}: {copies[key]} copies, but only {in_window[key]} kill(s) in the window"
        duplicates += extra
    return duplicates


def check_outbox(crasher: Crasher) -> int:
    """Every recipient has every edition as one .eml with its Message-ID; return how many temporary
    files kills left behind (a kill inside an atomic write leaves its hidden `.NAME.*.tmp`)."""
    outbox = crasher.root / "outbox"
    for i in range(crasher.rounds):
        for briefing in BRIEFINGS:
            edition = f"{briefing}-{slot_time(i):%Y-%m-%d-%H%M}"
            for recipient in RECIPIENTS:
                msg = email.message_from_bytes(
                    (outbox / edition / f"{recipient}.eml").read_bytes(), policy=policy.default
                )
                assert msg["Message-ID"] == message_id(edition, recipient, crasher.config.email.from_)
            assert len(list((outbox / edition).glob("*.eml"))) == len(RECIPIENTS)
    return sum(1 for _ in crasher.root.rglob(".*.tmp"))  # in outbox/ or public/


def test_sigkill_at_random_points_loses_nothing_and_publishes_nothing_twice(tmp_path: Path) -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    mailbox = SlowMailbox()
    with SmtpServer(mailbox) as server:
        smtp = Crasher(tmp_path / "smtp", rng, server)
        outbox = Crasher(tmp_path / "outbox", rng, None)
        # Each early phase twice in the SMTP rounds (two per round) and once more in the outbox one.
        early = rng.sample(EARLY, 3) + rng.sample(EARLY, 3)
        for index in range(3):
            smtp.round(index, early[2 * index : 2 * index + 2], 4)
        outbox.round(0, [rng.choice(EARLY)], 3)

        lost = check_articles(smtp) + check_articles(outbox)
        twice = check_editions(smtp) + check_editions(outbox)
        duplicates = check_smtp(smtp, mailbox)
        leftovers = check_outbox(outbox) + sum(1 for _ in smtp.root.rglob(".*.tmp"))

    kills = smtp.kills + outbox.kills
    phases = Counter(k.phase for k in kills)
    delivery_kills = sum(1 for k in smtp.kills if k.phase == "delivery")
    figures: dict[str, Any] = {
        "kills": len(kills),
        "kills_by_phase": dict(sorted(phases.items())),
        "kills_smtp": len(smtp.kills),
        "kills_outbox": len(outbox.kills),
        "kills_during_smtp_delivery": delivery_kills,
        "runs_finished_before_the_kill": smtp.missed + outbox.missed,
        "slots": smtp.rounds + outbox.rounds,
        "articles_lost": lost,
        "editions_published_twice": twice,
        "duplicate_mails": duplicates,
        "kills_in_duplicate_window": sum(1 for k in smtp.kills if k.in_window),
        "resent_after_kill": smtp.resent + outbox.resent,
        "temp_files_left": leftovers,
        "seconds": round(time.monotonic() - started, 1),
    }
    write_figures("sigkill", figures)

    assert len(kills) >= 20
    assert phases["collect"] and phases["compose"] and phases["delivery"]
    assert lost == 0
    assert twice == 0
    assert duplicates <= delivery_kills
    assert leftovers == 0  # a kill inside an atomic write leaves a temporary file; the rerun removes it


def test_the_next_write_removes_what_a_killed_write_left(tmp_path: Path) -> None:
    from briefing.publish.files import write_atomic

    page = tmp_path / "the-brief-2014-06-23-0700.html"
    leftover = tmp_path / f".{page.name}.k1ll3d.tmp"  # as tempfile.mkstemp names them
    leftover.write_text("<html><body>half a pa", encoding="utf-8")
    other = tmp_path / ".index.html.abc.tmp"  # another file's: not this write's business
    other.write_text("x", encoding="utf-8")
    write_atomic(page, "<html>whole</html>")
    assert page.read_text(encoding="utf-8") == "<html>whole</html>"
    assert not leftover.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, page.name]
