"""The argument parser of `briefing`: every command, flag and help text (cli.py holds the handlers)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def build_parser(
    *, version: str, examples: str, commands_map: dict[str, Callable[[argparse.Namespace], int]]
) -> argparse.ArgumentParser:
    """The argument parser; each command's handler is set with set_defaults(func=...)."""
    parser = argparse.ArgumentParser(
        prog="briefing",
        description="Collect new articles, summarize them and publish a daily briefing.",
        epilog=examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"briefing {version}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging and tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    # -v/-q work before or after the command ("briefing -q run" and "briefing run -q")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging and tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print errors only")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    handlers = commands_map
    run_cmd = commands.add_parser(
        "run",
        parents=[common],
        help="collect once, then publish every briefing for this slot",
        description="Collect every source once, then publish each briefing's edition for the slot --now.",
        epilog=examples,
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
    collect_cmd.add_argument(
        "--force", action="append", metavar="SOURCE", help="fetch this source now, ignoring its back-off (repeatable)"
    )
    preview.add_argument("--recipient", help="resolve the email footer (unsubscribe link) for this address")
    editions = commands.add_parser(
        "editions",
        parents=[common],
        help="list editions and their state; abandon an unfinished one",
        description="Without an action: every edition, newest first, with its state (composed = recorded but not yet "
        "fully published, done, abandoned) and open deliveries. `abandon ID` gives up an unfinished edition: it "
        "stays in the store marked abandoned, its page and feed entry are removed, its articles go to the next edition.",
        epilog="examples:\n  briefing editions\n  briefing editions --briefing the-brief --json\n"
        "  briefing editions abandon the-brief-2014-06-23-0600",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    editions.add_argument("action", nargs="?", choices=["list", "abandon"], default="list")
    editions.add_argument("id", nargs="?", help="the edition to abandon")
    editions.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    editions.add_argument("--briefing", help="only this briefing's editions")
    editions.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    for name, sub in commands.choices.items():
        sub.set_defaults(func=handlers[name])
    from briefing.web.commands import add_commands

    add_commands(commands, common)  # serve and subscribers (they set their own func)
    return parser
