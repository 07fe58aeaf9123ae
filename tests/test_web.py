"""`briefing serve` and subscribers, with real parts: the server and the CLI as subprocesses on a free
localhost port, aiosmtpd receiving the mail, httpx speaking HTTP, headless Chromium (Playwright)
clicking through sign-up, confirmation and unsubscribe.

One server serves the whole module (its start-up is the expensive part); tests that sign up use
their own X-Forwarded-For address (the server trusts 127.0.0.1 as a proxy) so the per-IP limit of
one test does not starve another.
"""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import yaml
from aiosmtpd.controller import Controller

from .conftest import ROOT, SEEDS, seed_config

SECRET = "test-secret-for-briefing-serve-0123456789"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def free_port() -> int:
    # aiosmtpd's Controller(port=0) does not work: bind a free port first and pass it.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [
            email.message_from_bytes(content, policy=policy.default)  # type: ignore[misc]
            for rcpt, content in self.messages
            if address.lower() in (r.lower() for r in rcpt)
        ]

    def wait_for(self, address: str, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no message #{count} for {address} within {timeout} s")


@dataclass
class Service:
    root: Path
    url: str
    config: Path
    inbox: Inbox
    log: Path
    process: subprocess.Popen[bytes]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "briefing", *args, "-c", str(self.config)],
            capture_output=True, text=True, env=_env(), timeout=180,
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def add_news(self, *seeds: str) -> None:
        for prefix in seeds:
            for path in SEEDS.glob(f"{prefix}_*"):
                shutil.copy(path, self.root / "news" / path.name)

    def run(self, when: datetime) -> None:
        self.cli("run", "-q", "--now", when.isoformat())

    def status(self, briefing: str, address: str) -> str | None:
        with sqlite3.connect(self.root / "state.sqlite3") as db:
            row = db.execute(
                "SELECT status FROM subscribers WHERE briefing = ? AND address = ? COLLATE NOCASE", (briefing, address)
            ).fetchone()
        return row[0] if row else None


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BRIEFING_SECRET"}
    return {**env, "BRIEFING_SECRET": SECRET, **extra}


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"briefing serve exited: {log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("briefing serve did not start listening")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("serve")
    (root / "news").mkdir()
    port, smtp_port = free_port(), free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    raw = seed_config(root)
    raw["sources"][0]["path"] = str(root / "news")
    raw.update(store=str(root / "state.sqlite3"), output_dir=str(root / "public"))
    raw["site"]["base_url"] = f"http://127.0.0.1:{port}/"
    raw["email"]["recipients"] = ["reader@example.com"]
    raw["email"]["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "security": "none", "timeout": 5}
    raw["email"]["retry"] = {"in_run": 0, "in_run_delay": 0, "later_delay": 0}
    raw["summarizer"] = {"algorithm": "textrank", "sentences": 2}
    for b in raw["briefings"]:
        b["stories"] = 3
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "briefing", "-v", "serve", "--port", str(port), "-c", str(config)],
            stdout=out, stderr=subprocess.STDOUT, env=_env(),
        )
    svc = Service(root, f"http://127.0.0.1:{port}/", config, inbox, log, process)
    try:
        _wait_for_port(port, process, log)
        # the first edition: config's reader and two subscribers added by hand get it
        svc.cli("subscribers", "add", "ann@example.com", "bob@example.com")
        svc.add_news("000")
        svc.run(datetime.now(UTC) - timedelta(hours=3))
        yield svc
    finally:
        process.terminate()
        process.wait(timeout=15)
        controller.stop()


def _unsubscribe_link(msg: EmailMessage) -> str:
    header = str(msg["List-Unsubscribe"])
    found = re.search(r"<(http[^>]+)>", header)
    assert found, header
    return found.group(1)


def _post_signup(service: Service, ip: str, data: dict[str, str] | list[tuple[str, str]], **headers: str) -> httpx.Response:
    sent = {"Origin": service.url.rstrip("/"), "X-Forwarded-For": ip, **headers}
    return httpx.post(service.url + "subscribe", data=data, headers=sent, timeout=10)


def _sign(payload: dict[str, object]) -> str:
    """A token made by hand in the documented format: base64url(JSON) "." base64url(HMAC-SHA256)."""
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    mac = hmac.new(SECRET.encode(), b"briefing-token-v1|" + body.encode(), hashlib.sha256).digest()
    return body + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


# -- the server -------------------------------------------------------------------------------------


def test_serve_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(seed_config(tmp_path)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "BRIEFING_SECRET"}
    result = subprocess.run(
        [sys.executable, "-m", "briefing", "serve", "--port", str(free_port()), "-c", str(tmp_path / "config.yaml")],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: the environment variable BRIEFING_SECRET is not set")
    assert "secrets.token_urlsafe(32)" in line


def test_only_the_public_folder_is_served(service: Service) -> None:
    assert httpx.get(service.url).status_code == 200
    assert httpx.get(service.url + "the-brief/feed.xml").status_code == 200
    with httpx.Client() as client:
        for path in ("/../config.yaml", "/../state.sqlite3", "/%2e%2e/config.yaml", "/..%2fconfig.yaml",
                     "/the-brief/../../serve.log", "/%2e%2e%2f%2e%2e%2fetc/passwd"):
            answer = client.send(httpx.Request("GET", service.url.rstrip("/") + path))
            assert answer.status_code == 404, path
            assert "reader@example.com" not in answer.text and "base_url" not in answer.text


def test_a_large_body_is_refused(service: Service) -> None:
    answer = _post_signup(service, "198.51.100.9", {"email": "x@example.com", "pad": "x" * 40_000})
    assert answer.status_code == 413


# -- sign-up ----------------------------------------------------------------------------------------


def test_signup_answers_the_same_for_known_and_unknown_addresses(service: Service) -> None:
    new = _post_signup(service, "198.51.100.1", {"email": "nobody-yet@example.com", "briefing": "the-brief"})
    known = _post_signup(service, "198.51.100.1", {"email": "ann@example.com", "briefing": "the-brief"})
    assert new.status_code == known.status_code == 200
    assert new.text.replace("nobody-yet@example.com", "X") == known.text.replace("ann@example.com", "X")
    assert len(service.inbox.wait_for("nobody-yet@example.com", 1)) == 1
    time.sleep(0.5)
    assert service.inbox.to("ann@example.com")[-1]["Subject"] != "Confirm your subscription to The Brief"
    assert service.status("the-brief", "ann@example.com") == "active"  # nothing to confirm: untouched
    assert service.status("the-brief", "nobody-yet@example.com") == "pending"  # nothing sent until confirmed


def test_signup_checks_address_origin_and_briefing(service: Service) -> None:
    bad = _post_signup(service, "198.51.100.2", {"email": "not an address"})
    assert bad.status_code == 400 and "not a valid email address" in bad.text
    foreign = _post_signup(service, "198.51.100.2", {"email": "eve@example.com"}, Origin="https://evil.example")
    assert foreign.status_code == 403
    no_origin = httpx.post(service.url + "subscribe", data={"email": "eve@example.com"},
                           headers={"X-Forwarded-For": "198.51.100.2"})
    assert no_origin.status_code == 403
    unknown = _post_signup(service, "198.51.100.2", {"email": "eve@example.com", "briefing": "nope"})
    assert unknown.status_code == 400
    assert service.status("the-brief", "eve@example.com") is None


def test_a_thousand_signups_from_one_address_are_limited(service: Service) -> None:
    codes = []
    with httpx.Client(headers={"Origin": service.url.rstrip("/"), "X-Forwarded-For": "203.0.113.7"}) as client:
        for i in range(1000):
            codes.append(client.post(service.url + "subscribe", data={"email": f"flood{i}@example.com"}).status_code)
    assert codes[:10] == [200] * 10  # web.signups_per_ip_per_hour
    assert set(codes[10:]) == {429}
    with sqlite3.connect(service.root / "state.sqlite3") as db:
        assert db.execute("SELECT count(DISTINCT address) FROM subscribers WHERE address LIKE 'flood%'").fetchone()[0] == 10


def test_confirmation_mails_per_address_are_capped(service: Service) -> None:
    for i in range(6):
        assert _post_signup(service, f"198.51.100.{20 + i}", {"email": "often@example.com"}).status_code == 200
    time.sleep(1.0)
    assert len(service.inbox.to("often@example.com")) == 3  # web.confirmations_per_address_per_day


# -- unsubscribe ------------------------------------------------------------------------------------


def test_get_changes_nothing_and_one_click_post_unsubscribes(service: Service) -> None:
    (msg,) = [m for m in service.inbox.to("bob@example.com") if m["List-Id"].startswith("The Brief")]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = _unsubscribe_link(msg)
    assert "bob" not in link and "%40" not in link and "@" not in link
    for part in msg.walk():  # the footer of both parts carries the same link
        if part.get_content_type() in ("text/plain", "text/html"):
            assert link in part.get_content().replace("&amp;", "&")
    page = httpx.get(link)
    assert page.status_code == 200 and "<button" in page.text
    assert service.status("the-brief", "bob@example.com") == "active"
    # exactly as Gmail sends it (RFC 8058): a POST with this body, no cookies, no Origin
    answer = httpx.post(
        link, content=b"List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 200
    assert service.status("the-brief", "bob@example.com") == "unsubscribed"
    assert service.status("morning-must-reads", "bob@example.com") == "active"  # only this briefing
    assert httpx.post(link, content=b"List-Unsubscribe=One-Click").status_code == 200  # again: still fine


def test_bad_tokens_get_a_clear_400(service: Service) -> None:
    (msg,) = [m for m in service.inbox.to("ann@example.com") if m["List-Id"].startswith("Morning")]
    link = _unsubscribe_link(msg)
    base, token = link.split("?token=")
    body, mac = token.split(".")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    ann_id = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["s"]
    expired = _sign({"p": "unsubscribe", "b": "morning-must-reads", "s": ann_id, "e": int(time.time()) - 60})
    cases = {
        "tampered": f"{base}?token={flipped}.{mac}",
        "cut short": f"{base}?token={body}",
        "expired": f"{base}?token={expired}",
        "other briefing": link.replace("/morning-must-reads?", "/the-brief?"),
        "confirm token": f"{base}?token=" + _sign({"p": "confirm", "s": [ann_id], "r": "x", "e": int(time.time()) + 99}),
        "wrong secret": f"{base}?token={body}." + base64.urlsafe_b64encode(b"0" * 32).rstrip(b"=").decode(),
    }
    for name, url in cases.items():
        for method in ("GET", "POST"):
            answer = httpx.request(method, url, content=b"List-Unsubscribe=One-Click")
            assert answer.status_code == 400, (name, method)
            assert "This link does not work" in answer.text and "Nothing was changed" in answer.text
    assert "expired" in httpx.get(cases["expired"]).text
    assert service.status("morning-must-reads", "ann@example.com") == "active"
    # a valid token of an unknown subscription: nothing to do, and nothing told about anyone
    unknown = httpx.post(base + "?token=" + _sign({"p": "unsubscribe", "b": "morning-must-reads", "s": 987654,
                                                   "e": int(time.time()) + 99}))
    assert unknown.status_code == 200 and "@" not in unknown.text.split("<body>")[1]


def test_config_recipient_that_unsubscribed_stays_suppressed(service: Service) -> None:
    (msg,) = [m for m in service.inbox.to("reader@example.com") if m["List-Id"].startswith("The Brief")]
    assert httpx.post(_unsubscribe_link(msg), content=b"List-Unsubscribe=One-Click").status_code == 200
    service.cli("subscribers", "add", "reader@example.com", "--briefing", "the-brief")  # refused: suppressed
    assert service.status("the-brief", "reader@example.com") == "unsubscribed"
    before = len(service.inbox.to("reader@example.com"))
    service.add_news("004")
    service.run(datetime.now(UTC) - timedelta(hours=2))
    titles = [m["List-Id"] for m in service.inbox.to("reader@example.com")[before:]]
    assert titles and all(t.startswith("Morning") for t in titles)  # still in config.yaml, yet no Brief


# -- import and export ------------------------------------------------------------------------------


def test_ten_thousand_subscribers_import_in_seconds_and_suppression_holds(tmp_path: Path) -> None:
    # a store of its own: 10,000 subscribers in the module's service would all get its next edition
    raw = seed_config(tmp_path)
    raw.update(store=str(tmp_path / "state.sqlite3"))
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    service = Service(tmp_path, "", tmp_path / "config.yaml", Inbox(), tmp_path / "none.log", None)  # type: ignore[arg-type]
    rows = ["Email Address,First Name,Last Name,Status"]  # Mailchimp's header
    rows += [f"person{i}@Example.ORG,P{i},Q,subscribed" for i in range(10_000)]
    service.cli("subscribers", "add", "carol@example.com", "--briefing", "the-brief")
    service.cli("subscribers", "remove", "carol@example.com", "--briefing", "the-brief")
    rows.append("Carol@example.com,Carol,,subscribed")  # she unsubscribed: the import must not revive her
    rows.append("not-an-address,X,,subscribed")
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    started = time.perf_counter()
    result = service.cli("subscribers", "import", str(tmp_path / "list.csv"), "--briefing", "the-brief")
    took = time.perf_counter() - started
    assert took < 20, took
    assert "the-brief: 10000 added, 0 updated; 1 kept suppressed" in result.stdout, result.stdout
    assert "not-an-address" in result.stderr
    assert service.status("the-brief", "carol@example.com") == "unsubscribed"
    assert service.status("the-brief", "person9999@example.org") == "active"  # the domain normalised
    out = tmp_path / "export.csv"
    service.cli("subscribers", "export", "--briefing", "the-brief", "--status", "active", "-o", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("email,name,status")
    assert "person42@example.org,P42 Q,active,the-brief,import" in "\n".join(lines)
    assert not any(line.lower().startswith("carol@") for line in lines)


# -- the whole path in a browser --------------------------------------------------------------------


def _browser():  # type: ignore[no-untyped-def]
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    return chromium, sync_playwright


def test_signup_confirm_deliver_unsubscribe_in_a_browser(service: Service) -> None:
    chromium, sync_playwright = _browser()
    address = "reader.two@example.net"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    archive = next((service.root / "public" / "the-brief").glob("the-brief-*.html")).name
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=flags, headless=True)
        page = browser.new_page(viewport={"width": 800, "height": 1100})
        page.goto(service.url + "the-brief/" + archive)
        form = page.locator("form.signup")
        form.scroll_into_view_if_needed()
        page.fill("#signup-email", address)
        page.uncheck("input[name=briefing][value=morning-must-reads]")
        form.screenshot(path=str(SCREENSHOTS / "signup-form.png"))
        page.click("form.signup button[type=submit]")
        page.wait_for_selector("text=Check your inbox")
        assert service.status("the-brief", address) == "pending"
        assert service.status("morning-must-reads", address) is None
        (mail,) = service.inbox.wait_for(address, 1)
        text = next(p.get_content() for p in mail.walk() if p.get_content_type() == "text/plain")
        link = re.search(r"http://\S+/confirm\?token=\S+", text).group(0)  # type: ignore[union-attr]
        page.goto(link)
        assert service.status("the-brief", address) == "pending"  # opening the link alone changes nothing
        page.click("button:has-text('Confirm subscription')")
        page.wait_for_selector("text=You're subscribed")
        page.screenshot(path=str(SCREENSHOTS / "confirmed.png"))
        assert service.status("the-brief", address) == "active"
        # the next run delivers to the new subscriber
        service.add_news("001", "002")
        service.run(datetime.now(UTC) - timedelta(hours=1))
        (edition,) = service.inbox.to(address)[1:]
        html = next(p.get_content() for p in edition.walk() if p.get_content_type() == "text/html")
        footer_link = re.search(r'href="([^"]+/unsubscribe/[^"]+)"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        page.goto(footer_link)
        page.screenshot(path=str(SCREENSHOTS / "unsubscribe.png"))
        assert service.status("the-brief", address) == "active"
        page.click("button:has-text('Unsubscribe')")
        page.wait_for_selector("text=You're unsubscribed")
        browser.close()
    assert service.status("the-brief", address) == "unsubscribed"
    service.add_news("003")
    service.run(datetime.now(UTC))
    assert len(service.inbox.to(address)) == 2  # the confirmation and one edition, nothing since


def test_no_token_or_secret_in_the_server_log(service: Service) -> None:
    service.process.send_signal(2)  # let the server flush its log; the fixture's terminate() is then a no-op
    service.process.wait(timeout=15)
    log = service.log.read_text(encoding="utf-8")
    assert '"POST /subscribe"' in log and "/unsubscribe/the-brief" in log  # requests are logged...
    assert "token" not in log and SECRET not in log and "@example" not in log  # ...but never what they carry
