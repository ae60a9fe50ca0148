"""Every path a rule can read, for each resource kind, from the models: the fields reference
(``docs/fields.md`` and ``lslint rules fields``).

The types are the ones the rule loader checks paths and literals against, so the reference
cannot drift from what rules accept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lslint.engine.paths import FieldType, ListType, ObjectType, ScalarType, resolve
from lslint.errors import ConfigError
from lslint.models import RESOURCE_KINDS, ResourceKind
from lslint.suggest import suggest

_MAX_DEPTH = 8  # models do not nest this deep; a guard, should one ever refer to itself


@dataclass(frozen=True)
class FieldDoc:
    """One path of a resource kind: what a rule sees there."""

    path: str
    type: str  # "string", "list of integer", "object", ...
    values: tuple[str, ...] = ()  # the values the API fixes, checked in rule literals
    any_case: bool = False  # compared without regard to case

    def values_text(self) -> str:
        # Every fixed-value field compares in any case; an open one that does says so.
        if not self.values:
            return "(any value, compared in any case)" if self.any_case else ""
        return ", ".join(self.values)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "type": self.type,
            "values": list(self.values),
            "any_case": self.any_case,
        }


def describe_type(field: FieldType) -> str:
    if isinstance(field, ScalarType):
        return field.kind
    if isinstance(field, ListType):
        return f"list of {describe_type(field.item)}"
    return "object"


def kind_fields(kind: ResourceKind) -> list[FieldDoc]:
    """Every path of ``kind``, parents before their fields, sorted."""
    root = ObjectType(kind.model)
    docs = [_doc(path, resolve(root, path.split("."), path)) for path in _paths(root, "", 0)]
    return sorted(docs, key=lambda doc: [part.casefold() for part in doc.path.split(".")])


def _paths(container: ObjectType, prefix: str, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    for name, field in container.fields.items():
        path = f"{prefix}{name}"
        yield path
        inner = field
        while isinstance(inner, ListType):
            inner = inner.item
        if isinstance(inner, ObjectType):
            yield from _paths(inner, f"{path}.", depth + 1)


def _doc(path: str, field: FieldType) -> FieldDoc:
    scalar = field
    while isinstance(scalar, ListType):
        scalar = scalar.item
    values: tuple[str, ...] = ()
    any_case = False
    if isinstance(scalar, ScalarType) and scalar.enum is not None:
        values, any_case = scalar.enum.values, scalar.case_insensitive
    return FieldDoc(path, describe_type(field), values, any_case)


def chosen_kinds(names: tuple[str, ...]) -> list[ResourceKind]:
    """The kinds ``names`` give (all when none), in table order; an unknown one is an error."""
    for name in names:
        if name.lower() not in RESOURCE_KINDS:
            raise ConfigError(
                f"unknown resource kind '{name}'{suggest(name.lower(), RESOURCE_KINDS)}",
                hint=f"known kinds: {', '.join(RESOURCE_KINDS)}",
            )
    wanted = {name.lower() for name in names}
    return [kind for kind in RESOURCE_KINDS.values() if not wanted or kind.name in wanted]
