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
import threading
from functools import cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
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
# (A document that is a single scalar is left to it too.) Each is looked for only when the text
# holds its rare character: one regular expression of alternatives, tried at every position,
# took about a tenth of the time of parsing the file.
_UNLIKE_CHARACTERS = ("\t", "\x85", "\u2028", "\u2029")
_LONE_CR = re.compile(r"\r(?!\n)")
_COMMENT_AFTER_HEADER = re.compile(r"[|>][-+0-9]*#")


def _unlike(text: str) -> bool:
    return (
        any(character in text for character in _UNLIKE_CHARACTERS)
        or ("\r" in text and _LONE_CR.search(text) is not None)
        or ("#" in text and _COMMENT_AFTER_HEADER.search(text) is not None)
    )


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
    if CParser is None or _unlike(text):
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
        self.lock = threading.Lock()
        # The resolver's own patterns by first character, to tell text that none of them
        # matches (a string) without its per-call lookups; None: always ask the resolver.
        table = self.resolver.versioned_resolver
        self.patterns: dict[str, list[Any]] | None = {
            start: [pattern for _tag, pattern in candidates]
            for start, candidates in table.items()
            if start is not None
        }
        if table.get(None) or self.resolver.yaml_path_resolvers:
            self.patterns = None

    def plain(self, text: str) -> Any:
        """The value of the untagged, unquoted scalar ``text``; ``_NOT_PLAIN`` for one that
        needs the loader."""
        if self.patterns is not None:
            patterns = self.patterns.get(text[:1], ())  # "": an empty scalar, as the resolver
            if not any(pattern.match(text) for pattern in patterns):
                return text  # what the resolver answers when nothing matches
        with self.lock:  # one loader serves every file, and rules may load in several threads
            tag = self.resolver.resolve(ScalarNode, text, (True, False))
            name = str(getattr(tag, "value", tag))  # a ruamel.yaml Tag, or a string
            if name == _STR:
                return text
            if name not in _BUILT:  # merge keys, value indicators, ...
                return _NOT_PLAIN
            node = ScalarNode(tag, text)
            built = self.constructor.construct_object(node, deep=True)
            self.constructor.constructed_objects.pop(node, None)
        if isinstance(built, bool) or built is None:
            return built
        if isinstance(built, int):
            return int(built)
        if isinstance(built, float):
            return float(built) if math.isfinite(built) else _NOT_PLAIN
        return built  # a date or a datetime


_NOT_PLAIN: Any = object()


@cache
def _scalars() -> _Scalars:
    """One for the process: making a loader searches the disk for ruamel.yaml's plug-ins."""
    return _Scalars()


# Plain scalars already read, by text. Within a document without directives (any other is
# refused) a plain scalar's value depends on its text alone, and every value is immutable, so
# they are shared: rule files repeat the same keys and words thousands of times.
_PLAIN_VALUES: dict[str, Any] = {}
_PLAIN_VALUES_LIMIT = 50_000


def _build(parser: Any) -> tuple[Any, Positions]:
    """Values and positions from the parser's events. A hot loop, every scalar of every rule
    file passes through it: the open collection is kept in locals."""
    known = _PLAIN_VALUES
    get_event = parser.get_event
    positions: Positions = {(): (1, 1)}
    # The open collection (None before the document's root), its path, whether it is a
    # list, and a mapping's pending key; the collections it is nested in, on a stack.
    container: Any = None
    path: DocPath = ()
    is_list = False
    key: str | None = None
    stack: list[tuple[Any, DocPath, bool, str | None]] = []
    root: Any = None
    documents = 0
    while True:
        event = get_event()
        kind = type(event)
        if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.tag is not None or event.anchor is not None:
                raise _NotPlain
            mark = event.start_mark
            value: Any
            if kind is not ScalarEvent:
                if len(stack) >= MAX_DEPTH:
                    raise _NotPlain
                value = {} if kind is MappingStartEvent else []
            elif not event.implicit[0]:  # quoted or block: always a string
                value = event.value
            else:
                value = known.get(event.value, _NOT_PLAIN)
                if value is _NOT_PLAIN:
                    value = _scalars().plain(event.value)
                    if value is _NOT_PLAIN:
                        raise _NotPlain
                    if len(known) >= _PLAIN_VALUES_LIMIT:
                        known.clear()
                    known[event.value] = value
            if container is None:
                # Never a rule or config file; and a top-level block scalar is read differently.
                if kind is ScalarEvent or root is not None:
                    raise _NotPlain
                root = value
                where: DocPath = ()
            elif is_list:
                where = (*path, len(container))
                positions[where] = (mark.line + 1, mark.column + 1)
                container.append(value)
            elif key is None:  # a key: a string, once per mapping
                if kind is not ScalarEvent or not isinstance(value, str) or value in container:
                    raise _NotPlain
                positions[(*path, value)] = (mark.line + 1, mark.column + 1)
                key = value
                continue
            else:
                where = (*path, key)
                container[key] = value
                key = None
            if kind is not ScalarEvent:
                stack.append((container, path, is_list, key))
                container, path, is_list, key = value, where, kind is SequenceStartEvent, None
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            container, path, is_list, key = stack.pop()
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1 or event.version is not None or event.tags:
                raise _NotPlain
        elif kind is StreamEndEvent:
            return root, positions
        elif kind is not StreamStartEvent and kind is not DocumentEndEvent:
            raise _NotPlain  # an alias, or an event this loop does not know
