"""The collect job: fetch every source that is due, store articles not seen before, summarize them once.

Sources are fetched concurrently (at most `fetch.per_host` requests to one host at a time); their
results are stored one by one in config order. A failing source, whatever the failure, is recorded,
reported in one line and skipped: it never stops the others.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from briefing.config import Config, Source
from briefing.errors import BriefingError, StoreError, one_line
from briefing.models import Article, SourceState, Summary
from briefing.reports import SourceReport, StageTimer
from briefing.sources import Fetched, backoff, fetch
from briefing.store import Store
from briefing.text.pages import extract_articles

if TYPE_CHECKING:
    from briefing.sources.http import Fetcher

log = logging.getLogger("briefing")


def collect(
    config: Config,
    store: Store,
    now: datetime,
    *,
    fetcher: Fetcher | None = None,
    force: Collection[str] = (),
    timer: StageTimer | None = None,
) -> list[SourceReport]:
    """Fetch every source that is due (and those named in `force`, back-off or not); store what is new."""
    timer = timer or StageTimer()
    reports = {s.name: SourceReport(s.name) for s in config.sources}
    states = {s.name: store.source_state(s.name) for s in config.sources}
    due = []
    for source in config.sources:
        state = states[source.name]
        if source.name in force:
            due.append(source)
        elif state and state.disabled:
            reports[source.name].skipped = f"disabled after: {state.last_error}"
        elif state and state.next_fetch and state.next_fetch > now:
            reports[source.name].skipped = f"not due until {state.next_fetch:%Y-%m-%d %H:%M} UTC"
        else:
            due.append(source)
    own = fetcher is None and any(s.type != "files" for s in due)
    if own:
        fetcher = make_fetcher(config)
    known = {s.name: store.files_seen(s.name) for s in due if s.type == "files"}
    pool = ThreadPoolExecutor(max_workers=config.fetch.workers)
    try:
        futures = {s.name: pool.submit(fetch, s, now, fetcher, states[s.name], known.get(s.name)) for s in due}
        for source in due:
            with timer("collect: fetch"):
                futures[source.name].exception()  # wait for it
            _store_fetch(config, store, source, futures[source.name], states[source.name], now,
                         reports[source.name], timer)
    except BaseException:
        # Ctrl-C or a store fault: drop the fetches not started yet instead of waiting for them all
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        if own and fetcher is not None:
            fetcher.close()
    return [reports[s.name] for s in config.sources]


def make_fetcher(config: Config) -> Fetcher:
    from briefing.sources.http import Fetcher, user_agent

    return Fetcher(
        agent=config.fetch.user_agent or user_agent(config.site.base_url),
        timeout=config.fetch.timeout,
        deadline=config.fetch.deadline,
        max_bytes=config.fetch.max_bytes,
        per_host=config.fetch.per_host,
    )


def _store_fetch(
    config: Config,
    store: Store,
    source: Source,
    future: Future[Fetched],
    state: SourceState | None,
    now: datetime,
    report: SourceReport,
    timer: StageTimer,
) -> None:
    try:
        result = future.result()
    except sqlite3.Error:
        raise  # a store fault is not this source's
    except Exception as exc:  # noqa: BLE001 - any failure of one source is that source's, never the run's
        if not isinstance(exc, BriefingError):
            log.debug("source %s failed", source.name, exc_info=exc)
        failures = (state.failures if state else 0) + 1
        status = getattr(exc, "status", None)
        retry_after = getattr(exc, "retry_after", None)
        later = retry_after or now + backoff(failures, config.fetch.backoff_minutes)
        report.error = one_line(exc)
        report.failures = store.record_source(
            source.name, source.type, ok=False, error=report.error, checked=now, http_status=status,
            next_fetch=later if config.fetch.backoff_minutes or retry_after else None,
            disable=bool(getattr(exc, "gone", False)),
        )
        log.info("source %s: %s", source.name, report.error)
        return
    report.warnings = result.warnings
    report.not_modified = result.not_modified
    first_run = not (state and state.successes)
    window = getattr(source, "first_run_window_hours", None)
    hide_before = now - timedelta(hours=window) if first_run and window else None
    try:
        with timer("collect: clean and split"):
            articles = [a for d in result.documents for a in extract_articles(d)]
        with timer("collect: store"):
            new = store.add_articles(articles, first_seen=now, hide_before=hide_before)
            fresh = {a.id for a in new}
            updated = store.update_unpublished(a for a in articles if a.id not in fresh)
        with timer("collect: summarize"):
            summarize_new(config, store, [*new, *updated])
    except (sqlite3.Error, StoreError):
        raise  # a store fault is not this source's
    except Exception as exc:  # noqa: BLE001 - a document we cannot read: the source failed this run
        if not isinstance(exc, BriefingError):
            log.debug("source %s failed", source.name, exc_info=exc)
        report.error = one_line(exc)
        report.failures = store.record_source(source.name, source.type, ok=False, error=report.error, checked=now)
        log.info("source %s: %s", source.name, report.error)
        return
    report.documents, report.articles, report.new = len(result.documents), len(articles), len(new)
    report.updated = len(updated)
    if result.files_seen:
        store.record_files_seen(source.name, result.files_seen)
    store.record_source(
        source.name, source.type, ok=True, error=None, checked=now, url=result.url, etag=result.etag,
        last_modified=result.last_modified, http_status=result.http_status, next_fetch=result.next_fetch,
    )


# A summary is cached under its algorithm's name and the summarizer's version: when choices change
# (2: the lead prior and `central` of the default, new key-sentence rules for every algorithm,
# briefing/summarize.py), articles stored before are summarized afresh instead of keeping the old
# choices. Here rather than in summarize.py, which imports sumy.
SUMMARY_VERSION = 2


def summarize_new(config: Config, store: Store, articles: Sequence[Article]) -> dict[str, Summary]:
    """Summaries of these articles, computed once per text and cached in the store."""
    if not articles:
        return {}  # (and sumy, which imports all of nltk, is not loaded for nothing)
    algorithm, count = config.summarizer.algorithm, config.summarizer.sentences
    cache_key = f"{algorithm}/{SUMMARY_VERSION}"
    cached = store.get_summaries(articles, cache_key, count)
    todo = [a for a in articles if a.id not in cached]
    if not todo:
        return cached  # all cached, as when a rerun composes what a dead run collected: no sumy
    from briefing.summarize import summarize_many

    fresh = list(zip(todo, summarize_many(todo, algorithm, count, config.summarizer.workers), strict=True))
    if fresh:
        store.put_summaries(fresh, cache_key, count)
    return {**cached, **{s.article_id: s for _, s in fresh}}
