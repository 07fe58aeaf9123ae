"""Golden files of rendered output from the seeds at a fixed --now.

A mismatch shows a diff. Rewrite with BRIEFING_UPDATE_GOLDEN=1 after looking at the change
(open the .html files in a browser).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from briefing.pipeline import run

from .conftest import GOLDEN, NOW, update_golden

FILES = {
    "the-brief.feed.xml": "public/the-brief/feed.xml",
    "the-brief.atom.xml": "public/the-brief/atom.xml",
    "the-brief.html": "public/the-brief/the-brief-2014-06-23-0600.html",
    "the-brief.eml": "outbox/the-brief-2014-06-23-0600/reader@example.com.eml",
    "morning-must-reads.eml": "outbox/morning-must-reads-2014-06-23-0600/reader@example.com.eml",
    "morning-must-reads.feed.xml": "public/morning-must-reads/feed.xml",
    "the-brief.feed.json": "public/the-brief/feed.json",
    "the-brief.index.html": "public/the-brief/index.html",
    "the-brief.email.html": "outbox/the-brief-2014-06-23-0600/reader@example.com.eml#text/html",
    "the-brief.email.txt": "outbox/the-brief-2014-06-23-0600/reader@example.com.eml#text/plain",
    "morning-must-reads.email.html": "outbox/morning-must-reads-2014-06-23-0600/reader@example.com.eml#text/html",
    "morning-must-reads.email.txt": "outbox/morning-must-reads-2014-06-23-0600/reader@example.com.eml#text/plain",
}


def read(root: Path, spec: str) -> str:
    """A produced file, or one MIME part of a produced .eml ("file.eml#text/html")."""
    import email
    from email import policy

    path, _, part = spec.partition("#")
    if not part:
        return (root / path).read_text(encoding="utf-8")
    msg = email.message_from_bytes((root / path).read_bytes(), policy=policy.default)
    return next(p.get_content() for p in msg.walk() if p.get_content_type() == part)


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import seed_config_in

    root = tmp_path_factory.mktemp("golden")
    with pytest.MonkeyPatch.context() as env:  # signed unsubscribe links: a fixed secret, stable bytes
        env.setenv("BRIEFING_SECRET", "test-secret-for-golden-files-0123456789")
        run(seed_config_in(root), NOW)
    return root


@pytest.mark.parametrize("name", sorted(FILES))
def test_golden(produced: Path, name: str) -> None:
    actual = read(produced, FILES[name])
    golden = GOLDEN / name
    if update_golden() or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        if not update_golden():
            pytest.fail(f"wrote new golden file {golden}; look at it and commit it")
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), str(golden), "produced", n=2))
        pytest.fail(f"{name} differs from its golden file (BRIEFING_UPDATE_GOLDEN=1 to rewrite):\n{diff[:6000]}")
