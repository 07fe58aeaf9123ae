"""The email HTML as mail clients and people see it: size, structure, headless Chromium."""

from __future__ import annotations

import email
import os
import re
from email import policy

import pytest

from briefing.pipeline import run

from . import browser
from .conftest import NOW, ROOT, seed_config_in

ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def emails(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("html")
    run(seed_config_in(root), NOW)
    out = {}
    for path in (root / "outbox").glob("*/*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        style = "brief" if path.parent.name.startswith("the-brief") else "must_reads"
        out[style] = next(p.get_content() for p in msg.walk() if p.get_content_type() == "text/html")
    out["archive"] = (root / "public" / "the-brief" / "the-brief-2014-06-23-0600.html").read_text(encoding="utf-8")
    return out


@pytest.mark.parametrize("style", ["brief", "must_reads"])
def test_html_is_built_for_mail_clients(emails: dict[str, str], style: str) -> None:
    html = emails[style]
    assert len(html.encode("utf-8")) < 100_000  # Gmail clips larger messages
    assert "<script" not in html.lower()
    assert not re.search(r"<link[^>]+stylesheet", html, re.I)
    assert not re.search(r"display:\s*(flex|grid)", html)
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "prefers-color-scheme: dark" in html
    assert 'class="preheader"' in html and "display: none" in html and "mso-hide: all" in html
    assert 'role="presentation"' in html and 'width="600"' in html and "max-width: 600px" in html
    # CSS is inlined: the story paragraphs carry their own style attribute
    assert re.search(r'<td class="item" style="[^"]*font-size: 18px', html)
    assert all("alt=" in img for img in re.findall(r"<img[^>]*>", html))


needs_chromium = pytest.mark.skipif(
    browser.chromium() is None and os.environ.get("CI") != "true",
    reason="chromium is not installed (CI installs it from .ci/run)",
)


@needs_chromium
@pytest.mark.parametrize("width", [600, 375])
@pytest.mark.parametrize("style", ["brief", "must_reads", "archive"])
def test_no_horizontal_scroll_in_chromium(emails: dict[str, str], style: str, width: int) -> None:
    scroll, inner = browser.measure(emails[style], width)
    assert inner == width
    assert scroll <= inner, f"{style} at {width}px scrolls sideways: content is {scroll}px wide"
    shot = browser.screenshot(emails[style], width, ARTIFACTS / f"{style}-{width}.png")
    if os.environ.get("BRIEFING_UPDATE_SCREENSHOTS") == "1" and style != "archive":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / shot.name).write_bytes(shot.read_bytes())


# What caniemail still reports for our email, on purpose. Everything else it reports is a failure.
ALLOWED = {
    "html-body": "every HTML document has a <body>; nothing is styled on it",
    "html-doctype": "Outlook for Windows replaces the HTML5 doctype; the table layout does not need standards mode",
    "html-style": "the <style> block keeps only @media rules; every other style is inlined",
    "css-at-media": "responsive padding and the dark palette are enhancements; the layout works without them",
    "css-at-media-prefers-color-scheme": "the dark palette, where the client supports it",
    "css-selector-class": "used only inside the @media rules",
    "css-selector-type": "used only inside the @media rules",
    "css-selector-grouping": "used only inside the @media rules",
    "html-meta-color-scheme": "tells clients that support it that the email has a dark palette",
    "html-role": 'role="presentation" tells screen readers the tables are layout; ignored where unsupported',
    "css-display-none": "hides the preheader; where unsupported the 1px text in the background colour stays invisible",
    "css-overflow-wrap": "lets a long word (a listing's comma-joined features, a URL) wrap on a phone where supported",
    "css-word-break": "the same, for the clients that know word-break but not overflow-wrap",
    "css-table-layout": "keeps a long word from widening the table where supported; elsewhere the 600px table still holds",
}


def test_emailcheck_finds_what_doiuse_email_found() -> None:
    """The checker reports at least every error doiuse-email 0.4.1 reported on the shared sample."""
    import json

    from .conftest import DATA
    from .emailcheck import unsupported

    sample = DATA / "validator_samples"
    theirs = set(json.loads((sample / "doiuse_email_cli_output.json").read_text(encoding="utf-8"))["errors"])
    assert theirs <= unsupported((sample / "digest_email.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("style", ["brief", "must_reads"])
def test_caniemail_reports_only_deliberate_enhancements(emails: dict[str, str], style: str) -> None:
    from .emailcheck import unsupported_by_feature

    found = unsupported_by_feature(emails[style])
    assert {slug: sorted(errors) for slug, errors in found.items() if slug not in ALLOWED} == {}


@needs_chromium
@pytest.mark.parametrize("width", [375])
def test_long_unbreakable_words_wrap_instead_of_scrolling(tmp_path, width: int) -> None:
    """Craigslist-style titles ("$1950 1bd 625ft2 - Lg closet,hardwood,laundry,...") and long URLs
    in a quote must wrap on a phone, not push the page sideways."""
    from dataclasses import replace

    from briefing.models import Edition, EditionItem
    from briefing.render import Links, Renderer

    token = "Lg-closet,hardwood-floors,in-unit-laundry,parking,cats-ok,dogs-ok," * 4
    item = EditionItem(text=f"$1950 1bd 625ft2 {token}", label="craigslist SF bay area", url="https://example.org/a",
                       headline=token)
    edition = Edition("b-1", "b", "brief", NOW, f"Flats {token}", "Intro", "", (item, replace(item, text=token)),
                      "Footer.", ("a",))
    links = Links("Site", "B", "https://example.org/b-1.html", "https://example.org/", "https://example.org/f.xml")
    for html in (Renderer().email_html(edition, links), Renderer().archive_page(edition, links)):
        scroll, inner = browser.measure(html, width)
        assert scroll <= inner, f"content is {scroll}px wide at {width}px"
