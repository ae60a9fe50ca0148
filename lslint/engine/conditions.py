"""Rule conditions: parsed and type-checked when a rule loads, evaluated with 3-valued logic.

A condition is *true*, *false* or *unknown*. A missing or null value makes a leaf unknown
unless the leaf gives ``default:``; ``and``/``or``/``not`` combine unknowns the way SQL does.
An unknown ``fail_if`` becomes an error result, never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lslint.engine.operators import (
    OPERATORS,
    OperandError,
    Operator,
    Truth,
    UnknownValueError,
    Verdict,
    check_scalar,
)
from lslint.engine.schema import (
    FieldType,
    ListType,
    ObjectType,
    PathError,
    ScalarType,
    resolve,
)
from lslint.models import LightsailModel
from lslint.suggest import suggest
from lslint.yamldoc import DocPath

Quantity = Literal["some", "every", "none"]
QUANTIFIERS: tuple[Quantity, ...] = ("some", "every", "none")
LOGICAL = ("and", "or", "not")
LEAF_KEYS = ("path", "default", "match", "capture")
QUANTIFIER_KEYS = ("path", "as", "where", "default", "capture")
RESERVED_NAMES = frozenset({"resource", "params"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
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
class PathRef:
    """A dotted path, from a bound name (``port.cidrs``) or from the resource."""

    var: str | None
    segments: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Operand:
    """A literal operand (already converted) or a reference to a rule parameter."""

    value: Any = None
    param: str | None = None
    slot: int = -1


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


@dataclass(frozen=True)
class AllOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Negation:
    child: Condition


Condition = Leaf | Quantifier | AllOf | AnyOf | Negation


@dataclass(frozen=True)
class ParamUse:
    """Where a parameter is used as an operand, and how its value is checked there."""

    name: str
    slot: int
    check: Callable[[Any], Any]
    doc_path: DocPath


@dataclass
class ParseContext:
    root: ObjectType
    param_defaults: Mapping[str, Any]
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
        raise ConditionError(doc_path, f"a condition must be a mapping, got {_kind(raw)}")
    combinators = [key for key in (*LOGICAL, *QUANTIFIERS) if key in raw]
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
    return Quantifier(kind, path, name, where, capture, default, has_default)


def _parse_leaf(
    raw: dict[str, Any], doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType]
) -> Leaf:
    operators = [key for key in raw if key in OPERATORS]
    _reject_unknown_keys(raw, (*LEAF_KEYS, *OPERATORS, *LOGICAL, *QUANTIFIERS), doc_path)
    if "path" not in raw:
        raise ConditionError(doc_path, "a condition needs 'path' (or and/or/not/some/every/none)")
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
    operand = _parse_operand(raw[operator.name], operator, target, op_path, ctx, path.text)

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
) -> Operand:
    def check(value: Any) -> Any:
        return operator.check_operand(value, target)

    if isinstance(raw, dict):
        if set(raw) != {"param"} or not isinstance(raw["param"], str):
            raise ConditionError(
                op_path, "an operand mapping must be {param: NAME}, referring to a rule parameter"
            )
        name = raw["param"]
        if name not in ctx.param_defaults:
            raise ConditionError(
                (*op_path, "param"),
                f"unknown parameter '{name}'" + suggest(name, ctx.param_defaults),
            )
        default = ctx.param_defaults[name]
        try:
            check(default)
        except UnknownValueError as exc:
            # The default is what is misspelt, not the condition that uses it.
            raise ConditionError(
                _default_item(name, default, exc.value),
                f"parameter '{name}' (compared with '{shown}' by '{operator.name}'): {exc}",
            ) from None
        except OperandError as exc:
            raise ConditionError(
                (*op_path, "param"),
                f"parameter '{name}' does not fit '{operator.name}': {exc}",
            ) from None
        slot = len(ctx.param_uses)
        ctx.param_uses.append(ParamUse(name, slot, check, op_path))
        return Operand(param=name, slot=slot)
    try:
        return Operand(value=check(raw))
    except OperandError as exc:
        raise ConditionError(op_path, f"'{operator.name}': {exc}") from None


def _default_item(name: str, default: Any, value: str) -> DocPath:
    """Where ``value`` is in the default of parameter ``name``."""
    where: DocPath = ("params", name, "default")
    if isinstance(default, list) and value in default:
        return (*where, default.index(value))
    return where


def _parse_path(
    raw: Any, doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType]
) -> tuple[PathRef, FieldType]:
    if not isinstance(raw, str) or not raw.strip():
        raise ConditionError(doc_path, f"path must be a dotted field name, got {_kind(raw)}")
    return parse_path_text(raw.strip(), doc_path, ctx.root, scope)


def parse_path_text(
    text: str, doc_path: DocPath, root: ObjectType, scope: Mapping[str, FieldType]
) -> tuple[PathRef, FieldType]:
    """Resolve ``text`` against bound names first, then the resource."""
    segments = text.split(".")
    for segment in segments:
        if not _NAME.match(segment):
            raise ConditionError(doc_path, f"invalid path '{text}': bad segment '{segment}'")
    head, rest = segments[0], segments[1:]
    if head == "params":
        raise ConditionError(
            doc_path, f"'{text}' is a parameter, not a resource path; use {{param: NAME}}"
        )
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
        raise ConditionError(doc_path, f"{exc}{hint}") from None


def _check_new_name(
    name: Any, doc_path: DocPath, ctx: ParseContext, scope: Mapping[str, FieldType], *, what: str
) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConditionError(doc_path, f"{what} must be an identifier, got {_kind(name)}")
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
                raise OperandError(f"expected a list, got {_kind(raw)}")
            if isinstance(field_type.item, ScalarType):
                return [check_scalar(item, field_type.item) for item in raw]
            if raw:
                raise OperandError(f"a default for a {field_type.describe()} can only be []")
            return []
        raise OperandError(f"a {field_type.describe()} cannot have a default")
    except OperandError as exc:
        raise ConditionError(doc_path, f"default: {exc}") from None


def _reject_unknown_keys(raw: dict[str, Any], allowed: Sequence[str], doc_path: DocPath) -> None:
    for key in raw:
        if key not in allowed:
            raise ConditionError(
                (*doc_path, key), f"unknown condition key '{key}'" + suggest(key, allowed)
            )


def _kind(raw: Any) -> str:
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, list):
        return "a list"
    if raw is None:
        return "nothing"
    return f"{type(raw).__name__} {raw!r}"


def walk(node: Condition) -> Sequence[Condition]:
    """Every node below and including ``node``, depth first."""
    found: list[Condition] = [node]
    if isinstance(node, (AllOf, AnyOf)):
        for child in node.children:
            found.extend(walk(child))
    elif isinstance(node, Negation):
        found.extend(walk(node.child))
    elif isinstance(node, Quantifier):
        found.extend(walk(node.where))
    return found


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Assumed:
    """A default that stood in for an absent value; messages say it was assumed."""

    value: Any
    path: str


@dataclass(frozen=True, slots=True)
class Outcome:
    truth: Truth
    captures: tuple[tuple[str, Any], ...] = ()
    evidence: tuple[tuple[str, Any], ...] = ()
    reasons: tuple[str, ...] = ()


FALSE = Outcome(False)


@dataclass
class Env:
    resource: LightsailModel
    operands: Sequence[Any]  # converted parameter values, by ParamUse.slot
    bindings: dict[str, tuple[Any, str]] = field(default_factory=dict)


def lookup(ref: PathRef, env: Env) -> tuple[Any, str]:
    """The value at ``ref`` and how to show its location (``networking.ports[2].cidrs``)."""
    if ref.var is not None:
        value, shown = env.bindings[ref.var]
    else:
        value, shown = env.resource, ""
    for segment in ref.segments:
        shown = f"{shown}.{segment}" if shown else segment
        if value is None:
            return None, shown
        if isinstance(value, list):
            projected: list[Any] = []
            for item in value:
                inner = None if item is None else getattr(item, segment, None)
                projected.extend(inner) if isinstance(inner, list) else projected.append(inner)
            value = projected
        else:
            value = getattr(value, segment, None)
    return value, shown


def evaluate(node: Condition, env: Env) -> Outcome:
    if isinstance(node, Leaf):
        return _evaluate_leaf(node, env)
    if isinstance(node, Quantifier):
        return _evaluate_quantifier(node, env)
    if isinstance(node, AllOf):
        results = []
        for child in node.children:
            result = evaluate(child, env)
            if result.truth is False:
                return FALSE
            results.append(result)
        return _combine(results, True if all(r.truth for r in results) else None)
    if isinstance(node, AnyOf):
        results = [evaluate(child, env) for child in node.children]
        if any(r.truth for r in results):
            return _combine([r for r in results if r.truth], True)
        return _combine(results, False if all(r.truth is False for r in results) else None)
    inner = evaluate(node.child, env)
    if inner.truth is None:
        return Outcome(None, reasons=inner.reasons)
    return Outcome(not inner.truth)


def _combine(results: Sequence[Outcome], truth: Truth) -> Outcome:
    if truth is None:
        return Outcome(None, reasons=tuple(r for o in results for r in o.reasons))
    if not truth:
        return FALSE
    return Outcome(
        True,
        captures=tuple(c for o in results for c in o.captures),
        evidence=tuple(e for o in results for e in o.evidence),
    )


def _operand(leaf: Leaf, env: Env) -> Any:
    return env.operands[leaf.operand.slot] if leaf.operand.param else leaf.operand.value


def _evaluate_leaf(leaf: Leaf, env: Env) -> Outcome:
    value, shown = lookup(leaf.path, env)
    operand = _operand(leaf, env)
    if leaf.operator.name == "exists":
        return _leaf_outcome(leaf, leaf.operator.test(value, operand, leaf.field), shown)
    if value is None:
        if not leaf.has_default:
            return Outcome(None, reasons=(f"{shown} absent",))
        verdict = _test(leaf, leaf.default, operand, shown)
        if verdict.truth:
            # The default made the leaf true: messages and evidence must say it was assumed.
            verdict = Verdict(True, Assumed(verdict.witness, shown))
        return _leaf_outcome(leaf, verdict, shown)
    return _leaf_outcome(leaf, _test(leaf, value, operand, shown), shown)


def _test(leaf: Leaf, value: Any, operand: Any, shown: str) -> Verdict:
    if leaf.match is None:
        verdict = leaf.operator.test(value, operand, leaf.field)
        if verdict.truth is None:
            return Verdict(None, reason=f"{shown}: {verdict.reason}")
        return verdict
    item_type = leaf.field.item if isinstance(leaf.field, ListType) else leaf.field
    hits: list[Any] = []
    misses = 0
    reasons: list[str] = []
    for index, item in enumerate(value):
        if item is None:
            reasons.append(f"{shown}[{index}] absent")
            continue
        verdict = leaf.operator.test(item, operand, item_type)
        if verdict.truth is None:
            reasons.append(f"{shown}[{index}]: {verdict.reason}")
        elif verdict.truth:
            hits.append(verdict.witness)
        else:
            misses += 1
    if leaf.match == "some":
        truth: Truth = True if hits else (None if reasons else False)
        witness: Any = hits
    elif leaf.match == "every":
        truth = False if misses else (None if reasons else True)
        witness = hits
    else:
        truth = False if hits else (None if reasons else True)
        witness = list(value)
    return Verdict(truth, witness if truth else None, "; ".join(reasons))


def _leaf_outcome(leaf: Leaf, verdict: Verdict, shown: str) -> Outcome:
    if verdict.truth is None:
        return Outcome(None, reasons=(verdict.reason or f"{shown} unknown",))
    if not verdict.truth:
        return FALSE
    captures = ((leaf.capture, verdict.witness),) if leaf.capture else ()
    return Outcome(True, captures=captures, evidence=((shown, verdict.witness),))


def _evaluate_quantifier(node: Quantifier, env: Env) -> Outcome:
    value, shown = lookup(node.path, env)
    if value is None:
        if not node.has_default:
            return Outcome(None, reasons=(f"{shown} absent",))
        value = node.default
    saved = env.bindings.get(node.name)
    matched: list[Outcome] = []
    matched_items: list[Any] = []
    unknown: list[Outcome] = []
    unknown_items: list[Any] = []
    misses = 0
    try:
        for index, item in enumerate(value):
            env.bindings[node.name] = (item, f"{shown}[{index}]")
            result = evaluate(node.where, env)
            if result.truth:
                matched.append(result)
                matched_items.append(item)
            elif result.truth is None:
                unknown.append(result)
                unknown_items.append(item)
            else:
                misses += 1
    finally:
        if saved is None:
            env.bindings.pop(node.name, None)
        else:
            env.bindings[node.name] = saved
    reasons = tuple(r for o in unknown for r in o.reasons)
    if node.kind == "some":
        truth: Truth = True if matched else (None if unknown else False)
        items = matched_items
    elif node.kind == "every":
        truth = False if misses else (None if unknown else True)
        items = list(value)
    else:
        truth = False if matched else (None if unknown else True)
        items = list(value)
    if truth is None:
        return Outcome(None, reasons=reasons)
    if not truth:
        return FALSE
    captures = tuple(c for o in matched for c in o.captures)
    if node.capture:
        captures += ((node.capture, items),)
    evidence: tuple[tuple[str, Any], ...] = ((shown, items),)
    if node.kind == "some" and unknown_items:
        # Items that could not be judged are evidence too: a new one changes the finding's
        # fingerprint, so a baseline or pinned suppression of the old finding stops hiding it.
        evidence += ((f"{shown} (undecided)", unknown_items),)
    return Outcome(True, captures=captures, evidence=evidence)
