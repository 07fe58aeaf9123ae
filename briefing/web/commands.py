"""The `serve` and `subscribers` commands: argument parsing and output; the work is in
briefing.web.serve, briefing.subscribers and briefing.store. BriefingError goes up to cli.main."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefing import config as config_module
from briefing import subscribers
from briefing.config import Config
from briefing.errors import ConfigError
from briefing.store import Store

SERVE_EXAMPLES = """examples:
  export BRIEFING_SECRET="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
  briefing serve                                the site, sign-up and unsubscribe on 127.0.0.1:8000
  briefing serve --schedule --host 0.0.0.0      the whole service: web app and scheduler in one process
"""
SUBSCRIBERS_EXAMPLES = """examples:
  briefing subscribers                          every subscription and its status
  briefing subscribers add ann@example.com --briefing the-brief
  briefing subscribers remove ann@example.com   unsubscribe (the address stays suppressed)
  briefing subscribers import listmonk.csv      columns email, name, status (listmonk, Mailchimp)
  briefing subscribers export -o subscribers.csv
"""


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register `serve` and `subscribers` on the CLI's subparsers; each sets args.func."""
    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="serve the archive with sign-up, confirm and unsubscribe pages",
        description="Serve output_dir (the static archive) and the sign-up (double opt-in), confirmation and "
        "one-click unsubscribe pages. Needs the environment variable BRIEFING_SECRET, which signs the links.",
        epilog=SERVE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--schedule", action="store_true", help="also run the jobs of briefing schedule")
    serve.set_defaults(func=_serve)
    subs = commands.add_parser(
        "subscribers",
        parents=[common],
        help="list, add, remove, import or export subscribers",
        description="Subscribers of each briefing with their status (pending, active, unsubscribed, bounced) and "
        "origin (form, import, config). An address that unsubscribed or bounced stays suppressed: add, import and "
        "config.yaml never make it active again; only the owner's own confirmed sign-up does.",
        epilog=SUBSCRIBERS_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subs.add_argument("action", nargs="?", choices=["list", "add", "remove", "import", "export"], default="list")
    subs.add_argument("items", nargs="*", help="addresses (add, remove) or the CSV file (import)")
    subs.add_argument("-c", "--config", default="config.yaml", type=Path, help="config file (default: ./config.yaml)")
    subs.add_argument("--briefing", action="append", help="only this briefing (repeatable; default: every briefing)")
    subs.add_argument("--status", choices=subscribers.STATUSES, help="list or export only this status")
    subs.add_argument("--forget", action="store_true", help="remove: delete the record instead of suppressing it")
    subs.add_argument("--json", action="store_true", help="list: print a JSON array instead of a table")
    subs.add_argument("-o", "--output", type=Path, help="export: write here (default: standard output)")
    subs.set_defaults(func=_subscribers)


def _serve(args: argparse.Namespace) -> int:
    from briefing.web.serve import serve

    config = config_module.load(args.config)
    serve(config, args.host, args.port, schedule=args.schedule)
    return 0


def _briefings(config: Config, wanted: list[str] | None) -> list[str]:
    names = [b.name for b in config.briefings]
    for name in wanted or ():
        if name not in names:
            raise ConfigError(f"--briefing: no briefing named {name!r} (known: {', '.join(names)})")
    return list(wanted) if wanted else names


def _subscribers(args: argparse.Namespace) -> int:
    config = config_module.load(args.config)
    names = _briefings(config, args.briefing)
    now = datetime.now(UTC)
    with Store(config.store) as store:
        for b in config.briefings:  # config.yaml's recipients, as the next edition would see them
            subscribers.recipients(config, store, b, now)
        return _ACTIONS[args.action](args, config, store, names, now)


def _list(args: argparse.Namespace, config: Config, store: Store, names: list[str], now: datetime) -> int:
    rows = [s for name in names for s in store.subscribers(name, args.status)]
    if args.json:
        data = [
            {"briefing": s.briefing, "email": s.address, "name": s.name, "status": s.status, "origin": s.origin,
             "created": s.created.isoformat(), "updated": s.updated.isoformat()}
            for s in rows
        ]
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No subscribers yet.")
        return 0
    table = [("BRIEFING", "EMAIL", "STATUS", "ORIGIN", "SINCE")]
    table += [(s.briefing, s.address, s.status, s.origin, s.updated.strftime("%Y-%m-%d %H:%M")) for s in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return 0


def _add(args: argparse.Namespace, config: Config, store: Store, names: list[str], now: datetime) -> int:
    if not args.items:
        raise ConfigError("subscribers add: name one or more addresses (briefing subscribers add ann@example.com)")
    addresses = [subscribers.normalise(a) for a in args.items]
    for name in names:
        added, updated, suppressed = store.add_subscribers(name, [(a, "", "active") for a in addresses], "import", now)
        print(f"{name}: {added} added, {updated} made active" + _suppressed(suppressed))
    return 0


def _suppressed(addresses: list[str]) -> str:
    if not addresses:
        return ""
    shown = ", ".join(addresses[:5]) + (" ..." if len(addresses) > 5 else "")
    return f"; {len(addresses)} kept suppressed (they unsubscribed or bounced): {shown}"


def _remove(args: argparse.Namespace, config: Config, store: Store, names: list[str], now: datetime) -> int:
    if not args.items:
        raise ConfigError("subscribers remove: name one or more addresses")
    for address in (subscribers.normalise(a) for a in args.items):
        for name in names:
            found = store.find_subscriber(name, address)
            if found is None:
                print(f"{name}: {address} is not a subscriber")
            elif args.forget:
                store.delete_subscriber(found.id)
                print(f"{name}: {address} forgotten")
            else:
                store.unsubscribe(found.id, now)
                print(f"{name}: {address} unsubscribed (suppressed from now on)")
    return 0


def _import(args: argparse.Namespace, config: Config, store: Store, names: list[str], now: datetime) -> int:
    if len(args.items) != 1:
        raise ConfigError("subscribers import: name one CSV file (briefing subscribers import FILE.csv)")
    started = time.perf_counter()
    rows, problems = subscribers.read_csv(Path(args.items[0]))
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    for name in names:
        added, updated, suppressed = store.add_subscribers(name, rows, "import", now)
        print(f"{name}: {added} added, {updated} updated" + _suppressed(suppressed))
    print(f"Imported {len(rows)} row(s) in {time.perf_counter() - started:.1f} s; {len(problems)} skipped.")
    return 0


def _export(args: argparse.Namespace, config: Config, store: Store, names: list[str], now: datetime) -> int:
    rows = [s for name in names for s in store.subscribers(name, args.status)]
    if args.output:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            count = subscribers.write_csv(rows, out)
        print(f"Wrote {count} subscriber(s) to {args.output}", file=sys.stderr)
    else:
        subscribers.write_csv(rows, sys.stdout)
    return 0


_ACTIONS = {"list": _list, "add": _add, "remove": _remove, "import": _import, "export": _export}
