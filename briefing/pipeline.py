"""One run of briefing: collect, then publish each briefing. The order of stages is fixed here.

collect:  fetch every source -> extract clean articles -> store the new ones -> summarize them once
publish:  finish editions a crash left unfinished -> take the briefing's new articles -> group into
          stories -> compose in the briefing's style -> record the edition (claims its articles and
          queues its deliveries) -> archive page -> feeds -> deliveries -> mark done

Every publish step after the record is idempotent and keyed by the edition, so a run that dies in
the middle is finished by the next run, and nothing is published or sent twice.
"""

from __future__ import annotations

import contextlib
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from briefing.config import Briefing, Config
from briefing.errors import BriefingError, DeliveryError
from briefing.lock import RunLock
from briefing.models import Article, Edition, Summary
from briefing.publish import archive
from briefing.publish.email import Envelope, SmtpSettings, build_message, message_id, personal_link, send_smtp, write_outbox
from briefing.publish.feed import FeedEntry, build_feeds, build_json_feed
from briefing.publish.files import write_atomic
from briefing.render import Links, Renderer
from briefing.sources import Fetched, backoff, fetch
from briefing.store import Store
from briefing.styles.common import edition_id
from briefing.selection import select_articles
from briefing.text.pages import extract_articles

if TYPE_CHECKING:
    from briefing.sources.http import Fetcher

log = logging.getLogger("briefing")


@dataclass
class SourceReport:
    name: str
    documents: int = 0
    articles: int = 0
    new: int = 0
    error: str | None = None
    failures: int = 0
    skipped: str | None = None  # why the source was not fetched this run (disabled, not due)
    not_modified: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class PublishReport:
    briefing: str
    edition: Edition | None = None
    message: str = ""
    files: list[str] = field(default_factory=list)
    delivered: int = 0
    failed: list[str] = field(default_factory=list)


STAGE_TIMES: dict[str, float] = {}  # seconds per stage in this process, for `briefing run --stats`


@contextlib.contextmanager
def timed(stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_TIMES[stage] = STAGE_TIMES.get(stage, 0.0) + time.perf_counter() - started


@dataclass
class RunReport:
    sources: list[SourceReport] = field(default_factory=list)
    published: list[PublishReport] = field(default_factory=list)
    report_after: int = 3

    @property
    def failing_long(self) -> list[str]:
        """Sources that have failed for `fetch.report_after_failures` runs or more in a row."""
        return [s.name for s in self.sources if s.error and s.failures >= self.report_after]

    @property
    def new_articles(self) -> int:
        return sum(s.new for s in self.sources)


# -- collect ----------------------------------------------------------------------------------------


def collect(config: Config, store: Store, now: datetime, *, fetcher: Fetcher | None = None) -> list[SourceReport]:
    """Fetch every source that is due, store articles not seen before, summarize the new ones.

    Sources are fetched concurrently (at most `fetch.per_host` requests to one host at a time);
    their results are stored one by one in config order. A failing source is recorded and skipped.
    """
    reports = {s.name: SourceReport(s.name) for s in config.sources}
    states = {s.name: store.source_state(s.name) for s in config.sources}
    due = []
    for source in config.sources:
        state = states[source.name] or {}
        if state.get("disabled"):
            reports[source.name].skipped = f"disabled after: {state.get('last_error')}"
        elif state.get("next_fetch") and datetime.fromisoformat(state["next_fetch"]) > now:
            reports[source.name].skipped = f"not due until {state['next_fetch'][:16]}"
        else:
            due.append(source)
    own = fetcher is None and any(s.type != "files" for s in due)
    if own:
        fetcher = make_fetcher(config)
    known = {s.name: store.files_seen(s.name) for s in due if s.type == "files"}
    try:
        with ThreadPoolExecutor(max_workers=config.fetch.workers) as pool:
            futures = {s.name: pool.submit(fetch, s, now, fetcher, states[s.name], known.get(s.name)) for s in due}
            for source in due:
                with timed("collect: fetch"):
                    futures[source.name].exception()  # wait for it
                _store_fetch(config, store, source, futures[source.name], states[source.name], now, reports[source.name])
    finally:
        if own and fetcher is not None:
            fetcher.close()
    return [reports[s.name] for s in config.sources]


def make_fetcher(config: Config) -> Fetcher:
    from briefing.sources.http import Fetcher, user_agent

    return Fetcher(
        agent=config.fetch.user_agent or user_agent(config.site.base_url),
        timeout=config.fetch.timeout,
        max_bytes=config.fetch.max_bytes,
        per_host=config.fetch.per_host,
    )


def _store_fetch(
    config: Config,
    store: Store,
    source: Any,
    future: Future[Fetched],
    state: dict[str, Any] | None,
    now: datetime,
    report: SourceReport,
) -> None:
    try:
        result = future.result()
    except BriefingError as exc:
        failures = (state or {}).get("failures", 0) + 1
        status = getattr(exc, "status", None)
        later = getattr(exc, "retry_after", None) or now + backoff(failures, config.fetch.backoff_minutes)
        report.error = str(exc)
        report.failures = store.record_source(
            source.name, source.type, ok=False, error=str(exc), checked=now, http_status=status,
            next_fetch=later if config.fetch.backoff_minutes or getattr(exc, "retry_after", None) else None,
            disable=bool(getattr(exc, "gone", False)),
        )
        log.warning("source %s: %s", source.name, exc)
        return
    report.warnings = result.warnings
    report.not_modified = result.not_modified
    first_run = not (state or {}).get("successes")
    window = getattr(source, "first_run_window_hours", None)
    hide_before = now - timedelta(hours=window) if first_run and window else None
    try:
        with timed("collect: clean and split"):
            articles = [a for d in result.documents for a in extract_articles(d)]
        with timed("collect: store"):
            new = store.add_articles(articles, first_seen=now, hide_before=hide_before)
        with timed("collect: summarize"):
            summarize_new(config, store, new)
    except BriefingError as exc:  # a document we cannot read: the source failed this run
        report.error = str(exc)
        report.failures = store.record_source(source.name, source.type, ok=False, error=str(exc), checked=now)
        return
    report.documents, report.articles, report.new = len(result.documents), len(articles), len(new)
    if result.files_seen:
        store.record_files_seen(source.name, result.files_seen)
    store.record_source(
        source.name, source.type, ok=True, error=None, checked=now, url=result.url, etag=result.etag,
        last_modified=result.last_modified, http_status=result.http_status, next_fetch=result.next_fetch,
    )


def summarize_new(config: Config, store: Store, articles: Sequence[Article]) -> dict[str, Summary]:
    """Summaries of these articles, computed once per text and cached in the store."""
    if not articles:
        return {}  # (and sumy, which imports all of nltk, is not loaded for nothing)
    algorithm, count = config.summarizer.algorithm, config.summarizer.sentences
    from briefing.summarize import summarize_many

    cached = store.get_summaries(articles, algorithm, count)
    todo = [a for a in articles if a.id not in cached]
    fresh = list(zip(todo, summarize_many(todo, algorithm, count, config.summarizer.workers)))
    if fresh:
        store.put_summaries(fresh, algorithm, count)
    return {**cached, **{s.article_id: s for _, s in fresh}}


# -- publish ----------------------------------------------------------------------------------------


def compose_edition(
    config: Config, store: Store, briefing: Briefing, slot: datetime, *, until: datetime | None = None
) -> tuple[Edition | None, str]:
    """The edition of `briefing` for `slot` from the articles collected since its last edition (up to
    `until`, default the slot), without recording anything; or None and the reason there is none."""
    local_slot = slot.astimezone(ZoneInfo(briefing.timezone))
    this_id = edition_id(briefing.name, local_slot)
    if store.edition_exists(this_id):
        return None, f"nothing new: edition {this_id} for this slot is already published"
    previous = store.last_edition(briefing.name)
    after = previous[1] if previous else None
    with timed("publish: load articles"):
        articles = store.articles_for(config.sources_for(briefing), after, until or slot, briefing.name)
        articles = select_articles(articles, slot=until or slot, max_age_hours=config.max_age_hours, languages=briefing.languages)
    if not articles:
        return None, "nothing new: no articles collected since the last edition" + (f" ({previous[0]})" if previous else "")
    from briefing.stories import Clustering, group_stories
    from briefing.styles import STYLES

    with timed("publish: summaries (cached)"):
        summaries = summarize_new(config, store, articles)
    clustering = Clustering(
        neighbours=config.stories.neighbours,
        min_weight=config.stories.min_weight,
        time_scale_hours=config.stories.time_scale_hours,
    )
    with timed("publish: dedupe and group"):
        stories = group_stories(articles, summaries, until or slot, params=clustering, summary_sentences=config.summarizer.sentences)
    compose = STYLES[briefing.style]
    edition = compose(
        stories,
        summaries,
        briefing=briefing.name,
        title=briefing.title,
        count=briefing.stories,
        schedule=briefing.schedule,
        slot=local_slot,
    )
    return edition, ""


def publish(
    config: Config,
    store: Store,
    briefing: Briefing,
    now: datetime,
    renderer: Renderer,
    *,
    slot: datetime | None = None,
    after_record: Callable[[Edition], None] | None = None,
) -> PublishReport:
    """Publish this briefing's edition for `slot` (default: `now`), and finish any unfinished ones.

    The edition takes the articles collected up to `now`; its date and id come from the slot, so a
    missed 06:00 slot published at 09:00 is still the 06:00 edition.
    """
    report = PublishReport(briefing.name)
    for unfinished in store.unfinished_editions(briefing.name):
        log.info("finishing edition %s left unfinished by an earlier run", unfinished.id)
        _publish_edition(config, store, briefing, unfinished, renderer, now, report)
    edition, report.message = compose_edition(config, store, briefing, slot or now, until=now)
    if edition is None:
        return report
    store.add_edition(edition, created=now, recipients=config.recipients_for(briefing))
    if after_record:
        after_record(edition)  # a test hook: simulate a crash between record and publish
    report.edition = edition
    with timed("publish: render, feeds, archive, email"):
        _publish_edition(config, store, briefing, edition, renderer, now, report)
    return report


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
        unsubscribe_url=config.email.unsubscribe_url,
        unsubscribe_mailto=config.email.unsubscribe_mailto,
    )


def _publish_edition(
    config: Config,
    store: Store,
    briefing: Briefing,
    edition: Edition,
    renderer: Renderer,
    now: datetime,
    report: PublishReport,
) -> None:
    links = links_for(config, briefing, edition)
    # 1. the archive page of this edition and the briefing's index
    page = archive.edition_path(config.output_dir, briefing.name, edition.id)
    write_atomic(page, renderer.archive_page(edition, links))
    report.files.append(str(page))
    write_indexes(config, store, renderer)
    # 2. the feeds, rebuilt from the last K editions in the store
    report.files.extend(write_feeds(config, store, briefing, renderer))
    # 3. one delivery per recipient still pending
    deliver(config, store, briefing, edition, renderer, now, report)
    if not store.pending_deliveries(edition.id):
        store.set_edition_status(edition.id, "done")


def write_indexes(config: Config, store: Store, renderer: Renderer) -> None:
    base = config.site.base_url
    summary = []
    for b in config.briefings:
        editions = store.editions(b.name)
        rss_url, atom_url = archive.feed_urls(base, b.name)
        links = Links(config.site.title, b.title, "", archive.index_url(base, b.name), rss_url)
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
    write_atomic(config.output_dir / "index.html", renderer.site_index(config.site.title, summary))


def write_feeds(config: Config, store: Store, briefing: Briefing, renderer: Renderer) -> list[str]:
    base = config.site.base_url
    editions = store.editions(briefing.name, limit=config.site.feed_items)
    if not editions:
        return []
    entries = []
    for e in editions:
        links = links_for(config, briefing, e)
        entries.append(
            FeedEntry(e, links.edition_url, renderer.feed_html(e, links), _plain_summary(e), renderer.email_text(e, links))
        )
    rss_url, atom_url = archive.feed_urls(base, briefing.name)
    common = dict(
        title=briefing.title,
        description=f"{briefing.title} from {config.site.title}",
        language=config.site.language,
        base_url=base,
        archive_url=archive.index_url(base, briefing.name),
        author=config.site.title,
        entries=entries,
    )
    rss, atom = build_feeds(**common, rss_url=rss_url, atom_url=atom_url)
    json_feed = build_json_feed(**common, json_url=archive.json_feed_url(base, briefing.name))
    folder = config.output_dir / briefing.name
    written = []
    for name, data in (("feed.xml", rss), ("atom.xml", atom), ("feed.json", json_feed)):
        write_atomic(folder / name, data)
        written.append(str(folder / name))
    return written


def _plain_summary(edition: Edition) -> str:
    parts = [edition.intro] if edition.intro else []
    parts.extend(f"{i.prefix}{i.text} [{i.label}]" for i in edition.items)
    return " ".join(parts)


def deliver(
    config: Config,
    store: Store,
    briefing: Briefing,
    edition: Edition,
    renderer: Renderer,
    now: datetime,
    report: PublishReport,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send or write the edition for every recipient whose delivery is due.

    A temporary failure (4xx, refused or dropped connection) is retried `retry.in_run` times in
    this run, then on later runs after `retry.later_delay` seconds, doubling; a permanent failure
    (5xx) is recorded and never retried. A delivery recorded as sent is never made again.
    """
    pending = store.pending_deliveries(edition.id, due=now)
    if not pending:
        return
    smtp = config.email.smtp
    settings = (
        SmtpSettings(smtp.host, smtp.port, smtp.security, smtp.username, smtp.password(), smtp.timeout) if smtp else None
    )
    retry = config.email.retry
    base_links = links_for(config, briefing, edition)
    for row in pending:
        recipient = row["recipient"]
        links = replace(base_links, unsubscribe_url=personal_link(config.email.unsubscribe_url, recipient))
        envelope = Envelope(
            sender=config.email.from_,
            recipient=recipient,
            subject=edition.title,
            date=now.astimezone(timezone.utc),
            edition_id=edition.id,
            list_name=briefing.name,
            list_title=briefing.title,
            unsubscribe_url=links.unsubscribe_url,
            unsubscribe_mailto=config.email.unsubscribe_mailto,
        )
        msg = build_message(envelope, renderer.email_text(edition, links), renderer.email_html(edition, links))
        attempts = int(row["attempts"])
        for tries_left in range(retry.in_run, -1, -1):
            try:
                if settings is None:
                    report.files.append(str(write_outbox(config.email.outbox, envelope, msg)))
                else:
                    send_smtp(settings, msg)
            except DeliveryError as exc:
                attempts += 1
                final = exc.permanent or attempts >= retry.max_attempts
                if not final and tries_left:
                    store.record_delivery(edition.id, recipient, status="retry", message_id=None, error=str(exc), when=now)
                    sleep(retry.in_run_delay * 2 ** (retry.in_run - tries_left))
                    continue
                later = None if final else now + timedelta(seconds=retry.later_delay * 2 ** max(0, attempts - 1 - retry.in_run))
                status = "failed" if final else "retry"
                store.record_delivery(
                    edition.id, recipient, status=status, message_id=None, error=str(exc), when=now, next_attempt=later
                )
                report.failed.append(f"{recipient}: {exc}" + (f" (will retry after {later:%Y-%m-%d %H:%M %Z})" if later else ""))
                log.warning("delivery of %s to %s: %s", edition.id, recipient, exc)
                break
            store.record_delivery(
                edition.id, recipient, status="sent", message_id=message_id(edition.id, recipient, config.email.from_),
                error=None, when=now,
            )
            report.delivered += 1
            break


# -- one run ------------------------------------------------------------------------------------------


def run(
    config: Config,
    now: datetime,
    *,
    briefings: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """Collect once, then publish every briefing (or the named ones) for the slot `now`.

    Holds the store's run lock throughout: a second run at the same time raises LockedError.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    say = progress or (lambda message: None)
    with locked_store(config) as store:
        renderer = Renderer(config.templates)
        say(f"collecting {len(config.sources)} source(s)")
        report = RunReport(sources=collect(config, store, now), report_after=config.fetch.report_after_failures)
        for briefing in config.briefings:
            if briefings and briefing.name not in briefings:
                continue
            say(f"publishing {briefing.name}")
            report.published.append(publish(config, store, briefing, now, renderer))
        return report


@contextlib.contextmanager
def locked_store(config: Config) -> Iterator[Store]:
    """The store, opened under the run lock (LockedError at once if another run holds it), closed after."""
    with RunLock(config.store):
        store = Store(config.store)
        try:
            yield store
        finally:
            store.close()
