"""Text normalisation shared by every source: Unicode NFC, line endings, white space.

Smart quotes, dashes and ellipses are kept as the source wrote them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    """NFC, '\\n' line endings, no zero-width characters, tabs and odd spaces as single spaces.

    Leading indentation is kept (it tells nested bullets apart); trailing spaces are removed.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    lines = []
    for line in text.split("\n"):
        stripped = line.lstrip(" \t\u00a0")
        indent = len(line) - len(stripped)
        lines.append(" " * indent + _SPACES.sub(" ", stripped).rstrip())
    return "\n".join(lines)


def collapse(text: str) -> str:
    """One line, single spaces."""
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def fingerprint(text: str) -> str:
    """A content hash that ignores case, punctuation and white space."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).lower())
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()
