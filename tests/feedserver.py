"""A real HTTP server on localhost that serves feed files and misbehaves on cue.

Each route maps a path to a `Route`: a body (bytes or a file), headers, a status, and behaviours
(ETag/Last-Modified with 304 answers, redirects, Retry-After, a delay, a truncated body, gzip).
Every request is recorded with its headers, and the most requests served at once is counted.
"""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    redirect: str | None = None  # Location for a 3xx status
    delay: float = 0.0
    truncate: bool = False  # promise more bytes than are sent, then close
    gzip: bool = False

    @classmethod
    def file(cls, path: Path, **kwargs: object) -> Route:
        return cls(body=path.read_bytes(), **kwargs)  # type: ignore[arg-type]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.active = 0
        self.most_at_once = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with server._lock:
                    server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                    server.active += 1
                    server.most_at_once = max(server.most_at_once, server.active)
                try:
                    server._serve(self)
                finally:
                    with server._lock:
                        server.active -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests_for(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        route = self.routes.get(handler.path.split("?")[0])
        if route is None:
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if route.delay:
            time.sleep(route.delay)
        if route.redirect:
            handler.send_response(route.status)
            handler.send_header("Location", route.redirect)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if route.status == 200 and (
            (route.etag and handler.headers.get("If-None-Match") == route.etag)
            or (route.last_modified and handler.headers.get("If-Modified-Since") == route.last_modified)
        ):
            handler.send_response(304)
            handler.end_headers()
            return
        body = gzip.compress(route.body) if route.gzip else route.body
        handler.send_response(route.status)
        handler.send_header("Content-Type", route.content_type)
        if route.gzip:
            handler.send_header("Content-Encoding", "gzip")
        if route.etag:
            handler.send_header("ETag", route.etag)
        if route.last_modified:
            handler.send_header("Last-Modified", route.last_modified)
        for name, value in route.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body) * (3 if route.truncate else 1)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2] if route.truncate else body)
        if route.truncate:
            handler.wfile.flush()
            handler.close_connection = True
