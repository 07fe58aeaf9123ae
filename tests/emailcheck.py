"""Check an HTML email against caniemail's support data, the way doiuse-email does.

It finds the CSS properties, at-rules, selectors, HTML elements and attributes an email uses and
reports, in doiuse-email's words, each one whose newest tested version in a client is "n"
(not supported): "`@media` is not supported by `gmail.mobile-webmail`". The data is caniemail's
(tests/data/caniemail/, MIT). It is checked against doiuse-email's own output on a sample email in
tests/test_email_html.py.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

DATA = Path(__file__).parent / "data" / "caniemail" / "caniemail_features.json"
CLIENTS = ("gmail", "outlook", "apple-mail")

_ELEMENTS = {
    "body": "html-body", "table": "html-table", "p": "html-p", "div": "html-div", "span": "html-span",
    "style": "html-style", "ul": "html-lists", "ol": "html-lists", "li": "html-lists", "strong": "html-strong",
    "small": "html-small", "img": "html-img", "h1": "html-h1-h6", "h2": "html-h1-h6", "h3": "html-h1-h6",
    "h4": "html-h1-h6", "blockquote": "html-blockquote", "hr": "html-hr", "pre": "html-pre", "code": "html-code",
    "svg": "html-svg", "video": "html-video", "audio": "html-audio", "form": "html-form", "link": "html-link",
    "picture": "html-picture", "address": "html-address", "abbr": "html-abbr", "del": "html-del",
}
_ATTRIBUTES = {
    "role": "html-role", "width": "html-width", "height": "html-height", "align": "html-align",
    "valign": "html-valign", "cellpadding": "html-cellpadding", "cellspacing": "html-cellspacing",
    "lang": "html-lang", "dir": "html-dir", "background": "html-background", "aria-hidden": "html-aria-hidden",
    "aria-label": "html-aria-label", "srcset": "html-srcset", "loading": "html-loading-attribute",
}
_PROPERTY_ALIASES = {
    "margin-top": "css-margin", "margin-bottom": "css-margin", "margin-left": "css-margin", "margin-right": "css-margin",
    "padding-top": "css-padding", "padding-bottom": "css-padding", "padding-left": "css-padding",
    "padding-right": "css-padding", "border-top": "css-border", "border-bottom": "css-border",
    "border-left": "css-border", "border-right": "css-border", "border-top-color": "css-border",
    "border-color": "css-border", "font-family": "css-font", "top": "css-left-right-top-bottom",
    "left": "css-left-right-top-bottom", "right": "css-left-right-top-bottom", "bottom": "css-left-right-top-bottom",
    "background": "css-background", "-webkit-text-size-adjust": None, "-ms-text-size-adjust": None,
    "mso-hide": None, "mso-line-height-rule": None,
}


@lru_cache(maxsize=1)
def features() -> dict[str, dict]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {f["slug"]: f for f in data["features"]}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.slugs: set[str] = set()
        self.css: list[str] = []
        self._in_style = False

    def handle_decl(self, decl: str) -> None:
        self.slugs.add("html-doctype")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ELEMENTS:
            self.slugs.add(_ELEMENTS[tag])
        for name, value in attrs:
            if name in _ATTRIBUTES:
                self.slugs.add(_ATTRIBUTES[name])
            if name == "style" and value:
                self.css.append(value)
            if name == "href" and value and value.startswith("mailto:"):
                self.slugs.add("html-mailto-links")
        if tag == "meta" and dict(attrs).get("name") == "color-scheme":
            self.slugs.add("html-meta-color-scheme")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css.append(data)
            for selector in re.findall(r"([^{}@]+)\{", re.sub(r"@media[^{]*\{", "", data)):
                for part in selector.split(","):
                    part = part.strip()
                    if re.search(r"(^|\s)\.[\w-]", part):
                        self.slugs.add("css-selector-class")
                    if re.search(r"(^|\s)[a-z][a-z0-9]*(\s|$|\.|:)", part):
                        self.slugs.add("css-selector-type")
                    if "#" in part:
                        self.slugs.add("css-selector-id")
                    if ">" in part:
                        self.slugs.add("css-selector-child")
                    if "," in selector:
                        self.slugs.add("css-selector-grouping")


def used_features(html: str) -> set[str]:
    """caniemail slugs of what this email uses."""
    collector = _Collector()
    collector.feed(html)
    slugs = set(collector.slugs)
    known = features()
    for css in collector.css:
        if "@media" in css:
            slugs.add("css-at-media")
        if "prefers-color-scheme" in css:
            slugs.add("css-at-media-prefers-color-scheme")
        if "!important" in css:
            slugs.add("css-important")
        for prop, value in re.findall(r"(?<![\w-])(-?[a-z][a-z-]*)\s*:\s*([^;}]+)", css):
            if prop in ("http", "https", "mailto", "max-width", "min-width", "prefers-color-scheme") and "(" not in value:
                if prop in ("http", "https", "mailto"):
                    continue
            slug = _PROPERTY_ALIASES.get(prop, f"css-{prop}")
            if prop == "display":
                kind = value.strip().split()[0]
                if f"css-display-{kind}" in known:
                    slugs.add(f"css-display-{kind}")
            if slug and slug in known:
                slugs.add(slug)
            for unit in re.findall(r"\d(px|em|rem|%|vh|vw|pt)\b", value):
                slugs.add({"%": "css-unit-percent"}.get(unit, f"css-unit-{unit}"))
    return {s for s in slugs if s in known}


def _newest(versions: dict[str, str]) -> str:
    return list(versions.values())[-1] if versions else "u"


def unsupported_by_feature(html: str, clients: tuple[str, ...] = CLIENTS) -> dict[str, set[str]]:
    """caniemail slug -> doiuse-email style errors: "`<title>` is not supported by `<client>.<platform>`"."""
    errors: dict[str, set[str]] = {}
    known = features()
    for slug in used_features(html):
        feature = known[slug]
        for client in clients:
            for platform, versions in feature["stats"].get(client, {}).items():
                if _newest(versions).split()[0] == "n":
                    errors.setdefault(slug, set()).add(f"`{feature['title']}` is not supported by `{client}.{platform}`")
    return errors


def unsupported(html: str, clients: tuple[str, ...] = CLIENTS) -> set[str]:
    return {e for found in unsupported_by_feature(html, clients).values() for e in found}
