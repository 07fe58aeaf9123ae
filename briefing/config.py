"""The only reader of config.yaml: typed, validated, with one-line errors.

`load(path)` returns a frozen `Config`; nothing after it sees a raw dict. Relative paths are resolved
against the folder of the config file, so a config works from any working directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from briefing.errors import ConfigError

SUMY_ALGORITHMS = (
    "ensemble",
    "textrank",
    "lexrank",
    "lsa",
    "luhn",
    "edmundson",
    "sumbasic",
    "kl",
    "reduction",
    "random",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as America/New_York)"
        ) from None
    return value


class Site(_Model):
    title: str = "Briefing"
    base_url: str = "http://localhost:8000/"
    description: str = "Daily briefings"
    language: str = "en"
    feed_items: Annotated[int, Field(ge=1)] = 20  # the last K editions kept in each feed

    @field_validator("base_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must be an absolute http(s) URL such as https://example.com/")
        return value if value.endswith("/") else value + "/"


class FilesSource(_Model):
    name: str
    type: Literal["files"]
    path: Path
    label: str | None = None
    labels: dict[str, str] = {}  # file-name glob -> label, for folders that hold several sites
    patterns: tuple[str, ...] = ("*.txt", "*.md", "*.html", "*.htm")


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


class FeedSource(_Model):
    name: str
    type: Literal["feed"]
    url: str
    label: str | None = None
    full_text: bool = True  # fetch the linked page where an entry carries only a teaser
    first_run_window_hours: Annotated[float, Field(gt=0)] | None = None  # on a new source, publish only this recent

    _url = field_validator("url")(classmethod(lambda cls, v: _http_url(v)))


class PageSource(_Model):
    name: str
    type: Literal["page"]
    urls: tuple[str, ...]
    label: str | None = None

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_http_url(v) for v in value)


Source = Annotated[FilesSource | FeedSource | PageSource, Field(discriminator="type")]


class Fetch(_Model):
    """How sources are fetched over HTTP."""

    user_agent: str | None = None  # default: "briefing/VERSION (daily briefing generator; +site.base_url)"
    timeout: Annotated[float, Field(gt=0)] = 20.0
    max_bytes: Annotated[int, Field(ge=1024)] = 10_000_000
    per_host: Annotated[int, Field(ge=1, le=16)] = 2
    workers: Annotated[int, Field(ge=1, le=64)] = 8
    backoff_minutes: Annotated[float, Field(ge=0)] = 30.0  # after a failure, doubling, at most a day
    report_after_failures: Annotated[int, Field(ge=1)] = 3


class Summarizer(_Model):
    algorithm: str = "ensemble"
    sentences: Annotated[int, Field(ge=1, le=20)] = 3
    workers: Annotated[int, Field(ge=1, le=64)] | None = None  # processes for large batches; None: every core

    @field_validator("algorithm")
    @classmethod
    def _known(cls, value: str) -> str:
        if value.lower() not in SUMY_ALGORITHMS:
            raise ValueError(
                f"unknown sumy algorithm {value!r} (choose one of {', '.join(SUMY_ALGORITHMS)})"
            )
        return value.lower()


class Stories(_Model):
    """How articles are grouped into stories (briefing/stories.py); the defaults are measured ones."""

    neighbours: Annotated[int, Field(ge=1, le=100)] = 10
    min_weight: Annotated[float, Field(ge=0, le=1)] = 0.12
    time_scale_hours: Annotated[float, Field(ge=0)] = 8.0  # 0 turns the time damping off


class Scheduler(_Model):
    """`briefing schedule`: the collect interval and how late a missed run may still happen."""

    collect_every_minutes: Annotated[float, Field(gt=0)] = 30.0
    misfire_grace_minutes: Annotated[float, Field(ge=0)] = 720.0  # a slot missed by up to 12 hours is caught up once


class Briefing(_Model):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    style: Literal["brief", "must_reads"]
    title: str
    schedule: str = "0 6 * * *"
    timezone: str = "UTC"
    stories: Annotated[int, Field(ge=1, le=50)] = 4
    sources: tuple[str, ...] | None = None  # names of sources; None means all of them
    recipients: tuple[str, ...] | None = None  # None means email.recipients
    # ISO 639-1 codes: keep only articles in these languages (None: every language)
    languages: tuple[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")], ...] | None = None

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from briefing.scheduler import cron_trigger

        try:
            cron_trigger(value, "UTC")
        except (ValueError, IndexError) as exc:
            raise ValueError(
                f"bad cron expression {value!r}: {exc} (five fields: minute hour day month weekday)"
            ) from None
        return value


class Smtp(_Model):
    host: str
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str | None = None
    password_env: str | None = None  # name of the environment variable holding the password
    timeout: Annotated[float, Field(gt=0)] = 30.0

    def password(self) -> str | None:
        if self.password_env is None:
            return None
        value = os.environ.get(self.password_env)
        if value is None:
            raise ConfigError(
                f"email.smtp.password_env: environment variable {self.password_env} is not set"
                " (export it before running, or remove password_env)"
            )
        return value


class Retry(_Model):
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 6  # give up (status failed) after this many
    in_run: Annotated[int, Field(ge=0, le=10)] = 2  # immediate retries within one run
    in_run_delay: Annotated[float, Field(ge=0)] = 2.0  # seconds before the first in-run retry, doubling
    later_delay: Annotated[float, Field(ge=0)] = 300.0  # seconds before a later run retries, doubling


class Email(_Model):
    from_: Annotated[str, Field(alias="from")] = "Briefing <briefing@localhost>"
    recipients: tuple[str, ...] = ()
    outbox: Path = Path("outbox")
    smtp: Smtp | None = None
    unsubscribe_url: str | None = None  # https link; {email} is replaced by the recipient
    unsubscribe_mailto: str | None = None
    retry: Retry = Retry()

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if "@" not in address or " " in address.strip():
                raise ValueError(f"{address!r} is not an email address")
        return value


class Config(_Model):
    path: Path = Path("config.yaml")  # where the config was read from (set by load)
    timezone: str = "UTC"  # how a --now without an offset is read
    store: Path = Path("briefing.sqlite3")
    output_dir: Path = Path("public")
    templates: Path | None = None  # a folder whose templates override the built-in ones
    max_age_hours: Annotated[float, Field(gt=0)] = 72.0  # older items (by date, else first seen) are not news
    site: Site = Site()
    summarizer: Summarizer = Summarizer()
    stories: Stories = Stories()
    fetch: Fetch = Fetch()
    scheduler: Scheduler = Scheduler()
    sources: tuple[Source, ...]
    briefings: tuple[Briefing, ...]
    email: Email = Email()

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))

    @model_validator(mode="after")
    def _names(self) -> Config:
        names = [s.name for s in self.sources]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"sources: the name {name!r} is used twice")
        for b in self.briefings:
            for wanted in b.sources or ():
                if wanted not in names:
                    raise ValueError(
                        f"briefings.{b.name}.sources: no source named {wanted!r}"
                        f" (known: {', '.join(names)})"
                    )
        briefing_names = [b.name for b in self.briefings]
        if len(set(briefing_names)) != len(briefing_names):
            raise ValueError("briefings: two briefings have the same name")
        return self

    def sources_for(self, briefing: Briefing) -> list[str]:
        return list(briefing.sources) if briefing.sources else [s.name for s in self.sources]

    def recipients_for(self, briefing: Briefing) -> tuple[str, ...]:
        return briefing.recipients if briefing.recipients is not None else self.email.recipients


def load(path: str | Path) -> Config:
    """Read, validate and resolve a config file; raise ConfigError with a one-line message."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (pass -c PATH, or run from the folder that holds"
            " config.yaml)"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where}: not valid YAML: {problem}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return parse(raw, path)


def check(path: Path) -> list[str]:
    """Every problem of a config file, one line each (empty when it is fine)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{path}: config file not found"]
    except yaml.YAMLError:
        try:
            load(path)
        except ConfigError as exc:
            return [str(exc)]
        return []
    if not isinstance(raw, dict):
        return [f"{path}: expected a mapping of settings at the top level"]
    try:
        config = Config.model_validate({**raw, "path": path})
    except ValidationError as exc:
        return [f"{path}: {_describe_one(err, raw)}" for err in exc.errors()]
    config = _resolve_paths(config, path.resolve().parent)
    problems = []
    for i, source in enumerate(config.sources):
        if isinstance(source, FilesSource) and not source.path.is_dir():
            problems.append(f"{path}: sources.{source.name}.path: folder {source.path} does not exist (create it or fix the path)")
    if config.templates and not config.templates.is_dir():
        problems.append(f"{path}: templates: folder {config.templates} does not exist")
    smtp = config.email.smtp
    if smtp and smtp.password_env and smtp.password_env not in os.environ:
        problems.append(
            f"{path}: email.smtp.password_env: environment variable {smtp.password_env} is not set"
            " (export it before running, or remove password_env)"
        )
    return problems


def parse(raw: dict[str, Any], path: Path) -> Config:
    """Validate a config mapping as if it had been read from `path`."""
    try:
        config = Config.model_validate({**raw, "path": path})
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc, raw)}") from None
    base = path.resolve().parent
    return _resolve_paths(config, base)


def _resolve_paths(config: Config, base: Path) -> Config:
    def resolve(p: Path) -> Path:
        return p if p.is_absolute() else (base / p)

    sources = tuple(
        s.model_copy(update={"path": resolve(s.path)}) if isinstance(s, FilesSource) else s
        for s in config.sources
    )
    return config.model_copy(
        update={
            "store": resolve(config.store),
            "output_dir": resolve(config.output_dir),
            "templates": resolve(config.templates) if config.templates else None,
            "sources": sources,
            "email": config.email.model_copy(update={"outbox": resolve(config.email.outbox)}),
        }
    )


def _describe(exc: ValidationError, raw: dict[str, Any]) -> str:
    """Turn pydantic's first error into 'key.path: problem, found X'."""
    return _describe_one(exc.errors()[0], raw)


def _describe_one(err: Any, raw: dict[str, Any]) -> str:
    loc = [part for part in err["loc"] if part not in ("files", "feed", "page", "function-after[_names(), Config]")]
    key = _key_path(loc, raw)
    kind = err["type"]
    found = err.get("input")
    if kind == "extra_forbidden":
        return f"{key}: unknown setting (check the spelling; see the config reference in README.md)"
    if kind == "missing":
        return f"{key}: required setting is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = found.get("type") if isinstance(found, dict) else found
        return f"{key}.type: expected one of 'files', 'feed', 'page', found {_show(tag)}"
    expected = _EXPECTED.get(kind)
    if expected:
        return f"{key}: expected {expected}, found {_show(found)}"
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind == "value_error":
        return f"{key}: {message}" if key else message
    if kind == "literal_error":
        return f"{key}: expected {message.removeprefix('Input should be ')}, found {_show(found)}"
    return f"{key}: {message[:1].lower() + message[1:]}, found {_show(found)}"


_EXPECTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "dict_type": "a mapping of settings",
    "model_type": "a mapping of settings",
    "list_type": "a list",
    "tuple_type": "a list",
    "path_type": "a file or folder path",
    "greater_than_equal": None,
}
_EXPECTED = {k: v for k, v in _EXPECTED.items() if v}


def _key_path(loc: list[Any], raw: dict[str, Any]) -> str:
    parts: list[str] = []
    node: Any = raw
    for part in loc:
        if isinstance(part, int):
            name = node[part].get("name") if isinstance(node, list) and isinstance(node[part], dict) else None
            parts[-1] += f"[{part}]" if name is None else f".{name}"
        else:
            parts.append(str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def append_sources(path: Path, entries: list[dict[str, Any]]) -> None:
    """Add source entries to the `sources:` list of a config file, keeping its comments and layout.

    The entries are inserted as YAML text at the end of the list; the result is validated, and the
    file is left as it was if it would not load.
    """
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^sources:\s*(#.*)?$", line)), None)
    if start is None:
        raise ConfigError(f"{path}: no top-level 'sources:' list to add to")
    end = start + 1
    indent = "  "
    while end < len(lines) and (not lines[end].strip() or lines[end][:1] in (" ", "\t", "#", "-")):
        match = re.match(r"^(\s*)- ", lines[end])
        if match:
            indent = match.group(1)
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    snippet = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True)
    block = "".join(indent + line if line.strip() else line for line in snippet.splitlines(keepends=True))
    updated = "".join(lines[:end]) + ("" if "".join(lines[:end]).endswith("\n") else "\n") + block + "".join(lines[end:])
    path.write_text(updated, encoding="utf-8")
    try:
        load(path)
    except ConfigError:
        path.write_text(original, encoding="utf-8")
        raise
