"""One run at a time per store: an exclusive lock on a file next to the store (flock)."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from briefing.errors import BriefingError


class LockedError(BriefingError):
    exit_code = 3


class RunLock:
    """`with RunLock(store_path):` holds `<store>.lock` or raises LockedError at once."""

    def __init__(self, store: Path) -> None:
        self.path = store.with_name(store.name + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise LockedError(f"another briefing run holds {self.path} ({holder}); try again when it has finished") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC".encode())
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
