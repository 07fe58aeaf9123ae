"""SMTP chaos: seeded trials against a real SMTP server (aiosmtpd) that misbehaves at random.

Each trial publishes one edition of The Brief to five recipients through `pipeline.run`, then runs
again with the clock moving forward until no delivery is open. The server answers 421/451 or 554 at
RCPT, 421/451/554 at DATA, drops the connection before answering DATA (the message is not kept),
keeps the message and answers 250 but then closes the connection (so QUIT fails), or answers QUIT
oddly. Every decision of one SMTP transaction is drawn when it starts, from random.Random(trial), so
a trial replays the same faults.

Counted per (edition, recipient): lost (never arrived, and not given up because of a 5xx answer),
duplicated (arrived more than once), recorded failed but arrived. A 5xx is a legitimate failure and
is reported separately. The figures go to tests/artifacts/smtp_chaos.json for the README.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from briefing import config as config_module
from briefing.pipeline import run
from briefing.publish.email import message_id
from briefing.store import Store

from .chaos_helpers import Mailbox, SmtpServer, chaos_config, slot_time, write_articles, write_figures

TRIALS = 30
RECIPIENTS = [f"reader{i}@example.com" for i in range(5)]
RETRY = {"in_run": 1, "in_run_delay": 0, "later_delay": 0, "max_attempts": 6}
MAX_RUNS = 8  # runs per trial; with max_attempts 6 and two tries per run, 3 suffice
OPEN = ("pending", "sending", "retry")

DROP = "drop before answering"  # the message is not kept
ACCEPT_THEN_DROP = "keep, answer 250, close"  # QUIT then fails
ABORT = "abort at QUIT"  # no 221, connection reset

# (probability, action) per SMTP stage; the rest of the time the stage behaves.
RCPT_FAULTS = [
    (0.05, "451 4.3.0 Mailbox temporarily unavailable"),
    (0.03, "421 4.3.2 Service shutting down"),
    # permanent, but not "no such mailbox" (550/551/553 mark the address bounced: test_delivery.py)
    (0.02, "554 5.7.1 Recipient address rejected by policy"),
]
DATA_FAULTS = [
    (0.05, "451 4.3.0 Queue write failed, try again"),
    (0.03, "421 4.4.2 Timeout, closing connection"),
    (0.02, "554 5.6.0 Message rejected"),
    (0.08, DROP),
    (0.08, ACCEPT_THEN_DROP),
]
QUIT_FAULTS = [
    (0.05, "500 5.5.1 Command unrecognized"),
    (0.04, "421 4.3.2 Closing anyway"),
    (0.04, "what?"),  # not an SMTP reply at all
    (0.05, ABORT),
]


def _choose(rng: random.Random, table: list[tuple[float, str]]) -> str | None:
    x = rng.random()
    for probability, action in table:
        if x < probability:
            return action
        x -= probability
    return None


@dataclass(frozen=True)
class Plan:
    rcpt: str | None
    data: str | None
    quit: str | None


class ChaosHandler(Mailbox):
    """An SMTP handler that misbehaves as its plan for the transaction says; keeps what it accepts."""

    def __init__(self) -> None:
        super().__init__()
        self.rng = random.Random(0)
        self.plan = Plan(None, None, None)
        self.injected: Counter[str] = Counter()

    def _inject(self, action: str) -> None:
        self.injected[action.split(" ", 1)[0] if action[0].isdigit() else action] += 1

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        # One plan per transaction, always three draws: a race at QUIT never shifts the sequence.
        self.plan = Plan(_choose(self.rng, RCPT_FAULTS), _choose(self.rng, DATA_FAULTS), _choose(self.rng, QUIT_FAULTS))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.plan.rcpt:
            self._inject(self.plan.rcpt)
            return self.plan.rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        action = self.plan.data
        self.data_seen += 1
        if action is None:
            self.store(envelope)
            return "250 2.0.0 Message accepted"
        self._inject(action)
        if action == DROP:
            server.transport.abort()  # the connection dies before the server answers
            return "421 gone"
        if action == ACCEPT_THEN_DROP:
            self.store(envelope)
            # The 250 is written first (this step), the close runs on the loop's next turn.
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "250 2.0.0 Message accepted"
        return action

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        action = self.plan.quit
        if action is None:
            return "221 Bye"
        self._inject(action)
        if action == ABORT:
            server.transport.abort()
            return "221 Bye"
        return action


def test_smtp_chaos_loses_nothing_and_duplicates_at_most_one_in_150(tmp_path: Path) -> None:
    started = time.monotonic()
    handler = ChaosHandler()
    runs = resent = 0
    with SmtpServer(handler) as server:
        path = chaos_config(
            tmp_path, recipients=RECIPIENTS, smtp_port=server.port, retry=RETRY, feed_items=3, briefings=("the-brief",)
        )
        config = config_module.load(path)
        for trial in range(TRIALS):
            handler.rng = random.Random(trial)
            write_articles(tmp_path / "articles", trial)
            slot = slot_time(trial)
            for k in range(MAX_RUNS):
                report = run(config, slot + timedelta(minutes=10 * k)).published[0]
                runs += 1
                resent += len(report.resent)
                assert report.error is None, report.error
                if k == 0:
                    assert report.edition is not None, report.message
                store = Store(config.store)
                try:
                    states = {d.status for d in store.deliveries()}
                    still_open = store.deliveries(statuses=OPEN)
                finally:
                    store.close()
                # `sending` outlives a run only if the process died inside it; nobody died here.
                assert "sending" not in states
                if not still_open:
                    break

    store = Store(config.store)
    try:
        deliveries = store.deliveries()
    finally:
        store.close()
    copies = handler.copies()
    ids = handler.message_ids()
    figures: dict[str, Any] = Counter()
    per_recipient: dict[str, Counter[str]] = {r: Counter() for r in RECIPIENTS}
    examples: dict[str, list[str]] = {"lost": [], "duplicated": [], "failed_but_arrived": []}
    for d in deliveries:
        key = (d.edition_id, d.recipient)
        arrived = copies.get(key, 0)
        permanent = d.status == "failed" and re.search(r"\b5\d\d\b", d.last_error or "") is not None
        mine = per_recipient[d.recipient]
        mine["deliveries"] += 1
        figures["deliveries"] += 1
        figures["attempts"] += d.attempts
        figures[d.status] += 1
        mine[d.status] += 1
        if arrived:
            # A resend carries the same Message-ID: copies are recognisable as one message.
            assert ids[key] == {message_id(d.edition_id, d.recipient, config.email.from_)}
        if arrived == 0 and not permanent:
            figures["lost"] += 1
            mine["lost"] += 1
            examples["lost"].append(f"{key}: {d.status} after {d.attempts} attempts: {d.last_error}")
        if arrived > 1:
            figures["duplicated"] += arrived - 1
            mine["duplicated"] += arrived - 1
            examples["duplicated"].append(f"{key}: {arrived} copies")
        if d.status == "failed" and arrived:
            figures["failed_but_arrived"] += 1
            mine["failed_but_arrived"] += 1
            examples["failed_but_arrived"].append(f"{key}: {d.last_error}")
        if permanent and not arrived:
            figures["failed_5xx"] += 1
            mine["failed_5xx"] += 1
    figures = {
        "trials": TRIALS,
        "recipients_per_edition": len(RECIPIENTS),
        "deliveries": figures["deliveries"],
        "sent": figures["sent"],
        "failed_5xx": figures["failed_5xx"],
        "lost": figures["lost"],
        "duplicated": figures["duplicated"],
        "failed_but_arrived": figures["failed_but_arrived"],
        "attempts": figures["attempts"],
        "runs": runs,
        "resent_after_crash": resent,
        "faults_injected": dict(sorted(handler.injected.items())),
        "per_recipient": {r: dict(sorted(c.items())) for r, c in per_recipient.items()},
        "seconds": round(time.monotonic() - started, 1),
    }
    write_figures("smtp_chaos", figures)

    assert figures["deliveries"] == TRIALS * len(RECIPIENTS)
    # The server really misbehaved, in every way it can.
    assert set(handler.injected) == {"421", "451", "500", "554", "what?", DROP, ACCEPT_THEN_DROP, ABORT}
    assert figures["attempts"] > figures["deliveries"]
    assert figures["lost"] == 0, examples["lost"]
    assert figures["failed_but_arrived"] == 0, examples["failed_but_arrived"]
    assert figures["duplicated"] * 150 <= figures["deliveries"], examples["duplicated"]
    assert figures["sent"] + figures["failed_5xx"] == figures["deliveries"]
    assert resent == 0
