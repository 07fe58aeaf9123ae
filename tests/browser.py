"""Headless Chromium for looking at what we make: layout measurements and screenshots."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from html import escape as html_escape
from pathlib import Path

# Flags that work on these machines (see DESIGN.md field notes).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--disable-quic",
]


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(args: list[str], timeout: int = 90) -> str:
    binary = chromium()
    assert binary, "chromium is not installed (apt-get install chromium)"
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "HOME": profile},
        )
    return result.stdout


def _frame(html: str, width: int, probe: bool) -> str:
    """An outer page holding `html` in an iframe exactly `width` px wide.

    Headless Chromium will not open a window narrower than 500 px, so narrow layouts are made in
    an iframe, whose viewport the page's media queries see. A srcdoc frame is same-origin, so the
    outer page can measure it; the email itself stays script-free.
    """
    script = (
        "<script>window.addEventListener('load', function () {"
        " var f = document.getElementById('f'), d = f.contentDocument.documentElement;"
        " f.style.height = d.scrollHeight + 'px';"
        " var el = document.createElement('pre'); el.id = 'layout-probe';"
        " el.textContent = 'scroll=' + d.scrollWidth + ' inner=' + f.contentWindow.innerWidth;"
        " document.body.appendChild(el); });</script>"
        if probe
        else "<script>window.addEventListener('load', function () { var f = document.getElementById('f');"
        " f.style.height = f.contentDocument.documentElement.scrollHeight + 'px'; });</script>"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<style>html,body{margin:0;padding:0;background:#888}</style></head><body>"
        f"<iframe id='f' style='width:{width}px;height:2000px;border:0;display:block;background:#fff' "
        f"srcdoc=\"{html_escape(html)}\"></iframe>{script}</body></html>"
    )


def measure(html: str, width: int) -> tuple[int, int]:
    """(scrollWidth, innerWidth) of the page laid out `width` pixels wide."""
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.html"
        page.write_text(_frame(html, width, probe=True), encoding="utf-8")
        dom = _run(["--window-size=800,1200", "--dump-dom", page.as_uri()])
    found = re.search(r"scroll=(\d+) inner=(\d+)", dom)
    assert found, f"layout probe did not run: {dom[:300]}"
    return int(found.group(1)), int(found.group(2))


def screenshot(html: str, width: int, out: Path, height: int = 2400) -> Path:
    """A PNG of the page laid out `width` pixels wide."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.html"
        page.write_text(_frame(html, width, probe=False), encoding="utf-8")
        _run([f"--window-size={max(width, 500)},{height}", f"--screenshot={out}", page.as_uri()])
    assert out.is_file() and out.stat().st_size > 1000, f"no screenshot written to {out}"
    return out
