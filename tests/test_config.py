"""config.load: the embedded default loads; every bad value gives one line naming the key."""

from pathlib import Path

import pytest

from briefing import config as config_module
from briefing.errors import ConfigError

from .conftest import ROOT, seed_config


def test_embedded_default_loads_with_paths_resolved() -> None:
    config = config_module.load(ROOT / "config.yaml")
    assert [b.name for b in config.briefings] == ["the-brief", "morning-must-reads"]
    assert config.sources[0].path == ROOT / "seeds"
    assert config.store == ROOT / "state" / "briefing.sqlite3"
    assert config.email.outbox == ROOT / "outbox"
    assert config.email.smtp is None


def load_with(tmp_path: Path, write_config, **changes) -> str:
    raw = seed_config(tmp_path)
    for dotted, value in changes.items():
        node = raw
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    with pytest.raises(ConfigError) as caught:
        config_module.load(write_config(raw))
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"briefings__0__stories": "four"}, "briefings.the-brief.stories: expected a whole number, found 'four'"),
        ({"briefings__0__schedule": "every morning"}, "briefings.the-brief.schedule: bad cron expression 'every morning'"),
        ({"briefings__1__timezone": "Mars/Olympus"}, "briefings.morning-must-reads.timezone: unknown time zone 'Mars/Olympus'"),
        ({"summarizer__algorithm": "gpt"}, "summarizer.algorithm: unknown sumy algorithm 'gpt'"),
        ({"briefings__0__style": "tabloid"}, "briefings.the-brief.style: expected 'brief' or 'must_reads', found 'tabloid'"),
        ({"site__base_url": "example.com"}, "site.base_url: base_url must be an absolute http(s) URL"),
        ({"email__recipients": ["not an address"]}, "email.recipients: 'not an address' is not an email address"),
        ({"sources__0__type": "carrier-pigeon"}, "sources.seeds.type: expected one of 'files', 'feed', 'page', found 'carrier-pigeon'"),
        ({"briefings__0__sources": ["nope"]}, "briefings.the-brief.sources: no source named 'nope'"),
        ({"colour": "red"}, "colour: unknown setting"),
        ({"store": 5}, "store: expected a file or folder path, found 5"),
        ({"briefings__0__stories": 0}, "briefings.the-brief.stories: input should be greater than or equal to 1, found 0"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, write_config, change: dict, expected: str) -> None:
    assert expected in load_with(tmp_path, write_config, **change)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        config_module.load(tmp_path / "nope.yaml")


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n  - name: x\n   type: files\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 3, column 4: not valid YAML"):
        config_module.load(path)


def test_a_briefing_without_a_zone_runs_in_the_configs_zone(write_config) -> None:
    from .conftest import seed_config

    raw = seed_config(Path("."))
    raw["timezone"] = "Europe/Berlin"
    del raw["briefings"][0]["timezone"]
    config = config_module.load(write_config(raw))
    assert [b.timezone for b in config.briefings] == ["Europe/Berlin", "America/New_York"]
