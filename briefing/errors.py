"""The errors briefing raises on purpose.

    BriefingError               anything a user can act on; cli.py prints "Error: <message>"
    ├── ConfigError             config.yaml is missing, unreadable or holds a bad value (exit 2)
    ├── SourceError             one source could not be fetched or parsed (logged, source skipped)
    ├── StoreError              the SQLite store cannot be opened or is from a newer version
    ├── PublishError            a feed, archive page or outbox file could not be written
    └── DeliveryError           an SMTP delivery failed (`permanent` tells whether to retry)

Each message is one line: what is wrong, where, and where it helps, a hint for the fix.
"""

from __future__ import annotations


class BriefingError(Exception):
    exit_code = 1


class ConfigError(BriefingError):
    """A bad config or usage. `problems` holds every problem found, one line each."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]

    @classmethod
    def of(cls, problems: list[str]) -> ConfigError:
        more = len(problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''}: see `briefing check-config`)" if more else ""
        return cls(problems[0] + tail, problems)


class SourceError(BriefingError):
    pass


class StoreError(BriefingError):
    pass


class PublishError(BriefingError):
    pass


class DeliveryError(BriefingError):
    def __init__(self, message: str, *, permanent: bool = False, bounce: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.bounce = bounce  # the server refused the address itself (no such mailbox): suppress it


def one_line(exc: BaseException, *, name_unexpected: bool = True) -> str:
    """An exception as one line for a report; with `name_unexpected`, one that is not a
    BriefingError says it was unexpected and what it was."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if not name_unexpected or isinstance(exc, BriefingError):
        return text
    return f"unexpected {type(exc).__name__}: {text}"
