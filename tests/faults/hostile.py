"""A misbehaving HTTP server on localhost, written on raw sockets so it can break HTTP itself.

Each path maps to a behaviour: a function that gets the connected socket after the request head has
been read and does whatever a broken or hostile server does (drip bytes, reset, loop redirects,
send a gzip bomb...). Behaviours stop when the client goes away or the server is stopped.
"""

from __future__ import annotations

import gzip
import socket
import socketserver
import struct
import threading
import time
import zlib
from collections.abc import Callable

Behaviour = Callable[[socket.socket, "HostileServer"], None]


class HostileServer:
    def __init__(self) -> None:
        self.routes: dict[str, Behaviour] = {}
        self.hits: dict[str, int] = {}
        self.stopping = threading.Event()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(5)
                head = b""
                try:
                    while b"\r\n\r\n" not in head and len(head) < 65536:
                        data = sock.recv(4096)
                        if not data:
                            return
                        head += data
                    path = head.split(b" ", 2)[1].decode("latin-1").split("?")[0]
                    server.hits[path] = server.hits.get(path, 0) + 1
                    behaviour = server.routes.get(path, not_found)
                    behaviour(sock, server)
                except OSError:
                    pass  # the client gave up: that is the point of most behaviours

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.tcp = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.tcp.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.tcp.server_address[1]}{path}"

    def start(self) -> HostileServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.tcp.shutdown()
        self.tcp.server_close()


# -- building blocks --------------------------------------------------------------------------------


def head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def respond(
    body: bytes = b"", status: str = "200 OK", content_type: str = "application/rss+xml; charset=utf-8", **extra: str
) -> Behaviour:
    def behaviour(sock: socket.socket, server: HostileServer) -> None:
        headers = {"Content-Type": content_type, "Content-Length": str(len(body)), "Connection": "close"}
        headers.update({k.replace("_", "-"): v for k, v in extra.items()})
        sock.sendall(head(status, headers) + body)

    return behaviour


def not_found(sock: socket.socket, server: HostileServer) -> None:
    respond(b"", "404 Not Found")(sock, server)


def drip(prefix: bytes, every: float = 0.5) -> Behaviour:
    """Send `prefix` one byte every `every` seconds, then keep dripping spaces."""

    def behaviour(sock: socket.socket, server: HostileServer) -> None:
        data = iter(prefix)
        while not server.stopping.is_set():
            byte = next(data, 32)
            sock.sendall(bytes([byte]))
            time.sleep(every)

    return behaviour


def silent(sock: socket.socket, server: HostileServer) -> None:
    """Read the request, never answer."""
    server.stopping.wait(30)


def reset(after: bytes = b"") -> Behaviour:
    """Send `after`, then reset the connection (RST, not FIN)."""

    def behaviour(sock: socket.socket, server: HostileServer) -> None:
        if after:
            sock.sendall(after)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    return behaviour


def hang_up(sock: socket.socket, server: HostileServer) -> None:
    """Close without a word."""
    sock.close()


def redirect(to: str, status: str = "301 Moved Permanently") -> Behaviour:
    def behaviour(sock: socket.socket, server: HostileServer) -> None:
        sock.sendall(head(status, {"Location": to, "Content-Length": "0", "Connection": "close"}))

    return behaviour


def endless(chunk: bytes = b"<rss>" + b" " * 65531, declared: int | None = None) -> Behaviour:
    """A body that never ends (200 MB and more): close-delimited, or with a declared length."""

    def behaviour(sock: socket.socket, server: HostileServer) -> None:
        headers = {"Content-Type": "application/rss+xml", "Connection": "close"}
        if declared is not None:
            headers["Content-Length"] = str(declared)
        sock.sendall(head("200 OK", headers))
        sent = 0
        while sent < 200_000_000 and not server.stopping.is_set():
            sock.sendall(chunk)
            sent += len(chunk)

    return behaviour


def gzip_bomb(size: int = 200_000_000) -> bytes:
    """`size` zero bytes gzipped: about 200 kB on the wire."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * 1_000_000
    out = [compressor.compress(block) for _ in range(size // len(block))]
    out.append(compressor.flush())
    return b"".join(out)


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)
