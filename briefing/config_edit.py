"""The one place that writes config.yaml: adds sources, keeping the user's comments and layout.

ruamel.yaml reads and writes the file round-trip (comments, order, quoting kept); the result is
validated before it replaces the file, and it replaces it atomically, so a failed import leaves
the config exactly as it was.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from briefing import config as config_module
from briefing.errors import ConfigError
from briefing.publish.files import write_atomic


def append_sources(path: Path, entries: Sequence[dict[str, Any]]) -> None:
    """Add source entries at the end of the `sources:` list of a config file."""
    yaml = YAML()  # round-trip mode
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    original = path.read_text(encoding="utf-8")
    try:
        document = yaml.load(original)
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    sources = document.get("sources") if hasattr(document, "get") else None
    if not isinstance(sources, list):
        raise ConfigError(f"{path}: no top-level 'sources:' list to add to")
    for entry in entries:
        sources.append(dict(entry))
    out = io.StringIO()
    yaml.dump(document, out)
    updated = out.getvalue()
    candidate = path.with_name(f".{path.name}.candidate")
    candidate.write_text(updated, encoding="utf-8")
    try:
        config_module.load(candidate)  # never write a config that would not load
    finally:
        candidate.unlink(missing_ok=True)
    write_atomic(path, updated)
