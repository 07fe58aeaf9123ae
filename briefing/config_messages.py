"""Pydantic's validation errors as one-line messages: 'key.path: problem, found X'.

datasette-style: the key as the user wrote it (a source or briefing by its name, not its index),
what was expected, what was found.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

from pydantic import BaseModel


def describe_error(err: Any, raw: dict[str, Any], root: type[BaseModel] | None = None) -> str:
    loc = [part for part in err["loc"] if part not in ("files", "feed", "page", "function-after")]
    key = _key_path(loc, raw)
    kind = err["type"]
    found = err.get("input")
    if kind == "extra_forbidden":
        guess = difflib.get_close_matches(str(loc[-1]), known_keys(root), n=1, cutoff=0.75) if loc and root else []
        hint = f"did you mean '{guess[0]}'?" if guess else "check the spelling; see the config reference in README.md"
        return f"{key}: unknown setting ({hint})"
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




@functools.lru_cache(maxsize=4)
def known_keys(root: type[BaseModel]) -> list[str]:
    """Every setting name of a config model, at any depth (for "did you mean")."""
    names: set[str] = set()
    todo: list[type[BaseModel]] = [root]
    seen: set[type[BaseModel]] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            names.add(field.alias or name)
            for arg in _types_in(field.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    todo.append(arg)
    return sorted(names)


def _types_in(annotation: Any) -> list[Any]:
    from typing import get_args

    out = [annotation]
    for arg in get_args(annotation):
        out.extend(_types_in(arg))
    return out
