"""The ASGI app of `briefing serve`: the static archive plus sign-up, confirm and unsubscribe pages.

Starlette (on uvicorn) because it is small, typed, maintained by the people who maintain uvicorn
and httpx, and gives exactly what is needed here without a framework's worth of extras: routing,
a traversal-safe static file server, background tasks after the answer is sent.

Routes, under the path of `site.base_url` (a reverse proxy may forward with or without it):

    GET  /subscribe                     the sign-up form
    POST /subscribe                     email + briefing (repeatable; none: all) -> "check your inbox"
    GET  /confirm?token=...             a page with one button; POST confirms (GET changes nothing)
    GET  /unsubscribe/<briefing>?token= a page with one button
    POST /unsubscribe/<briefing>?token= unsubscribes at once (RFC 8058 one-click, or the button)
    GET  /...                           files under output_dir (public/) only

Nothing here logs a query string, a token or a form body.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from briefing import subscribers
from briefing.config import Config
from briefing.errors import BriefingError
from briefing.models import Subscriber
from briefing.render import Links, Renderer
from briefing.store import Store
from briefing.web.mail import confirmation_message, deliver_confirmation

log = logging.getLogger("briefing.web")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # same-origin: a token in this page's address never reaches another site in a Referer
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
PAGE_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
    "Cache-Control": "no-store",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class RateLimit:
    """At most `limit` events per key within `window` seconds (a sliding window kept in memory)."""

    limit: int
    window: float
    max_keys: int = 100_000
    _events: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key: str, now: float) -> bool:
        with self._lock:
            if len(self._events) >= self.max_keys:  # many addresses: forget the ones quiet longest
                for stale in [k for k, q in self._events.items() if not q or q[-1] < now - self.window]:
                    del self._events[stale]
                if len(self._events) >= self.max_keys:
                    self._events.clear()
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True


class BodyLimit:
    """Answer 413 to a request whose declared body is larger than `limit` bytes (a body streamed
    without a length is cut by Service.form)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await PlainTextResponse("Request body too large.", status_code=413)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _too_large(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("Request body too large.", status_code=413)


class BasePath:
    """Serve under the path of site.base_url: a proxy may pass `/news/x` or strip it to `/x`."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app, self.prefix = app, prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.prefix:
            path: str = scope["path"]
            if path == self.prefix or path.startswith(self.prefix + "/"):
                scope = {**scope, "path": path[len(self.prefix) :] or "/", "raw_path": None}
        await self.app(scope, receive, send)


class AccessLog:
    """One log line per request: method, path (never the query: it may hold a token), status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                for name, value in SECURITY_HEADERS.items():
                    message["headers"].append((name.lower().encode(), value.encode()))
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            client = scope.get("client") or ("-", 0)
            log.info('%s "%s %s" %d', client[0], scope["method"], scope["path"], status)


class Service:
    """The pages of `briefing serve`, bound to one config, signing key and clock."""

    def __init__(self, config: Config, key: bytes, clock: Callable[[], datetime] = utcnow) -> None:
        self.config, self.key, self.clock = config, key, clock
        self.renderer = Renderer(config.templates)
        self.signups = RateLimit(config.web.signups_per_ip_per_hour, 3600.0)
        self.titles = {b.name: b.title for b in config.briefings}
        self.origin = _origin(config.site.base_url)

    # -- helpers --------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return subscribers.service_url(self.config) + path

    def signup_links(self) -> Links:
        site = self.config.site
        return Links(
            site.title, site.title, "", site.base_url, "",
            signup_url=self.url("subscribe"), signup_lists=tuple(self.titles.items()),
        )

    def page(
        self,
        title: str,
        message: list[str],
        *,
        status: int = 200,
        form: dict[str, Any] | None = None,
        signup: bool = False,
        background: BackgroundTask | None = None,
    ) -> HTMLResponse:
        body = self.renderer.web_page(
            "page",
            site_title=self.config.site.title,
            home_url=self.config.site.base_url,
            title=title,
            message=message,
            form=form,
            signup=self.signup_links() if signup else None,
        )
        return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS, background=background)

    def bad_link(self, exc: BriefingError) -> HTMLResponse:
        return self.page(
            "This link does not work",
            [
                f"{str(exc)[:1].upper()}{str(exc)[1:]}.",
                "Nothing was changed. Use the newest email you received, or sign up again.",
            ],
            status=400,
        )

    def with_store(self, work: Callable[[Store], Any]) -> Any:
        with Store(self.config.store) as store:
            return work(store)

    async def form(self, request: Request) -> dict[str, list[str]]:
        """The urlencoded body of a POST (multipart is not accepted: nothing here uploads files)."""
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.config.web.max_body_bytes:
                raise _TooLarge
        try:
            return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
        except (UnicodeDecodeError, ValueError):
            return {}

    def same_origin(self, request: Request) -> bool:
        """CSRF check of a browser form: Origin (or, failing that, Referer) must be this site.

        The static pages cannot carry a per-visitor token, so the form is checked by the headers
        browsers set and pages cannot forge (OWASP's "verifying origin with standard headers").
        """
        if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return False
        claimed = request.headers.get("origin") or _origin(request.headers.get("referer", ""))
        if not claimed or claimed == "null":
            return False
        own = {self.origin, f"{request.url.scheme}://{request.headers.get('host', '')}"}
        return claimed in own

    # -- sign-up --------------------------------------------------------------------------------

    async def subscribe_form(self, request: Request) -> Response:
        return self.page("Subscribe", [f"Get {self.config.site.title} by email."], signup=True)

    async def subscribe(self, request: Request) -> Response:
        if not self.same_origin(request):
            return self.page("Sign-up refused", ["Please use the form on this site."], status=403, signup=True)
        client = request.client.host if request.client else "-"
        if not self.signups.allow(client, time.monotonic()):
            return self.page(
                "Too many sign-ups", ["Too many sign-ups came from your network in the last hour. Try again later."],
                status=429,
            )
        fields = await self.form(request)
        try:
            address = subscribers.normalise((fields.get("email") or [""])[0])
        except subscribers.AddressError:
            return self.page("Check the address", ["That is not a valid email address."], status=400, signup=True)
        wanted = [b for b in fields.get("briefing", []) if b] or list(self.titles)
        if any(b not in self.titles for b in wanted):
            return self.page("Unknown briefing", ["Choose from the briefings in the form."], status=400, signup=True)
        now = self.clock()
        mail = await run_in_threadpool(self.with_store, lambda store: self._request(store, address, wanted, now))
        task = BackgroundTask(self._send, address, mail, now) if mail else None
        # the same answer whether the address is new, pending, active or capped: no enumeration
        return self.page(
            "Check your inbox",
            [
                f"If {address} can receive mail, a message with a confirmation link is on its way.",
                "Open it and press the button to start receiving "
                + ", ".join(self.titles[b] for b in wanted) + ". Nothing is sent until then.",
            ],
            background=task,
        )

    def _request(self, store: Store, address: str, wanted: list[str], now: datetime) -> list[Subscriber] | None:
        """Record the request; the subscriptions a confirmation mail is to be sent for (None: no mail)."""
        since = now - timedelta(days=1)
        if store.confirmation_mails_since(address, since) >= self.config.web.confirmations_per_address_per_day:
            log.warning("sign-up: confirmation mails for one address reached the daily cap; none sent")
            return None
        pending = [p for p in (store.request_subscription(b, address, now) for b in wanted) if p is not None]
        if not pending:
            return None
        store.record_confirmation_mail(address, now)
        return pending

    def _send(self, address: str, pending: list[Subscriber], now: datetime) -> None:
        token = subscribers.confirm_token(self.key, pending, now, self.config.web.confirm_hours)
        link = subscribers.confirm_url(self.config, token)
        msg = confirmation_message(self.config, address, [self.titles[p.briefing] for p in pending], link, now)
        try:
            deliver_confirmation(self.config, msg, now)
        except BriefingError as exc:
            log.error("sign-up: the confirmation mail could not be sent: %s", exc)

    # -- confirm --------------------------------------------------------------------------------

    async def confirm_page(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            confirmation = subscribers.read_confirm_token(self.key, token, self.clock())
        except subscribers.TokenError as exc:
            return self.bad_link(exc)
        found = await run_in_threadpool(
            self.with_store, lambda store: [s for s in (store.subscriber(i) for i in confirmation.ids) if s]
        )
        names = ", ".join(self.titles.get(s.briefing, s.briefing) for s in found) or "this briefing"
        return self.page(
            "Confirm your subscription",
            [f"Press the button to start receiving {names}."],
            form={"action": self.url("confirm"), "button": "Confirm subscription", "fields": [("token", token)]},
        )

    async def confirm(self, request: Request) -> Response:
        fields = await self.form(request)
        token = (fields.get("token") or [request.query_params.get("token", "")])[0]
        now = self.clock()
        try:
            confirmation = subscribers.read_confirm_token(self.key, token, now)
        except subscribers.TokenError as exc:
            return self.bad_link(exc)
        found: list[Subscriber] = await run_in_threadpool(
            self.with_store, lambda store: store.confirm_subscriptions(confirmation.ids, confirmation.requested, now)
        )
        active = [s for s in found if s.status == "active"]
        if not active:
            return self.bad_link(subscribers.TokenError("this link was replaced by a newer one or is no longer needed"))
        names = ", ".join(self.titles.get(s.briefing, s.briefing) for s in active)
        return self.page(
            "You're subscribed",
            [f"Thank you. {names} will arrive at {active[0].address} from the next edition on.",
             "Every email has a link to unsubscribe with one click."],
        )

    # -- unsubscribe ----------------------------------------------------------------------------

    def _unsubscribe_target(self, request: Request, token: str) -> int:
        briefing = request.path_params["briefing"]
        if briefing not in self.titles:
            raise subscribers.TokenError("this link is not valid here: no such briefing")
        return subscribers.read_unsubscribe_token(self.key, token, briefing, self.clock())

    async def unsubscribe_page(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            subscriber_id = self._unsubscribe_target(request, token)
        except subscribers.TokenError as exc:
            return self.bad_link(exc)
        found = await run_in_threadpool(self.with_store, lambda store: store.subscriber(subscriber_id))
        title = self.titles[request.path_params["briefing"]]
        if found is None or found.status == "unsubscribed":
            return self.page("You're unsubscribed", [f"This address receives no more {title}."])
        return self.page(
            f"Unsubscribe from {title}?",
            [f"Press the button and {found.address} receives no more {title}. It takes effect at once."],
            form={"action": str(request.url.path), "button": "Unsubscribe", "fields": [("token", token)]},
        )

    async def unsubscribe(self, request: Request) -> Response:
        fields = await self.form(request)
        token = request.query_params.get("token") or (fields.get("token") or [""])[0]
        try:
            subscriber_id = self._unsubscribe_target(request, token)
        except subscribers.TokenError as exc:
            return self.bad_link(exc)
        now = self.clock()
        await run_in_threadpool(self.with_store, lambda store: store.unsubscribe(subscriber_id, now))
        title = self.titles[request.path_params["briefing"]]
        return self.page("You're unsubscribed", [f"This address receives no more {title}, starting now."])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def create_app(config: Config, key: bytes, clock: Callable[[], datetime] = utcnow) -> ASGIApp:
    """The whole service as one ASGI app."""
    service = Service(config, key, clock)
    config.output_dir.mkdir(parents=True, exist_ok=True)
    app = Starlette(
        routes=[
            Route("/subscribe", service.subscribe_form, methods=["GET"]),
            Route("/subscribe", service.subscribe, methods=["POST"]),
            Route("/confirm", service.confirm_page, methods=["GET"]),
            Route("/confirm", service.confirm, methods=["POST"]),
            Route("/unsubscribe/{briefing}", service.unsubscribe_page, methods=["GET"]),
            Route("/unsubscribe/{briefing}", service.unsubscribe, methods=["POST"]),
            # only the published folder, never above it: StaticFiles refuses paths that resolve outside
            Mount("/", app=StaticFiles(directory=config.output_dir, html=True, follow_symlink=False)),
        ],
        exception_handlers={_TooLarge: _too_large},
    )
    prefix = urlsplit(config.site.base_url).path
    return AccessLog(BasePath(BodyLimit(app, config.web.max_body_bytes), prefix))
