"""Three-valued evaluation of parsed conditions.

A condition is *true*, *false* or *unknown*. A missing or null value makes a leaf unknown
unless the leaf gives ``default:``; ``and``/``or``/``not`` combine unknowns the way SQL does,
and ``some``/``every``/``none`` (quantifier nodes, and ``match:`` on leaves) share one truth
table, :func:`quantify`. An unknown ``fail_if`` becomes an error result, never a pass.

:func:`evaluate` is the reference statement of these semantics. Scans judge resources with
the conditions compiled by :mod:`lslint.engine.compiled`, which tests check against it on
every rule's test cases, the examples and generated resources.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from lslint.engine.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Count,
    Leaf,
    PathOperand,
    Quantifier,
    Quantity,
)
from lslint.engine.operators import AtScan, Operator, OperatorResult, Truth, parse_network
from lslint.engine.paths import FieldType, ListType, PathRef, ScalarType, holds_any_part, lookup
from lslint.models import LightsailModel


def quantify(kind: Quantity, hits: int, misses: int, unknowns: int) -> Truth:
    """Whether some, every or no item holds, from how many items do, do not, or are unknown.

    An unknown item decides nothing when a known one already does (one hit makes ``some``
    true, one miss makes ``every`` false); otherwise it makes the answer unknown."""
    if kind == "some":
        return True if hits else (None if unknowns else False)
    if kind == "every":
        return False if misses else (None if unknowns else True)
    return False if hits else (None if unknowns else True)


@dataclass(frozen=True)
class Assumed:
    """A default that stood in for an absent value; messages say it was assumed."""

    value: Any
    path: str


class Outcome(NamedTuple):
    """What a condition says about one resource. A tuple: one is made for every condition a
    resource is judged by, and a tuple is made several times faster than a frozen dataclass."""

    truth: Truth
    captures: tuple[tuple[str, Any], ...] = ()
    evidence: tuple[tuple[str, Any], ...] = ()
    reasons: tuple[str, ...] = ()


FALSE = Outcome(False)
_COUNT = ScalarType("integer")


@dataclass
class Env:
    resource: LightsailModel
    operands: Sequence[Any]  # converted parameter values, by ParamUse.slot
    bindings: dict[str, tuple[Any, str]] = field(default_factory=dict)
    # The scan's time, taken once per run by the caller; the engine never reads the clock.
    # Without it, conditions about time are unknown.
    now: datetime | None = None


class _Unknown(Exception):
    """An operand that cannot be had (an absent path, the scan time not given)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def evaluate(node: Condition, env: Env) -> Outcome:
    if isinstance(node, Leaf):
        return _evaluate_leaf(node, env)
    if isinstance(node, Quantifier):
        return _evaluate_quantifier(node, env)
    if isinstance(node, Count):
        return _evaluate_count(node, env)
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


def _operand(leaf: Leaf, env: Env) -> tuple[Any, tuple[tuple[str, Any], ...]]:
    """The leaf's operand as its operator takes it, and, for a path operand, its evidence.

    Raises :class:`_Unknown` when it cannot be had."""
    evidence: tuple[tuple[str, Any], ...] = ()
    if leaf.operand.path is not None:
        operand, shown = _path_operand(leaf.operand.path, env)
        evidence = ((shown, operand),)
    elif leaf.operand.param:
        operand = env.operands[leaf.operand.slot]
    else:
        operand = leaf.operand.value
    if leaf.operator.reads_scan_time:
        if env.now is None:
            raise _Unknown("the scan time is not known")
        operand = AtScan(operand, env.now)
    return operand, evidence


def _path_operand(ref: PathOperand, env: Env) -> tuple[Any, str]:
    value, shown = lookup(ref.path, env.resource, env.bindings)
    if value is None:
        if not ref.has_default:
            raise _Unknown(f"{shown} absent")
        value = ref.default
    if ref.kind == "value":
        return value, shown
    if any(item is None for item in value):
        raise _Unknown(f"{shown} has absent items")
    if ref.kind == "list":
        return tuple(value), shown
    texts = value if isinstance(value, list) else [value]
    networks = []
    for text in texts:
        network = parse_network(text)
        if network is None:
            raise _Unknown(f"{shown}: {text!r} is not a valid CIDR")
        networks.append(network)
    return tuple(networks), shown


def _evaluate_leaf(leaf: Leaf, env: Env) -> Outcome:
    value, shown = lookup(leaf.path, env.resource, env.bindings)
    if leaf.operator.name == "exists":
        value = exists_value(leaf, value, env)
    elif value is None and not leaf.has_default:
        return Outcome(None, reasons=(f"{shown} absent",))
    try:
        operand, operand_evidence = _operand(leaf, env)
    except _Unknown as exc:
        return Outcome(None, reasons=(exc.reason,))
    outcome = _tested(leaf, value, shown, operand)
    if outcome.truth and operand_evidence:
        outcome = Outcome(True, outcome.captures, outcome.evidence + operand_evidence)
    return outcome


def exists_value(leaf: Leaf, value: Any, env: Env) -> Any:
    """The value ``exists`` tests: in a list read through another, one whose every part is
    absent (no firewall entry holds ``cidrs``) is absent as a whole, not a list of nulls."""
    if value is None or not has_absent_parts(leaf.field):
        return value
    return value if holds_any_part(path_start(leaf.path, env), leaf.path.segments) else None


def has_absent_parts(field: FieldType) -> bool:
    return isinstance(field, ListType) and field.absent_parts


def path_start(ref: PathRef, env: Env) -> Any:
    """What ``ref`` is read from: its bound item, or the resource."""
    return env.resource if ref.var is None else env.bindings[ref.var][0]


def _tested(leaf: Leaf, value: Any, shown: str, operand: Any) -> Outcome:
    if leaf.operator.name == "exists":
        return _leaf_outcome(leaf, leaf.operator.test(value, operand, leaf.field), shown)
    if value is None:
        if not leaf.has_default:
            return Outcome(None, reasons=(f"{shown} absent",))
        result = _test(leaf, leaf.default, operand, shown)
        if result.truth:
            # The default made the leaf true: messages and evidence must say it was assumed.
            result = OperatorResult(True, Assumed(result.witness, shown))
        return _leaf_outcome(leaf, result, shown)
    return _leaf_outcome(leaf, _test(leaf, value, operand, shown), shown)


def _test(leaf: Leaf, value: Any, operand: Any, shown: str) -> OperatorResult:
    if leaf.match is None:
        result = leaf.operator.test(value, operand, leaf.field)
        if result.truth is None:
            return OperatorResult(None, reason=f"{shown}: {result.reason}")
        return result
    item_type = leaf.field.item if isinstance(leaf.field, ListType) else leaf.field
    hits: list[Any] = []
    misses = 0
    reasons: list[str] = []
    for index, item in enumerate(value):
        if item is None:
            reasons.append(f"{shown}[{index}] absent")
            continue
        result = leaf.operator.test(item, operand, item_type)
        if result.truth is None:
            reasons.append(f"{shown}[{index}]: {result.reason}")
        elif result.truth:
            hits.append(result.witness)
        else:
            misses += 1
    truth = quantify(leaf.match, len(hits), misses, len(reasons))
    # 'none' holds for the list as a whole; 'some' and 'every' for the items that matched.
    witness: Any = list(value) if leaf.match == "none" else hits
    return OperatorResult(truth, witness if truth else None, "; ".join(reasons))


def _leaf_outcome(leaf: Leaf, result: OperatorResult, shown: str) -> Outcome:
    if result.truth is None:
        return Outcome(None, reasons=(result.reason or f"{shown} unknown",))
    if not result.truth:
        return FALSE
    captures = ((leaf.capture, result.witness),) if leaf.capture else ()
    return Outcome(True, captures=captures, evidence=((shown, result.witness),))


def _evaluate_quantifier(node: Quantifier, env: Env) -> Outcome:
    value, shown = lookup(node.path, env.resource, env.bindings)
    if value is None:
        if not node.has_default:
            return Outcome(None, reasons=(f"{shown} absent",))
        value = node.default
    where = node.where
    absent: AbsentParts = "unknown" if node.absent_parts else "judged"
    judged = judge_items(lambda e: evaluate(where, e), node.name, value, shown, env, absent)
    return quantifier_outcome(node.kind, value, shown, node.capture, judged)


class Judged(NamedTuple):
    """The items of a list judged by a condition, bound one by one to a name."""

    matched: list[Outcome]
    matched_items: list[Any]
    unknown: list[Outcome]
    unknown_items: list[Any]
    misses: int  # items the condition did not hold for


# How a list's null items are judged: as items like any other ("judged"), or, in a list read
# through another, as absent parts that may hold any number of items: left to the caller
# ("skipped", a count) or unknown without being judged ("unknown", a quantifier).
AbsentParts = Literal["judged", "skipped", "unknown"]


def judge_items(
    judge: Callable[[Env], Outcome],
    name: str,
    items: Sequence[Any],
    shown: str,
    env: Env,
    absent: AbsentParts = "judged",
) -> Judged:
    """``judge`` on each item of ``items`` bound to ``name`` (shown as ``shown[i]``), null
    items as ``absent`` says; the name's earlier binding, if any, is restored afterwards.
    The interpreter and the compiled conditions both judge list items here."""
    matched: list[Outcome] = []
    matched_items: list[Any] = []
    unknown: list[Outcome] = []
    unknown_items: list[Any] = []
    misses = 0
    bindings = env.bindings
    saved = bindings.get(name)
    try:
        for index, item in enumerate(items):
            if item is None and absent != "judged":
                if absent == "unknown":
                    # No default describes it: it may hold no item, or many.
                    unknown.append(Outcome(None, reasons=(f"{shown}[{index}] absent",)))
                    unknown_items.append(item)
                continue
            bindings[name] = (item, f"{shown}[{index}]")
            result = judge(env)
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
            bindings.pop(name, None)
        else:
            bindings[name] = saved
    return Judged(matched, matched_items, unknown, unknown_items, misses)


def quantifier_outcome(
    kind: Quantity, items: Sequence[Any], shown: str, capture: str | None, judged: Judged
) -> Outcome:
    """A some/every/none quantifier's outcome over ``items``, judged as ``judged`` says."""
    truth = quantify(kind, len(judged.matched), judged.misses, len(judged.unknown))
    if truth is None:
        return Outcome(None, reasons=tuple(r for o in judged.unknown for r in o.reasons))
    if not truth:
        return FALSE
    shown_items = judged.matched_items if kind == "some" else list(items)
    captures = tuple(c for o in judged.matched for c in o.captures)
    if capture:
        captures += ((capture, shown_items),)
    evidence: tuple[tuple[str, Any], ...] = ((shown, shown_items),)
    if kind == "some" and judged.unknown_items:
        # Items that could not be judged are evidence too: a new one changes the finding's
        # fingerprint, so a baseline or pinned suppression of the old finding stops hiding it.
        evidence += ((f"{shown} (undecided)", judged.unknown_items),)
    return Outcome(True, captures=captures, evidence=evidence)


def count_truth(decide: Callable[[int], Truth], hits: int, unknowns: int) -> Truth:
    """The comparison's answer for any count from ``hits`` to ``hits + unknowns``: decided
    when every count the unknown items allow gives the same answer, else unknown."""
    answers = {bool(decide(count)) for count in range(hits, hits + unknowns + 1)}
    return answers.pop() if len(answers) == 1 else None


def _evaluate_count(node: Count, env: Env) -> Outcome:
    value, shown = lookup(node.path, env.resource, env.bindings)
    if value is None:
        if not node.has_default:
            return Outcome(None, reasons=(f"{shown} absent",))
        value = node.default
    limit = env.operands[node.operand.slot] if node.operand.param else node.operand.value
    if node.where is None:
        judged, absent = present_items(value)
    else:
        assert node.name is not None
        where = node.where
        judged, absent = judge_counted(
            lambda e: evaluate(where, e), node.name, value, shown, env, node.absent_parts
        )
    return count_outcome(node.comparison, limit, shown, node.capture, judged, absent)


def judge_counted(
    judge: Callable[[Env], Outcome],
    name: str,
    items: Sequence[Any],
    shown: str,
    env: Env,
    absent_parts: bool,
) -> tuple[Judged, int]:
    """A counted list's items judged by ``where``, and how many are absent parts: in a list
    read through another (``absent_parts``), a null item is an entry without the inner list,
    which may hold any number of items, so it is not judged as one item."""
    if not absent_parts:
        return judge_items(judge, name, items, shown, env), 0
    absent = sum(1 for item in items if item is None)
    return judge_items(judge, name, items, shown, env, "skipped"), absent


def present_items(items: Sequence[Any]) -> tuple[Judged, int]:
    """A list counted without a condition: each item the data holds counts, and how many were
    reported as null (a list of unknown length in a projection)."""
    held = [item for item in items if item is not None]
    return Judged([], held, [], [], 0), len(items) - len(held)


def count_outcome(
    comparison: Operator, limit: int, shown: str, capture: str | None, judged: Judged, absent: int
) -> Outcome:
    """A count's outcome: ``judged`` says which items count; ``absent`` parts may hold any
    number of items, counted or not, so they leave the count open above its known hits."""

    def decide(count: int) -> Truth:
        return comparison.test(count, limit, _COUNT).truth

    hits = len(judged.matched_items)
    if absent:
        # Each absent part may hold any number of items: the count is hits or more, and the
        # comparison with `limit` answers alike for every count above max(hits, limit) + 1.
        truth = count_truth(decide, hits, max(hits, limit) + 1 - hits)
        if truth is None:
            return Outcome(None, reasons=(f"count of {shown} is {hits} or more: {shown} absent",))
    else:
        truth = count_truth(decide, hits, len(judged.unknown_items))
        if truth is None:
            reasons = tuple(r for o in judged.unknown for r in o.reasons)
            between = f"between {hits} and {hits + len(judged.unknown_items)}"
            return Outcome(None, reasons=(f"count of {shown} is {between}", *reasons))
    if not truth:
        return FALSE
    captures = tuple(c for o in judged.matched for c in o.captures)
    if capture:
        captures += ((capture, judged.matched_items),)
    evidence: tuple[tuple[str, Any], ...] = (
        (f"{shown} (count)", hits),
        (shown, judged.matched_items),
    )
    if judged.unknown_items:
        evidence += ((f"{shown} (undecided)", judged.unknown_items),)
    return Outcome(True, captures=captures, evidence=evidence)
