"""What a run did, as records the CLI prints: per source, per briefing, and the time per stage."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from briefing.models import Edition


@dataclass
class SourceReport:
    name: str
    documents: int = 0
    articles: int = 0
    new: int = 0
    updated: int = 0  # stored articles not yet published whose text changed at the source
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
    failed: list[str] = field(default_factory=list)  # "recipient: why", one per delivery not made
    resent: list[str] = field(default_factory=list)  # recipients whose interrupted send was made again
    finished: list[str] = field(default_factory=list)  # editions an earlier run left unfinished, finished now
    error: str | None = None  # the briefing failed this run (the others went on)
    late: str | None = None  # "published late": the slot whose job did not run on time


class StageTimer:
    """Seconds spent per stage in one run (thread-safe: collect stores results from a thread pool)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + elapsed


@dataclass
class RunReport:
    sources: list[SourceReport] = field(default_factory=list)
    published: list[PublishReport] = field(default_factory=list)
    report_after: int = 3
    stage_times: dict[str, float] = field(default_factory=dict)

    @property
    def failing_long(self) -> list[str]:
        """Sources that have failed for `fetch.report_after_failures` runs or more in a row."""
        return [s.name for s in self.sources if s.error and s.failures >= self.report_after]

    @property
    def new_articles(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def degraded(self) -> bool:
        """Something was published or collected, but a source, briefing or delivery failed (exit 4)."""
        return (
            any(s.error for s in self.sources)
            or any(p.failed or p.error for p in self.published)
        )
