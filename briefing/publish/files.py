"""Atomic file writes: write to a temporary name in the same folder, then rename into place."""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

from briefing.errors import PublishError


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `data` to `path` so that a reader never sees a half-written file."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise PublishError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _remove_leftovers(path: Path) -> None:
    """Remove temporary files an earlier writer of `path` left when it was killed mid-write.

    A process killed inside `write_atomic` cannot clean up, and its hidden `.NAME.*.tmp` would stay
    in the served folder (or the outbox) for ever. The next run writes the same file again (it
    finishes the edition, or resends the message), so sweeping here removes them. Writers of one
    path never overlap: every publishing command holds the run lock.
    """
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        leftover.unlink(missing_ok=True)
