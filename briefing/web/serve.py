"""Run the web app on uvicorn, with or without the scheduler's jobs in the same process."""

from __future__ import annotations

import logging

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler

from briefing import subscribers
from briefing.config import Config
from briefing.web.app import create_app

log = logging.getLogger("briefing")


def serve(config: Config, host: str, port: int, *, schedule: bool = False) -> None:
    """Serve until SIGINT or SIGTERM; ConfigError at once when BRIEFING_SECRET is missing."""
    # one line per request on standard error (the CLI's default level is WARNING; -q keeps it quiet)
    web_log = logging.getLogger("briefing.web")
    if web_log.getEffectiveLevel() > logging.INFO and logging.getLogger().level <= logging.WARNING:
        web_log.setLevel(logging.INFO)
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
    """The jobs of `briefing schedule` (daemon.py: one at a time, missed slots caught up) on a
    background thread of this process."""
    from briefing import scheduler
    from briefing.daemon import Daemon

    daemon = Daemon(config)
    daemon.start_up()
    return scheduler.build(config, collect=daemon.collect_job, publish=daemon.publish_job)
