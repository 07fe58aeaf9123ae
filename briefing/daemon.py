"""`briefing schedule`: the collect and publish job bodies, run one at a time, and the catch-up policy.

Jobs run on APScheduler with a single worker, so a publish that falls due while a collect runs (or
two briefings due the same minute, as in the default config) waits its turn instead of being
skipped. A job also waits for the run lock a cron-driven `briefing run` may hold. A slot whose
publish did not run (the daemon was down, the lock stayed busy, the job failed) is published once,
late, by the next job, and the log says so; it is never dropped. A slot that did run but found
nothing new is not retried.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from briefing import scheduler
from briefing.collect import collect
from briefing.config import Briefing, Config
from briefing.errors import BriefingError
from briefing.pipeline import locked_store, publish_isolated
from briefing.render import Renderer
from briefing.reports import PublishReport

log = logging.getLogger("briefing")

LOCK_WAIT_SECONDS = 600.0  # how long a job waits for another run (a cron `briefing run`) to finish


class Daemon:
    """The daemon's jobs and the memory of which slots were attempted."""

    def __init__(self, config: Config, *, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self.renderer = Renderer(config.templates)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.attempted: dict[str, datetime] = {}  # briefing -> latest slot whose publish ran
        self._lock = threading.Lock()  # belt and braces: jobs already run on one worker

    def start_up(self) -> list[PublishReport]:
        """On start: remember each briefing's last edition, then publish the latest missed slots."""
        with locked_store(self.config, wait=LOCK_WAIT_SECONDS) as store:
            for b in self.config.briefings:
                last = store.last_edition(b.name)
                if last is not None:
                    self.attempted[b.name] = last.slot
        return self.catch_up()

    def collect_job(self) -> None:
        with self._lock:
            now = self.clock()
            try:
                with locked_store(self.config, wait=LOCK_WAIT_SECONDS) as store:
                    new = sum(r.new for r in collect(self.config, store, now))
                log.warning("collect: %d new article(s)", new)
            except BriefingError as exc:
                log.error("collect failed: %s", exc)
        self.catch_up()

    def publish_job(self, name: str, slot: datetime | None = None) -> PublishReport | None:
        with self._lock:
            briefing = self._briefing(name)
            now = self.clock()
            slot = slot or scheduler.last_slot(briefing, now) or now
            return self._publish(briefing, slot, now)

    def catch_up(self) -> list[PublishReport]:
        """Publish, late, each briefing's latest slot that passed without its publish running."""
        done = []
        with self._lock:
            now = self.clock()
            for name, slot in scheduler.missed(self.config, self.attempted, now):
                log.warning("%s: the slot %s was not published on time; publishing it now (late)",
                            name, slot.isoformat())
                report = self._publish(self._briefing(name), slot, now, late=True)
                if report is not None:
                    done.append(report)
        return done

    def _publish(self, briefing: Briefing, slot: datetime, now: datetime, *, late: bool = False) -> PublishReport | None:
        try:
            with locked_store(self.config, wait=LOCK_WAIT_SECONDS) as store:
                collect(self.config, store, now)
                report = publish_isolated(self.config, store, briefing, now, self.renderer, slot=slot)
        except BriefingError as exc:
            log.error("publish %s for %s failed: %s (it will be published late by the next job)",
                      briefing.name, slot.isoformat(), exc)
            return None
        if report.error is None:
            self.attempted[briefing.name] = max(slot, self.attempted.get(briefing.name, slot))
        if late:
            report.late = slot.isoformat()
        outcome = f"published {report.edition.id}" if report.edition else report.error or report.message
        log.warning("%s: %s%s", briefing.name, outcome, f" (late, for the slot {slot.isoformat()})" if late else "")
        return report

    def _briefing(self, name: str) -> Briefing:
        return next(b for b in self.config.briefings if b.name == name)


def run_daemon(config: Config, stop: threading.Event | None = None) -> None:
    """Catch up, then run the jobs until SIGINT or SIGTERM (or `stop` is set)."""
    daemon = Daemon(config)
    daemon.start_up()
    jobs = scheduler.build(config, collect=daemon.collect_job, publish=daemon.publish_job)
    for job in jobs.get_jobs():
        log.warning("scheduled %s", job.name)
    scheduler.run_until_stopped(jobs, stop)
