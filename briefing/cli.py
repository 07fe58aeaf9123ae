"""The command line: parse, load config, call the pipeline, report. The only place that prints errors.

Exit codes: 0 published or nothing new, 1 error, 2 bad config or usage, 3 another run holds the lock.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Callable, Iterator
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from briefing import __version__, config as config_module
from briefing.errors import BriefingError, ConfigError
from briefing.pipeline import RunReport, locked_store, run
from briefing.store import Store

EXAMPLES = """examples:
  briefing run                                  collect and publish with ./config.yaml
  briefing run -c newsroom.yaml --now 2014-06-23T06:00
"""


def parse_now(value: str | None, default_tz: str) -> datetime:
    """--now as an aware datetime; a value without an offset is read in the config's timezone."""
    if value is None:
        return datetime.now(timezone.utc)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--now: {value!r} is not an ISO-8601 date-time (example: 2014-06-23T06:00)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(default_tz))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefing",
        description="Collect new articles, summarize them and publish a daily briefing.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"briefing {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging and tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    # -v/-q work before or after the command ("briefing -q run" and "briefing run -q")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging and tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print errors only")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run_cmd = commands.add_parser(
        "run",
        parents=[common],
        help="collect once, then publish every briefing for this slot",
        description="Collect every source once, then publish each briefing's edition for the slot --now.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run_cmd.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    run_cmd.add_argument("--now", help="the slot time, ISO-8601 (default: the current time)")
    run_cmd.add_argument("--briefing", action="append", help="publish only this briefing (repeatable)")
    run_cmd.add_argument("--stats", type=Path, help="write the seconds spent in each stage to this JSON file")
    deliveries = commands.add_parser(
        "deliveries",
        parents=[common],
        help="list email deliveries that are pending, waiting for a retry, or failed",
        description="List email deliveries that are pending, waiting for a retry, or failed.",
        epilog="examples:\n  briefing deliveries\n  briefing deliveries --all --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    deliveries.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    deliveries.add_argument("--all", action="store_true", help="include deliveries already sent")
    deliveries.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    collect_cmd = commands.add_parser(
        "collect",
        parents=[common],
        help="collect every source once, without publishing",
        description="Fetch every source that is due and store its new articles (the collect job, for system cron).",
        epilog="example:\n  */30 * * * *  briefing collect -q -c /srv/briefing/config.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    collect_cmd.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    collect_cmd.add_argument("--now", help="the time, ISO-8601 (default: the current time)")
    collect_cmd.add_argument(
        "--force", action="append", default=[], metavar="SOURCE",
        help="fetch this source now, even if it is backing off or disabled (repeatable)",
    )
    schedule = commands.add_parser(
        "schedule",
        parents=[common],
        help="run the collect and publish jobs on their schedules until stopped",
        description="Run a collect job every scheduler.collect_every_minutes and each briefing's publish job on its "
        "cron schedule in its time zone, until SIGINT or SIGTERM. A slot missed while the daemon was down is "
        "published once on start (within scheduler.misfire_grace_minutes).",
        epilog="example:\n  briefing schedule -c /etc/briefing/config.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schedule.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    status = commands.add_parser(
        "status",
        parents=[common],
        help="each briefing's next slot, last edition, pending deliveries and failing sources",
        epilog="example:\n  briefing status --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    status.add_argument("--now", help="the time to report for, ISO-8601 (default: now)")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    preview = commands.add_parser(
        "preview",
        parents=[common],
        help="compose the next edition without recording or sending anything",
        description="Collect into a copy of the store and compose the next edition of a briefing; write its email HTML, "
        "text and archive page to a temporary folder. Nothing is recorded, published or sent.",
        epilog="examples:\n  briefing preview --briefing the-brief\n  briefing preview --now 2014-06-23T06:00 --serve",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    preview.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    preview.add_argument("--briefing", help="which briefing (default: the first)")
    preview.add_argument("--now", help="the slot time, ISO-8601 (default: the current time)")
    preview.add_argument("--serve", action="store_true", help="serve the preview on localhost until Ctrl-C")
    preview.add_argument("--port", type=int, default=0, help="port for --serve (default: a free one)")
    check = commands.add_parser(
        "check-config",
        parents=[common],
        help="validate config.yaml and report every problem",
        epilog="example:\n  briefing check-config -c config.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    sources = commands.add_parser(
        "sources",
        parents=[common],
        help="list sources and their health; import or export OPML",
        description="Without an action: every source's status (ok, error, disabled), articles stored and last error. "
        "`import FILE.opml` adds an OPML file's feeds to config.yaml; `export` writes the feed sources as OPML.",
        epilog="examples:\n  briefing sources\n  briefing sources --json\n  briefing sources import subscriptions.opml\n"
        "  briefing sources export -o subscriptions.opml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sources.add_argument("action", nargs="?", choices=["list", "import", "export"], default="list")
    sources.add_argument("file", nargs="?", type=Path, help="the OPML file to import")
    sources.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    sources.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    sources.add_argument("-o", "--output", type=Path, help="where export writes (default: standard output)")
    summarize = commands.add_parser(
        "summarize",
        parents=[common],
        help="summarize each article of a JSON Lines file",
        description="Summarize each line of INPUT.jsonl ({\"id\", \"title\", \"text\", optional \"sentences\"}); "
        "write {\"id\", \"summary\": [sentences]} lines, sentences verbatim and in document order.",
        epilog="example:\n  briefing summarize articles.jsonl -o summaries.jsonl --algorithm textrank --sentences 3",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    summarize.add_argument("input", type=Path, help="JSON Lines input (- for standard input)")
    summarize.add_argument("-o", "--output", type=Path, help="JSON Lines output (default: standard output)")
    summarize.add_argument("--algorithm", default="ensemble", help="ensemble (default) or a sumy algorithm name")
    summarize.add_argument("--sentences", type=int, default=3, help="sentences per summary (default 3)")
    group = commands.add_parser(
        "group",
        parents=[common],
        help="group the articles of a JSON Lines file into stories and topics",
        description="Group each line of INPUT.jsonl ({\"id\", \"title\", \"text\", optional \"source\", \"published\"}); "
        "write {\"id\", \"story\", \"topic\", \"duplicate_of\"} lines in input order.",
        epilog="example:\n  briefing group headlines.jsonl -o stories.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group.add_argument("input", type=Path, help="JSON Lines input (- for standard input)")
    group.add_argument("-o", "--output", type=Path, help="JSON Lines output (default: standard output)")
    evaluate = commands.add_parser(
        "eval",
        parents=[common],
        help="measure summaries, stories and duplicates on labelled data",
        description="Measure ROUGE against reference summaries (next to lead-k and every stock sumy algorithm), "
        "B-cubed/ARI/NMI against gold stories and precision/recall against duplicate pairs.",
        epilog="example:\n  briefing eval ../shared/data\n  briefing eval tests/data --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("data", type=Path, help="the evaluation data folder (holds bbc_news_summary/, uci_news_aggregator_stories/)")
    evaluate.add_argument("--json", action="store_true", help="print the results as JSON")
    evaluate.add_argument("--limit", type=int, help="use only the first N items of each set (a quick look)")
    evaluate.add_argument("--no-baselines", action="store_true", help="measure only briefing's own defaults")
    return parser


def _collect(args: argparse.Namespace) -> int:
    from briefing.pipeline import collect

    config = config_module.load(args.config)
    now = parse_now(args.now, config.timezone)
    known = {s.name for s in config.sources}
    for name in args.force:
        if name not in known:
            raise ConfigError(f"--force: no source named {name!r} (known: {', '.join(sorted(known))})")
    with locked_store(config) as store:
        reports = collect(config, store, now, force=args.force)
    if not args.quiet:
        _print_report(RunReport(sources=reports, report_after=config.fetch.report_after_failures), Path.cwd())
    return 0


def _check_config(args: argparse.Namespace) -> int:
    problems = config_module.check(args.config)
    for problem in problems:
        print(f"Error: {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {args.config}.", file=sys.stderr)
        return 2
    print(f"{args.config}: OK")
    return 0


def _status(args: argparse.Namespace) -> int:
    from briefing.scheduler import next_slot

    config = config_module.load(args.config)
    now = parse_now(args.now, config.timezone)
    store = Store(config.store)
    try:
        pending = store.deliveries(("pending", "retry"))
        failing = [row for row in store.sources() if row["last_status"] == "error" or row["disabled"]]
        briefings = []
        for b in config.briefings:
            last = store.last_edition(b.name)
            upcoming = next_slot(b, now)
            briefings.append(
                {
                    "name": b.name,
                    "schedule": b.schedule,
                    "timezone": b.timezone,
                    "next_slot": upcoming.isoformat() if upcoming else None,
                    "last_edition": last[0] if last else None,
                    "last_slot": last[1].isoformat() if last else None,
                    "pending_deliveries": sum(1 for d in pending if d["briefing"] == b.name),
                }
            )
    finally:
        store.close()
    sources = [
        {"name": r["name"], "status": "disabled" if r["disabled"] else "error", "failures": r["failures"], "last_error": r["last_error"]}
        for r in failing
    ]
    if args.json:
        print(json.dumps({"briefings": briefings, "failing_sources": sources}, indent=2, ensure_ascii=False))
        return 0
    for b in briefings:
        print(f"{b['name']} ({b['schedule']}, {b['timezone']})")
        print(f"  next slot:          {b['next_slot'] or 'none'}")
        print(f"  last edition:       {b['last_edition'] or 'none yet'}")
        print(f"  pending deliveries: {b['pending_deliveries']}")
    if sources:
        print("Failing sources:")
        for src in sources:
            print(f"  {src['name']}: {src['status']} ({src['failures']} run(s) in a row): {src['last_error']}")
    else:
        print("Failing sources: none")
    return 0


def _preview(args: argparse.Namespace) -> int:
    import shutil
    import sqlite3
    import tempfile

    from briefing.pipeline import collect, compose_edition, links_for
    from briefing.render import Renderer

    config = config_module.load(args.config)
    now = parse_now(args.now, config.timezone)
    names = [b.name for b in config.briefings]
    if args.briefing and args.briefing not in names:
        raise ConfigError(f"--briefing: no briefing named {args.briefing!r} (known: {', '.join(names)})")
    briefing = next(b for b in config.briefings if b.name == (args.briefing or names[0]))
    folder = Path(tempfile.mkdtemp(prefix=f"briefing-preview-{briefing.name}-"))
    copy_path = folder / "store-copy.sqlite3"
    if config.store.exists():
        source = sqlite3.connect(f"file:{config.store}?mode=ro", uri=True)
        target = sqlite3.connect(copy_path)
        source.backup(target)
        source.close()
        target.close()
    store = Store(copy_path)
    try:
        collect(config, store, now)
        edition, message = compose_edition(config, store, briefing, now)
    finally:
        store.close()
        copy_path.unlink(missing_ok=True)
        for extra in folder.glob("store-copy.sqlite3*"):
            extra.unlink()
    if edition is None:
        print(f"{briefing.name}: {message}")
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    renderer = Renderer(config.templates)
    links = links_for(config, briefing, edition)
    (folder / "email.html").write_text(renderer.email_html(edition, links), encoding="utf-8")
    (folder / "email.txt").write_text(renderer.email_text(edition, links), encoding="utf-8")
    (folder / "index.html").write_text(renderer.archive_page(edition, links), encoding="utf-8")
    print(f"{briefing.name}: preview of “{edition.title}” ({len(edition.items)} items); nothing was recorded or sent")
    print(f"  {folder / 'email.html'}\n  {folder / 'email.txt'}\n  {folder / 'index.html'}")
    if args.serve:
        import functools
        from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

        handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
        with ThreadingHTTPServer(("127.0.0.1", args.port), handler) as httpd:
            print(f"Serving on http://127.0.0.1:{httpd.server_address[1]}/email.html (Ctrl-C to stop)", flush=True)
            try:
                httpd.serve_forever()
            except KeyboardInterrupt:
                pass
    return 0


def _schedule(args: argparse.Namespace) -> int:
    from briefing import scheduler
    from briefing.lock import LockedError
    from briefing.pipeline import collect, publish
    from briefing.render import Renderer

    config = config_module.load(args.config)
    renderer = Renderer(config.templates)
    log = logging.getLogger("briefing")

    def collect_job() -> None:
        now = datetime.now(timezone.utc)
        try:
            with locked_store(config) as store:
                new = sum(r.new for r in collect(config, store, now))
            log.warning("collect: %d new article(s)", new)
        except LockedError as exc:
            log.warning("collect skipped: %s", exc)
        except BriefingError as exc:
            log.error("collect failed: %s", exc)

    def publish_job(name: str, slot: datetime | None = None) -> None:
        now = datetime.now(timezone.utc)
        briefing = next(b for b in config.briefings if b.name == name)
        slot = slot or scheduler.last_slot(briefing, now) or now
        try:
            with locked_store(config) as store:
                collect(config, store, now)
                report = publish(config, store, briefing, now, renderer, slot=slot)
            log.warning("%s: %s", name, f"published {report.edition.id}" if report.edition else report.message)
        except LockedError as exc:
            log.warning("publish %s skipped: %s", name, exc)
        except BriefingError as exc:
            log.error("publish %s failed: %s", name, exc)

    store = Store(config.store)
    try:
        last = {b.name: (store.last_edition(b.name) or (None, None))[1] for b in config.briefings}
    finally:
        store.close()
    for name, slot in scheduler.missed(config, last, datetime.now(timezone.utc)):
        log.warning("%s: catching up the missed slot %s", name, slot.isoformat())
        publish_job(name, slot)
    jobs = scheduler.build(config, collect=collect_job, publish=publish_job)
    for job in jobs.get_jobs():
        log.warning("scheduled %s", job.name)
    print(f"briefing schedule: {len(config.briefings)} briefing(s), collecting every "
          f"{config.scheduler.collect_every_minutes:g} minutes; Ctrl-C or SIGTERM stops.", flush=True)
    scheduler.run_until_stopped(jobs)
    print("briefing schedule: stopped.", flush=True)
    return 0


def _summarize(args: argparse.Namespace) -> int:
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


def _group(args: argparse.Namespace) -> int:
    from briefing.batch import group_records
    from briefing.jsonl import read_articles, write_lines

    write_lines(group_records(read_articles(args.input, need_text=False)), args.output)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from briefing.evaluate import evaluate, format_table, to_json

    results = evaluate(args.data, limit=args.limit, baselines=not args.no_baselines)
    print(to_json(results) if args.json else format_table(results))
    return 0


def _sources(args: argparse.Namespace) -> int:
    from briefing.opml import Subscription, read_opml, slug, write_opml

    config = config_module.load(args.config)
    if args.action == "import":
        if args.file is None:
            raise ConfigError("sources import: name the OPML file (briefing sources import FILE.opml)")
        known = {s.name for s in config.sources}
        urls = {getattr(s, "url", None) for s in config.sources}
        entries = []
        for sub in read_opml(args.file):
            if sub.url in urls:
                continue
            name, n = slug(sub.title), 2
            while name in known:
                name, n = f"{slug(sub.title)}-{n}", n + 1
            known.add(name)
            urls.add(sub.url)
            entries.append({"name": name, "type": "feed", "url": sub.url, "label": sub.title})
        if entries:
            config_module.append_sources(config.path, entries)
        print(f"Added {len(entries)} feed(s) to {config.path}" + (": " + ", ".join(e["name"] for e in entries) if entries else "."))
        return 0
    if args.action == "export":
        feeds = [Subscription(s.label or s.name, s.url) for s in config.sources if s.type == "feed"]
        text = write_opml(config.site.title, feeds)
        if args.output:
            from briefing.publish.files import write_atomic

            write_atomic(args.output, text)
            print(f"Wrote {len(feeds)} feed(s) to {args.output}")
        else:
            sys.stdout.write(text)
        return 0
    store = Store(config.store)
    try:
        states = {row["name"]: row for row in store.sources()}
        rows = []
        for source in config.sources:
            state = states.get(source.name, {})
            status = "disabled" if state.get("disabled") else "error" if state.get("last_status") == "error" else "ok"
            rows.append(
                {
                    "name": source.name,
                    "type": source.type,
                    "status": status,
                    "articles": store.count_articles(source.name),
                    "last_error": state.get("last_error"),
                    "failures": state.get("failures", 0),
                    "last_checked": state.get("last_checked"),
                    "next_fetch": state.get("next_fetch"),
                }
            )
    finally:
        store.close()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    _print_table(
        ("NAME", "TYPE", "STATUS", "ARTICLES", "FAILURES", "LAST CHECKED", "LAST ERROR"),
        [
            (r["name"], r["type"], r["status"], str(r["articles"]), str(r["failures"]),
             (r["last_checked"] or "never")[:16], r["last_error"] or "")
            for r in rows
        ],
    )
    return 0


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell; the last column (an error message) is left unpadded."""
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])


DELIVERY_FIELDS = ("edition_id", "briefing", "recipient", "status", "attempts", "next_attempt", "message_id", "last_error")


def _deliveries(args: argparse.Namespace) -> int:
    config = config_module.load(args.config)
    store = Store(config.store)
    try:
        rows = store.deliveries(None if args.all else ("pending", "retry", "failed"))
    finally:
        store.close()
    rows = [{k: row[k] for k in DELIVERY_FIELDS} for row in rows]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No deliveries pending or failed." if not args.all else "No deliveries yet.")
        return 0
    _print_table(
        ("EDITION", "RECIPIENT", "STATUS", "TRIES", "NEXT ATTEMPT", "LAST ERROR"),
        [
            (r["edition_id"], r["recipient"], r["status"], str(r["attempts"]), (r["next_attempt"] or "")[:16],
             r["last_error"] or "")
            for r in rows
        ],
    )
    return 0


def _print_report(report: RunReport, cwd: Path) -> None:
    def rel(path: str) -> str:
        p = Path(path)
        try:
            return str(p.relative_to(cwd))
        except ValueError:
            return str(p)

    failing = [s for s in report.sources if s.error]
    print(f"Collected {report.new_articles} new articles from {len(report.sources)} source(s).")
    for s in report.sources:
        if s.error:
            print(f"  {s.name}: error ({s.failures} run(s) in a row): {s.error}")
        elif s.skipped:
            print(f"  {s.name}: skipped, {s.skipped}")
        elif s.not_modified:
            print(f"  {s.name}: not modified since the last fetch")
        else:
            print(f"  {s.name}: {s.documents} documents, {s.articles} articles, {s.new} new")
        for warning in s.warnings:
            print(f"  {s.name}: warning: {warning}")
    for p in report.published:
        if p.edition is None:
            print(f"{p.briefing}: {p.message}")
            continue
        e = p.edition
        print(f"{p.briefing}: published “{e.title}” ({len(e.items)} items, {len(e.article_ids)} articles)")
        feeds = [rel(f) for f in p.files if f.endswith((".xml", ".json"))]
        pages = [rel(f) for f in p.files if f.endswith(".html")]
        mails = [rel(f) for f in p.files if f.endswith(".eml")]
        if pages:
            print(f"  archive: {', '.join(pages)}")
        if feeds:
            print(f"  feeds:   {', '.join(feeds)}")
        if mails:
            print(f"  outbox:  {len(mails)} message(s) in {rel(str(Path(mails[0]).parent))}/")
        elif p.delivered:
            print(f"  email:   sent to {p.delivered} recipient(s)")
        for failure in p.failed:
            print(f"  email:   not delivered: {failure}")
    if failing:
        print(f"{len(failing)} source(s) failed; the edition went out without them.")
    if report.failing_long:
        print(f"Failing for {report.report_after}+ runs in a row: {', '.join(report.failing_long)} (see `briefing sources`).")


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A spinner with the current stage on a terminal (rich); plain log lines otherwise; nothing with --quiet."""
    if quiet:
        yield lambda message: None
    elif sys.stderr.isatty():
        from rich.console import Console

        with Console(stderr=True).status("starting") as status:
            yield lambda message: status.update(message)
    else:
        yield lambda message: print(f"briefing: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "run":
            config = config_module.load(args.config)
            now = parse_now(args.now, config.timezone)
            names = [b.name for b in config.briefings]
            for wanted in args.briefing or ():
                if wanted not in names:
                    raise ConfigError(f"--briefing: no briefing named {wanted!r} (known: {', '.join(names)})")
            with _progress(args.quiet) as say:
                report = run(config, now, briefings=args.briefing, progress=say)
            if args.stats:
                from briefing.pipeline import STAGE_TIMES

                args.stats.write_text(json.dumps({
                    "stages": {k: round(v, 4) for k, v in STAGE_TIMES.items()},
                    "new_articles": report.new_articles,
                    "published": [p.edition.id for p in report.published if p.edition],
                }, indent=2), encoding="utf-8")
            if not args.quiet:
                _print_report(report, Path.cwd())
            return 0
        if args.command == "deliveries":
            return _deliveries(args)
        if args.command == "summarize":
            return _summarize(args)
        if args.command == "sources":
            return _sources(args)
        if args.command == "collect":
            return _collect(args)
        if args.command == "check-config":
            return _check_config(args)
        if args.command == "status":
            return _status(args)
        if args.command == "preview":
            return _preview(args)
        if args.command == "schedule":
            return _schedule(args)
        if args.command == "group":
            return _group(args)
        if args.command == "eval":
            return _eval(args)
    except BriefingError as exc:
        if args.verbose:
            raise
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (briefing status | head): stop quietly, as the Python docs advise
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
