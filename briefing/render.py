"""The only place that loads templates/ (jinja2): email HTML and text, feed HTML, archive pages.

A user's template folder (config `templates`) overrides the built-in templates file by file.
HTML templates autoescape; every template runs with StrictUndefined so a typo fails loudly.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import css_inline
import jinja2

from briefing.errors import PublishError
from briefing.models import Edition


def builtin_templates() -> Path:
    """The packaged templates folder (installed wheel), or the repository's templates/."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Links:
    """Absolute URLs the outputs point to."""

    site_title: str
    briefing_title: str
    edition_url: str
    archive_url: str
    feed_url: str
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    signup_url: str | None = None  # the sign-up form posts here (briefing serve); None: no form
    signup_lists: tuple[tuple[str, str], ...] = ()  # (name, title) of every briefing the form offers


def _wrap(text: str, width: int = 72, indent: str = "", subsequent: str | None = None) -> str:
    return textwrap.fill(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent if subsequent is None else subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def quote_marks(text: str) -> str:
    """Wrap a sentence in curly double quotes, turning its own double quotes into single ones."""
    inner = text.replace("“", "‘").replace("”", "’")
    if '"' in inner:
        parts = inner.split('"')
        inner = "".join(p + ("‘" if i % 2 == 0 else "’") for i, p in enumerate(parts[:-1])) + parts[-1]
    return f"“{inner}”"


class Renderer:
    def __init__(self, user_dir: Path | None = None) -> None:
        paths = [str(user_dir)] if user_dir else []
        paths.append(str(builtin_templates()))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(paths),
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["wrap"] = _wrap
        self.env.filters["quote_marks"] = quote_marks
        self._inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)

    def _render(self, name: str, **context: Any) -> str:
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateNotFound as exc:
            raise PublishError(f"template {exc.name} not found in {self.env.loader.searchpath}") from None  # type: ignore[union-attr]
        except jinja2.TemplateError as exc:
            where = f"{exc.filename}:{exc.lineno}" if getattr(exc, "lineno", None) else name  # type: ignore[attr-defined]
            raise PublishError(f"template {where}: {exc.message}") from None

    def email_html(self, edition: Edition, links: Links) -> str:
        """The HTML part of the email: table layout with its CSS inlined (media queries kept)."""
        page = self._render("email.html", edition=edition, links=links)
        return self._inliner.inline(page)

    def email_text(self, edition: Edition, links: Links) -> str:
        return self._render("email.txt", edition=edition, links=links)

    def feed_html(self, edition: Edition, links: Links) -> str:
        """The edition as simple HTML for a feed entry's content."""
        return self._render("feed_entry.html", edition=edition, links=links).strip()

    def archive_page(self, edition: Edition, links: Links) -> str:
        return self._render("archive_edition.html", edition=edition, links=links)

    def archive_index(self, title: str, editions: list[tuple[Edition, str]], links: Links) -> str:
        return self._render("archive_index.html", title=title, editions=editions, links=links)

    def site_index(self, title: str, briefings: list[dict[str, Any]], links: Links | None = None) -> str:
        return self._render("site_index.html", title=title, briefings=briefings, links=links)

    def web_page(self, name: str, **context: Any) -> str:
        """A page of `briefing serve` (templates/web_NAME.html): sign-up answers, confirm, unsubscribe."""
        return self._render(f"web_{name}.html", **context)
