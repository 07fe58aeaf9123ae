"""The command line: parse, load config, call the library, print. The only place that prints errors.

Exit codes: 0 published or nothing new, 1 error, 2 bad config or usage, 3 another process holds
the store, 4 published, but some sources, briefings or deliveries failed (each named on its line).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from briefing import __version__, output
from briefing import config as config_module
from briefing.config import Briefing, Config
from briefing.errors import BriefingError, ConfigError
from briefing.models import OPEN_DELIVERY_STATUSES

EXIT_DEGRADED = 4

EXAMPLES = """examples:
  briefing run                                  collect and publish with ./config.yaml
  briefing run -c newsroom.yaml --now 2014-06-23T06:00
"""


def parse_now(value: str | None, default_tz: str) -> datetime:
    """--now as an aware datetime; a value without an offset is read in the config's timezone."""
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--now: {value!r} is not an ISO-8601 date-time (example: 2014-06-23T06:00)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(default_tz))


def _load(args: argparse.Namespace) -> Config:
    return config_module.load(args.config)


def _briefing(config: Config, name: str | None) -> Briefing:
    names = [b.name for b in config.briefings]
    if name is not None and name not in names:
        raise ConfigError(f"--briefing: no briefing named {name!r} (known: {', '.join(names)})")
    return next(b for b in config.briefings if b.name == (name or names[0]))


# -- commands: each parses nothing, calls the library once or twice, prints ------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from briefing.pipeline import run

    config = _load(args)
    now = parse_now(args.now, config.timezone)
    for wanted in args.briefing or ():
        _briefing(config, wanted)
    with output.progress(args.quiet) as say:
        report = run(config, now, briefings=args.briefing, progress=say)
    if args.stats:
        args.stats.write_text(json.dumps(output.stats(report), indent=2), encoding="utf-8")
    if not args.quiet:
        output.print_report(report, Path.cwd())
    else:
        output.print_failures(report)
    return EXIT_DEGRADED if report.degraded else 0


def cmd_collect(args: argparse.Namespace) -> int:
    from briefing.pipeline import collect, locked_store
    from briefing.reports import RunReport

    config = _load(args)
    now = parse_now(args.now, config.timezone)
    known = {s.name for s in config.sources}
    for name in args.force or ():
        if name not in known:
            raise ConfigError(f"--force: no source named {name!r} (known: {', '.join(sorted(known))})")
    with locked_store(config) as store:
        reports = collect(config, store, now, force=args.force or ())
    report = RunReport(sources=reports, report_after=config.fetch.report_after_failures)
    if not args.quiet:
        output.print_report(report, Path.cwd())
    else:
        output.print_failures(report)
    return EXIT_DEGRADED if report.degraded else 0


def cmd_check_config(args: argparse.Namespace) -> int:
    try:
        config_module.load(args.config, environment=True)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"Error: {problem}", file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {args.config}.", file=sys.stderr)
        return 2
    print(f"{args.config}: OK")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from briefing.status import status
    from briefing.store import Store

    config = _load(args)
    with Store(config.store) as store:
        report = status(config, store, parse_now(args.now, config.timezone))
    if args.json:
        print(json.dumps(output.status_json(report), indent=2, ensure_ascii=False))
    else:
        output.print_status(report)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from briefing.pipeline import preview

    config = _load(args)
    briefing = _briefing(config, args.briefing)
    result = preview(config, briefing, parse_now(args.now, config.timezone), recipient=args.recipient)
    if result.edition is None or result.folder is None:
        print(f"{briefing.name}: {result.message}")
        return 0
    print(f"{briefing.name}: preview of “{result.edition.title}” ({len(result.edition.items)} items); "
          "nothing was recorded or sent")
    print("\n".join(f"  {f}" for f in result.files))
    if args.serve:
        output.serve_folder(result.folder, args.port)
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from briefing.daemon import run_daemon

    config = _load(args)
    print(f"briefing schedule: {len(config.briefings)} briefing(s), collecting every "
          f"{config.scheduler.collect_every_minutes:g} minutes; Ctrl-C or SIGTERM stops.", flush=True)
    run_daemon(config)
    print("briefing schedule: stopped.", flush=True)
    return 0


def cmd_editions(args: argparse.Namespace) -> int:
    from briefing.pipeline import abandon
    from briefing.store import Store

    config = _load(args)
    if args.action == "abandon":
        if not args.id:
            raise ConfigError("editions abandon: name the edition (briefing editions abandon ID)")
        info = abandon(config, args.id, datetime.now(UTC))
        print(f"Abandoned {info.id}: it stays in the store, marked abandoned; its articles go to the next edition.")
        return 0
    with Store(config.store) as store:
        infos = store.edition_infos(args.briefing)
    if args.json:
        print(json.dumps([output.jsonable(asdict(i)) for i in infos], indent=2, ensure_ascii=False))
    else:
        output.print_editions(infos)
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    from briefing.opml import export_subscriptions, import_subscriptions

    config = _load(args)
    if args.action == "import":
        if args.file is None:
            raise ConfigError("sources import: name the OPML file (briefing sources import FILE.opml)")
        added = import_subscriptions(config, args.file)
        print(f"Added {len(added)} feed(s) to {config.path}" + (": " + ", ".join(added) if added else "."))
        return 0
    if args.action == "export":
        text, count = export_subscriptions(config)
        if args.output:
            from briefing.publish.files import write_atomic

            write_atomic(args.output, text)
            print(f"Wrote {count} feed(s) to {args.output}")
        else:
            sys.stdout.write(text)
        return 0
    from briefing.store import Store

    with Store(config.store) as store:
        rows = output.source_rows(config, store)
    output.print_sources(rows, as_json=args.json)
    return 0


def cmd_deliveries(args: argparse.Namespace) -> int:
    from briefing.store import Store

    config = _load(args)
    with Store(config.store) as store:
        rows = store.deliveries(None if args.all else (*OPEN_DELIVERY_STATUSES, "failed"))
    output.print_deliveries(rows, as_json=args.json, everything=args.all)
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    from briefing.batch import summarize_records
    from briefing.config import SUMY_ALGORITHMS
    from briefing.jsonl import read_articles, write_lines

    if args.algorithm not in SUMY_ALGORITHMS:
        raise ConfigError(f"--algorithm: unknown algorithm {args.algorithm!r} (choose one of {', '.join(SUMY_ALGORITHMS)})")
    if args.sentences < 1:
        raise ConfigError(f"--sentences: expected a whole number of at least 1, found {args.sentences}")
    records = read_articles(args.input, need_text=True)
    write_lines(summarize_records(records, args.algorithm, args.sentences, args.input), args.output)
    return 0


def cmd_group(args: argparse.Namespace) -> int:
    from briefing.batch import group_records
    from briefing.jsonl import read_articles, write_lines

    write_lines(group_records(read_articles(args.input, need_text=False)), args.output)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from briefing.evaluate import evaluate, format_table, to_json

    results = evaluate(args.data, limit=args.limit, baselines=not args.no_baselines)
    print(to_json(results) if args.json else format_table(results))
    return 0


# -- the parser ------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from briefing.cli_parser import build_parser

    return build_parser(
        version=__version__,
        examples=EXAMPLES,
        commands_map={
            "run": cmd_run, "deliveries": cmd_deliveries, "collect": cmd_collect, "schedule": cmd_schedule,
            "status": cmd_status, "preview": cmd_preview, "check-config": cmd_check_config,
            "sources": cmd_sources, "summarize": cmd_summarize, "group": cmd_group, "eval": cmd_eval,
            "editions": cmd_editions,
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return func(args)
    except BriefingError as exc:
        if args.verbose:
            raise
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except sqlite3.Error as exc:  # a store fault outside Store's own checks (corrupt page, disk full)
        if args.verbose:
            raise
        from briefing.store import store_error

        error = store_error(Path("the store"), exc)
        print(f"Error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (briefing status | head): stop quietly, as the Python docs advise
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
