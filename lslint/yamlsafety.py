"""Checks that keep hostile YAML from costing time, memory or a crash before it becomes data.

Rule and config files are small hand-written documents, so YAML's riskier features are
refused outright, each at its ``file:line:col``:

- anchors, aliases and merge keys (``<<``): an alias is a reference, so a few hundred bytes of
  nested aliases expand to gigabytes ("billion laughs"); these files never need them;
- explicit tags (``!!python/object``, ``!custom``, even ``!!str``): the files describe data;
- lists and mappings used as mapping keys: every key in these files is a name;
- nesting deeper than :data:`MAX_DEPTH`: building deeper values recurses past Python's limit;
- implicit scalars that do not hold a value: an impossible date (``2020-02-30``), a number
  that is not finite (``.inf``, ``1e400``) or an integer too long to convert.

Each node is checked by :class:`CheckedComposer` before it is built, so a refused document is
never expanded; the scalars are checked by :func:`check_scalars` on the composed tree, whose
tags the resolver has settled, before anything is constructed. Problems are raised as
:class:`Refused` with the position of the offending text.
"""

from __future__ import annotations

import math
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent, CollectionStartEvent, NodeEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists in a rule or config file (the built-in rules use 8)."""

_CORE = "tag:yaml.org,2002:"
_NO_ALIASES = "anchors, aliases and merge keys are not supported; write the value out in full"


class Refused(Exception):
    """A document feature lslint does not accept, at ``mark`` (a ruamel.yaml mark)."""

    def __init__(self, message: str, mark: Any, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


class CheckedComposer(Composer):
    """ruamel.yaml's composer, refusing anchors, aliases, explicit tags and deep nesting.

    Each node's first event is checked before the node is built, so a refused document is
    read no further than its first problem (an alias is never resolved, a deeply nested flow
    list never scanned to its end).
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader=loader)
        self.collections = 0  # mappings and lists open around the node being composed

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            raise Refused(
                f"YAML alias *{event.anchor} is not allowed: {_NO_ALIASES}", event.start_mark
            )
        if event.anchor is not None:
            raise Refused(
                f"YAML anchor &{event.anchor} is not allowed: {_NO_ALIASES}", event.start_mark
            )
        tag = _explicit_tag(event)
        if tag:
            # Shown where the value's key is (`index` is the key node of a mapping value), as
            # other errors about a value are.
            shown = index.start_mark if isinstance(index, Node) else event.start_mark
            raise Refused(f"YAML tag {tag} is not allowed", shown)
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        if isinstance(parent, MappingNode) and index is None:
            # A list or mapping as a key ("? [a, b]", or "{x: 1}: y"): never a rule or config
            # key, and one that holds a list cannot even be built into a dictionary.
            raise Refused("a mapping key must be a string, not a list or mapping", event.start_mark)
        if self.collections >= MAX_DEPTH:
            raise Refused(
                f"YAML nesting is deeper than {MAX_DEPTH} levels",
                event.start_mark,
                hint="flatten the document; rule and config files need only a few levels",
            )
        self.collections += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.collections -= 1


def _explicit_tag(event: NodeEvent) -> str:
    tag = getattr(event, "tag", None)
    if tag is None:
        return ""
    return str(getattr(tag, "value", tag) or "")


def check_scalars(root: Node, yaml: YAML) -> None:
    """Refuse implicit scalars that name no value: impossible dates, non-finite numbers, ….

    ``root`` is the composed document, already free of aliases and bounded in depth.
    """
    pending: list[Node] = [root]
    while pending:  # depth first, in document order: the first problem in the file is named
        node = pending.pop()
        if isinstance(node, MappingNode):
            pending.extend(part for pair in reversed(node.value) for part in reversed(pair))
        elif isinstance(node, SequenceNode):
            pending.extend(reversed(node.value))
        elif isinstance(node, ScalarNode):
            _check_scalar(node, yaml)


def _check_scalar(node: ScalarNode, yaml: YAML) -> None:
    tag = str(getattr(node.tag, "value", node.tag))
    kind = tag.removeprefix(_CORE)
    where = node.start_mark
    if tag == f"{_CORE}merge":  # a plain `<<`: as a key it would merge a mapping in
        raise Refused(f"YAML merge key '<<' is not allowed: {_NO_ALIASES}", where)
    if tag == f"{_CORE}value":
        raise Refused(f"'{node.value}' is a YAML value indicator; quote it", where)
    if kind not in ("timestamp", "int", "float"):
        return
    try:
        value = yaml.constructor.construct_object(node, deep=True)
    except (ValueError, OverflowError, YAMLError) as exc:
        raise Refused(_bad_scalar(kind, node.value, exc), where) from None
    if kind == "float" and not math.isfinite(value):
        raise Refused(
            f"'{node.value}' is not a finite number; rule and config values must be", where
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
