"""One run at a time per store: an exclusive lock on a file next to the store (flock)."""

from __future__ import annotations

import fcntl
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from briefing.errors import BriefingError, StoreError


class LockedError(BriefingError):
    exit_code = 3


class RunLock:
    """`with RunLock(store_path):` holds `<store>.lock` or raises LockedError at once."""

    def __init__(self, store: Path, *, wait: float = 0.0) -> None:
        self.path = store.with_name(store.name + ".lock")
        self.wait = wait  # seconds to wait for another run to finish (the daemon waits; cron runs do not)
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the run lock: {exc.strerror or exc}") from None
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
                os.close(fd)
                raise LockedError(
                    f"another briefing run holds {self.path} ({holder}); try again when it has finished"
                ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC".encode())
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
