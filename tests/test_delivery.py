"""Delivery through a real SMTP server on localhost (aiosmtpd): retries, permanent failures, exactly once."""

from __future__ import annotations

import email
import socket
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from briefing import config as config_module
from briefing.pipeline import run

from .conftest import NOW, seed_config


def free_port() -> int:
    # aiosmtpd's Controller(port=0) does not work: bind a free port first and pass it.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Recorder:
    """An SMTP handler that keeps every accepted message and can misbehave on cue."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: dict[str, list] = {}  # address -> [reply, times]
        self.drop: dict[str, int] = {}  # address -> times to drop the connection during DATA

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        rule = self.refuse.get(address)
        if rule and rule[1] > 0:
            rule[1] -= 1
            return rule[0]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        for address in envelope.rcpt_tos:
            if self.drop.get(address, 0) > 0:
                self.drop[address] -= 1
                server.transport.abort()  # the connection dies before the server answers
                return "421 gone"
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def received(self, address: str) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(c, policy=policy.default) for to, c in self.messages if address in to]


@pytest.fixture
def smtp():
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def smtp_config(tmp_path: Path, write_config, port: int, **retry):
    raw = seed_config(tmp_path)
    raw["email"]["recipients"] = ["alice@example.com", "bob@example.com", "carol@example.com"]
    raw["email"]["smtp"] = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 5}
    raw["email"]["retry"] = {"in_run": 0, "in_run_delay": 0, "later_delay": 0, **retry}
    raw["briefings"] = raw["briefings"][:1]
    return config_module.load(write_config(raw))


def test_every_recipient_gets_the_edition_exactly_once(smtp, tmp_path: Path, write_config) -> None:
    handler, port = smtp
    handler.refuse["bob@example.com"] = ["450 4.2.1 Mailbox busy, try again later", 1]
    handler.drop["carol@example.com"] = 1
    config = smtp_config(tmp_path, write_config, port)

    first = run(config, NOW).published[0]
    assert first.delivered == 1
    assert len(first.failed) == 2 and any("450" in f for f in first.failed)
    assert [len(handler.received(r)) for r in ("alice@example.com", "bob@example.com", "carol@example.com")] == [1, 0, 0]

    second = run(config, NOW.replace(minute=30)).published[0]  # a later run retries the two
    assert second.delivered == 2 and second.failed == []
    third = run(config, NOW.replace(hour=7)).published[0]  # and nothing is sent again
    assert third.delivered == 0

    for address in ("alice@example.com", "bob@example.com", "carol@example.com"):
        (msg,) = handler.received(address)
        assert msg["To"] == address
        assert msg["Subject"] == first.edition.title
        assert msg.get_content_type() == "multipart/alternative"
        assert "/unsubscribe/the-brief?token=" in msg["List-Unsubscribe"]  # signed, per recipient
        assert address.split("@")[0] not in msg["List-Unsubscribe"].split(",")[1]
    ids = {handler.received(a)[0]["Message-ID"] for a in ("alice@example.com", "bob@example.com", "carol@example.com")}
    assert len(ids) == 3


def test_a_dropped_connection_is_retried_within_the_run(smtp, tmp_path: Path, write_config) -> None:
    handler, port = smtp
    handler.drop["alice@example.com"] = 1
    config = smtp_config(tmp_path, write_config, port, in_run=1)
    report = run(config, NOW).published[0]
    assert report.delivered == 3 and report.failed == []
    assert len(handler.received("alice@example.com")) == 1


def test_a_permanent_failure_is_recorded_and_not_retried(smtp, tmp_path: Path, write_config, capsys) -> None:
    handler, port = smtp
    handler.refuse["bob@example.com"] = ["550 5.1.1 No such user", 99]
    config = smtp_config(tmp_path, write_config, port)
    run(config, NOW)
    run(config, NOW.replace(hour=7))
    assert handler.refuse["bob@example.com"][1] == 98  # asked once, never again
    from briefing.cli import main

    assert main(["deliveries", "-c", str(config.path)]) == 0
    out = capsys.readouterr().out
    assert "bob@example.com" in out and "failed" in out and "550 5.1.1 No such user" in out
    assert "alice@example.com" not in out  # sent deliveries are not listed


def test_a_dead_smtp_server_loses_nothing(tmp_path: Path, write_config) -> None:
    config = smtp_config(tmp_path, write_config, free_port())  # nothing listens there
    report = run(config, NOW).published[0]
    assert report.delivered == 0 and len(report.failed) == 3
    assert all("connection lost or refused" in f for f in report.failed)
    # the edition is published (feed, archive) and its deliveries wait for the next run
    assert (tmp_path / "public" / "the-brief" / "feed.xml").is_file()
    from briefing.store import Store

    store = Store(config.store)
    assert {d.status for d in store.deliveries()} == {"retry"}
    store.close()


def test_gives_up_after_max_attempts(tmp_path: Path, write_config) -> None:
    config = smtp_config(tmp_path, write_config, free_port(), max_attempts=2)
    run(config, NOW)
    report = run(config, NOW.replace(minute=5)).published[0]
    assert len(report.failed) == 3
    from briefing.store import Store

    store = Store(config.store)
    assert {(d.status, d.attempts) for d in store.deliveries()} == {("failed", 2)}
    store.close()


def test_password_comes_from_the_named_environment_variable(tmp_path: Path, write_config, monkeypatch) -> None:
    raw = seed_config(tmp_path)
    raw["email"]["smtp"] = {"host": "127.0.0.1", "port": free_port(), "username": "u", "password_env": "BRIEFING_TEST_PW"}
    config = config_module.load(write_config(raw))
    monkeypatch.delenv("BRIEFING_TEST_PW", raising=False)
    from briefing.errors import ConfigError

    with pytest.raises(ConfigError, match="environment variable BRIEFING_TEST_PW is not set"):
        config.email.smtp.password()
    monkeypatch.setenv("BRIEFING_TEST_PW", "s3cret")
    assert config.email.smtp.password() == "s3cret"
