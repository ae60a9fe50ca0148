"""Checks that keep hostile YAML from costing time, memory or a crash before it becomes data.

Rule and config files are small hand-written documents, so YAML's riskier features are
refused outright, each at its ``file:line:col``:

- anchors, aliases and merge keys (``<<``): an alias is a reference, so a few hundred bytes of
  nested aliases expand to gigabytes ("billion laughs"); these files never need them;
- explicit tags (``!!python/object``, ``!custom``, even ``!!str``): the files describe data;
- nesting deeper than :data:`MAX_DEPTH`: building deeper values recurses past Python's limit;
- implicit scalars that do not hold a value: an impossible date (``2020-02-30``), a number
  that is not finite (``.inf``, ``1e400``) or an integer too long to convert.

The events are checked as they stream from the parser, before any node is built, so a refused
document is never expanded; the scalars are checked on the composed tree, whose tags the
resolver has settled, before anything is constructed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lslint.errors import LslintError

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists in a rule or config file (the built-in rules use 8)."""

_CORE = "tag:yaml.org,2002:"
_NO_ALIASES = "anchors, aliases and merge keys are not supported; write the value out in full"


@dataclass
class _Level:
    """One open mapping or list while the events stream past."""

    is_mapping: bool
    children: int = 0
    key_mark: Any = None  # where the current mapping value's key starts


def check_events(events: Iterator[Event], source: str, error: type[LslintError]) -> None:
    """Refuse anchors, aliases, merge keys, explicit tags and deep nesting, event by event.

    The events are consumed lazily, so a refused document is read no further than the first
    problem (a deeply nested flow list is not even scanned to its end).
    """
    stack: list[_Level] = []
    for event in events:
        if isinstance(event, CollectionEndEvent):
            stack.pop()
            continue
        if not isinstance(event, NodeEvent):
            continue
        parent = stack[-1] if stack else None
        is_key = parent is not None and parent.is_mapping and parent.children % 2 == 0
        if parent is not None:
            parent.children += 1
            if is_key:
                parent.key_mark = event.start_mark
        where = _where(source, event.start_mark)
        if isinstance(event, AliasEvent):
            raise error(f"YAML alias *{event.anchor} is not allowed: {_NO_ALIASES}", where=where)
        if event.anchor is not None:
            raise error(f"YAML anchor &{event.anchor} is not allowed: {_NO_ALIASES}", where=where)
        tag = _explicit_tag(event)
        if tag:
            # Shown where the value's key is, or the list item, as other value errors are.
            shown = parent.key_mark if parent is not None and parent.is_mapping else None
            raise error(f"YAML tag {tag} is not allowed", where=_where(source, shown, where))
        if is_key and isinstance(event, ScalarEvent) and _is_merge_key(event):
            raise error(f"YAML merge key '<<' is not allowed: {_NO_ALIASES}", where=where)
        if isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise error(
                    f"YAML nesting is deeper than {MAX_DEPTH} levels",
                    where=where,
                    hint="flatten the document; rule and config files need only a few levels",
                )
            stack.append(_Level(is_mapping=isinstance(event, MappingStartEvent)))


def _explicit_tag(event: NodeEvent) -> str:
    tag = getattr(event, "tag", None)
    if tag is None:
        return ""
    return str(getattr(tag, "value", tag) or "")


def _is_merge_key(event: ScalarEvent) -> bool:
    # Only a plain `<<` is a merge key; a quoted '<<' is an ordinary string.
    return event.value == "<<" and event.style is None


def check_scalars(root: Node | None, source: str, yaml: YAML, error: type[LslintError]) -> None:
    """Refuse implicit scalars that name no value: impossible dates, non-finite numbers, ….

    ``root`` is the composed document, already free of aliases and bounded in depth.
    """
    pending: list[Node] = [root] if root is not None else []
    while pending:  # depth first, in document order: the first problem in the file is named
        node = pending.pop()
        if isinstance(node, MappingNode):
            pending.extend(part for pair in reversed(node.value) for part in reversed(pair))
        elif isinstance(node, SequenceNode):
            pending.extend(reversed(node.value))
        elif isinstance(node, ScalarNode):
            _check_scalar(node, source, yaml, error)


def _check_scalar(node: ScalarNode, source: str, yaml: YAML, error: type[LslintError]) -> None:
    tag = str(getattr(node.tag, "value", node.tag))
    kind = tag.removeprefix(_CORE)
    where = _where(source, node.start_mark)
    if tag == f"{_CORE}merge":  # a merge key as a value, or under YAML 1.1 resolution
        raise error(f"YAML merge key '<<' is not allowed: {_NO_ALIASES}", where=where)
    if tag == f"{_CORE}value":
        raise error(f"'{node.value}' is a YAML value indicator; quote it", where=where)
    if kind not in ("timestamp", "int", "float"):
        return
    try:
        value = yaml.constructor.construct_object(node, deep=True)
    except (ValueError, OverflowError, YAMLError) as exc:
        raise error(_bad_scalar(kind, node.value, exc), where=where) from None
    if kind == "float" and not math.isfinite(value):
        raise error(
            f"'{node.value}' is not a finite number; rule and config values must be", where=where
        )


def _bad_scalar(kind: str, text: str, exc: Exception) -> str:
    what = {"timestamp": "date", "int": "integer", "float": "number"}[kind]
    reason = str(getattr(exc, "problem", None) or exc).splitlines()[0] if str(exc) else ""
    if kind == "int" and "limit" in reason:
        reason = "too many digits"
    elif kind == "timestamp" and reason.startswith("offset"):
        reason = "time zone offset out of range"
    shown = text if len(text) <= 40 else f"{text[:37]}..."
    return f"invalid {what} '{shown}'" + (f": {reason}" if reason else "")


def _where(source: str, mark: Any, fallback: str = "") -> str:
    if mark is None:
        return fallback or source
    return f"{source}:{mark.line + 1}:{mark.column + 1}"
