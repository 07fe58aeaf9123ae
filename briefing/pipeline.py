"""One run of briefing: collect, then publish each briefing. The order of stages is fixed here.

collect:  fetch every source -> extract clean articles -> store the new ones -> summarize them once
          (briefing/collect.py)
publish:  finish editions a crash left unfinished -> take the briefing's new articles -> group into
          stories -> compose in the briefing's style -> record the edition (claims its articles and
          queues its deliveries) -> archive page -> indexes -> feeds -> deliveries -> mark done
          (files: briefing/publish/site.py; email: briefing/publish/deliver.py)

Every publish step after the record is idempotent and keyed by the edition, so a run that dies in
the middle is finished by the next run, and nothing is published twice. A failure in one source,
one edition or one briefing is reported in one line and the others go on.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from briefing import subscribers
from briefing.collect import collect, summarize_new
from briefing.config import Briefing, Config
from briefing.errors import BriefingError, StoreError, one_line
from briefing.lock import RunLock
from briefing.models import Edition, EditionInfo
from briefing.publish import site
from briefing.publish.deliver import deliver
from briefing.render import Renderer
from briefing.reports import PublishReport, RunReport, StageTimer
from briefing.selection import dated_ahead, select_articles
from briefing.status import source_problems
from briefing.store import Store
from briefing.styles.common import edition_id
from briefing.text.language import keep_languages

log = logging.getLogger("briefing")

__all__ = ["collect", "compose_edition", "publish", "run", "preview", "abandon", "locked_store"]


def compose_edition(
    config: Config,
    store: Store,
    briefing: Briefing,
    slot: datetime,
    *,
    until: datetime | None = None,
    timer: StageTimer | None = None,
) -> tuple[Edition | None, str]:
    """The edition of `briefing` for `slot` from the articles collected since its last edition (up to
    `until`, default the slot), without recording anything; or None and the reason there is none."""
    timer = timer or StageTimer()
    local_slot = slot.astimezone(ZoneInfo(briefing.timezone))
    this_id = edition_id(briefing.name, local_slot)
    if store.edition_exists(this_id):
        return None, f"nothing new: edition {this_id} for this slot is already published"
    previous = store.last_edition(briefing.name)
    after = previous.slot if previous else None
    with timer("publish: load articles"):
        loaded = store.articles_for(config.sources_for(briefing), after, until or slot, briefing.name)
        recent = select_articles(loaded, slot=until or slot, max_age_hours=config.max_age_hours)
        articles = keep_languages(recent, briefing.languages)
    left_out = []
    ahead = len(dated_ahead(loaded, slot=until or slot))
    if len(recent) + ahead < len(loaded):
        left_out.append(f"{len(loaded) - len(recent) - ahead} older than {config.max_age_hours:g} hours")
    if ahead:
        left_out.append(f"{ahead} dated after the slot (kept for a later edition)")
    if len(articles) < len(recent):
        left_out.append(f"{len(recent) - len(articles)} not in {', '.join(briefing.languages or ())}")
    note = f"left out: {'; '.join(left_out)}" if left_out else ""
    if not articles:
        return None, "nothing new: no articles collected since the last edition" + (
            f" ({previous.id})" if previous else ""
        ) + (f" ({note})" if note else "")
    from briefing.stories import Clustering, group_stories
    from briefing.styles import STYLES

    with timer("publish: summaries (cached)"):
        summaries = summarize_new(config, store, articles)
    clustering = Clustering(
        neighbours=config.stories.neighbours,
        min_weight=config.stories.min_weight,
        time_scale_hours=config.stories.time_scale_hours,
    )
    with timer("publish: dedupe and group"):
        stories = group_stories(
            articles, summaries, until or slot, params=clustering, summary_sentences=config.summarizer.sentences
        )
    compose = STYLES[briefing.style]
    edition: Edition = compose(
        stories,
        summaries,
        briefing=briefing.name,
        title=briefing.title,
        count=briefing.stories,
        schedule=briefing.schedule,
        slot=local_slot,
    )
    problems = tuple(source_problems(config, store, config.sources_for(briefing)))
    return replace(edition, source_problems=problems), note


def publish(
    config: Config,
    store: Store,
    briefing: Briefing,
    now: datetime,
    renderer: Renderer,
    *,
    slot: datetime | None = None,
    after_record: Callable[[Edition], None] | None = None,
    timer: StageTimer | None = None,
) -> PublishReport:
    """Publish this briefing's edition for `slot` (default: `now`), and finish any unfinished ones.

    The edition takes the articles collected up to `now`; its date and id come from the slot, so a
    missed 06:00 slot published at 09:00 is still the 06:00 edition. An unfinished edition that
    fails again is reported and left for the next run (or `briefing editions abandon`); it never
    stops this slot's edition.
    """
    timer = timer or StageTimer()
    report = PublishReport(briefing.name)
    for unfinished in store.unfinished_editions(briefing.name):
        log.info("finishing edition %s left unfinished by an earlier run", unfinished.id)
        try:
            _publish_edition(config, store, briefing, unfinished, renderer, now, report)
            report.finished.append(unfinished.id)
        except StoreError:
            raise
        except (BriefingError, ValueError, OSError) as exc:
            report.failed.append(f"edition {unfinished.id}: {one_line(exc, name_unexpected=False)} (retried next run)")
            log.warning("%s: edition %s: %s", briefing.name, unfinished.id, one_line(exc, name_unexpected=False))
    edition, report.message = compose_edition(config, store, briefing, slot or now, until=now, timer=timer)
    if edition is None:
        return report
    recipients = subscribers.recipients(config, store, briefing, now)  # active subscribers, config imported
    store.add_edition(edition, created=now, recipients=recipients)
    if after_record:
        after_record(edition)  # a test hook: simulate a crash between record and publish
    report.edition = edition
    with timer("publish: render, feeds, archive, email"):
        _publish_edition(config, store, briefing, edition, renderer, now, report)
    return report


def _publish_edition(
    config: Config,
    store: Store,
    briefing: Briefing,
    edition: Edition,
    renderer: Renderer,
    now: datetime,
    report: PublishReport,
) -> None:
    # 1. the archive page of this edition, then the briefing's and the site's index
    report.files.append(str(site.write_edition_page(config, briefing, edition, renderer)))
    site.write_indexes(config, store, renderer)
    # 2. the feeds, rebuilt from the last K editions in the store
    report.files.extend(site.write_feeds(config, store, briefing, renderer))
    # 3. one delivery per recipient still to make
    deliver(config, store, briefing, edition, renderer, now, report)
    if not store.open_deliveries(edition.id):
        store.set_edition_status(edition.id, "done")


def run(
    config: Config,
    now: datetime,
    *,
    briefings: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    force: Collection[str] = (),
) -> RunReport:
    """Collect once, then publish every briefing (or the named ones) for the slot `now`.

    Holds the store's run lock throughout: a second run at the same time raises LockedError. A
    briefing that fails is reported in its PublishReport and the next one goes on.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    say = progress or (lambda message: None)
    timer = StageTimer()
    with locked_store(config) as store:
        renderer = Renderer(config.templates)
        say(f"collecting {len(config.sources)} source(s)")
        report = RunReport(
            sources=collect(config, store, now, force=force, timer=timer),
            report_after=config.fetch.report_after_failures,
        )
        for briefing in config.briefings:
            if briefings and briefing.name not in briefings:
                continue
            say(f"publishing {briefing.name}")
            report.published.append(publish_isolated(config, store, briefing, now, renderer, timer=timer))
    report.stage_times = dict(timer.seconds)
    return report


def publish_isolated(
    config: Config,
    store: Store,
    briefing: Briefing,
    now: datetime,
    renderer: Renderer,
    *,
    slot: datetime | None = None,
    timer: StageTimer | None = None,
) -> PublishReport:
    """`publish`, with any failure of this briefing caught and reported instead of raised."""
    try:
        return publish(config, store, briefing, now, renderer, slot=slot, timer=timer)
    except StoreError:
        raise  # the store is everyone's: a store fault stops the run (cli.py says what and where)
    except (BriefingError, ValueError, OSError, KeyError) as exc:
        log.debug("%s failed", briefing.name, exc_info=exc)
        return PublishReport(briefing.name, error=one_line(exc, name_unexpected=False))


def abandon(config: Config, edition_id: str, now: datetime) -> EditionInfo:
    """Give up an unfinished edition: marked abandoned in the store, its open deliveries closed,
    its archive page removed and the indexes and feeds rebuilt without it; its articles go to the
    briefing's next edition."""
    with locked_store(config) as store:
        info = store.abandon_edition(edition_id, now)
        renderer = Renderer(config.templates)
        site.remove_edition_page(config, info.briefing, info.id)
        site.write_indexes(config, store, renderer)
        briefing = next((b for b in config.briefings if b.name == info.briefing), None)
        if briefing is not None:
            site.write_feeds(config, store, briefing, renderer)
    return info


@dataclass(frozen=True)
class Preview:
    briefing: str
    edition: Edition | None
    message: str
    files: tuple[Path, ...] = ()

    @property
    def folder(self) -> Path | None:
        return self.files[0].parent if self.files else None


def preview(config: Config, briefing: Briefing, now: datetime, *, recipient: str | None = None) -> Preview:
    """Collect into a copy of the store and compose the next edition of `briefing`; write its email
    HTML and text (with the footer resolved for `recipient`) and archive page to a temporary folder.
    Nothing is recorded, published or sent."""

    folder = Path(tempfile.mkdtemp(prefix=f"briefing-preview-{briefing.name}-"))
    copy_path = folder / "store-copy.sqlite3"
    if config.store.exists():
        source = sqlite3.connect(f"file:{config.store}?mode=ro", uri=True)
        target = sqlite3.connect(copy_path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    store = Store(copy_path)
    try:
        collect(config, store, now)
        edition, message = compose_edition(config, store, briefing, now)
        personal = _personal_link(config, store, briefing, recipient, now) if recipient and edition else None
    finally:
        store.close()
        for extra in folder.glob("store-copy.sqlite3*"):
            extra.unlink()
    if edition is None:
        shutil.rmtree(folder, ignore_errors=True)
        return Preview(briefing.name, None, message)
    renderer = Renderer(config.templates)
    links = site.links_for(config, briefing, edition)
    if recipient:
        links = replace(links, unsubscribe_url=personal, signup_url=None)
    files = (folder / "email.html", folder / "email.txt", folder / "index.html")
    files[0].write_text(renderer.email_html(edition, links), encoding="utf-8")
    files[1].write_text(renderer.email_text(edition, links), encoding="utf-8")
    files[2].write_text(renderer.archive_page(edition, links), encoding="utf-8")
    return Preview(briefing.name, edition, "", files)


def _personal_link(config: Config, store: Store, briefing: Briefing, recipient: str, now: datetime) -> str | None:
    """The signed unsubscribe link `recipient` would get (None without BRIEFING_SECRET)."""
    from briefing.errors import ConfigError

    address = subscribers.normalise(recipient)
    if address.lower() not in (a.lower() for a in subscribers.recipients(config, store, briefing, now)):
        raise ConfigError(
            f"--recipient: {address} is not an active subscriber of {briefing.name} (see: briefing subscribers list)"
        )
    key = subscribers.secret(required=False)
    return subscribers.personal_unsubscribe_url(config, store, briefing.name, address, now, key)


@contextlib.contextmanager
def locked_store(config: Config, *, wait: float = 0.0) -> Iterator[Store]:
    """The store, opened under the run lock, closed after. LockedError if another run holds the
    lock for longer than `wait` seconds (0: at once)."""
    with RunLock(config.store, wait=wait):
        store = Store(config.store)
        try:
            yield store
        finally:
            store.close()
