"""Conditions compiled once into closures, so that judging a resource interprets nothing.

:func:`lslint.engine.logic.evaluate` walks a condition's nodes for every resource, asking
each node what it is and each path how to look itself up. Here that work happens once per
condition: every node becomes a closure over what it needs, paths become attribute reads
whose shown locations (``networking.ports[2].cidrs``) are prepared in advance, and literal
operands are folded and their operator's test chosen when the rule is first judged. Tests of
texts remember their answers (fleets repeat a few protocols, blueprints and CIDRs), which
holds because an operator's answer depends on the value, the operand and the scan time alone.

The semantics are exactly ``evaluate``'s, which stays the reference: the same truth,
captures, evidence and reasons for every node (tests compare the two on every rule test
and on generated resources). Operators this module does not know are called through
:attr:`Operator.test`, as ``evaluate`` does.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from lslint.engine.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Count,
    Leaf,
    Negation,
    PathOperand,
    Quantifier,
)
from lslint.engine.logic import (
    FALSE,
    AbsentParts,
    Assumed,
    Env,
    Outcome,
    count_outcome,
    has_absent_parts,
    judge_counted,
    judge_items,
    path_start,
    present_items,
    quantifier_outcome,
    quantify,
)
from lslint.engine.operators import OPERATORS, AtScan, Operator, parse_network
from lslint.engine.paths import FieldType, ListType, PathRef, ScalarType, holds_any_part, project

Compiled = Callable[[Env], Outcome]
Getter = Callable[[Env], tuple[Any, str]]
# An operator's answer for one value: (truth, witness, reason why it is unknown).
Answer = tuple[Any, Any, str]
Test = Callable[[Any, Any], Answer]
Predicate = Callable[[Any], Any]  # a literal operand's test whose witness is the value itself

# An item's truth under a quantifier or count, from (resource, operands, scan time, bindings).
ItemTruth = Callable[[Any, Sequence[Any], Any, dict[str, tuple[Any, str]]], Any]
Prefilters = Mapping[int, ItemTruth]

TRUE = Outcome(True)
_Made = TypeVar("_Made")
# Conditions by id, while they live: nodes may hold lists (defaults), so they cannot be keys.
_COMPILED: dict[int, tuple[weakref.ref[Condition], Compiled]] = {}


def compiled(node: Condition) -> Compiled:
    """``node`` as a closure, compiled on first use; bound variants of a rule share it."""
    return per_node(_COMPILED, node, compile_condition)


def per_node(
    cache: dict[int, tuple[weakref.ref[Condition], _Made]], node: Condition,
    make: Callable[[Condition], _Made],
) -> _Made:  # fmt: skip
    """What ``make`` gives for ``node``, made once while the node lives (by id: nodes may
    hold lists, so they cannot be keys)."""
    entry = cache.get(id(node))
    if entry is not None and entry[0]() is node:
        return entry[1]
    made = make(node)
    cache[id(node)] = (weakref.ref(node), made)
    weakref.finalize(node, cache.pop, id(node), None)
    return made


def compile_condition(node: Condition, prefilters: Prefilters | None = None) -> Compiled:
    """``node`` as a closure. ``prefilters`` may give quantifiers and counts (by node id) a
    cheaper test of each item's truth: an item it says is false is a miss without its
    condition's closure being run."""
    if isinstance(node, Leaf):
        return _leaf(node)
    if isinstance(node, Quantifier):
        return _quantifier(node, prefilters)
    if isinstance(node, Count):
        return _count(node, prefilters)
    if isinstance(node, AllOf):
        return _all_of(tuple(compile_condition(c, prefilters) for c in node.children))
    if isinstance(node, AnyOf):
        return _any_of(tuple(compile_condition(c, prefilters) for c in node.children))
    assert isinstance(node, Negation)
    return _negation(compile_condition(node.child, prefilters))


def _where(node: Quantifier | Count, where: Condition, prefilters: Prefilters | None) -> Compiled:
    """The closure of a quantifier's or count's condition, behind its prefilter if it has one."""
    judge = compile_condition(where, prefilters)
    item_truth = prefilters.get(id(node)) if prefilters else None
    if item_truth is None:
        return judge
    if not captures_anything(where):
        # Of an item's outcome, its quantifier or count keeps the truth, the captures of a
        # match and the reasons of an unknown: where nothing is captured, an item the test
        # finds true is a match with nothing more to say, and only unknowns need the closure.
        def tested(env: Env) -> Outcome:
            truth = item_truth(env.resource, env.operands, env.now, env.bindings)
            if truth is True:
                return TRUE
            if truth is False:
                return FALSE
            return judge(env)

        return tested

    def prefiltered(env: Env) -> Outcome:
        if item_truth(env.resource, env.operands, env.now, env.bindings) is False:
            return FALSE
        return judge(env)

    return prefiltered


def captures_anything(node: Condition) -> bool:
    """Whether ``node`` or a condition inside it captures a value."""
    if isinstance(node, (Leaf, Quantifier, Count)) and node.capture:
        return True
    if isinstance(node, (Quantifier, Negation)):
        return captures_anything(node.where if isinstance(node, Quantifier) else node.child)
    if isinstance(node, Count):
        return node.where is not None and captures_anything(node.where)
    if isinstance(node, (AllOf, AnyOf)):
        return any(captures_anything(child) for child in node.children)
    return False


# ---------------------------------------------------------------- paths


def _walk(value: Any, segments: tuple[str, ...], shown: Sequence[str]) -> tuple[Any, str]:
    """``lookup``'s walk; ``shown[i]`` is the location once segment ``i`` is taken."""
    for index, segment in enumerate(segments):
        if value is None:
            return None, shown[index]
        if isinstance(value, list):
            value = project(value, segment)
        else:
            value = getattr(value, segment, None)
    return value, shown[-1]


def getter(ref: PathRef) -> Getter:
    """What :func:`lslint.engine.paths.lookup` answers for ``ref``, as a closure."""
    segments, var = ref.segments, ref.var
    if var is None:
        if not segments:
            return lambda env: (env.resource, "")
        prefixes = tuple(".".join(segments[: i + 1]) for i in range(len(segments)))
        if len(segments) == 1:
            (name,), (shown,) = segments, prefixes

            def get_field(env: Env) -> tuple[Any, str]:
                return getattr(env.resource, name, None), shown

            return get_field

        def get_path(env: Env) -> tuple[Any, str]:
            return _walk(env.resource, segments, prefixes)

        return get_path
    if not segments:
        return lambda env: env.bindings[var]
    suffixes = tuple("." + ".".join(segments[: i + 1]) for i in range(len(segments)))

    def located(base: str, index: int) -> str:
        return base + suffixes[index] if base else suffixes[index][1:]

    if len(segments) == 1:
        (name,), (suffix,) = segments, suffixes

        def get_bound_field(env: Env) -> tuple[Any, str]:
            item, base = env.bindings[var]
            shown = base + suffix if base else name
            if item is None:
                return None, shown
            if isinstance(item, list):
                return project(item, name), shown
            return getattr(item, name, None), shown

        return get_bound_field

    def get_bound_path(env: Env) -> tuple[Any, str]:
        item, base = env.bindings[var]
        return _walk(item, segments, [located(base, i) for i in range(len(segments))])

    return get_bound_path


# ---------------------------------------------------------------- operators


def _folder(field: FieldType) -> Callable[[Any], Any]:
    if isinstance(field, ScalarType) and field.case_insensitive:
        return lambda value: value.casefold() if isinstance(value, str) else value
    return lambda value: value


def _predicate(operator: Operator, operand: Any, field: FieldType) -> Predicate | None:
    """A test of a built-in operator with a literal operand that is always true or false and
    whose witness is the tested value; ``None`` for any other operator."""
    if OPERATORS.get(operator.name) is not operator:
        return None
    name = operator.name
    fold = _folder(field)
    case_insensitive = isinstance(field, ScalarType) and field.case_insensitive
    if name in ("equals", "not_equals"):
        expected = fold(operand)
        if name == "equals":
            if case_insensitive:
                return lambda value: fold(value) == expected
            return lambda value: value == expected
        if case_insensitive:
            return lambda value: fold(value) != expected
        return lambda value: value != expected
    if name in ("in", "not_in"):
        items = tuple(fold(item) for item in operand)
        texts = frozenset(items) if all(isinstance(i, str) for i in items) else None

        def found(value: Any) -> bool:
            folded = fold(value)
            if texts is not None and isinstance(folded, str):
                return folded in texts
            return any(folded == item for item in items)

        if name == "in":
            return found
        return lambda value: not found(value)
    if name == "gt":
        return lambda value: value > operand
    if name == "gte":
        return lambda value: value >= operand
    if name == "lt":
        return lambda value: value < operand
    if name == "lte":
        return lambda value: value <= operand
    if name == "matches":
        return _remembered(operand.search)
    if name == "matches_any":
        return _remembered(lambda value: any(pattern.search(value) for pattern in operand))
    if name == "exists":
        return lambda value: (value is not None) == operand
    if name == "empty":
        if isinstance(field, ListType) and field.absent_parts:
            return None  # an absent part may leave the answer unknown: the operator's test

        def empty(value: Any) -> Any:
            is_empty = not value.strip() if isinstance(value, str) else len(value) == 0
            return is_empty == operand

        return empty
    return None


MEMO_SIZE = 4096  # texts remembered per test: fleets repeat the same few values


def _remembered(predicate: Predicate) -> Predicate:
    """``predicate`` remembering its answer for each text it was asked about."""
    answers: dict[str, Any] = {}

    def remembered(value: Any) -> Any:
        if type(value) is not str:
            return predicate(value)
        answer = answers.get(value)
        if answer is None:
            answer = predicate(value)
            if len(answers) < MEMO_SIZE:
                answers[value] = answer
        return answer

    return remembered


def _remembering(test: Test, reads_scan_time: bool) -> Test:
    """``test`` remembering its answer for each text, per operand object (a literal, or a
    bound rule's parameter value) and scan time. Operator tests are functions of the value,
    the operand and the scan time alone, and a text is one value whatever resource holds it.
    """
    by_operand: dict[int, tuple[Any, dict[Any, Answer]]] = {}

    def remembering(value: Any, operand: Any) -> Answer:
        if type(value) is not str:
            return test(value, operand)
        key: Any = value
        owner = operand
        if reads_scan_time:
            owner, key = operand.operand, (value, operand.now)
        entry = by_operand.get(id(owner))
        if entry is None or entry[0] is not owner:
            if len(by_operand) >= 64:
                by_operand.clear()
            # The operand is kept alive with its answers, so its id names no other object.
            entry = by_operand[id(owner)] = (owner, {})
        answers = entry[1]
        answer = answers.get(key)
        if answer is None:
            answer = test(value, operand)
            if len(answers) < MEMO_SIZE:
                answers[key] = answer
        return answer

    return remembering


def _test(operator: Operator, field: FieldType) -> Test:
    """The operator's test, answering (truth, witness, reason) for a value and an operand."""
    if OPERATORS.get(operator.name) is operator and operator.name == "cidr_is_world":

        def cidr_is_world(value: Any, operand: Any) -> Answer:
            network = parse_network(value)
            if network is None:
                return None, None, f"{value!r} is not a valid CIDR"
            return (network.prefixlen == 0) == operand, value, ""

        return cidr_is_world
    test = operator.test

    def generic(value: Any, operand: Any) -> Answer:
        result = test(value, operand, field)
        return result.truth, result.witness, result.reason

    return generic


Check = Callable[[Any, Any, str], Answer]  # (value, operand, shown) -> answer


def _check(leaf: Leaf, predicate: Predicate | None) -> Check:
    """``logic._test``: the operator on the value, or on each item under ``match``."""
    test = _test(leaf.operator, _tested_type(leaf))
    if leaf.operand.path is None:
        test = _remembering(test, leaf.operator.reads_scan_time)
    match = leaf.match
    if match is None:
        if predicate is not None:
            return lambda value, operand, shown: (predicate(value), value, "")

        def single(value: Any, operand: Any, shown: str) -> Answer:
            truth, witness, reason = test(value, operand)
            if truth is None:
                return None, None, f"{shown}: {reason}"
            return truth, witness, reason

        return single

    def each(value: Any, operand: Any, shown: str) -> Answer:
        hits: list[Any] = []
        misses = 0
        reasons: list[str] = []
        for index, item in enumerate(value):
            if item is None:
                reasons.append(f"{shown}[{index}] absent")
                continue
            if predicate is not None:
                if predicate(item):
                    hits.append(item)
                else:
                    misses += 1
                continue
            truth, witness, reason = test(item, operand)
            if truth is None:
                reasons.append(f"{shown}[{index}]: {reason}")
            elif truth:
                hits.append(witness)
            else:
                misses += 1
        truth = quantify(match, len(hits), misses, len(reasons))
        # 'none' holds for the list as a whole; 'some' and 'every' for the items that matched.
        held: Any = list(value) if match == "none" else hits
        return truth, held if truth else None, "; ".join(reasons)

    return each


def _tested_type(leaf: Leaf) -> FieldType:
    """The type of what the operator tests: the value, or each item under ``match``."""
    if leaf.match is not None and isinstance(leaf.field, ListType):
        return leaf.field.item
    return leaf.field


# ---------------------------------------------------------------- operands

# The operand for one resource, the evidence of a path operand, and why it is unknown (or None).
OperandOf = Callable[[Env], tuple[Any, tuple[tuple[str, Any], ...], str | None]]


def _path_operand(ref: PathOperand) -> Callable[[Env], tuple[Any, str, str | None]]:
    get = getter(ref.path)
    kind, has_default, default = ref.kind, ref.has_default, ref.default

    def operand(env: Env) -> tuple[Any, str, str | None]:
        value, shown = get(env)
        if value is None:
            if not has_default:
                return None, shown, f"{shown} absent"
            value = default
        if kind == "value":
            return value, shown, None
        if any(item is None for item in value):
            return None, shown, f"{shown} has absent items"
        if kind == "list":
            return tuple(value), shown, None
        texts = value if isinstance(value, list) else [value]
        networks = []
        for text in texts:
            network = parse_network(text)
            if network is None:
                return None, shown, f"{shown}: {text!r} is not a valid CIDR"
            networks.append(network)
        return tuple(networks), shown, None

    return operand


def _operand_of(leaf: Leaf) -> OperandOf:
    """``logic._operand``, for operands that are not a literal read without the scan time."""
    reads_scan_time = leaf.operator.reads_scan_time
    source = leaf.operand
    path = _path_operand(source.path) if source.path is not None else None
    slot, param, value = source.slot, source.param, source.value

    def operand_of(env: Env) -> tuple[Any, tuple[tuple[str, Any], ...], str | None]:
        evidence: tuple[tuple[str, Any], ...] = ()
        if path is not None:
            operand, shown, unknown = path(env)
            if unknown is not None:
                return None, (), unknown
            evidence = ((shown, operand),)
        elif param:
            operand = env.operands[slot]
        else:
            operand = value
        if reads_scan_time:
            if env.now is None:
                return None, (), "the scan time is not known"
            operand = AtScan(operand, env.now)
        return operand, evidence, None

    return operand_of


# ---------------------------------------------------------------- nodes


def _leaf(leaf: Leaf) -> Compiled:
    get = getter(leaf.path)
    source = leaf.operand
    literal = source.path is None and not source.param and not leaf.operator.reads_scan_time
    constant = source.value
    operand_of = None if literal else _operand_of(leaf)
    predicate = _predicate(leaf.operator, constant, _tested_type(leaf)) if literal else None
    check = _check(leaf, predicate)
    is_exists = leaf.operator.name == "exists"
    if predicate is not None and leaf.match is None and not is_exists:
        return _simple_leaf(leaf, predicate, check)
    exists_test = _test(leaf.operator, leaf.field)
    has_default, default, capture = leaf.has_default, leaf.default, leaf.capture
    # exists on a list read through another: absent as a whole when every part is absent
    parts = leaf.path if is_exists and has_absent_parts(leaf.field) else None

    def run(env: Env) -> Outcome:
        value, shown = get(env)
        if parts is not None and value is not None:
            if not holds_any_part(path_start(parts, env), parts.segments):
                value = None
        elif value is None and not has_default and not is_exists:
            return Outcome(None, reasons=(f"{shown} absent",))
        extra: tuple[tuple[str, Any], ...] = ()
        if operand_of is None:
            operand = constant
        else:
            operand, extra, unknown = operand_of(env)
            if unknown is not None:
                return Outcome(None, reasons=(unknown,))
        if is_exists:
            truth, witness, reason = exists_test(value, operand)
        elif value is None:
            truth, witness, reason = check(default, operand, shown)
            if truth:
                # The default made the leaf true: messages and evidence must say it was assumed.
                witness = Assumed(witness, shown)
        else:
            truth, witness, reason = check(value, operand, shown)
        if truth is None:
            return Outcome(None, reasons=(reason or f"{shown} unknown",))
        if not truth:
            return FALSE
        evidence = ((shown, witness), *extra) if extra else ((shown, witness),)
        return Outcome(True, ((capture, witness),) if capture else (), evidence)

    return run


def _simple_leaf(leaf: Leaf, predicate: Predicate, check: Check) -> Compiled:
    """A leaf testing one value with a literal operand: ``_leaf`` without what it needs not."""
    has_default, default, capture, constant = (
        leaf.has_default, leaf.default, leaf.capture, leaf.operand.value
    )  # fmt: skip

    def assumed(shown: str) -> Outcome:
        if not has_default:
            return Outcome(None, reasons=(f"{shown} absent",))
        truth, witness, _ = check(default, constant, shown)
        if not truth:
            return FALSE
        witness = Assumed(witness, shown)
        return Outcome(True, ((capture, witness),) if capture else (), ((shown, witness),))

    var, segments = leaf.path.var, leaf.path.segments
    if var is not None and len(segments) == 1:
        # A field of a bound item (port.protocol): the lookup is inlined.
        (name,) = segments
        suffix = "." + name

        def run_bound_field(env: Env) -> Outcome:
            item, base = env.bindings[var]
            shown = base + suffix if base else name
            if item is None:
                return assumed(shown)
            value = project(item, name) if isinstance(item, list) else getattr(item, name, None)
            if value is None:
                return assumed(shown)
            if predicate(value):
                return Outcome(True, ((capture, value),) if capture else (), ((shown, value),))
            return FALSE

        return run_bound_field
    get = getter(leaf.path)

    def run(env: Env) -> Outcome:
        value, shown = get(env)
        if value is None:
            return assumed(shown)
        if predicate(value):
            return Outcome(True, ((capture, value),) if capture else (), ((shown, value),))
        return FALSE

    return run


def _quantifier(node: Quantifier, prefilters: Prefilters | None = None) -> Compiled:
    get = getter(node.path)
    where = _where(node, node.where, prefilters)
    kind, name, capture = node.kind, node.name, node.capture
    has_default, default = node.has_default, node.default
    absent: AbsentParts = "unknown" if node.absent_parts else "judged"

    def run(env: Env) -> Outcome:
        value, shown = get(env)
        if value is None:
            if not has_default:
                return Outcome(None, reasons=(f"{shown} absent",))
            value = default
        judged = judge_items(where, name, value, shown, env, absent)
        return quantifier_outcome(kind, value, shown, capture, judged)

    return run


def _count(node: Count, prefilters: Prefilters | None = None) -> Compiled:
    get = getter(node.path)
    where = _where(node, node.where, prefilters) if node.where is not None else None
    name, capture, comparison = node.name, node.capture, node.comparison
    has_default, default = node.has_default, node.default
    operand, absent_parts = node.operand, node.absent_parts

    def run(env: Env) -> Outcome:
        value, shown = get(env)
        if value is None:
            if not has_default:
                return Outcome(None, reasons=(f"{shown} absent",))
            value = default
        limit = env.operands[operand.slot] if operand.param else operand.value
        if where is None:
            judged, absent = present_items(value)
        else:
            assert name is not None
            judged, absent = judge_counted(where, name, value, shown, env, absent_parts)
        return count_outcome(comparison, limit, shown, capture, judged, absent)

    return run


def _combined(results: Sequence[Outcome]) -> Outcome:
    """Outcomes that all held, as one: their captures and evidence, in order."""
    if len(results) == 1:
        only = results[0]
        return only if not only.reasons else Outcome(True, only.captures, only.evidence)
    captures: tuple[tuple[str, Any], ...] = ()
    evidence: tuple[tuple[str, Any], ...] = ()
    for result in results:
        if result.captures:
            captures += result.captures
        evidence += result.evidence
    return Outcome(True, captures, evidence)


def _unknown(results: Sequence[Outcome]) -> Outcome:
    return Outcome(None, reasons=tuple(r for o in results for r in o.reasons))


def _all_of(children: tuple[Compiled, ...]) -> Compiled:
    def run(env: Env) -> Outcome:
        results = []
        unknown = False
        for child in children:
            result = child(env)
            truth = result.truth
            if truth is False:
                return FALSE
            if not truth:
                unknown = True
            results.append(result)
        return _unknown(results) if unknown else _combined(results)

    return run


def _any_of(children: tuple[Compiled, ...]) -> Compiled:
    def run(env: Env) -> Outcome:
        results = [child(env) for child in children]
        held = [r for r in results if r.truth]
        if held:
            return _combined(held)
        if all(r.truth is False for r in results):
            return FALSE
        return _unknown(results)

    return run


def _negation(child: Compiled) -> Compiled:
    def run(env: Env) -> Outcome:
        inner = child(env)
        if inner.truth is None:
            return Outcome(None, reasons=inner.reasons)
        return FALSE if inner.truth else TRUE

    return run
