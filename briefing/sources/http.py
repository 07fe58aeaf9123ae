"""Polite HTTP for sources: conditional GET, size cap, redirects, Retry-After, per-host limits.

One `Fetcher` per run. It sends the ETag and Last-Modified a source stored, exactly as received;
follows redirects and reports a permanent one (301/308) so the stored URL is updated; stops reading
a body past `max_bytes`; and allows at most `per_host` requests at once to any one host.

Every fetch has a total `deadline` on top of the per-read `timeout`: a server that sends one byte
every half second never trips a read timeout, so a watchdog shuts the fetch's socket down when the
deadline passes, whatever phase (headers, body, a redirect) the fetch is in. Connections are not
kept alive between fetches, so the socket a watchdog shuts is always its own fetch's.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
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


RETRY_AFTER_MAX = timedelta(hours=24)  # a server may ask for a pause, not park a source for ever


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """A Retry-After header (seconds or an HTTP date) as a moment, clamped to [now, now + 24 h].

    Hostile values cannot overflow or park a source: a number of any size or a date in year 9999
    becomes 24 hours, a date in the past becomes now; a negative number or garbage is ignored (None).
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # More than 6 digits is more than the cap anyway; int() of a huge string is never tried.
        seconds = int(value) if len(value) <= 6 else int(RETRY_AFTER_MAX.total_seconds())
        return now + min(timedelta(seconds=seconds), RETRY_AFTER_MAX)
    try:
        when = parsedate_to_datetime(value[:64])
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(now, min(when, now + RETRY_AFTER_MAX))


class _Watchdog:
    """Shuts down the sockets of one fetch when its deadline passes (httpcore trace hook)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def trace(self, event: str, info: dict[str, object]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if hasattr(stream, "get_extra_info") else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.expired:
                    _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # a blocked recv() returns at once
    except OSError:
        pass


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
        deadline: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.client = httpx.Client(
            headers={"User-Agent": agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(min(timeout, deadline)),
            follow_redirects=True,
            max_redirects=5,
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport,
        )
        self._hosts: dict[str, threading.Semaphore] = defaultdict(lambda: threading.Semaphore(per_host))
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def _slot(self, url: str) -> threading.Semaphore:
        with self._lock:
            return self._hosts[urlsplit(url).hostname or ""]

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        now: datetime,
        deadline: float | None = None,
    ) -> Response:
        """GET `url` within `deadline` seconds (default the Fetcher's); raise FetchError with a
        one-line reason for anything but 2xx and 304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        limit = self.deadline if deadline is None else min(deadline, self.deadline)
        if limit <= 0:
            raise FetchError(f"not fetched: the {self.deadline:g} s deadline had already passed")
        with self._slot(url), _Watchdog(limit) as watchdog:
            started = time.monotonic()
            try:
                with self.client.stream("GET", url, headers=headers, extensions={"trace": watchdog.trace}) as response:
                    if response.status_code == 304:
                        return Response(str(response.url), 304, b"", dict(response.headers))
                    if response.status_code >= 400:
                        raise _status_error(response, now)
                    declared = response.headers.get("content-length", "")
                    if declared.isascii() and declared.isdigit() and int(declared[:16]) > self.max_bytes:
                        raise FetchError(f"response of {declared} bytes is larger than the {self.max_bytes}-byte cap")
                    body = _read_body(response, self.max_bytes, started, limit)
                    permanent = None
                    if response.history and all(r.status_code in (301, 308) for r in response.history):
                        permanent = str(response.url)
                    return Response(str(response.url), response.status_code, body, dict(response.headers), permanent)
            except FetchError:
                raise
            except (httpx.HTTPError, OSError) as exc:
                if watchdog.expired or time.monotonic() - started > limit:
                    raise _too_slow(limit, None) from None
                raise _network_error(exc, self.client.timeout.read) from None


def _too_slow(limit: float, received: int | None) -> FetchError:
    got = f" ({received} bytes received)" if received is not None else ""
    return FetchError(f"gave up after the {limit:g} s fetch deadline{got}: the server is too slow")


def _read_body(response: httpx.Response, max_bytes: int, started: float, limit: float) -> bytes:
    """The body, decompressed here rather than by httpx so a gzip bomb stops at `max_bytes` of output
    (zlib's max_length), with the deadline checked after every chunk."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise FetchError(f"unsupported content encoding {encoding[:40]!r}")
    inflate = zlib.decompressobj(wbits=47) if encoding not in ("identity", "") else None  # gzip or zlib header
    body = bytearray()
    for raw in response.iter_raw():
        data = raw
        while data:
            if inflate is None:
                chunk, data = data, b""
            else:
                try:
                    chunk = inflate.decompress(data, max_bytes + 1 - len(body))
                except zlib.error as exc:
                    raise FetchError(f"the {encoding} body is corrupt: {exc}") from None
                data = inflate.unconsumed_tail
            body.extend(chunk)
            if len(body) > max_bytes:
                raise FetchError(f"response is larger than the {max_bytes}-byte cap")
            if not chunk:
                break
        if time.monotonic() - started > limit:
            raise _too_slow(limit, len(body))
    return bytes(body)


def _network_error(exc: Exception, read_timeout: float | None) -> FetchError:
    """A one-line reason for a network failure."""
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(f"timed out after {read_timeout or 0:g} s without data")
    if isinstance(exc, httpx.TooManyRedirects):
        return FetchError("too many redirects")
    if isinstance(exc, ConnectionResetError) or "reset by peer" in str(exc):
        return FetchError("the connection was reset by the server")
    if isinstance(exc, httpx.ConnectError):
        return FetchError(f"could not connect: {_first_line(exc)}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return FetchError(f"the connection broke off: {_first_line(exc)}")
    return FetchError(f"{type(exc).__name__}: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


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
