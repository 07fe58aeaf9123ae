"""HTML to plain text: a page's visible text by blocks, and a title as one line.

Entities are decoded once, by the parser (convert_charrefs): "&amp;lt;" is the text "&lt;".
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from briefing.text.normalize import collapse

__all__ = ["html_to_line", "html_to_text"]


class _TextExtractor(HTMLParser):
    """Visible text of an HTML page with block elements as line breaks (scripts and styles dropped)."""

    _BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
               "header", "footer", "blockquote", "figcaption", "title", "ul", "ol", "table"}
    _SKIP = {"script", "style", "noscript", "template", "svg", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        if tag == "li":
            self.parts.append("• ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Visible text of an HTML document, one block per paragraph.

    Entities are decoded once, by the parser: "&amp;lt;" is the text "&lt;", never "<".
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", text)


def html_to_line(markup: str) -> str:
    """An HTML fragment (a feed title of type text/html) as one line of plain text.

    Markup removed, entities decoded once, white space collapsed: "&#x0024;2112 796ft<sup>2</sup>"
    is "$2112 796ft2".
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return collapse("".join(" " if p == "\n\n" else p for p in parser.parts if p != "• "))
