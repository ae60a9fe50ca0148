"""Defaults that can let a rule pass or skip must be declared safe, in every rule file.

A ``default:`` stands in for a value the data does not have. One that leads towards a finding
is always safe (LS002 assumes ``httpTokens`` ``optional`` and says so). One that leads away
from a finding (``{path: isAttached, equals: false, default: true}``) makes a resource that
lacks the field pass quietly: it must be listed in ``safe_defaults`` with the reason it is
safe, or the rule does not load.

Which way a default leads is worked out from where it stands: ``fail_if`` and ``applies_if``
lead towards a finding when true; ``not`` and ``none`` turn that around; inside a ``count``
it depends on the comparison (``more_than`` counts towards a finding, ``fewer_than`` away,
``equals`` either way). The default's own truth is the operator's answer for it, with the
rule's default parameters. Where that cannot be known before a scan (another path as the
operand), the default is not judged here; lslint's tests also check every built-in rule by
removing each field it reads from the resources it passes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from lslint.engine.conditions import (
    AllOf,
    AnyOf,
    Condition,
    ConditionError,
    Count,
    Leaf,
    Negation,
    Quantifier,
)
from lslint.engine.logic import quantify
from lslint.engine.operators import Truth
from lslint.engine.paths import ListType, ScalarType
from lslint.engine.rule import Rule

# Which way counting more items leads, by comparison: towards a finding (1), away (-1), both (0).
_COUNTING = {"at_least": 1, "more_than": 1, "at_most": -1, "fewer_than": -1, "equals": 0}
_COUNT = ScalarType("integer")


def check_quiet_defaults(rule: Rule) -> None:
    """Raise ``ConditionError`` at the condition holding the first default that can let
    ``rule`` (with its parameters' defaults) pass or skip without being declared safe."""
    operands = rule.operands
    for key, condition in (("applies_if", rule.applies_if), ("fail_if", rule.fail_if)):
        if condition is None:
            continue
        for path, node, towards in _defaults(condition, 1, {}):
            if path in rule.safe_defaults:
                continue
            truth = _truth_of_default(node, operands)
            quiet = truth is not None and (towards == 0 or truth == (towards < 0))
            if quiet:
                outcome = "pass" if key == "fail_if" else "skip"
                raise ConditionError(
                    (key,),
                    f"the default of '{path}' ({json.dumps(node.default, default=str)}) can make "
                    f"the rule {outcome} "
                    f"a resource that lacks it: declare it under safe_defaults with the reason "
                    "that is safe, or remove the default (then a missing value is indeterminate)",
                )


def _defaults(
    node: Condition, towards: int, bound: Mapping[str, tuple[str, ...]]
) -> list[tuple[str, Leaf | Quantifier | Count, int]]:
    """Every node with a default: its path as read from the resource, the node, and which
    way its truth leads (1: towards a finding)."""
    if isinstance(node, (AllOf, AnyOf)):
        return [found for child in node.children for found in _defaults(child, towards, bound)]
    if isinstance(node, Negation):
        return _defaults(node.child, -towards, bound)
    prefix = bound[node.path.var] if node.path.var is not None else ()
    full = (*prefix, *node.path.segments)
    found: list[tuple[str, Leaf | Quantifier | Count, int]] = []
    if node.has_default:
        found.append((".".join(full), node, towards))
    if isinstance(node, Quantifier):
        inner = -towards if node.kind == "none" else towards
        found += _defaults(node.where, inner, {**bound, node.name: full})
    elif isinstance(node, Count) and node.where is not None and node.name is not None:
        inner = towards * _COUNTING.get(node.comparison.name, 0)
        found += _defaults(node.where, inner, {**bound, node.name: full})
    return found


def _truth_of_default(node: Leaf | Quantifier | Count, operands: Sequence[Any]) -> Truth:
    """The node's truth when its value is absent and the default stands in; ``None`` where
    that is not known before a scan."""
    if isinstance(node, Quantifier):
        return quantify(node.kind, 0, 0, 0) if node.default == [] else None
    if isinstance(node, Count):
        if node.default != [] or node.operand.path is not None:
            return None
        limit = operands[node.operand.slot] if node.operand.param else node.operand.value
        return node.comparison.test(0, limit, _COUNT).truth
    if node.operand.path is not None or node.operator.reads_scan_time:
        return None
    operand = operands[node.operand.slot] if node.operand.param else node.operand.value
    if node.match is None:
        return node.operator.test(node.default, operand, node.field).truth
    if not isinstance(node.default, list) or not isinstance(node.field, ListType):
        return None
    answers = [node.operator.test(item, operand, node.field.item).truth for item in node.default]
    hits, misses = answers.count(True), answers.count(False)
    return quantify(node.match, hits, misses, len(answers) - hits - misses)
