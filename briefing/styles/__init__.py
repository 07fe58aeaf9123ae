"""Edition styles: each module has `compose(stories, summaries, *, ...) -> Edition`."""

from __future__ import annotations

from collections.abc import Callable

from briefing.models import Edition
from briefing.styles import brief, must_reads

STYLES: dict[str, Callable[..., Edition]] = {
    "brief": brief.compose,
    "must_reads": must_reads.compose,
}
