"""What the CLI prints: run reports, tables and JSON from the records the library returns."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from briefing.config import Config
from briefing.models import Delivery, EditionInfo
from briefing.reports import RunReport
from briefing.status import Status
from briefing.store import Store


def jsonable(value: Any) -> Any:
    """Records as JSON values: times as ISO 8601, tuples as lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell; the last column (an error message) is left unpadded."""
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])


def _minute(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


def stats(report: RunReport) -> dict[str, Any]:
    """`briefing run --stats`: seconds per stage, new articles, editions published."""
    return {
        "stages": {k: round(v, 4) for k, v in report.stage_times.items()},
        "new_articles": report.new_articles,
        "published": [p.edition.id for p in report.published if p.edition],
    }


def print_report(report: RunReport, cwd: Path) -> None:
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
            updated = f", {s.updated} updated" if s.updated else ""
            print(f"  {s.name}: {s.documents} documents, {s.articles} articles, {s.new} new{updated}")
        for warning in dict.fromkeys(s.warnings):  # each warning once
            print(f"  {s.name}: warning: {warning}")
    for p in report.published:
        for finished in p.finished:
            print(f"{p.briefing}: finished {finished}, left unfinished by an earlier run")
        if p.error:
            print(f"{p.briefing}: failed: {p.error}")
            continue
        if p.edition is None:
            print(f"{p.briefing}: {p.message}")
        else:
            e = p.edition
            late = f" (late, for the slot {p.late})" if p.late else ""
            print(f"{p.briefing}: published “{e.title}” ({len(e.items)} items, {len(e.article_ids)} articles){late}")
            if p.message:
                print(f"  {p.message}")
            feeds = [rel(f) for f in p.files if f.endswith((".xml", ".json"))]
            pages = [rel(f) for f in p.files if f.endswith(".html")]
            mails = [rel(f) for f in p.files if f.endswith(".eml")]
            if pages:
                print(f"  archive: {', '.join(dict.fromkeys(pages))}")
            if feeds:
                print(f"  feeds:   {', '.join(dict.fromkeys(feeds))}")
            if mails:
                print(f"  outbox:  {len(mails)} message(s) in {rel(str(Path(mails[-1]).parent))}/")
            elif p.delivered:
                print(f"  email:   sent to {p.delivered} recipient(s)")
        for recipient in p.resent:
            print(f"  email:   {recipient}: an interrupted send was made again (same Message-ID)")
        for failure in p.failed:
            print(f"  email:   not delivered: {failure}")
    if failing:
        print(f"{len(failing)} source(s) failed; the edition went out without them.")
    if report.failing_long:
        print(f"Failing for {report.report_after}+ runs in a row: {', '.join(report.failing_long)} "
              "(see `briefing sources`).")


def print_failures(report: RunReport) -> None:
    """With --quiet: only what failed, one line each, on standard error."""
    for s in report.sources:
        if s.error:
            print(f"Error: source {s.name}: {s.error}", file=sys.stderr)
    for p in report.published:
        if p.error:
            print(f"Error: {p.briefing}: {p.error}", file=sys.stderr)
        for failure in p.failed:
            print(f"Error: {p.briefing}: not delivered: {failure}", file=sys.stderr)


def status_json(report: Status) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(asdict(report))
    return data


def print_status(report: Status) -> None:
    for b in report.briefings:
        print(f"{b.name} ({b.schedule}, {b.timezone})")
        print(f"  next slot:          {b.next_slot.isoformat() if b.next_slot else 'none'}")
        print(f"  last edition:       {b.last_edition or 'none yet'}")
        print(f"  pending deliveries: {b.pending_deliveries}")
        if b.unfinished_editions:
            print(f"  unfinished:         {', '.join(b.unfinished_editions)} (see `briefing editions`)")
    if report.failing_sources:
        print("Failing sources:")
        for src in report.failing_sources:
            print(f"  {src.name}: {src.status} ({src.failures} run(s) in a row): {src.last_error}")
    else:
        print("Failing sources: none")


def print_editions(infos: Sequence[EditionInfo]) -> None:
    if not infos:
        print("No editions yet.")
        return
    print_table(
        ("EDITION", "STATUS", "SLOT (UTC)", "OPEN DELIVERIES", "TITLE"),
        [(i.id, i.status, _minute(i.slot), str(i.deliveries_open), i.title) for i in infos],
    )


def source_rows(config: Config, store: Store) -> list[dict[str, Any]]:
    states = {s.name: s for s in store.sources()}
    rows = []
    for source in config.sources:
        state = states.get(source.name)
        status = "ok" if state is None else "disabled" if state.disabled else (
            "error" if state.last_status == "error" else "ok"
        )
        rows.append(
            {
                "name": source.name,
                "type": source.type,
                "status": status,
                "articles": store.count_articles(source.name),
                "last_error": state.last_error if state else None,
                "failures": state.failures if state else 0,
                "last_checked": state.last_checked.isoformat() if state and state.last_checked else None,
                "next_fetch": state.next_fetch.isoformat() if state and state.next_fetch else None,
            }
        )
    return rows


def print_sources(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    print_table(
        ("NAME", "TYPE", "STATUS", "ARTICLES", "FAILURES", "LAST CHECKED", "LAST ERROR"),
        [
            (r["name"], r["type"], r["status"], str(r["articles"]), str(r["failures"]),
             (r["last_checked"] or "never")[:16], r["last_error"] or "")
            for r in rows
        ],
    )


DELIVERY_FIELDS = ("edition_id", "briefing", "recipient", "status", "attempts", "next_attempt", "message_id",
                   "last_error")


def print_deliveries(rows: Sequence[Delivery], *, as_json: bool, everything: bool) -> None:
    data = [{k: jsonable(getattr(d, k)) for k in DELIVERY_FIELDS} for d in rows]
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not data:
        print("No deliveries yet." if everything else "No deliveries pending or failed.")
        return
    print_table(
        ("EDITION", "RECIPIENT", "STATUS", "TRIES", "NEXT ATTEMPT", "LAST ERROR"),
        [(d.edition_id, d.recipient, d.status, str(d.attempts), _minute(d.next_attempt), d.last_error or "")
         for d in rows],
    )


@contextlib.contextmanager
def progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A spinner with the current stage on a terminal (rich); plain log lines otherwise; nothing with --quiet."""
    if quiet:
        yield lambda message: None
    elif sys.stderr.isatty():
        from rich.console import Console

        with Console(stderr=True).status("starting") as status:
            yield lambda message: status.update(message)
    else:
        yield lambda message: print(f"briefing: {message}", file=sys.stderr, flush=True)


def serve_folder(folder: Path, port: int) -> None:
    """Serve a preview folder on localhost until Ctrl-C."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    with ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        print(f"Serving on http://127.0.0.1:{httpd.server_address[1]}/email.html (Ctrl-C to stop)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
