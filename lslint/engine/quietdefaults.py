"""Defaults that can let a rule pass or skip must be declared safe, in every rule file.

A ``default:`` stands in for a value the data does not have. One that leads towards a finding
is always safe (LS002 assumes ``httpTokens`` ``optional`` and says so). One that leads away
from a finding (``{path: isAttached, equals: false, default: true}``) makes a resource that
lacks the field pass quietly: it must be listed in ``safe_defaults`` with the reason it is
safe, or the rule does not load.

Every default is judged: on a tested path, on a compared field (``{path: P, default: V}`` as
the operand), on a quantifier or a count, at any depth of ``applies_if`` and ``fail_if``.
Which way a default leads is worked out from where it stands: ``fail_if`` and ``applies_if``
lead towards a finding when true; ``not`` and ``none`` turn that around; inside a ``count``
it depends on the comparison (``more_than`` counts towards a finding, ``fewer_than`` away,
``equals`` either way). The default's own truth is the operator's answer for it. Where that
answer is not fixed when the rule loads (the scan time, another field, a parameter a config
may override, items a ``where`` must judge), the default could lead either way, so it needs
the declaration too: a rule cannot fail open because lslint could not tell.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lslint.engine.conditions import (
    AllOf,
    AnyOf,
    Condition,
    ConditionError,
    Count,
    Leaf,
    Negation,
    PathOperand,
    Quantifier,
)
from lslint.engine.logic import quantify
from lslint.engine.operators import Truth
from lslint.engine.paths import ListType, PathRef, ScalarType
from lslint.engine.rule import Rule
from lslint.yamldoc import DocPath

# Which way counting more items leads, by comparison: towards a finding (1), away (-1), both (0).
_COUNTING = {"at_least": 1, "more_than": 1, "at_most": -1, "fewer_than": -1, "equals": 0}
_COUNT = ScalarType("integer")

Holder = Leaf | Quantifier | Count | PathOperand


@dataclass(frozen=True)
class Default:
    """One ``default:`` of a condition: the resource path it stands in for, the node that
    gives it, which way its truth leads (1: towards a finding, -1: away, 0: either way),
    where it is written, and the other field of a comparison between two fields, if any."""

    path: str
    node: Holder
    towards: int
    doc_path: DocPath
    compared: str | None = None


@dataclass(frozen=True)
class Undecided:
    """The default's truth is not fixed when the rule loads; ``why`` says what it rests on."""

    why: str


def check_quiet_defaults(rule: Rule) -> None:
    """Raise ``ConditionError`` at the first ``default:`` that can let ``rule`` pass or skip
    a resource that lacks the field, or that may and cannot be judged before a scan, unless
    the rule declares it under ``safe_defaults``."""
    for key, condition in (("applies_if", rule.applies_if), ("fail_if", rule.fail_if)):
        if condition is None:
            continue
        for found in _defaults(condition, 1, {}, (key,)):
            if found.path in rule.safe_defaults:
                continue
            truth = _truth_of_default(found)
            if isinstance(truth, Undecided):
                because = f", depending on {truth.why}"
            elif truth is not None and (found.towards == 0 or truth == (found.towards < 0)):
                because = ""
            else:
                continue  # leads towards a finding, or is unknown like an absent value
            outcome = "pass" if key == "fail_if" else "skip"
            shown = json.dumps(found.node.default, default=_text)
            raise ConditionError(
                found.doc_path,
                f"the default of '{found.path}' ({shown}) can make the rule {outcome} a "
                f"resource that lacks it{because}: declare it under safe_defaults with the "
                "reason that is safe, or remove the default (then a missing value is "
                "indeterminate)",
            )


def _defaults(
    node: Condition,
    towards: int,
    bound: Mapping[str, tuple[str, ...]],
    at: DocPath = (),
    never_absent: frozenset[str] = frozenset(),
) -> list[Default]:
    """Every default under ``node`` (written at ``at`` in the rule), in document order.

    ``never_absent`` names the items of lists read through another (``networking.ports.
    cidrs``): an absent part of such a list is never bound as an item, so a default of the
    item itself never stands in for anything and cannot make a rule pass."""
    if isinstance(node, (AllOf, AnyOf)):
        key = "and" if isinstance(node, AllOf) else "or"
        return [
            found
            for index, child in enumerate(node.children)
            for found in _defaults(child, towards, bound, (*at, key, index), never_absent)
        ]
    if isinstance(node, Negation):
        return _defaults(node.child, -towards, bound, (*at, "not"), never_absent)
    spelt = _spelt(node.path, bound)
    full = ".".join(spelt)
    found: list[Default] = []
    if isinstance(node, Leaf):
        other = node.operand.path
        other_full = None if other is None else ".".join(_spelt(other.path, bound))
        if node.has_default and not _is_item(node.path, never_absent):
            found.append(Default(full, node, towards, (*at, "default"), other_full))
        if (
            other is not None
            and other_full is not None
            and other.has_default
            and not _is_item(other.path, never_absent)
        ):
            where = (*at, node.operator.name, "default")
            found.append(Default(other_full, other, towards, where, full))
        return found
    key = node.kind if isinstance(node, Quantifier) else "count"
    if node.has_default:
        found.append(Default(full, node, towards, (*at, key, "default")))
    inner_bound = {**bound, node.name: spelt} if node.name else bound
    if node.name and node.absent_parts:
        never_absent = never_absent | {node.name}
    if isinstance(node, Quantifier):
        inner = -towards if node.kind == "none" else towards
        found += _defaults(node.where, inner, inner_bound, (*at, key, "where"), never_absent)
    elif node.where is not None:
        inner = towards * _COUNTING.get(node.comparison.name, 0)
        found += _defaults(node.where, inner, inner_bound, (*at, key, "where"), never_absent)
    return found


def _is_item(path: PathRef, never_absent: frozenset[str]) -> bool:
    """Whether ``path`` is a bound item that is never absent (not a field of it)."""
    return path.var in never_absent and not path.segments


def _spelt(path: PathRef, bound: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """``path`` as read from the resource: a bound name gives way to the list it stands for."""
    return (*(bound[path.var] if path.var is not None else ()), *path.segments)


def _truth_of_default(found: Default) -> Truth | Undecided:
    """The node's truth when its value is absent and the default stands in (``None``:
    unknown, as if there were no default), or what that truth rests on if it is not fixed
    when the rule loads."""
    node = found.node
    if found.compared is not None:  # one field against another: the other one decides
        return Undecided(f"the value of '{found.compared}' it is compared with")
    if isinstance(node, PathOperand):
        return Undecided("values lslint cannot work out before a scan")
    if isinstance(node, Quantifier):
        if node.default != []:
            return Undecided(f"what its 'where' says of the items {_listed(node.default)}")
        return quantify(node.kind, 0, 0, 0)
    if isinstance(node, Count):
        if node.default != [] and node.where is not None:
            return Undecided(f"what its 'where' says of the items {_listed(node.default)}")
        if node.operand.param is not None:
            return _param_undecided(node.operand.param)
        if not isinstance(node.default, list):
            return Undecided("values lslint cannot work out before a scan")
        return node.comparison.test(len(node.default), node.operand.value, _COUNT).truth
    if node.operator.reads_scan_time:
        return Undecided("the scan time")
    if node.operand.param is not None:
        return _param_undecided(node.operand.param)
    operand = node.operand.value
    if node.match is None:
        return node.operator.test(node.default, operand, node.field).truth
    if not isinstance(node.default, list) or not isinstance(node.field, ListType):
        return Undecided("values lslint cannot work out before a scan")
    answers = [node.operator.test(item, operand, node.field.item).truth for item in node.default]
    hits, misses = answers.count(True), answers.count(False)
    return quantify(node.match, hits, misses, len(answers) - hits - misses)


def _param_undecided(name: str) -> Undecided:
    return Undecided(f"parameter '{name}', which a config may override")


def _listed(items: Any) -> str:
    return json.dumps(items, default=_text)


def _text(value: Any) -> str:
    """A default that JSON cannot show as it is: a timestamp as ISO 8601, else its text."""
    return value.isoformat() if isinstance(value, datetime | date) else str(value)
