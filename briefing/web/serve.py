"""Run the web app on uvicorn, with or without the scheduler's jobs in the same process."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler

from briefing import subscribers
from briefing.config import Config
from briefing.errors import BriefingError
from briefing.web.app import create_app

log = logging.getLogger("briefing")


def serve(config: Config, host: str, port: int, *, schedule: bool = False) -> None:
    """Serve until SIGINT or SIGTERM; ConfigError at once when BRIEFING_SECRET is missing."""
    key = subscribers.secret(required=True)
    assert key is not None
    app = create_app(config, key)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            proxy_headers=True,
            forwarded_allow_ips=config.web.trusted_proxies,
            access_log=False,  # uvicorn's line holds the query string, and so the tokens: AccessLog logs paths
            server_header=False,
            log_level="warning",
            timeout_keep_alive=5,
            limit_concurrency=200,
        )
    )
    jobs = _scheduler(config) if schedule else None
    print(f"briefing serve: {config.site.title} on http://{host}:{port}/ (site.base_url {config.site.base_url})"
          + (", with the scheduler" if jobs else "") + "; Ctrl-C stops.", flush=True)
    if jobs is not None:
        jobs.start()
    try:
        server.run()
    finally:
        if jobs is not None:
            jobs.shutdown(wait=True)
    print("briefing serve: stopped.", flush=True)


def _scheduler(config: Config) -> BackgroundScheduler:
    """The collect and publish jobs of `briefing schedule`, on a background thread of this process."""
    from briefing import scheduler
    from briefing.lock import LockedError
    from briefing.pipeline import collect, locked_store, publish
    from briefing.render import Renderer

    renderer = Renderer(config.templates)

    def collect_job() -> None:
        try:
            with locked_store(config) as store:
                new = sum(r.new for r in collect(config, store, datetime.now(UTC)))
            log.warning("collect: %d new article(s)", new)
        except LockedError as exc:
            log.warning("collect skipped: %s", exc)
        except BriefingError as exc:
            log.error("collect failed: %s", exc)

    def publish_job(name: str) -> None:
        now = datetime.now(UTC)
        briefing = next(b for b in config.briefings if b.name == name)
        try:
            with locked_store(config) as store:
                collect(config, store, now)
                report = publish(config, store, briefing, now, renderer, slot=scheduler.last_slot(briefing, now) or now)
            log.warning("%s: %s", name, f"published {report.edition.id}" if report.edition else report.message)
        except LockedError as exc:
            log.warning("publish %s skipped: %s", name, exc)
        except BriefingError as exc:
            log.error("publish %s failed: %s", name, exc)

    return scheduler.build(config, collect=collect_job, publish=publish_job)
