"""The only reader of config.yaml: typed, validated, with one-line errors.

`load(path)` returns a frozen `Config`; nothing after it sees a raw dict. Relative paths are resolved
against the folder of the config file, so a config works from any working directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from briefing.config_messages import describe_error
from briefing.cron import Cron, CronError, parse_cron
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
    timeout: Annotated[float, Field(gt=0)] = 20.0  # seconds without data before a read gives up
    deadline: Annotated[float, Field(gt=0)] = 60.0  # seconds for a whole fetch, however the server drips
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

    neighbours: Annotated[int, Field(ge=1, le=100)] = 20
    min_weight: Annotated[float, Field(ge=0, le=1)] = 0.14  # the similarity floor of a merge
    time_scale_hours: Annotated[float, Field(ge=0)] = 2.0  # 0 turns the time damping off


class Scheduler(_Model):
    """`briefing schedule`: the collect interval and how late a missed run may still happen."""

    collect_every_minutes: Annotated[float, Field(gt=0)] = 30.0
    misfire_grace_minutes: Annotated[float, Field(ge=0)] = 720.0  # a slot missed by up to 12 hours is caught up once


class Briefing(_Model):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    style: Literal["brief", "must_reads"]
    title: str
    schedule: str = "0 6 * * *"
    timezone: str = "UTC"  # default: the config's top-level `timezone`
    stories: Annotated[int, Field(ge=1, le=50)] = 4
    sources: tuple[str, ...] | None = None  # names of sources; None means all of them
    recipients: tuple[str, ...] | None = None  # None means email.recipients
    # ISO 639-1 codes: keep only articles in these languages (None: every language)
    languages: tuple[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")], ...] | None = None

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            parse_cron(value)
        except CronError as exc:
            raise ValueError(f"bad cron expression {value!r}: {exc}") from None
        return value

    @property
    def cron(self) -> Cron:
        return parse_cron(self.schedule)


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
    # where `briefing serve` answers unsubscribe links; default: site.base_url + "unsubscribe"
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    retry: Retry = Retry()

    @field_validator("unsubscribe_url")
    @classmethod
    def _no_address(cls, value: str | None) -> str | None:
        if value and "{email}" in value:
            raise ValueError(
                "a link with the bare address lets anyone unsubscribe anyone: remove unsubscribe_url"
                " (each message now carries a signed link to site.base_url + 'unsubscribe/', see `briefing serve`)"
            )
        return _http_url(value).rstrip("/") if value else None

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if "@" not in address or " " in address.strip():
                raise ValueError(f"{address!r} is not an email address")
        return value


class Web(_Model):
    """`briefing serve`: sign-up, confirmation and unsubscribe pages, and their abuse limits."""

    signup_form: bool = True  # put the sign-up form on the site index and every archive page
    signups_per_ip_per_hour: Annotated[int, Field(ge=1)] = 10
    confirmations_per_address_per_day: Annotated[int, Field(ge=1)] = 3
    confirm_hours: Annotated[float, Field(gt=0)] = 48.0  # how long a confirmation link works
    unsubscribe_days: Annotated[float, Field(gt=0)] = 400.0  # how long a message's unsubscribe link works
    max_body_bytes: Annotated[int, Field(ge=1024, le=1_000_000)] = 16_384
    trusted_proxies: str = "127.0.0.1"  # addresses whose X-Forwarded-For / -Proto are believed (uvicorn)


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
    web: Web = Web()

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))

    @model_validator(mode="before")
    @classmethod
    def _briefing_zones(cls, data: Any) -> Any:
        """A briefing without its own `timezone` runs in the config's (a user who writes
        `timezone: Europe/Berlin` once means every briefing)."""
        if not isinstance(data, dict) or not isinstance(data.get("briefings"), list):
            return data
        zone = data.get("timezone", "UTC")
        briefings = [
            {**b, "timezone": zone} if isinstance(b, dict) and "timezone" not in b else b for b in data["briefings"]
        ]
        return {**data, "briefings": briefings}

    def sources_for(self, briefing: Briefing) -> list[str]:
        return list(briefing.sources) if briefing.sources else [s.name for s in self.sources]

    def recipients_for(self, briefing: Briefing) -> tuple[str, ...]:
        return briefing.recipients if briefing.recipients is not None else self.email.recipients


MAX_NODES = 100_000  # "billion laughs": a few lines of aliases of aliases expand to billions of values
MAX_CONFIG_BYTES = 1_000_000  # a config is a few kB; anything this large is a mistake (or an attack)


def load(path: str | Path, *, environment: bool = False) -> Config:
    """Read, validate and resolve a config file: a Config, or ConfigError listing every problem.

    With `environment`, also check what the file points at: source folders, the templates folder
    and the environment variables it names (`briefing check-config`).
    """
    path = Path(path)
    raw = _read(path)
    problems = [f"{path}: {p}" for p in cross_problems(raw)]
    try:
        config = Config.model_validate({**raw, "path": path})
    except ValidationError as exc:
        problems[:0] = [f"{path}: {describe_error(err, raw, Config)}" for err in exc.errors()]
        raise ConfigError.of(problems) from None
    if problems:
        raise ConfigError.of(problems)
    config = _resolve_paths(config, path.resolve().parent)
    if environment:
        problems = [f"{path}: {p}" for p in _environment_problems(config)]
        if problems:
            raise ConfigError.of(problems)
    return config


def _read(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a config file (pass -c FOLDER/config.yaml)")
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {size:,} bytes is too large for a config file (the limit is 1 MB)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (pass -c PATH, or run from the folder that holds config.yaml)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
    if b"\0" in data:
        raise ConfigError(f"{path}: not a text file (it holds NUL bytes); a config is YAML text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the config as UTF-8") from None
    try:
        size = _expanded_size(yaml.compose(text, Loader=yaml.SafeLoader), {})
        if size > MAX_NODES:
            raise ConfigError(f"{path}: its YAML aliases expand to {size:,} values; a config holds far fewer")
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where} not valid YAML: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config file") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return raw


def _expanded_size(node: yaml.Node | None, memo: dict[int, int]) -> int:
    """How many values the document has once every alias is expanded (each node sized once, then reused)."""
    if node is None:
        return 0
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1  # a recursive alias counts once instead of forever
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[id(node)] = size
    return size


def cross_problems(raw: dict[str, Any]) -> list[str]:
    """Problems between settings (names used twice, unknown source names); reads the raw mapping
    defensively so they are reported together with every type error."""
    sources: list[Any] = raw["sources"] if isinstance(raw.get("sources"), list) else []
    briefings: list[Any] = raw["briefings"] if isinstance(raw.get("briefings"), list) else []
    names: list[str] = [s["name"] for s in sources if isinstance(s, dict) and isinstance(s.get("name"), str)]
    problems = [f"sources: the name {n!r} is used twice" for i, n in enumerate(names) if n in names[:i]]
    briefing_names: list[str] = []
    for b in briefings:
        if not isinstance(b, dict):
            continue
        name = b.get("name")
        if isinstance(name, str):
            if name in briefing_names:
                problems.append(f"briefings: the name {name!r} is used twice")
            briefing_names.append(name)
        wanted = b.get("sources")
        for w in wanted if isinstance(wanted, list) else ():
            if isinstance(w, str) and w not in names:
                problems.append(f"briefings.{name}.sources: no source named {w!r} (known: {', '.join(names)})")
    return problems


def _environment_problems(config: Config) -> list[str]:
    problems = []
    for source in config.sources:
        if isinstance(source, FilesSource) and not source.path.is_dir():
            problems.append(f"sources.{source.name}.path: folder {source.path} does not exist (create it or fix the path)")
    if config.templates and not config.templates.is_dir():
        problems.append(f"templates: folder {config.templates} does not exist")
    smtp = config.email.smtp
    if smtp and smtp.password_env and smtp.password_env not in os.environ:
        problems.append(
            f"email.smtp.password_env: environment variable {smtp.password_env} is not set"
            " (export it before running, or remove password_env)"
        )
    return problems


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
