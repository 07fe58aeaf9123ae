"""The command line: parse, load config, call the pipeline, report. The only place that prints errors.

Exit codes: 0 published or nothing new, 1 error, 2 bad config or usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from briefing import __version__, config as config_module
from briefing.errors import BriefingError, ConfigError
from briefing.pipeline import RunReport, run
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run_cmd = commands.add_parser(
        "run",
        help="collect once, then publish every briefing for this slot",
        description="Collect every source once, then publish each briefing's edition for the slot --now.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run_cmd.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    run_cmd.add_argument("--now", help="the slot time, ISO-8601 (default: the current time)")
    run_cmd.add_argument("--briefing", action="append", help="publish only this briefing (repeatable)")
    deliveries = commands.add_parser(
        "deliveries",
        help="list email deliveries that are pending, waiting for a retry, or failed",
        description="List email deliveries that are pending, waiting for a retry, or failed.",
        epilog="examples:\n  briefing deliveries\n  briefing deliveries --all --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    deliveries.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    deliveries.add_argument("--all", action="store_true", help="include deliveries already sent")
    deliveries.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    sources = commands.add_parser(
        "sources",
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
    header = ("NAME", "TYPE", "STATUS", "ARTICLES", "FAILURES", "LAST CHECKED", "LAST ERROR")
    table = [header] + [
        (r["name"], r["type"], r["status"], str(r["articles"]), str(r["failures"]), (r["last_checked"] or "never")[:16], r["last_error"] or "")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
    return 0


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
    header = ("EDITION", "RECIPIENT", "STATUS", "TRIES", "NEXT ATTEMPT", "LAST ERROR")
    table = [header] + [
        (r["edition_id"], r["recipient"], r["status"], str(r["attempts"]), (r["next_attempt"] or "")[:16], r["last_error"] or "")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
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
            report = run(config, now, briefings=args.briefing)
            if not args.quiet:
                _print_report(report, Path.cwd())
            return 0
        if args.command == "deliveries":
            return _deliveries(args)
        if args.command == "summarize":
            return _summarize(args)
        if args.command == "sources":
            return _sources(args)
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
    return 2


if __name__ == "__main__":
    sys.exit(main())
