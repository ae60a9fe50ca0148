"""A fast path for reading rule and config files: ruamel.yaml's C parser, where installed.

ruamel.yaml's round-trip loader, which :mod:`lslint.yamldoc` uses for its positions, is pure
Python: it spends about 20 ms on a typical rule file, which every scan pays for every rule.
Its C extension (``ruamel.yaml.clib``) turns the same text into parser events about fifteen
times faster, and events carry the line and column of each key and item.

:func:`plain_data` builds lslint's plain values and positions from those events for the
documents rule and config files are: mappings with string keys, lists and untagged scalars.
Anything else (an anchor, alias or tag, a directive, a non-string or repeated key, a merge
key, a scalar that is not a sound value, deep nesting, several documents, a syntax error)
makes it return ``None``, and the round-trip loader reads the file instead and reports the
problem, so every message comes from one place. Scalars are resolved and built by the
round-trip loader's own resolver and constructor, so both paths give the same values.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.nodes import ScalarNode

from lslint.yamlsafety import MAX_DEPTH

try:  # the C extension; without it every file takes the round-trip loader
    from _ruamel_yaml import CParser
except ImportError:  # pragma: no cover - depends on the installation
    CParser = None

DocPath = tuple[str | int, ...]
Positions = dict[DocPath, tuple[int, int]]

# Text the two parsers read differently, left to the pure one: tabs (refused in places the C
# parser accepts), YAML 1.1's extra line breaks (NEL, LS, PS; YAML 1.2 has only CR and LF), a
# carriage return without a line feed, and a comment straight after a block scalar header.
# (A document that is a single scalar is left to it too.)
_UNLIKE = re.compile(r"[\t\x85\u2028\u2029]|\r(?!\n)|[|>][-+0-9]*#")

_CORE = "tag:yaml.org,2002:"
_STR = f"{_CORE}str"
_BUILT = frozenset(f"{_CORE}{kind}" for kind in ("null", "bool", "int", "float", "timestamp"))


class _NotPlain(Exception):
    """The document needs the round-trip loader."""


def available() -> bool:
    return CParser is not None


def plain_data(text: str) -> tuple[Any, Positions] | None:
    """The document's plain value and the positions (1-based) of its keys and items, or
    ``None`` when it is not plain data that this path reads exactly as the loader does."""
    if CParser is None or _UNLIKE.search(text):
        return None
    try:
        return _build(CParser(text))
    except _NotPlain:
        return None
    except Exception:  # noqa: BLE001 - a syntax error, or anything else: the loader says what
        return None


class _Scalars:
    """Resolves and builds plain scalars as the round-trip loader does (YAML 1.2)."""

    def __init__(self) -> None:
        loader = YAML(typ="rt", pure=True)
        self.resolver = loader.resolver
        self.constructor = loader.constructor

    def value(self, event: ScalarEvent) -> Any:
        if event.tag is not None or event.anchor is not None:
            raise _NotPlain
        if not event.implicit[0]:  # quoted or block: always a string
            return event.value
        tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
        name = str(getattr(tag, "value", tag))  # a ruamel.yaml Tag, or a string
        if name == _STR:
            return event.value
        if name not in _BUILT:  # merge keys, value indicators, ...
            raise _NotPlain
        built = self.constructor.construct_object(ScalarNode(tag, event.value), deep=True)
        if isinstance(built, bool) or built is None:
            return built
        if isinstance(built, int):
            return int(built)
        if isinstance(built, float):
            if not math.isfinite(built):
                raise _NotPlain
            return float(built)
        return built  # a date or a datetime


def _build(parser: Any) -> tuple[Any, Positions]:
    scalars = _Scalars()
    positions: Positions = {(): (1, 1)}
    # Open collections: (container, its path, the pending key of a mapping or None).
    stack: list[tuple[Any, DocPath, list[str | None]]] = []
    root: Any = None
    documents = 0

    def place(value: Any, mark: Any) -> DocPath | None:
        """Put ``value`` into the open collection; its path, or None for a mapping key."""
        nonlocal root
        if not stack:
            if not isinstance(value, (dict, list)):
                # Never a rule or config file; and a top-level block scalar is read differently.
                raise _NotPlain
            root = value
            return ()
        container, path, pending = stack[-1]
        if isinstance(container, list):
            where = (*path, len(container))
            positions[where] = (mark.line + 1, mark.column + 1)
            container.append(value)
            return where
        if pending[0] is None:  # a key
            if not isinstance(value, str) or value in container:
                raise _NotPlain
            positions[(*path, value)] = (mark.line + 1, mark.column + 1)
            pending[0] = value
            return None
        key, pending[0] = pending[0], None
        container[key] = value
        return (*path, key)

    while True:
        event = parser.get_event()
        if isinstance(event, ScalarEvent):
            place(scalars.value(event), event.start_mark)
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            if event.tag is not None or event.anchor is not None or len(stack) >= MAX_DEPTH:
                raise _NotPlain
            if stack and isinstance(stack[-1][0], dict) and stack[-1][2][0] is None:
                raise _NotPlain  # a collection as a mapping key
            container: Any = {} if isinstance(event, MappingStartEvent) else []
            path = place(container, event.start_mark)
            assert path is not None
            stack.append((container, path, [None]))
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            stack.pop()
        elif isinstance(event, DocumentStartEvent):
            documents += 1
            if documents > 1 or event.version is not None or event.tags:
                raise _NotPlain
        elif isinstance(event, AliasEvent):
            raise _NotPlain
        elif isinstance(event, StreamEndEvent):
            return root, positions
