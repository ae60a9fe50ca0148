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
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

INDENT = "  "
_LARGE = 64  # a list or object with more members than this is encoded member by member
_LOOK_DOWN = 3  # levels searched below a container for a large one inside it
# What ``json.dumps`` uses to indent (private, but in every Python lslint supports).
_MAKE_ITERENCODE = getattr(json.encoder, "_make_iterencode", None)


def dumps(document: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(document, indent=2, ensure_ascii=True, allow_nan=False, default=default)``
    followed by a newline, with a lower peak of memory."""
    return "".join(chunks(document, default=default))


Encode = Callable[[Any, int], str]  # (value, indent level) -> its text at that level


@dataclass(frozen=True)
class Each:
    """A list whose items are read and written one by one, when the text reaches it: a
    report's findings become text without a list of every finding's dictionary (or text).

    ``text(item, level)`` gives an item's JSON text at its indentation level, for items
    that are not JSON values themselves (a ``Finding``); without it items are encoded as
    any value is. It must stand at most three levels below a list or object of the document
    (``_LOOK_DOWN``), as the findings of a report do, or it is refused as an unknown type."""

    items: Iterable[Any]
    text: Encode | None = None


CHUNK = 1 << 18  # characters gathered before a piece of text is handed on


def chunks(
    document: Any,
    *,
    default: Callable[[Any], Any] | None = None,
    redo_if: re.Pattern[str] | None = None,
    redo: Callable[[Any], Any] | None = None,
) -> Iterator[str]:
    """The text of :func:`dumps` in pieces of about ``CHUNK`` characters, made as they are
    read: writing them one by one never holds the whole text.

    ``redo_if`` and ``redo``: a value (an element of a large list, say) whose text matches
    ``redo_if`` is written as ``redo(value)`` instead; ``redo`` must leave object keys as
    they are. The text is then that of the whole document with ``redo`` applied wherever
    it changes a value's text.
    """
    encode = _element_encoder(default)
    if redo_if is not None and redo is not None:
        encode = _redoing(encode, redo_if, redo)
    pending: list[str] = []
    size = 0
    for piece in _pieces(document, 0, encode):
        pending.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(pending)
            pending, size = [], 0
    pending.append("\n")
    yield "".join(pending)


def _redoing(encode: Encode, pattern: re.Pattern[str], redo: Callable[[Any], Any]) -> Encode:
    def encode_again(value: Any, level: int) -> str:
        text = encode(value, level)
        return text if pattern.search(text) is None else encode(redo(value), level)

    return encode_again


def encoder(default: Callable[[Any], Any] | None = None) -> Encode:
    """``encode(value, level)``: the text :func:`dumps` gives ``value`` where it stands at
    indentation ``level``, without the final newline. For writers that make part of a
    document's text themselves (a report's findings, say)."""
    return _element_encoder(default)


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

    def encode_slowly(value: Any, level: int) -> str:
        return "".join(iterencode(value, level))

    return _flat_first(encode_slowly)


# What the C encoder writes exactly as the indenting one does, alone or as a container's item.
_FLAT = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})
_STR = frozenset({str})
_MAKE_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)


def _flat_first(slow: Encode) -> Encode:
    """``slow``'s text, but with each run of scalar members (or empty containers) of an object
    or list written by the C encoder in one call: with an item separator that holds the newline
    and indentation of its level, its text is the indenting encoder's. Values of any other type,
    non-string keys, non-finite numbers and cycles go to ``slow``, which writes (or refuses)
    them as ``json.dumps`` does.
    """
    make = _MAKE_C_ENCODER
    if make is None:
        return slow
    flat_encoders: dict[int, Callable[[Any, int], list[str]]] = {}
    quote = json.encoder.encode_basestring_ascii

    def members(value: Any, level: int) -> str:
        """The members of a container of scalars at ``level``, without its brackets."""
        encoder = flat_encoders.get(level)
        if encoder is None:
            separator = ",\n" + INDENT * (level + 1)
            encoder = make(None, None, quote, None, ": ", separator, False, False, False)
            flat_encoders[level] = encoder
        return "".join(encoder(value, level))[1:-1]

    def scalar(value: Any, level: int) -> str:
        kind = type(value)
        if kind is str:
            return quote(value)
        if kind is int:
            return int.__repr__(value)
        if value is None:
            return "null"
        if kind is bool:
            return "true" if value else "false"
        if kind is float:
            return _finite_repr(value)
        if kind in _CONTAINERS and not value:
            return "{}" if kind is dict else "[]"
        return slow(value, level)

    def write(value: Any, level: int, parts: list[str]) -> None:
        kind = type(value)
        if kind not in _CONTAINERS:
            parts.append(scalar(value, level))
            return
        if not value:
            parts.append("{}" if kind is dict else "[]")
            return
        inner = "\n" + INDENT * (level + 1)
        if kind is dict:
            if _FLAT.issuperset(map(type, value.values())) and _STR.issuperset(map(type, value)):
                parts.append(f"{{{inner}{members(value, level)}\n{INDENT * level}}}")
            else:
                write_object(value, level, parts, inner)
            return
        if _FLAT.issuperset(map(type, value)):  # the whole list in one call
            parts.append(f"[{inner}{members(value, level)}\n{INDENT * level}]")
            return
        # Runs of scalar items are written by the C encoder in one call.
        opening = "[" + inner
        run: list[Any] = []
        for item in value:
            item_kind = type(item)
            if item_kind in _FLAT or (item_kind in _CONTAINERS and not item):
                run.append(item)
                continue
            if run:
                parts.append(opening + members(run, level))
                opening, run = "," + inner, []
            parts.append(opening)
            if item_kind in _CONTAINERS:
                write(item, level + 1, parts)
            else:
                parts.append(slow(item, level + 1))
            opening = "," + inner
        if run:
            parts.append(opening + members(run, level))
        parts.append(f"\n{INDENT * level}]")

    def write_object(value: dict[Any, Any], level: int, parts: list[str], inner: str) -> None:
        start = len(parts)
        opening = "{" + inner
        run: dict[str, Any] = {}  # members with scalar values, written in one call
        for key, item in value.items():
            if type(key) is not str:  # keys json turns into strings: all as json does
                del parts[start:]
                parts.append(slow(value, level))
                return
            item_kind = type(item)
            if item_kind in _FLAT or (item_kind in _CONTAINERS and not item):
                run[key] = item
                continue
            if run:
                parts.append(opening + members(run, level))
                opening, run = "," + inner, {}
            parts.append(f"{opening}{quote(key)}: ")
            if item_kind in _CONTAINERS:
                write(item, level + 1, parts)
            else:
                parts.append(slow(item, level + 1))
            opening = "," + inner
        if run:
            parts.append(opening + members(run, level))
        parts.append(f"\n{INDENT * level}}}")

    def encode(value: Any, level: int) -> str:
        parts: list[str] = []
        try:
            write(value, level, parts)
        except (ValueError, RecursionError):  # refused with the indenting encoder's words
            return slow(value, level)
        return "".join(parts)

    return encode


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _finite_repr(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


def _pieces(value: Any, level: int, encode: Encode) -> Iterator[str]:
    """``value``'s text at ``level``: a large list or object member by member, the rest
    (and every member) encoded in one piece."""
    if type(value) is Each:
        yield from _each(value, level, encode)
        return
    if isinstance(value, (dict, list)) and value and _large(value, _LOOK_DOWN):
        indent, inner = INDENT * level, INDENT * (level + 1)
        if isinstance(value, dict) and all(isinstance(key, str) for key in value):
            separator = "{\n"
            for key, item in value.items():
                yield f"{separator}{inner}{json.encoder.encode_basestring_ascii(key)}: "
                yield from _pieces(item, level + 1, encode)
                separator = ",\n"
            yield f"\n{indent}}}"
            return
        if isinstance(value, list):
            separator = "[\n"
            for item in value:
                yield separator + inner
                yield from _pieces(item, level + 1, encode)
                separator = ",\n"
            yield f"\n{indent}]"
            return
    yield encode(value, level)


def _each(value: Each, level: int, encode: Encode) -> Iterator[str]:
    text = value.text
    separator = "[\n" + INDENT * (level + 1)
    written = False
    for item in value.items:
        if text is not None:
            yield separator + text(item, level + 1)
        else:
            yield separator
            yield from _pieces(item, level + 1, encode)
        separator = ",\n" + INDENT * (level + 1)
        written = True
    yield f"\n{INDENT * level}]" if written else "[]"


def _large(value: dict[Any, Any] | list[Any], levels: int) -> bool:
    if len(value) > _LARGE:
        return True
    if levels == 0:
        return False
    for child in value.values() if isinstance(value, dict) else value:
        if type(child) is Each:
            return True
        if isinstance(child, (dict, list)) and child and _large(child, levels - 1):
            return True
    return False


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
