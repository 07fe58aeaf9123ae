"""The published files of a briefing: archive pages, indexes and feeds, rebuilt from the store.

Every write is atomic and every file is a function of the store's editions, so writing them again
(a run that finishes an edition a crash left behind) gives the same bytes.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from briefing.config import Briefing, Config
from briefing.models import Edition
from briefing.publish import archive
from briefing.publish.feed import FeedEntry, build_feeds, build_json_feed
from briefing.publish.files import write_atomic
from briefing.render import Links, Renderer
from briefing.store import Store


def links_for(config: Config, briefing: Briefing, edition: Edition) -> Links:
    """The absolute URLs an edition's outputs point to."""
    base = config.site.base_url
    rss_url, _ = archive.feed_urls(base, briefing.name)
    return Links(
        site_title=config.site.title,
        briefing_title=briefing.title,
        edition_url=archive.edition_url(base, briefing.name, edition.id),
        archive_url=archive.index_url(base, briefing.name),
        feed_url=rss_url,
        unsubscribe_mailto=config.email.unsubscribe_mailto,  # the personal https link is added per recipient
        signup_url=signup_url(config),
        signup_lists=tuple((b.name, b.title) for b in config.briefings),
    )


def signup_url(config: Config) -> str | None:
    """Where the archive's sign-up form posts (`briefing serve`); None where the form is turned off."""
    return config.site.base_url + "subscribe" if config.web.signup_form else None


def write_edition_page(config: Config, briefing: Briefing, edition: Edition, renderer: Renderer) -> Path:
    page = archive.edition_path(config.output_dir, briefing.name, edition.id)
    write_atomic(page, renderer.archive_page(edition, links_for(config, briefing, edition)))
    return page


def remove_edition_page(config: Config, briefing: str, edition_id: str) -> None:
    """Remove an abandoned edition's page (whatever sits at its name: it is briefing's own path)."""
    page = archive.edition_path(config.output_dir, briefing, edition_id)
    if page.is_dir() and not page.is_symlink():
        shutil.rmtree(page)
    else:
        page.unlink(missing_ok=True)


def write_indexes(config: Config, store: Store, renderer: Renderer) -> None:
    """Each briefing's archive index and the site index."""
    base = config.site.base_url
    site_links = Links(
        config.site.title, config.site.title, "", base, "",
        signup_url=signup_url(config), signup_lists=tuple((x.name, x.title) for x in config.briefings),
    )
    summary = []
    for b in config.briefings:
        editions = store.editions(b.name)
        rss_url, _ = archive.feed_urls(base, b.name)
        links = replace(site_links, briefing_title=b.title, archive_url=archive.index_url(base, b.name), feed_url=rss_url)
        rows = [(e, archive.edition_url(base, b.name, e.id)) for e in editions]
        if editions:
            write_atomic(config.output_dir / b.name / "index.html", renderer.archive_index(b.title, rows, links))
        summary.append(
            {
                "title": b.title,
                "archive_url": f"{b.name}/",
                "feed_url": f"{b.name}/feed.xml",
                "atom_url": f"{b.name}/atom.xml",
                "latest": editions[0].title if editions else None,
                "latest_url": f"{b.name}/{editions[0].id}.html" if editions else None,
            }
        )
    write_atomic(config.output_dir / "index.html", renderer.site_index(config.site.title, summary, site_links))


def write_feeds(config: Config, store: Store, briefing: Briefing, renderer: Renderer) -> list[str]:
    """RSS, Atom and JSON Feed of the briefing's last `site.feed_items` editions; the paths written."""
    base = config.site.base_url
    editions = store.editions(briefing.name, limit=config.site.feed_items)
    if not editions:
        return []
    entries = []
    for e in editions:
        links = links_for(config, briefing, e)
        entries.append(
            FeedEntry(e, links.edition_url, renderer.feed_html(e, links), plain_summary(e), renderer.email_text(e, links))
        )
    rss_url, atom_url = archive.feed_urls(base, briefing.name)
    title = briefing.title
    description = f"{briefing.title} from {config.site.title}"
    archive_url = archive.index_url(base, briefing.name)
    # a briefing that keeps one language is in that language; otherwise the site's
    language = briefing.languages[0] if briefing.languages and len(briefing.languages) == 1 else config.site.language
    rss, atom = build_feeds(
        title=title, description=description, language=language, base_url=base,
        archive_url=archive_url, author=config.site.title, entries=entries, rss_url=rss_url, atom_url=atom_url,
    )
    json_feed = build_json_feed(
        title=title, description=description, language=language, base_url=base,
        archive_url=archive_url, author=config.site.title, entries=entries,
        json_url=archive.json_feed_url(base, briefing.name),
    )
    folder = config.output_dir / briefing.name
    written = []
    for name, data in (("feed.xml", rss), ("atom.xml", atom), ("feed.json", json_feed)):
        write_atomic(folder / name, data)
        written.append(str(folder / name))
    return written


def plain_summary(edition: Edition) -> str:
    parts = [edition.intro] if edition.intro else []
    parts.extend(f"{i.prefix}{i.text} [{i.label}]" for i in edition.items)
    return " ".join(parts)
