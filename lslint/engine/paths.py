"""Paths into resources: the shape of the models as rules see it, dotted paths parsed and
resolved against it when a rule loads, and looked up in resources when it runs.

Rule paths, operators and literals are checked against the models at load time, so a rule
can never silently stop matching because a field name is misspelt.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import cache
from typing import Any, Literal, Union

from pydantic import BaseModel

from lslint.models import EnumLike, LightsailModel
from lslint.suggest import suggest

ScalarKind = Literal["string", "integer", "number", "boolean", "timestamp"]


@dataclass(frozen=True)
class ScalarType:
    kind: ScalarKind
    enum: EnumLike | None = None

    @property
    def case_insensitive(self) -> bool:
        return self.enum is not None

    def describe(self) -> str:
        return self.kind

    def unknown_value(self, value: str) -> str | None:
        """Why ``value`` is not one of the values the API fixes for this field, or ``None``.

        Case is ignored, as when comparing: the API documents ``Public``, responses say
        ``public``.
        """
        if self.enum is None or not self.enum.values:
            return None
        if value.casefold() in {v.casefold() for v in self.enum.values}:
            return None
        known = ", ".join(self.enum.values)
        return f"'{value}' is not a known value (one of: {known})" + suggest(
            value, self.enum.values
        )


@dataclass(frozen=True)
class ListType:
    item: FieldType
    # Read through another list, where an entry without the inner list (or without the object
    # holding it) leaves a null item: an absent part that may hold any number of items, not
    # one. Not part of the type's identity: it says how to read nulls, not what the items are.
    absent_parts: bool = dataclass_field(default=False, compare=False)

    def describe(self) -> str:
        return f"list of {self.item.describe()}"


@dataclass(frozen=True)
class ObjectType:
    model: type[LightsailModel]

    @property
    def fields(self) -> dict[str, FieldType]:
        return object_fields(self.model)

    def describe(self) -> str:
        return f"{self.model.__name__} object"


FieldType = ScalarType | ListType | ObjectType

_SCALARS: dict[type, ScalarKind] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    datetime: "timestamp",
}


@cache
def object_fields(model: type[LightsailModel]) -> dict[str, FieldType]:
    """Every declared field of ``model`` with its rule-visible type (not those the API never
    reports for it)."""
    return {
        name: _field_type(info.annotation, info.metadata)
        for name, info in model.model_fields.items()
        if name not in model.NOT_REPORTED
    }


def _field_type(annotation: Any, metadata: list[Any]) -> FieldType:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _field_type(base, [*metadata, *extra])
    if origin in (Union, types.UnionType):
        inner = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"unsupported union {annotation!r}")
        return _field_type(inner[0], metadata)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return ListType(_field_type(item, []))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ObjectType(annotation)  # type: ignore[arg-type]
    if annotation in _SCALARS:
        enum = next((m for m in metadata if isinstance(m, EnumLike)), None)
        return ScalarType(_SCALARS[annotation], enum)
    raise TypeError(f"unsupported field type {annotation!r}")


class PathError(Exception):
    """A path names no field; ``message`` includes a suggestion where one is close."""


def resolve(
    root: FieldType, segments: typing.Sequence[str], shown: str, base: str = ""
) -> FieldType:
    """The type at ``segments`` below ``root``; lists are projected (``tags.key``).

    ``base`` is what the path starts from in the rule (a bound name such as ``port``), so that
    suggestions are whole paths the rule author can paste.
    """
    current = root
    walked: list[str] = [base] if base else []
    list_depth = 0
    absent_parts = False
    for segment in segments:
        container = current
        while isinstance(container, ListType):
            container = container.item
            list_depth += 1
        if not isinstance(container, ObjectType):
            raise PathError(
                f"'{shown}': '{'.'.join(walked)}' is a {container.describe()} and has no field "
                f"'{segment}'"
            )
        fields = container.fields
        if segment not in fields:
            prefix = ".".join(walked)
            full = [f"{prefix}.{f}" if prefix else f for f in fields]
            target = f"{prefix}.{segment}" if prefix else segment
            raise PathError(
                f"unknown field '{shown}' ({container.model.__name__} has no '{segment}')"
                + suggest(target, full)
            )
        current = fields[segment]
        walked.append(segment)
        # Below the first list, an item lacking this field or one above it stands for all the
        # items of this list: a null for any number of them.
        absent_parts = absent_parts or (list_depth > 0 and isinstance(current, ListType))
    if list_depth == 0:
        return current
    # A projection through lists is flattened to one list, as the evaluator does.
    while isinstance(current, ListType):
        current = current.item
    return ListType(current, absent_parts)


def unknown_values(raw: Any, field: FieldType) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Where a resource document written by hand holds a value the API never returns.

    Yields (location below ``raw``, reason) for every string at a fixed-value field whose value
    is unknown. Only for documents in rule files: real data is never checked this way.
    """
    if isinstance(field, ScalarType):
        if isinstance(raw, str) and (reason := field.unknown_value(raw)) is not None:
            yield (), reason
    elif isinstance(field, ListType):
        if isinstance(raw, list):
            for index, item in enumerate(raw):
                for where, reason in unknown_values(item, field.item):
                    yield (index, *where), reason
    elif isinstance(raw, dict):
        fields = field.fields
        for key, value in raw.items():
            if key in fields:
                for where, reason in unknown_values(value, fields[key]):
                    yield (key, *where), reason


# ---------------------------------------------------------------- paths in rules

_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class PathRef:
    """A dotted path, from a bound name (``port.cidrs``) or from the resource."""

    var: str | None
    segments: tuple[str, ...]
    text: str


def parse_path(
    text: str, root: ObjectType, scope: Mapping[str, FieldType]
) -> tuple[PathRef, FieldType]:
    """``text`` resolved against bound names first, then the resource, with its type."""
    segments = text.split(".")
    for segment in segments:
        if not _SEGMENT.match(segment):
            raise PathError(f"invalid path '{text}': bad segment '{segment}'")
    head, rest = segments[0], segments[1:]
    if head == "params":
        raise PathError(f"'{text}' is a parameter, not a resource path; use {{param: NAME}}")
    try:
        if head in scope:
            return PathRef(head, tuple(rest), text), resolve(scope[head], rest, text, head)
        if head == "resource":
            return PathRef(None, tuple(rest), text), resolve(root, rest, text, head)
        return PathRef(None, tuple(segments), text), resolve(root, segments, text)
    except PathError as exc:
        hint = ""
        if head not in root.fields and scope:
            hint = f"; bound names here: {', '.join(sorted(scope))}"
        raise PathError(f"{exc}{hint}") from None


def lookup(
    ref: PathRef, resource: LightsailModel, bindings: Mapping[str, tuple[Any, str]]
) -> tuple[Any, str]:
    """The value at ``ref`` and how to show its location (``networking.ports[2].cidrs``).

    ``bindings`` maps each bound name to its item and that item's shown location."""
    if ref.var is not None:
        value, shown = bindings[ref.var]
    else:
        value, shown = resource, ""
    for segment in ref.segments:
        shown = f"{shown}.{segment}" if shown else segment
        if value is None:
            return None, shown
        value = (
            project(value, segment) if isinstance(value, list) else getattr(value, segment, None)
        )
    return value, shown


def project(items: list[Any], segment: str) -> list[Any]:
    """``segment`` of every item of a list, as a path reads through one: an item that is
    None (or lacks it) gives None, and lists are flattened into the result."""
    projected: list[Any] = []
    for item in items:
        inner = None if item is None else getattr(item, segment, None)
        if isinstance(inner, list):
            projected.extend(inner)
        else:
            projected.append(inner)
    return projected


def holds_any_part(start: Any, segments: typing.Sequence[str]) -> bool:
    """Whether the path ``segments`` read from ``start`` holds any part of its value.

    For ``exists`` on a list read through another, whose projection cannot tell an entry
    without ``cidrs`` from one with ``cidrs: []``: the path holds a part where an entry holds
    the inner list (empty or not), and where a list it is read through is empty (that reads
    as a known empty list, as ``networking.ports.fromPort`` does), but not where every entry
    lacks the rest of the path."""
    value = start
    for index, segment in enumerate(segments):
        if value is None:
            return False
        if isinstance(value, list):
            rest = segments[index:]
            return not value or any(holds_any_part(item, rest) for item in value)
        value = getattr(value, segment, None)
    return value is not None
