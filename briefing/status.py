"""`briefing status`: where each briefing stands and which sources are failing, as a record."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from briefing import scheduler
from briefing.config import Config
from briefing.store import Store


@dataclass(frozen=True)
class BriefingStatus:
    name: str
    schedule: str
    timezone: str
    next_slot: datetime | None
    last_edition: str | None
    last_slot: datetime | None
    pending_deliveries: int
    unfinished_editions: tuple[str, ...]


@dataclass(frozen=True)
class SourceProblem:
    name: str
    status: str  # error or disabled
    failures: int  # runs in a row
    last_error: str | None


@dataclass(frozen=True)
class Status:
    briefings: tuple[BriefingStatus, ...]
    failing_sources: tuple[SourceProblem, ...]


def status(config: Config, store: Store, now: datetime) -> Status:
    """Each briefing's next slot, last edition, open deliveries and unfinished editions; failing sources."""
    briefings = []
    for b in config.briefings:
        last = store.last_edition(b.name)
        infos = store.edition_infos(b.name)
        briefings.append(
            BriefingStatus(
                name=b.name,
                schedule=b.schedule,
                timezone=b.timezone,
                next_slot=scheduler.next_slot(b, now),
                last_edition=last.id if last else None,
                last_slot=last.slot if last else None,
                pending_deliveries=sum(e.deliveries_open for e in infos),
                unfinished_editions=tuple(e.id for e in infos if e.status == "composed"),
            )
        )
    configured = {s.name for s in config.sources}
    failing = tuple(
        SourceProblem(s.name, "disabled" if s.disabled else "error", s.failures, s.last_error)
        for s in store.sources()
        if s.name in configured and (s.last_status == "error" or s.disabled)
    )
    return Status(tuple(briefings), failing)


def source_problems(config: Config, store: Store, names: Collection[str] | None = None) -> list[str]:
    """Sources (of `names`) that have failed `fetch.report_after_failures` runs in a row or more, or
    are disabled, for the "Sources with problems" line at the end of an edition."""
    configured = {s.name: (s.label or s.name) for s in config.sources if names is None or s.name in names}
    return [
        configured[s.name]
        for s in store.sources()
        if s.name in configured and (s.disabled or s.failures >= config.fetch.report_after_failures)
    ]
