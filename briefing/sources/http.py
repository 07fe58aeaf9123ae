"""Polite HTTP for sources: conditional GET, size cap, redirects, Retry-After, per-host limits.

One `Fetcher` per run. It sends the ETag and Last-Modified a source stored, exactly as received;
follows redirects and reports a permanent one (301/308) so the stored URL is updated; stops reading
a body past `max_bytes`; and allows at most `per_host` requests at once to any one host.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from briefing import __version__
from briefing.errors import SourceError


class FetchError(SourceError):
    """A fetch that failed. `status` is the HTTP status (None for a network error)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: datetime | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def gone(self) -> bool:
        return self.status == 410


@dataclass(frozen=True)
class Response:
    url: str  # the URL finally read
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    permanent_url: str | None = None  # set when every redirect on the way was permanent

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def max_age(self) -> timedelta | None:
        """Cache-Control max-age, if the server gave one."""
        for part in self.headers.get("cache-control", "").split(","):
            name, _, value = part.strip().partition("=")
            if name.lower() == "max-age" and value.strip().isdigit():
                return timedelta(seconds=int(value))
        return None


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """A Retry-After header (seconds or an HTTP date) as a moment."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def user_agent(contact: str) -> str:
    return f"briefing/{__version__} (daily briefing generator; +{contact})"


class Fetcher:
    def __init__(
        self,
        *,
        agent: str,
        timeout: float,
        max_bytes: int,
        per_host: int,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.client = httpx.Client(
            headers={"User-Agent": agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=5,
            transport=transport,
        )
        self._hosts: dict[str, threading.Semaphore] = defaultdict(lambda: threading.Semaphore(per_host))
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def _slot(self, url: str) -> threading.Semaphore:
        with self._lock:
            return self._hosts[urlsplit(url).hostname or ""]

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None, now: datetime) -> Response:
        """GET `url`; raise FetchError with a one-line reason for anything but 2xx and 304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        with self._slot(url):
            try:
                with self.client.stream("GET", url, headers=headers) as response:
                    if response.status_code == 304:
                        return Response(str(response.url), 304, b"", dict(response.headers))
                    if response.status_code >= 400:
                        raise _status_error(response, now)
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > self.max_bytes:
                        raise FetchError(f"response of {int(declared)} bytes is larger than the {self.max_bytes}-byte cap")
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > self.max_bytes:
                            raise FetchError(f"response is larger than the {self.max_bytes}-byte cap")
                    permanent = None
                    if response.history and all(r.status_code in (301, 308) for r in response.history):
                        permanent = str(response.url)
                    return Response(str(response.url), response.status_code, bytes(body), dict(response.headers), permanent)
            except FetchError:
                raise
            except httpx.TimeoutException:
                raise FetchError(f"timed out after {self.client.timeout.read:g} s") from None
            except httpx.TooManyRedirects:
                raise FetchError("too many redirects") from None
            except httpx.RemoteProtocolError as exc:
                raise FetchError(f"the connection broke off: {exc}") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{type(exc).__name__}: {exc}") from None


_REASONS = {
    404: "not found (404)",
    410: "gone (410): the source is disabled; remove it or fix its URL",
    401: "needs a login (401)",
    403: "forbidden (403)",
    429: "too many requests (429)",
    500: "server error (500)",
    502: "bad gateway (502)",
    503: "unavailable (503)",
}


def _status_error(response: httpx.Response, now: datetime) -> FetchError:
    status = response.status_code
    reason = _REASONS.get(status, f"HTTP {status}")
    later = retry_after(response.headers.get("retry-after"), now) if status in (429, 503) else None
    if later is not None:
        reason += f"; retrying after {later:%Y-%m-%d %H:%M} UTC as the server asked"
    return FetchError(reason, status=status, retry_after=later)
