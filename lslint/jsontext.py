"""JSON text for reports, snapshots and baselines: strict, indented, and light on memory.

``json.dumps`` with ``indent`` runs the pure-Python encoder and joins a list of every token
of the document at the end: for a report of 180,000 findings that is tens of millions of
small strings, several times the size of the text. :func:`dumps` writes exactly the same
text, but encodes each element of a large list on its own, so only one element's tokens
exist at a time. It never writes ``NaN`` or ``Infinity``, which are not JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

INDENT = "  "
_LARGE = 64  # a list or object with more members than this is encoded member by member
_LOOK_DOWN = 3  # levels searched below a container for a large one inside it
# What ``json.dumps`` uses to indent (private, but in every Python lslint supports).
_MAKE_ITERENCODE = getattr(json.encoder, "_make_iterencode", None)


def dumps(document: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(document, indent=2, ensure_ascii=True, allow_nan=False, default=default)``
    followed by a newline, with a lower peak of memory."""
    encode = _element_encoder(default)
    parts: list[str] = []
    _encode(document, 0, parts, encode)
    parts.append("\n")
    return "".join(parts)


Encode = Callable[[Any, int], str]  # (value, indent level) -> its text at that level


def _element_encoder(default: Callable[[Any], Any] | None) -> Encode:
    """One encoder for every element. ``json.dumps`` builds its pure-Python encoder afresh
    per call, as closures that refer to each other: with automatic garbage collection off,
    as in the CLI, each call would leave those behind."""
    make = _MAKE_ITERENCODE
    if make is None:  # not in this Python: the public way, one encoder per element

        def encode_each(value: Any, level: int) -> str:
            text = json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False, default=default)
            return text.replace("\n", "\n" + INDENT * level)  # newlines in strings are escaped

        return encode_each
    iterencode = make(
        {}, default or _refuse, json.encoder.encode_basestring_ascii, INDENT, _finite_repr,
        ": ", ",", False, False, False,
    )  # fmt: skip
    return lambda value, level: "".join(iterencode(value, level))


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _finite_repr(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


def _encode(value: Any, level: int, parts: list[str], encode: Encode) -> None:
    if isinstance(value, (dict, list)) and value and _large(value, _LOOK_DOWN):
        indent, inner = INDENT * level, INDENT * (level + 1)
        if isinstance(value, dict) and all(isinstance(key, str) for key in value):
            separator = "{\n"
            for key, item in value.items():
                parts.append(f"{separator}{inner}{json.encoder.encode_basestring_ascii(key)}: ")
                _encode(item, level + 1, parts, encode)
                separator = ",\n"
            parts.append(f"\n{indent}}}")
            return
        if isinstance(value, list):
            separator = "[\n"
            for item in value:
                parts.append(separator + inner)
                _encode(item, level + 1, parts, encode)
                separator = ",\n"
            parts.append(f"\n{indent}]")
            return
    parts.append(encode(value, level))


def _large(value: dict[Any, Any] | list[Any], levels: int) -> bool:
    if len(value) > _LARGE:
        return True
    if levels == 0:
        return False
    children = value.values() if isinstance(value, dict) else value
    return any(
        isinstance(child, (dict, list)) and child and _large(child, levels - 1)
        for child in children
    )


def json_kind(value: Any) -> str:
    """What a JSON value is, for messages: ``a list``, ``an empty string``, ``null``."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string" if value else "an empty string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else f"a {type(value).__name__}"
