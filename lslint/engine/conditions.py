"""Rule conditions: their nodes, and their parsing and type-checking when a rule loads.

Every path, operator and literal is checked against the models here; evaluation is in
:mod:`lslint.engine.logic`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lslint.engine.operators import (
    COUNT_COMPARISONS,
    OPERATORS,
    OperandError,
    Operator,
    check_scalar,
    describe_raw,
)
from lslint.engine.params import ParamUse
from lslint.engine.paths import (
    FieldType,
    ListType,
    ObjectType,
    PathError,
    PathRef,
    ScalarType,
    parse_path,
)
from lslint.suggest import suggest
from lslint.yamldoc import DocPath

Quantity = Literal["some", "every", "none"]
QUANTIFIERS: tuple[Quantity, ...] = ("some", "every", "none")
LOGICAL = ("and", "or", "not")
COUNT = "count"
COMBINATORS = (*LOGICAL, *QUANTIFIERS, COUNT)
LEAF_KEYS = ("path", "default", "match", "capture")
QUANTIFIER_KEYS = ("path", "as", "where", "default", "capture")
COUNT_KEYS = ("path", "as", "where", "default", "capture", *COUNT_COMPARISONS)
PATH_OPERAND_KEYS = ("path", "default")
RESERVED_NAMES = frozenset({"resource", "params"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # a bound or capture name
MAX_CONDITION_DEPTH = 32
"""Deepest nesting of and/or/not/some/every/none (the built-in rules use 4); evaluation
recurses once per level, so this bound keeps it far from Python's recursion limit."""


class ConditionError(Exception):
    """A condition problem at ``doc_path`` (inside the rule document)."""

    def __init__(self, doc_path: DocPath, message: str) -> None:
        super().__init__(message)
        self.doc_path = doc_path
        self.message = message


# ---------------------------------------------------------------- nodes


@dataclass(frozen=True)
class PathOperand:
    """Another field, of the resource or of a bound element, compared with the tested one."""

    path: PathRef
    kind: str  # Operator.path_operand: "value", "list" or "cidrs"
    default: Any = None
    has_default: bool = False


@dataclass(frozen=True)
class Operand:
    """A literal operand (already converted), a reference to a rule parameter, or a path."""

    value: Any = None
    param: str | None = None
    slot: int = -1
    path: PathOperand | None = None


@dataclass(frozen=True)
class Leaf:
    path: PathRef
    field: FieldType
    operator: Operator
    operand: Operand
    match: Quantity | None
    capture: str | None
    default: Any
    has_default: bool


@dataclass(frozen=True)
class Quantifier:
    kind: Quantity
    path: PathRef
    name: str
    where: Condition
    capture: str | None
    default: Any
    has_default: bool
    # Read through another list: a null item is an absent part, of any number of items.
    absent_parts: bool


@dataclass(frozen=True)
class Count:
    """How many items of a list there are (that satisfy ``where``), compared with a number."""

    path: PathRef
    name: str | None
    where: Condition | None
    comparison: Operator  # from COUNT_COMPARISONS
    operand: Operand
    capture: str | None
    default: Any
    has_default: bool
    # Read through another list: a null item is an absent part, of any number of items.
    absent_parts: bool


@dataclass(frozen=True)
class AllOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Negation:
    child: Condition


Condition = Leaf | Quantifier | Count | AllOf | AnyOf | Negation


@dataclass
class ParseContext:
    root: ObjectType
    param_names: Sequence[str]
    param_uses: list[ParamUse] = field(default_factory=list)
    # Captured names and the type of each value they collect; None when the captures of one
    # name disagree (a remediation command cannot then read fields of its items).
    captures: dict[str, FieldType | None] = field(default_factory=dict)
    depth: int = 0  # conditions open around the one being parsed


# ---------------------------------------------------------------- parsing


def parse_condition(
    raw: Any, doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType]
) -> Condition:
    if ctx.depth >= MAX_CONDITION_DEPTH:
        raise ConditionError(
            doc_path, f"conditions nest deeper than {MAX_CONDITION_DEPTH} levels; simplify them"
        )
    ctx.depth += 1
    try:
        return _parse_node(raw, doc_path, ctx, scope)
    finally:
        ctx.depth -= 1


def _parse_node(
    raw: Any, doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType]
) -> Condition:
    if not isinstance(raw, dict):
        raise ConditionError(doc_path, f"a condition must be a mapping, got {describe_raw(raw)}")
    combinators = [key for key in COMBINATORS if key in raw]
    if combinators:
        key = combinators[0]
        extra = sorted(set(raw) - {key})
        if extra:
            raise ConditionError(
                (*doc_path, extra[0]),
                f"'{key}' must stand alone in its mapping; unexpected key '{extra[0]}'",
            )
        inner_path = (*doc_path, key)
        body = raw[key]
        if key in ("and", "or"):
            if not isinstance(body, list) or not body:
                raise ConditionError(inner_path, f"'{key}' takes a non-empty list of conditions")
            children = tuple(
                parse_condition(item, (*inner_path, i), ctx, scope) for i, item in enumerate(body)
            )
            return AllOf(children) if key == "and" else AnyOf(children)
        if key == "not":
            return Negation(parse_condition(body, inner_path, ctx, scope))
        if key == COUNT:
            return _parse_count(body, inner_path, ctx, scope)
        return _parse_quantifier(key, body, inner_path, ctx, scope)  # type: ignore[arg-type]
    return _parse_leaf(raw, doc_path, ctx, scope)


def _parse_quantifier(
    kind: Quantity, body: Any, doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType]
) -> Quantifier:
    if not isinstance(body, dict):
        raise ConditionError(doc_path, f"'{kind}' takes a mapping with path, as and where")
    _reject_unknown_keys(body, QUANTIFIER_KEYS, doc_path)
    for required in ("path", "as", "where"):
        if required not in body:
            raise ConditionError(doc_path, f"'{kind}' needs '{required}'")
    path, field_type = _parse_path(body["path"], (*doc_path, "path"), ctx, scope)
    if not isinstance(field_type, ListType):
        raise ConditionError(
            (*doc_path, "path"),
            f"'{kind}' iterates over a list, but '{path.text}' is a {field_type.describe()}",
        )
    name = body["as"]
    _check_new_name(name, (*doc_path, "as"), ctx, scope, what="bound name")
    inner_scope = {**scope, name: field_type.item}
    where = parse_condition(body["where"], (*doc_path, "where"), ctx, inner_scope)
    capture = _parse_capture(body, doc_path, ctx, field_type.item)
    has_default = "default" in body
    default = (
        _check_default(body["default"], field_type, (*doc_path, "default")) if has_default else None
    )
    return Quantifier(
        kind, path, name, where, capture, default, has_default, field_type.absent_parts
    )


def _parse_count(
    body: Any, doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType]
) -> Count:
    if not isinstance(body, dict):
        raise ConditionError(
            doc_path, "'count' takes a mapping with path, a comparison, and optionally as/where"
        )
    _reject_unknown_keys(body, COUNT_KEYS, doc_path)
    if "path" not in body:
        raise ConditionError(doc_path, "'count' needs 'path'")
    comparisons = [key for key in body if key in COUNT_COMPARISONS]
    if len(comparisons) != 1:
        found = ", ".join(comparisons) if comparisons else "none"
        raise ConditionError(
            doc_path,
            f"'count' needs exactly one comparison, one of {', '.join(COUNT_COMPARISONS)} "
            f"(found: {found})",
        )
    path, field_type = _parse_path(body["path"], (*doc_path, "path"), ctx, scope)
    if not isinstance(field_type, ListType):
        raise ConditionError(
            (*doc_path, "path"),
            f"'count' counts the items of a list, but '{path.text}' is a {field_type.describe()}",
        )
    if ("as" in body) != ("where" in body):
        missing, given = ("where", "as") if "as" in body else ("as", "where")
        raise ConditionError(
            (*doc_path, given),
            f"'count' with '{given}' needs '{missing}' too: 'as' names the item that 'where' tests",
        )
    name: str | None = None
    where: Condition | None = None
    if "where" in body:
        name = body["as"]
        _check_new_name(name, (*doc_path, "as"), ctx, scope, what="bound name")
        inner_scope = {**scope, str(name): field_type.item}
        where = parse_condition(body["where"], (*doc_path, "where"), ctx, inner_scope)
    comparison = COUNT_COMPARISONS[comparisons[0]]
    shown = f"the count of {path.text}"
    operand = _parse_operand(
        body[comparison.name],
        comparison,
        ScalarType("integer"),
        (*doc_path, comparison.name),
        ctx,
        shown,
        scope,
        allow_path=False,
    )
    capture = _parse_capture(body, doc_path, ctx, field_type.item)
    has_default = "default" in body
    default = (
        _check_default(body["default"], field_type, (*doc_path, "default")) if has_default else None
    )
    return Count(
        path, None if name is None else str(name), where, comparison, operand, capture, default,
        has_default, field_type.absent_parts,
    )  # fmt: skip


def _parse_leaf(
    raw: dict[str, Any], doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType]
) -> Leaf:
    operators = [key for key in raw if key in OPERATORS]
    _reject_unknown_keys(raw, (*LEAF_KEYS, *OPERATORS, *COMBINATORS), doc_path)
    if "path" not in raw:
        raise ConditionError(
            doc_path, "a condition needs 'path' (or and/or/not/some/every/none/count)"
        )
    if len(operators) != 1:
        found = ", ".join(operators) if operators else "none"
        raise ConditionError(doc_path, f"a condition needs exactly one operator (found: {found})")
    operator = OPERATORS[operators[0]]
    op_path = (*doc_path, operator.name)
    path, field_type = _parse_path(raw["path"], (*doc_path, "path"), ctx, scope)

    match = raw.get("match")
    if match is not None and match not in QUANTIFIERS:
        raise ConditionError(
            (*doc_path, "match"), f"match must be some, every or none, got {match!r}"
        )
    per_element = isinstance(field_type, ListType) and not operator.whole_value
    if per_element and match is None:
        raise ConditionError(
            op_path,
            f"'{path.text}' is a {field_type.describe()}; '{operator.name}' tests one value, "
            "so add 'match: some', 'match: every' or 'match: none'",
        )
    if not per_element and match is not None:
        raise ConditionError(
            (*doc_path, "match"),
            f"'match' is only for single-value operators on lists; '{operator.name}' on "
            f"'{path.text}' ({field_type.describe()}) takes the value as a whole",
        )
    target = field_type.item if per_element and isinstance(field_type, ListType) else field_type
    if not operator.accepts(target):
        raise ConditionError(
            op_path,
            f"'{operator.name}' applies to {operator.applies_to}, but '{path.text}' is a "
            f"{target.describe()}",
        )
    operand = _parse_operand(raw[operator.name], operator, target, op_path, ctx, path.text, scope)

    has_default = "default" in raw
    if has_default and operator.name == "exists":
        raise ConditionError((*doc_path, "default"), "'exists' tests absence; it takes no default")
    default = (
        _check_default(raw["default"], field_type, (*doc_path, "default")) if has_default else None
    )
    capture = _parse_capture(raw, doc_path, ctx, _item_type(field_type))
    return Leaf(path, field_type, operator, operand, match, capture, default, has_default)


def _parse_operand(
    raw: Any,
    operator: Operator,
    target: FieldType,
    op_path: DocPath,
    ctx: ParseContext,
    shown: str,
    scope: Mapping[str, FieldType],
    *,
    allow_path: bool = True,
) -> Operand:
    """A literal operand, checked now, a parameter use, whose values (the default and any
    override) are checked when the rule is bound to them, or another path, type-checked now."""
    if isinstance(raw, dict):
        if allow_path and "path" in raw:
            return Operand(
                path=_parse_path_operand(raw, operator, target, op_path, ctx, shown, scope)
            )
        if set(raw) != {"param"} or not isinstance(raw["param"], str):
            what = "{param: NAME} or {path: P}" if allow_path else "{param: NAME}"
            raise ConditionError(
                op_path,
                f"an operand mapping must be {what}"
                + suggest(next(iter(raw), ""), ["param", "path"] if allow_path else ["param"]),
            )
        name = raw["param"]
        if name not in ctx.param_names:
            raise ConditionError(
                (*op_path, "param"),
                f"unknown parameter '{name}'" + suggest(name, ctx.param_names),
            )
        slot = len(ctx.param_uses)
        ctx.param_uses.append(ParamUse(name, slot, operator, target, shown))
        return Operand(param=name, slot=slot)
    try:
        return Operand(value=operator.check_operand(raw, target))
    except OperandError as exc:
        raise ConditionError(op_path, f"'{operator.name}': {exc}") from None


def _parse_path_operand(
    raw: dict[str, Any],
    operator: Operator,
    target: FieldType,
    op_path: DocPath,
    ctx: ParseContext,
    shown: str,
    scope: Mapping[str, FieldType],
) -> PathOperand:
    """``{path: P, default: V}`` as the operand: P must hold what the operator compares with."""
    _reject_unknown_keys(raw, PATH_OPERAND_KEYS, op_path)
    if operator.path_operand is None:
        raise ConditionError(
            (*op_path, "path"),
            f"'{operator.name}' takes a literal or {{param: NAME}}, not another path",
        )
    path, other = _parse_path(raw["path"], (*op_path, "path"), ctx, scope)
    # List operators compare items: `contains` takes one, the others a list of them.
    item = target.item if operator.whole_value and isinstance(target, ListType) else target
    expected: FieldType = ListType(item) if operator.path_operand == "list" else item
    if operator.path_operand == "cidrs":
        fits = _scalar_kind(other) == "string"
        expected_text = "a string or list of strings (CIDRs)"
    else:
        fits = _comparable(expected, other)
        described = expected.describe()
        expected_text = f"{'an' if described[0] in 'aeiou' else 'a'} {described}"
    if not fits:
        raise ConditionError(
            (*op_path, "path"),
            f"'{operator.name}' cannot compare '{shown}' ({target.describe()}) with "
            f"'{path.text}' ({other.describe()}); it needs {expected_text}",
        )
    has_default = "default" in raw
    default = _check_default(raw["default"], other, (*op_path, "default")) if has_default else None
    return PathOperand(path, operator.path_operand, default, has_default)


def _scalar_kind(field_type: FieldType) -> str | None:
    """The scalar kind of a field or of a list's items; numbers are one kind."""
    if isinstance(field_type, ListType):
        field_type = field_type.item
    if not isinstance(field_type, ScalarType):
        return None
    return "number" if field_type.kind == "integer" else field_type.kind


def _comparable(expected: FieldType, other: FieldType) -> bool:
    if isinstance(expected, ListType) != isinstance(other, ListType):
        return False
    return _scalar_kind(expected) is not None and _scalar_kind(expected) == _scalar_kind(other)


def _parse_path(
    raw: Any, doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType]
) -> tuple[PathRef, FieldType]:
    if not isinstance(raw, str) or not raw.strip():
        raise ConditionError(doc_path, f"path must be a dotted field name, got {describe_raw(raw)}")
    return parse_path_text(raw.strip(), doc_path, ctx.root, scope)


def parse_path_text(
    text: str, doc_path: DocPath, root: ObjectType, scope: Mapping[str, FieldType]
) -> tuple[PathRef, FieldType]:
    """Resolve ``text`` against bound names first, then the resource."""
    try:
        return parse_path(text, root, scope)
    except PathError as exc:
        raise ConditionError(doc_path, str(exc)) from None


def _check_new_name(
    name: Any, doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType], *, what: str
) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConditionError(doc_path, f"{what} must be an identifier, got {describe_raw(name)}")
    if name in RESERVED_NAMES or name in ctx.root.fields:
        raise ConditionError(
            doc_path, f"{what} '{name}' would hide the resource field or reserved name '{name}'"
        )
    if name in scope:
        raise ConditionError(doc_path, f"{what} '{name}' is already bound here")


def _parse_capture(
    raw: dict[str, Any], doc_path: DocPath, ctx: ParseContext, item_type: FieldType
) -> str | None:
    """The capture name of a leaf or quantifier; ``item_type`` is the type of what it collects."""
    if "capture" not in raw:
        return None
    name = raw["capture"]
    _check_new_name(name, (*doc_path, "capture"), ctx, {}, what="capture name")
    if name in ctx.captures and ctx.captures[name] != item_type:
        ctx.captures[name] = None
    else:
        ctx.captures.setdefault(name, item_type)
    return str(name)


def _item_type(field_type: FieldType) -> FieldType:
    # What a leaf captures: the value, its matching items, or the operand items a list lacks;
    # captures are collected into one list, so a list contributes its items.
    return field_type.item if isinstance(field_type, ListType) else field_type


def _check_default(raw: Any, field_type: FieldType, doc_path: DocPath) -> Any:
    try:
        if isinstance(field_type, ScalarType):
            return check_scalar(raw, field_type)
        if isinstance(field_type, ListType):
            if not isinstance(raw, list):
                raise OperandError(f"expected a list, got {describe_raw(raw)}")
            if isinstance(field_type.item, ScalarType):
                return [check_scalar(item, field_type.item) for item in raw]
            if raw:
                raise OperandError(f"a default for a {field_type.describe()} can only be []")
            return []
        raise OperandError(f"a {field_type.describe()} cannot have a default")
    except OperandError as exc:
        raise ConditionError(doc_path, f"default: {exc}") from None


# Operator spellings of other policy languages, for "did you mean" where spelling is no guide.
_ALIASES = {
    "eq": "equals", "==": "equals", "equal": "equals", "is": "equals",
    "ne": "not_equals", "neq": "not_equals", "!=": "not_equals",
    "ge": "gte", ">=": "gte", "le": "lte", "<=": "lte", ">": "gt", "<": "lt",
    "regex": "matches", "re": "matches", "value_regex": "matches",
    "not_contains": "lacks_any", "any": "some", "all": "every",
}  # fmt: skip


def _reject_unknown_keys(raw: dict[str, Any], allowed: Sequence[str], doc_path: DocPath) -> None:
    for key in raw:
        if key not in allowed:
            meant = _ALIASES.get(key.lower()) if isinstance(key, str) else None
            hint = f" (did you mean '{meant}'?)" if meant in allowed else suggest(key, allowed)
            raise ConditionError((*doc_path, key), f"unknown condition key '{key}'" + hint)


# ---------------------------------------------------------------- reading


ReadNode = Leaf | Quantifier | Count | PathOperand


def read_paths(*conditions: Condition | None) -> list[tuple[str, ReadNode]]:
    """Each leaf, quantifier, count and field operand under ``conditions`` with the resource
    path it reads, spelt
    from the resource: ``port.cidrs`` inside ``some: {path: networking.ports, as: port}`` reads
    ``networking.ports.cidrs``, and ``port`` itself reads ``networking.ports``."""
    found: list[tuple[str, ReadNode]] = []
    for condition in conditions:
        if condition is not None:
            _collect_paths(condition, {}, found)
    return found


def _collect_paths(
    node: Condition,
    bound: Mapping[str, Sequence[str]],
    found: list[tuple[str, ReadNode]],
) -> None:
    if isinstance(node, (AllOf, AnyOf)):
        for child in node.children:
            _collect_paths(child, bound, found)
    elif isinstance(node, Negation):
        _collect_paths(node.child, bound, found)
    else:
        base = bound[node.path.var] if node.path.var is not None else ()
        full = (*base, *node.path.segments)
        found.append((".".join(full), node))
        operand = node.operand.path if isinstance(node, Leaf) else None
        if operand is not None:  # the other field a leaf compares with is read too
            other = bound[operand.path.var] if operand.path.var is not None else ()
            found.append((".".join((*other, *operand.path.segments)), operand))
        if isinstance(node, (Quantifier, Count)) and node.where is not None:
            assert node.name is not None
            _collect_paths(node.where, {**bound, node.name: full}, found)
