"""Strict JSON for snapshots and baselines, with every problem at ``file:line:col``.

Python's ``json`` accepts more than JSON and says little about where: duplicate keys keep the
last copy silently (a trailing ``"instances": []`` would hide every instance before it),
``NaN`` and ``1e400`` become non-finite floats that no JSON report can hold, and deep
nesting ends in ``RecursionError``. Here each of those is refused with its position.

The C decoder does the work; hooks only notice a problem. Finding where it is takes a slow,
position-tracking walk over the one value that failed, which only error paths pay for.

A document's top-level object is read member by member, and one list in it (a snapshot's
``instances``, a baseline's ``findings``) element by element, handing each element to the
caller as soon as it is decoded: a large file is never held as text, dictionaries and models
all at once.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lslint.errors import InputError

MAX_DEPTH = 128  # nested objects and lists; real Lightsail data needs fewer than ten
# The C string scanner json itself uses (typeshed does not declare it).
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class _Refused(Exception):
    """Raised by a decoder hook: the value holds something strict JSON refuses."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused
    return result


SHARED_TEXT_LENGTH = 40  # a protocol, state, CIDR or blueprint id; not a name, ARN or key


def _sharing_unique_pairs() -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """:func:`_unique_pairs` that also gives equal short texts in members one string object.

    A fleet repeats the same few protocols, states, CIDRs and blueprint ids in every
    resource, and models keep the strings they are given: one copy each instead of one per
    occurrence is a fifth of the validated resources' memory. Done here, while the pairs are
    in hand anyway, it costs a fraction of sharing them after validation.
    """
    shared: dict[str, str] = {}
    share = shared.setdefault

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = {
            key: share(value, value)
            if value.__class__ is str and len(value) <= SHARED_TEXT_LENGTH
            else value
            for key, value in pairs
        }
        if len(result) != len(pairs):
            raise _Refused
        return result

    return hook


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused
    return value


def _refuse_constant(_name: str) -> Any:
    raise _Refused


_decoder = json.JSONDecoder(
    object_pairs_hook=_unique_pairs, parse_float=_finite_float, parse_constant=_refuse_constant
)


def _sharing_decoder() -> json.JSONDecoder:
    """A decoder like ``_decoder`` whose texts are shared within one document."""
    return json.JSONDecoder(
        object_pairs_hook=_sharing_unique_pairs(),
        parse_float=_finite_float,
        parse_constant=_refuse_constant,
    )


@dataclass(frozen=True)
class Streamed:
    """Stands in a document for the list whose elements went to the caller one by one."""

    count: int


ElementHandler = Callable[[int, Any, int], None]  # (index, value, 1-based line)


def read_document(
    text: str,
    label: str,
    *,
    streams: Mapping[str, ElementHandler] | None = None,
    invalid: str = "invalid JSON",
    share_texts: bool = False,
) -> Any:
    """The JSON document in ``text``, strictly decoded; ``label`` names it in errors, and
    ``invalid`` starts the message of a syntax error.

    If the document is an object, each element of a member named in ``streams`` that is a
    list goes to that member's handler as soon as it is decoded, and the member's value
    becomes :class:`Streamed`. With ``share_texts``, equal short strings in objects are one
    object (for values that are kept long, such as resources).
    """
    reader = _Reader(text, label, invalid, _sharing_decoder() if share_texts else _decoder)
    index = reader.skip(0)
    if text.startswith("{", index) and streams:
        document, end = reader.object_streaming(index, streams)
    else:
        document, end = reader.value(index, depth=0)
    end = reader.skip(end)
    if end != len(text):
        raise reader.syntax("Extra data", end)
    return document


class _Reader:
    def __init__(self, text: str, label: str, invalid: str, decoder: json.JSONDecoder) -> None:
        self.text = text
        self.decoder = decoder
        self.label = label
        self.invalid = invalid
        self._line = 1  # line of offset self._line_at, for counting lines incrementally
        self._line_at = 0

    def skip(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        return match.end() if match else index

    def line_of(self, index: int) -> int:
        """The 1-based line of ``index``; cheap when offsets only grow, as in one walk."""
        if index < self._line_at:
            self._line, self._line_at = 1, 0
        self._line += self.text.count("\n", self._line_at, index)
        self._line_at = index
        return self._line

    def where(self, index: int) -> str:
        line = self.line_of(index)
        column = index - (self.text.rfind("\n", 0, index) + 1) + 1
        return f"{self.label}:{line}:{column}"

    def syntax(self, message: str, index: int) -> InputError:
        return InputError(f"{self.invalid}: {message}", where=self.where(index))

    def value(self, index: int, *, depth: int) -> tuple[Any, int]:
        """One value starting at ``index``, nested ``depth`` levels inside the document."""
        try:
            value, end = self.decoder.raw_decode(self.text, index)
        except json.JSONDecodeError as exc:
            raise self.syntax(exc.msg, exc.pos) from None
        except (_Refused, RecursionError, ValueError) as exc:
            # ValueError: an integer beyond Python's digit limit
            raise self._located(index, depth, fallback=exc) from None
        allowed = MAX_DEPTH - depth
        if (
            isinstance(value, (dict, list))
            and self._may_nest(index, end, allowed)
            and _deeper_than(value, allowed)
        ):
            raise self._located(index, depth, fallback=None)
        return value, end

    def _may_nest(self, start: int, end: int, allowed: int) -> bool:
        """Whether the text may nest more than ``allowed`` levels: more brackets than that
        (some perhaps inside strings). Two C-speed counts spare almost every value a walk."""
        return self.text.count("{", start, end) + self.text.count("[", start, end) > allowed

    def object_streaming(
        self, index: int, streams: Mapping[str, ElementHandler]
    ) -> tuple[dict[str, Any], int]:
        """The object at ``index``, handing the elements of its lists in ``streams`` out."""
        text = self.text
        document: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        index = self.skip(index + 1)
        if text.startswith("}", index):
            return document, index + 1
        while True:
            if not text.startswith('"', index):
                raise self.syntax("Expecting property name enclosed in double quotes", index)
            key, after_key = self._string(index)
            if key in first_seen:
                raise self._duplicate(key, index, first_seen[key])
            first_seen[key] = index
            index = self.skip(after_key)
            if not text.startswith(":", index):
                raise self.syntax("Expecting ':' delimiter", index)
            index = self.skip(index + 1)
            if key in streams and text.startswith("[", index):
                count, index = self._stream_list(index, streams[key])
                document[key] = Streamed(count)
            else:
                document[key], index = self.value(index, depth=1)
            index = self.skip(index)
            if text.startswith("}", index):
                return document, index + 1
            if not text.startswith(",", index):
                raise self.syntax("Expecting ',' delimiter", index)
            index = self.skip(index + 1)

    def _stream_list(self, index: int, on_element: ElementHandler) -> tuple[int, int]:
        text = self.text
        index = self.skip(index + 1)
        if text.startswith("]", index):
            return 0, index + 1
        count = 0
        while True:
            value, end = self.value(index, depth=2)
            on_element(count, value, self.line_of(index))
            del value  # the caller keeps what it needs; the decoded element can go
            count += 1
            index = self.skip(end)
            if text.startswith("]", index):
                return count, index + 1
            if not text.startswith(",", index):
                raise self.syntax("Expecting ',' delimiter", index)
            index = self.skip(index + 1)

    def _string(self, index: int) -> tuple[str, int]:
        try:
            return _scanstring(self.text, index + 1)
        except json.JSONDecodeError as exc:
            raise self.syntax(exc.msg, exc.pos) from None

    def _duplicate(self, key: str, index: int, first: int) -> InputError:
        return InputError(
            f"duplicate key {json.dumps(key)} (first on line {self.line_of(first)})",
            where=self.where(index),
        )

    def _located(self, index: int, depth: int, *, fallback: BaseException | None) -> InputError:
        """The error for a value the decoder refused: found by walking it, slowly."""
        found = _first_problem(self.text, index, depth)
        if found is not None:
            offset, message, first = found
            if first is not None:
                return self._duplicate(message, offset, first)
            return InputError(message, where=self.where(offset))
        detail = str(fallback) if isinstance(fallback, ValueError) else "unreadable value"
        return self.syntax(detail, index)


def _deeper_than(value: dict[str, Any] | list[Any], allowed: int) -> bool:
    """Whether ``value`` nests more than ``allowed`` objects and lists, counting itself."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > allowed:
            return True
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, (dict, list)):
                pending.append((child, depth + 1))
    return False


_Problem = tuple[int, str, int | None]  # offset, message (or the key), first offset of a key


def _first_problem(text: str, index: int, depth: int) -> _Problem | None:
    """The first duplicate key, non-finite or oversized number, or nesting beyond
    :data:`MAX_DEPTH` in the value at ``index``, in document order; ``None`` if the value
    has none of these (a syntax error is then the decoder's to report).

    An explicit stack instead of recursion: the value may nest a hundred thousand levels.
    """
    open_keys: list[dict[str, int] | None] = []  # per open container: an object's keys
    while True:
        index = _skip(text, index)
        char = text[index : index + 1]
        if char in ("{", "["):
            if depth + len(open_keys) + 1 > MAX_DEPTH:
                return index, f"nested deeper than {MAX_DEPTH} levels", None
            is_object = char == "{"
            open_keys.append({} if is_object else None)
            index = _skip(text, index + 1)
            if text.startswith("}" if is_object else "]", index):
                open_keys.pop()
                index += 1
            elif is_object:
                found = _key(text, index, open_keys[-1])
                if isinstance(found, tuple):
                    return found
                if found < 0:
                    return None
                index = found
                continue
            else:
                continue
        else:
            after = _scalar(text, index)
            if isinstance(after, tuple):
                return after
            if after < 0:
                return None
            index = after
        # a value ended: close containers, or go on to the next member or element
        while True:
            if not open_keys:
                return None
            index = _skip(text, index)
            closing = "}" if open_keys[-1] is not None else "]"
            if text.startswith(closing, index):
                open_keys.pop()
                index += 1
                continue
            if not text.startswith(",", index):
                return None
            index = _skip(text, index + 1)
            keys = open_keys[-1]
            if keys is not None:
                found = _key(text, index, keys)
                if isinstance(found, tuple):
                    return found
                if found < 0:
                    return None
                index = found
            break


def _skip(text: str, index: int) -> int:
    match = _WHITESPACE.match(text, index)
    return match.end() if match else index


def _key(text: str, index: int, seen: dict[str, int] | None) -> int | _Problem:
    """Past ``"key":`` at ``index``; a duplicate is a problem; -1 on a syntax error."""
    if seen is None or not text.startswith('"', index):
        return -1
    try:
        key, end = _scanstring(text, index + 1)
    except json.JSONDecodeError:
        return -1
    if key in seen:
        return index, key, seen[key]
    seen[key] = index
    end = _skip(text, end)
    return _skip(text, end + 1) if text.startswith(":", end) else -1


def _scalar(text: str, index: int) -> int | _Problem:
    """Past the string, number or literal at ``index``; -1 on a syntax error."""
    if text.startswith('"', index):
        try:
            return _scanstring(text, index + 1)[1]
        except json.JSONDecodeError:
            return -1
    for literal in ("true", "false", "null"):
        if text.startswith(literal, index):
            return index + len(literal)
    for constant in ("NaN", "Infinity", "-Infinity"):
        if text.startswith(constant, index):
            return index, f"{constant} is not valid JSON (numbers must be finite)", None
    match = _NUMBER.match(text, index)
    if match is None:
        return -1
    token = match.group()
    if match.group(1) or match.group(2):
        if not math.isfinite(float(token)):
            return index, f"number {_shorten(token)} is out of range (not finite)", None
    elif len(token.lstrip("-")) > sys.get_int_max_str_digits() > 0:
        return index, f"integer with {len(token.lstrip('-'))} digits is too large", None
    return match.end()


def _shorten(token: str) -> str:
    return token if len(token) <= 40 else f"{token[:20]}...{token[-10:]}"


def locate(text: str, path: tuple[str | int, ...]) -> tuple[int, int]:
    """The line and column (1-based) of the value at ``path`` (object keys and list indexes)
    in the JSON ``text``, or of the deepest part of it that is there (a missing member's
    object). For error messages only: the values before the one sought are decoded to skip
    them, a cost only an error pays."""
    decoder = json.JSONDecoder()
    index = _skip(text, 0)
    found = index
    for part in path:
        index = _member(text, index, part, decoder)
        if index < 0:
            break
        found = index
    line = text.count("\n", 0, found) + 1
    return line, found - (text.rfind("\n", 0, found) + 1) + 1


def _member(text: str, index: int, part: str | int, decoder: json.JSONDecoder) -> int:
    """The offset of member ``part`` of the object, or element ``part`` of the list, whose
    text starts at ``index``; -1 if it has none (or the text is not what a walk expects)."""
    is_object = isinstance(part, str)
    if not text.startswith("{" if is_object else "[", index):
        return -1
    index = _skip(text, index + 1)
    count = 0
    while index < len(text) and text[index] not in "]}":
        if is_object:
            if not text.startswith('"', index):
                return -1
            key, index = _scanstring(text, index + 1)
            index = _skip(text, index)
            if not text.startswith(":", index):
                return -1
            index = _skip(text, index + 1)
            if key == part:
                return index
        elif count == part:
            return index
        try:
            index = _skip(text, decoder.raw_decode(text, index)[1])
        except ValueError:
            return -1
        count += 1
        if text.startswith(",", index):
            index = _skip(text, index + 1)
    return -1
