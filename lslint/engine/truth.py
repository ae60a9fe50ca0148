"""Conditions compiled to their truth alone: true, false or unknown, nothing else.

Most checks pass, and a pass needs no captures, evidence or reasons. So a rule is first
judged by a function that answers only the three-valued truth of each of its conditions; the
closures of :mod:`lslint.engine.compiled` build the full outcome only when a rule fails, or
cannot be decided, on a resource.

Each condition becomes one Python function, generated from a fixed template with its nodes
inlined: paths are attribute reads (the field names are taken from the models, never from
rule text), bound names are local variables, and literals, parameters' slots and operator
tests are constants of the function's namespace. Answers about texts are remembered per
test, as the closures do. A quantifier stops at the first item that decides it and ``or`` at
the first child that holds (tests have no side effects); nothing else changes: the truth is
the interpreter's (:func:`lslint.engine.logic.evaluate`), which tests compare on every rule's
tests, the examples and generated resources.

The condition of each quantifier and count is generated as an item test too: judging a
resource in full, the closures skip the items it finds false (a firewall entry closed to the
world, say), which add nothing to an outcome. A condition the generator cannot express
(nesting deeper than Python's block limits, say) is judged by its closure instead, as is a
resource whose data does not have the shape of its model.
"""

from __future__ import annotations

import keyword
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import count
from typing import Any

from lslint.engine.compiled import (
    MEMO_SIZE,
    Compiled,
    ItemTruth,
    _predicate,
    _remembering,
    _test,
    _tested_type,
    compile_condition,
    compiled,
    per_node,
)
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
from lslint.engine.logic import Env, count_truth, has_absent_parts
from lslint.engine.operators import OPERATORS, AtScan, Operator, Truth, parse_network
from lslint.engine.paths import (
    FieldType,
    ListType,
    ObjectType,
    PathRef,
    ScalarType,
    holds_any_part,
    project,
)
from lslint.models import LightsailModel

TruthFunction = Callable[[LightsailModel, Sequence[Any], "datetime | None"], Truth]
"""A condition's truth for (resource, the rule's operands by slot, the scan time or None)."""

_MISSING = object()  # an answer not yet remembered
_UNKNOWN = object()  # an operand that cannot be had
_COUNT = ScalarType("integer")
# Tests written as Python comparisons when the value is a number, boolean or timestamp.
_COMPARISONS = {"equals": "==", "not_equals": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

# Tests of a firewall entry whose answer depends on its protocol and port range alone.
_PORT_TESTS = ("exposes_port", "only_ports")


@dataclass
class _Generated:
    """A condition's truth function, and what its full closure is made of when first asked."""

    truth: TruthFunction
    closure: Compiled  # the condition's plain closure
    root: ObjectType
    # Each quantifier and count, its condition and the types of the names bound there.
    wheres: list[tuple[Quantifier | Count, Condition, dict[str, FieldType]]]
    full: Compiled | None = None


_GENERATED: dict[int, tuple[weakref.ref[Condition], _Generated]] = {}


def truth_function(node: Condition, root: type[LightsailModel]) -> TruthFunction:
    """``node``'s truth function for resources of model ``root``, made on first use."""
    return _generated(node, root).truth


def full_function(node: Condition, root: type[LightsailModel]) -> Compiled:
    """``node``'s closure (:mod:`lslint.engine.compiled`), with its quantifiers and counts
    skipping the items that generated code finds false; made when first asked (most rules
    fail on few resources, and some on none)."""
    generated = _generated(node, root)
    if generated.full is None:
        generated.full = _prefiltered(node, generated)
    return generated.full


def _generated(node: Condition, root: type[LightsailModel]) -> _Generated:
    return per_node(_GENERATED, node, partial(generate, root=root))


class _Unsupported(Exception):
    """A node the generator does not express; its condition is judged by the closure."""


# Why generated code may not be had: a node it does not express, or Python's limits.
_CANNOT = (_Unsupported, SyntaxError, RecursionError, MemoryError)


def generate(node: Condition, root: type[LightsailModel]) -> _Generated:
    """The generated truth function of ``node``, or its closure's truth where it cannot be."""
    closure = compiled(node)
    fallback = _closure_truth(closure)
    generator = _Generator(ObjectType(root), fallback)
    try:
        truth = generator.function(node)
    except _CANNOT:
        return _Generated(fallback, closure, ObjectType(root), [])
    return _Generated(truth, closure, ObjectType(root), generator.wheres)


def _prefiltered(node: Condition, generated: _Generated) -> Compiled:
    """``node``'s closure with the generated item tests of its quantifiers and counts."""
    prefilters: dict[int, ItemTruth] = {}
    for owner, where, types in generated.wheres:
        try:
            prefilters[id(owner)] = _Generator(generated.root, generated.truth).item(where, types)
        except _CANNOT:
            continue
    return compile_condition(node, prefilters) if prefilters else generated.closure


def is_generated(function: TruthFunction) -> bool:
    """Whether ``function`` is generated code rather than a closure's truth."""
    return getattr(function, "__name__", "") == "truth"


def _closure_truth(full: Compiled) -> TruthFunction:
    def closure_truth(resource: LightsailModel, operands: Sequence[Any], now: Any) -> Truth:
        return full(Env(resource, operands, now=now)).truth

    return closure_truth


# ---------------------------------------------------------------- helpers the code calls


def _normalised(truth: Any) -> Truth:
    # As logic._leaf_outcome reads an operator's truth: unknown, or held or not.
    return None if truth is None else bool(truth)


def _answering(test: Callable[[Any, Any], Any], operand: Any, answers: dict[Any, Truth]) -> Any:
    """The truth of ``test`` with a literal operand, remembered per text in ``answers``."""

    def answer(value: Any) -> Truth:
        truth = _normalised(test(value, operand)[0])
        if type(value) is str and len(answers) < MEMO_SIZE:
            answers[value] = truth
        return truth

    return answer


def _truth_of(test: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Truth]:
    def truth(value: Any, operand: Any) -> Truth:
        return _normalised(test(value, operand)[0])

    return truth


def _port_answers(test: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Truth]:
    """The truth of a test of a firewall entry, remembered per operand for each protocol and
    port range: the ports an entry opens depend on those three fields alone."""
    by_operand: dict[int, tuple[Any, dict[Any, Truth]]] = {}

    def truth(entry: Any, operand: Any) -> Truth:
        entry_of = by_operand.get(id(operand))
        if entry_of is None or entry_of[0] is not operand:
            if len(by_operand) >= 64:
                by_operand.clear()
            # The operand is kept alive with its answers, so its id names no other object.
            entry_of = by_operand[id(operand)] = (operand, {})
        answers = entry_of[1]
        key = (entry.protocol, entry.fromPort, entry.toPort)
        if key in answers:
            return answers[key]
        answer = _normalised(test(entry, operand)[0])
        if len(answers) < MEMO_SIZE:
            answers[key] = answer
        return answer

    return truth


def _list_operand(value: Sequence[Any]) -> Any:
    if any(item is None for item in value):
        return _UNKNOWN
    return tuple(value)


def _cidr_operand(value: Any) -> Any:
    if isinstance(value, list) and any(item is None for item in value):
        return _UNKNOWN
    networks = []
    for text in value if isinstance(value, list) else [value]:
        network = parse_network(text)
        if network is None:
            return _UNKNOWN
        networks.append(network)
    return tuple(networks)


def _count_present(comparison: Operator, limit: int, items: Sequence[Any]) -> Truth:
    """``logic.count_outcome``'s truth for a count without a condition."""

    def decide(number: int) -> Truth:
        return comparison.test(number, limit, _COUNT).truth

    held = sum(1 for item in items if item is not None)
    if held < len(items):  # an absent part may hold any number of items
        return count_truth(decide, held, max(held, limit) + 1 - held)
    return count_truth(decide, held, 0)


def _count_judged(
    comparison: Operator, limit: int, hits: int, unknowns: int, absent: int = 0
) -> Truth:
    """``logic.count_outcome``'s truth for a count with a condition."""

    def decide(number: int) -> Truth:
        return comparison.test(number, limit, _COUNT).truth

    if absent:  # an absent part may hold any number of items, counted or not
        return count_truth(decide, hits, max(hits, limit) + 1 - hits)
    return count_truth(decide, hits, unknowns)


# ---------------------------------------------------------------- the generator


Scope = dict[str, tuple[str, FieldType]]  # bound name -> (local variable, item type)


class _Generator:
    def __init__(self, root: ObjectType, fallback: TruthFunction) -> None:
        self.root = root
        self.lines: list[str] = []
        self.names = count()
        self.namespace: dict[str, Any] = {
            "MISSING": _MISSING, "UNKNOWN": _UNKNOWN, "AtScan": AtScan, "project": project,
            "list_operand": _list_operand, "cidr_operand": _cidr_operand,
            "count_present": _count_present, "count_judged": _count_judged,
            "fallback": fallback,
        }  # fmt: skip
        # The condition of each quantifier and count, with the types of the names bound there.
        self.wheres: list[tuple[Quantifier | Count, Condition, dict[str, FieldType]]] = []

    def function(self, node: Condition) -> TruthFunction:
        self.emit(node, {}, 2, "truth")
        # Data not shaped like its model: the closure judges it.
        return self.compiled("def truth(r, ops, now):", "        return fallback(r, ops, now)")

    def item(self, where: Condition, types: dict[str, FieldType]) -> ItemTruth:
        """The truth of ``where`` for the items bound in ``env.bindings`` (names of ``types``);
        unknown (so judged by the closure) for data not shaped like its model."""
        scope: Scope = {}
        for name, field in types.items():
            local = self.local("b")
            scope[name] = (local, field)
            self.line(2, f"{local} = bindings[{self.constant(name)}][0]")
        self.emit(where, scope, 2, "truth")
        return self.compiled("def truth(r, ops, now, bindings):", "        return None")

    def compiled(self, signature: str, on_attribute_error: str) -> Callable[..., Truth]:
        source = "\n".join([
            signature,
            "    try:",
            *self.lines,
            "    except AttributeError:",  # data not shaped like its model
            on_attribute_error,
            "    return truth",
        ])  # fmt: skip
        code = compile(source, "<lslint condition>", "exec")
        exec(code, self.namespace)  # our template: rule values enter only as constants
        function: Callable[..., Truth] = self.namespace["truth"]
        return function

    # -------------------------------------------------------- writing

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def local(self, prefix: str) -> str:
        return f"{prefix}{next(self.names)}"

    def constant(self, value: Any) -> str:
        name = self.local("c")
        self.namespace[name] = value
        return name

    # -------------------------------------------------------- nodes

    def emit(self, node: Condition, scope: Scope, indent: int, target: str) -> None:
        """Statements at ``indent`` that set ``target`` to ``node``'s truth."""
        if isinstance(node, Leaf):
            self.leaf(node, scope, indent, target)
        elif isinstance(node, Quantifier):
            self.quantifier(node, scope, indent, target)
        elif isinstance(node, Count):
            self.count(node, scope, indent, target)
        elif isinstance(node, AllOf):
            self.all_of(node, scope, indent, target)
        elif isinstance(node, AnyOf):
            self.any_of(node, scope, indent, target)
        elif isinstance(node, Negation):
            inner = self.local("t")
            self.emit(node.child, scope, indent, inner)
            self.line(indent, f"{target} = None if {inner} is None else not {inner}")
        else:
            raise _Unsupported(type(node).__name__)

    def all_of(self, node: AllOf, scope: Scope, indent: int, target: str) -> None:
        self.junction(node.children, scope, indent, target, decisive=False)

    def any_of(self, node: AnyOf, scope: Scope, indent: int, target: str) -> None:
        self.junction(node.children, scope, indent, target, decisive=True)

    def junction(
        self, children: Sequence[Condition], scope: Scope, indent: int, target: str,
        *, decisive: bool,
    ) -> None:  # fmt: skip
        """``and`` (``decisive`` False) or ``or`` (True): stops at the first child whose truth
        is ``decisive``, as the interpreter does; an unknown child leaves the answer unknown
        unless a later one decides it."""
        self.line(indent, f"{target} = {not decisive}")
        for index, child in enumerate(children):
            inner, level = self.local("t"), indent
            if index:
                self.line(indent, f"if {target} is not {decisive}:")
                level += 1
            self.emit(child, scope, level, inner)
            decides = inner if decisive else f"{inner} is False"
            self.line(level, f"if {decides}: {target} = {decisive}")
            self.line(level, f"elif {inner} is None: {target} = None")

    def quantifier(self, node: Quantifier, scope: Scope, indent: int, target: str) -> None:
        value, item_type = self.list_value(node.path, node.has_default, node.default, scope,
                                           indent, target)  # fmt: skip
        item, inner = self.local("b"), self.local("t")
        self.wheres.append((node, node.where, _types({**scope, node.name: (item, item_type)})))
        # Unknown items decide nothing once a known one does: some stops at a hit, every at
        # a miss, none at a hit (logic.quantify).
        self.line(indent + 1, f"{target} = {node.kind != 'some'}")
        self.line(indent + 1, f"for {item} in {value}:")
        if node.absent_parts:  # a null is an entry's absent list: unknown items (logic)
            self.line(indent + 2, f"if {item} is None:")
            self.line(indent + 3, f"{target} = None")
            self.line(indent + 3, "continue")
        self.emit(node.where, {**scope, node.name: (item, item_type)}, indent + 2, inner)
        self.decide_item(node.kind, inner, target, indent + 2)

    def decide_item(self, kind: str, truth: str, target: str, indent: int) -> None:
        decisive, result = {"some": (truth, "True"), "every": (f"{truth} is False", "False"),
                            "none": (truth, "False")}[kind]  # fmt: skip
        self.line(indent, f"if {decisive}:")
        self.line(indent + 1, f"{target} = {result}")
        self.line(indent + 1, "break")
        self.line(indent, f"if {truth} is None: {target} = None")

    def count(self, node: Count, scope: Scope, indent: int, target: str) -> None:
        value, item_type = self.list_value(node.path, node.has_default, node.default, scope,
                                           indent, target)  # fmt: skip
        level = indent + 1
        comparison = self.constant(node.comparison)
        limit = self.operand_slot(node.operand.slot) if node.operand.param else (
            self.constant(node.operand.value)
        )  # fmt: skip
        if node.where is None:
            self.line(level, f"{target} = count_present({comparison}, {limit}, {value})")
            return
        assert node.name is not None
        item, inner, hits, unknowns, absent = (self.local(p) for p in ("b", "t", "h", "u", "a"))
        self.wheres.append((node, node.where, _types({**scope, node.name: (item, item_type)})))
        self.line(level, f"{hits} = {unknowns} = {absent} = 0")
        self.line(level, f"for {item} in {value}:")
        if node.absent_parts:  # a null is an entry's absent list, not one item (logic)
            self.line(level + 1, f"if {item} is None:")
            self.line(level + 2, f"{absent} += 1")
            self.line(level + 2, "continue")
        self.emit(node.where, {**scope, node.name: (item, item_type)}, level + 1, inner)
        self.line(level + 1, f"if {inner}: {hits} += 1")
        self.line(level + 1, f"elif {inner} is None: {unknowns} += 1")
        self.line(level, f"{target} = count_judged({comparison}, {limit}, {hits}, {unknowns}, "
                         f"{absent})")  # fmt: skip

    def list_value(
        self, path: PathRef, has_default: bool, default: Any, scope: Scope, indent: int,
        target: str,
    ) -> tuple[str, FieldType]:  # fmt: skip
        """The list a quantifier or count reads; the statements after it go in at indent + 1."""
        value, field = self.lookup(path, scope, indent)
        self.line(indent, f"{target} = None")
        if has_default:
            self.line(indent, f"if {value} is None: {value} = {self.constant(default)}")
        self.line(indent, f"if {value} is not None:")
        item_type = field
        while isinstance(item_type, ListType):
            item_type = item_type.item
        return value, item_type

    def leaf(self, leaf: Leaf, scope: Scope, indent: int, target: str) -> None:
        operator = leaf.operator
        value, _ = self.lookup(leaf.path, scope, indent)
        if operator.name == "exists" and has_absent_parts(leaf.field):
            # Absent as a whole when every part is absent (logic.exists_value).
            start = "r" if leaf.path.var is None else scope[leaf.path.var][0]
            holds, segments = self.constant(holds_any_part), self.constant(leaf.path.segments)
            self.line(indent, f"if {value} is not None and not {holds}({start}, {segments}): "
                              f"{value} = None")  # fmt: skip
        self.line(indent, f"{target} = None")
        if operator.name != "exists":  # exists asks about absence itself
            if leaf.has_default:
                self.line(indent, f"if {value} is None: {value} = {self.constant(leaf.default)}")
            self.line(indent, f"if {value} is not None:")
            indent += 1
        operand, indent = self.operand(leaf, scope, indent)
        if leaf.match is None:
            self.test(leaf, value, operand, target, indent)
            return
        item, inner = self.local("x"), self.local("t")
        self.line(indent, f"{target} = {leaf.match != 'some'}")
        self.line(indent, f"for {item} in {value}:")
        self.line(indent + 1, f"if {item} is None:")
        self.line(indent + 2, f"{target} = None")
        self.line(indent + 2, "continue")
        self.test(leaf, item, operand, inner, indent + 1)
        self.decide_item(leaf.match, inner, target, indent + 1)

    def operand(self, leaf: Leaf, scope: Scope, indent: int) -> tuple[str, int]:
        """An expression of the leaf's operand, and the indent at which it can be had."""
        source = leaf.operand
        if source.path is not None:
            operand, indent = self.path_operand(source.path, scope, indent)
        elif source.param:
            operand = self.operand_slot(source.slot)
        else:
            operand = self.constant(source.value)
        if leaf.operator.reads_scan_time:
            self.line(indent, "if now is not None:")
            indent += 1
            at_scan = self.local("o")
            self.line(indent, f"{at_scan} = AtScan({operand}, now)")
            operand = at_scan
        return operand, indent

    def operand_slot(self, slot: int) -> str:
        return f"ops[{int(slot)}]"

    def path_operand(self, ref: PathOperand, scope: Scope, indent: int) -> tuple[str, int]:
        value, _ = self.lookup(ref.path, scope, indent)
        if ref.has_default:
            self.line(indent, f"if {value} is None: {value} = {self.constant(ref.default)}")
        self.line(indent, f"if {value} is not None:")
        indent += 1
        if ref.kind == "value":
            return value, indent
        if ref.kind not in ("list", "cidrs"):
            raise _Unsupported(ref.kind)
        converter = "list_operand" if ref.kind == "list" else "cidr_operand"
        self.line(indent, f"{value} = {converter}({value})")
        self.line(indent, f"if {value} is not UNKNOWN:")
        return value, indent + 1

    def test(self, leaf: Leaf, value: str, operand: str, target: str, indent: int) -> None:
        """``target`` = the operator's truth for one value (the leaf's, or one item's)."""
        operator, tested = leaf.operator, _tested_type(leaf)
        builtin = OPERATORS.get(operator.name) is operator
        source = leaf.operand
        literal = source.path is None and not source.param and not operator.reads_scan_time
        if builtin and literal and isinstance(tested, ScalarType):
            if tested.kind == "string":
                # Texts repeat across a fleet: each answer is worked out once per leaf.
                answers: dict[Any, Truth] = {}
                answer = _answering(_test(operator, tested), source.value, answers)
                self.line(indent, f"{target} = {self.constant(answers)}.get({value}, MISSING)")
                self.line(indent, f"if {target} is MISSING: {target} = "
                                  f"{self.constant(answer)}({value})")  # fmt: skip
                return
            if operator.name in _COMPARISONS and not tested.case_insensitive:
                symbol = _COMPARISONS[operator.name]
                self.line(indent, f"{target} = {value} {symbol} {operand}")
                return
        if builtin and literal:
            predicate = _predicate(operator, source.value, tested)
            if predicate is not None:
                self.line(indent, f"{target} = True if {self.constant(predicate)}({value}) "
                                  "else False")  # fmt: skip
                return
        answer_test = _test(operator, tested)
        if builtin and operator.name in _PORT_TESTS:
            self.line(indent, f"{target} = {self.constant(_port_answers(answer_test))}"
                              f"({value}, {operand})")  # fmt: skip
            return
        if source.path is None:
            answer_test = _remembering(answer_test, operator.reads_scan_time)
        truth = self.constant(_truth_of(answer_test))
        self.line(indent, f"{target} = {truth}({value}, {operand})")

    # -------------------------------------------------------- paths

    def lookup(self, ref: PathRef, scope: Scope, indent: int) -> tuple[str, FieldType]:
        """A new local holding ``lookup(ref)``'s value, and the type the path resolves to.

        Fields are read as attributes where the model says an object is, and projected
        over the items where it says a list is (as ``paths.lookup`` does at run time)."""
        current: FieldType
        if ref.var is None:
            base, current = "r", self.root
        elif ref.var in scope:
            base, current = scope[ref.var]
        else:
            raise _Unsupported(ref.text)
        value = self.local("v")
        self.line(indent, f"{value} = {base}")
        projecting = False
        for index, segment in enumerate(ref.segments):
            container = current
            while isinstance(container, ListType):
                container, projecting = container.item, True
            if not isinstance(container, ObjectType) or segment not in container.fields:
                raise _Unsupported(ref.text)
            name = _field_name(container, segment)
            current = container.fields[name]
            if projecting:
                step = f"{value} = project({value}, {self.constant(name)})"
            else:
                step = f"{value} = {value}.{name}"
            never_absent = index == 0 and ref.var is None  # the resource itself
            self.line(indent, step if never_absent else f"if {value} is not None: {step}")
        if projecting and not isinstance(current, ListType):
            current = ListType(current)
        return value, current


def _types(scope: Scope) -> dict[str, FieldType]:
    return {name: field for name, (_, field) in scope.items()}


def _field_name(container: ObjectType, segment: str) -> str:
    """The model's own name of the field ``segment`` (an identifier, never a keyword)."""
    for name in container.fields:
        if name == segment and name.isidentifier() and not keyword.iskeyword(name):
            return name
    raise _Unsupported(segment)
