"""``count``: how many items of a list (that satisfy ``where``) there are, compared with a
number, in three-valued logic: unknown items make the count unknown only when they could
change the comparison's answer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lslint.engine.evaluate import Verdict, judge
from lslint.engine.logic import count_truth
from lslint.engine.rule import Rule
from lslint.errors import RuleError
from lslint.models import Instance

from conftest import MINIMAL_RULE, declared_safe, rule_from_text

TRUE, FALSE, UNKNOWN = "fail", "pass", "error"
INBOUND = "{path: port.accessDirection, equals: inbound}"


def load(fail_if: str, params: str = "", message: str = "m", safe: tuple[str, ...] = ()) -> Rule:
    text = f"{MINIMAL_RULE}{params}message: '{message}'\nfail_if: {fail_if}\n"
    return rule_from_text(declared_safe(text, *safe))


def check(fail_if: str, resource: dict[str, Any], safe: tuple[str, ...] = ()) -> Verdict:
    return judge(load(fail_if, safe=safe), Instance.model_validate(resource))


def entries(*directions: str | None) -> dict[str, Any]:
    """Firewall entries with these directions (None: the direction is not reported)."""
    return {"networking": {"ports": [
        {"protocol": "tcp", "fromPort": 1000 + i, "toPort": 1000 + i}
        | ({} if d is None else {"accessDirection": d})
        for i, d in enumerate(directions)
    ]}}  # fmt: skip


def inbound_count(comparison: str, default: str = "") -> str:
    extra = f", default: {default}" if default else ""
    return f"{{count: {{path: networking.ports, as: port, where: {INBOUND}, {comparison}{extra}}}}}"


# ---------------------------------------------------------------- truth


@pytest.mark.parametrize(
    ("comparison", "directions", "expected"),
    [
        ("more_than: 1", ("inbound", "inbound"), TRUE),
        ("more_than: 2", ("inbound", "inbound"), FALSE),
        ("more_than: 1", ("inbound", "outbound", "outbound"), FALSE),
        ("at_least: 2", ("inbound", "inbound"), TRUE),
        ("at_least: 3", ("inbound", "inbound"), FALSE),
        ("at_most: 1", ("inbound",), TRUE),
        ("at_most: 1", ("inbound", "inbound"), FALSE),
        ("fewer_than: 1", (), TRUE),
        ("fewer_than: 1", ("inbound",), FALSE),
        ("equals: 0", ("outbound",), TRUE),
        ("equals: 2", ("inbound", "outbound", "inbound"), TRUE),
        ("equals: 2", ("inbound",), FALSE),
    ],
)
def test_count_compares_the_matching_items(
    comparison: str, directions: tuple[str, ...], expected: str
) -> None:
    assert check(inbound_count(comparison), entries(*directions)).status == expected


@pytest.mark.parametrize(
    ("comparison", "directions", "expected"),
    [
        # 2 known inbound + 1 unknown: the count is 2 or 3.
        ("more_than: 1", ("inbound", "inbound", None), TRUE),  # true for 2 and 3
        ("more_than: 3", ("inbound", "inbound", None), FALSE),  # false for 2 and 3
        ("more_than: 2", ("inbound", "inbound", None), UNKNOWN),  # 2: false, 3: true
        ("at_most: 1", ("inbound", "inbound", None), FALSE),
        ("at_most: 2", ("inbound", "inbound", None), UNKNOWN),
        ("fewer_than: 2", ("inbound", "inbound", None), FALSE),
        ("equals: 5", ("inbound", "inbound", None), FALSE),  # neither 2 nor 3
        ("equals: 2", ("inbound", "inbound", None), UNKNOWN),
        ("equals: 0", (None, "outbound"), UNKNOWN),
        ("at_least: 0", (None, None), TRUE),  # any count is at least 0
    ],
)
def test_unknown_items_decide_only_when_they_could_change_the_answer(
    comparison: str, directions: tuple[str | None, ...], expected: str
) -> None:
    assert check(inbound_count(comparison), entries(*directions)).status == expected


def test_count_truth_over_every_possible_count() -> None:
    assert count_truth(lambda n: n > 2, 2, 0) is False
    assert count_truth(lambda n: n > 2, 2, 1) is None
    assert count_truth(lambda n: n > 2, 3, 5) is True
    assert count_truth(lambda n: n == 3, 2, 2) is None
    assert count_truth(lambda n: n == 3, 4, 2) is False


def test_unknown_count_names_the_range_and_the_absent_field() -> None:
    verdict = check(inbound_count("more_than: 2"), entries("inbound", "inbound", None))
    assert verdict.status == UNKNOWN
    assert "count of networking.ports is between 2 and 3" in verdict.message
    assert "networking.ports[2].accessDirection absent" in verdict.message


def test_count_without_where_counts_every_item() -> None:
    cond = "{count: {path: networking.ports, more_than: 2}}"
    assert check(cond, entries("outbound", None, "inbound")).status == TRUE
    assert check(cond, entries("outbound", None)).status == FALSE


def test_count_of_a_projected_list() -> None:
    cond = "{count: {path: networking.ports.cidrs, at_least: 3}}"
    resource = {
        "networking": {"ports": [{"cidrs": ["1.0.0.0/8", "2.0.0.0/8"]}, {"cidrs": ["3.0.0.0/8"]}]}
    }
    assert check(cond, resource).status == TRUE


@pytest.mark.parametrize(
    "resource",
    [{}, {"networking": {}}, {"networking": {"ports": None}}],
    ids=["no networking", "no ports", "ports null"],
)
def test_absent_list_is_unknown_without_default(resource: dict[str, Any]) -> None:
    verdict = check(inbound_count("fewer_than: 1"), resource)
    assert verdict.status == UNKNOWN
    assert "networking.ports absent" in verdict.message


def test_default_stands_in_for_an_absent_list() -> None:
    ports = ("networking.ports",)
    assert check(inbound_count("fewer_than: 1", default="[]"), {}, ports).status == TRUE
    assert check(inbound_count("more_than: 0", default="[]"), {}, ports).status == FALSE


def test_empty_list_counts_zero() -> None:
    assert check(inbound_count("equals: 0"), {"networking": {"ports": []}}).status == TRUE


def test_count_under_not_keeps_unknown() -> None:
    cond = f"{{not: {inbound_count('more_than: 2')}}}"
    assert check(cond, entries("inbound", "inbound", None)).status == UNKNOWN
    assert check(cond, entries("inbound")).status == TRUE


def test_parameter_sets_the_limit_and_overrides_apply() -> None:
    params = "params: {max_entries: {type: integer, default: 1, description: d}}\n"
    rule = load(inbound_count("more_than: {param: max_entries}"), params)
    model = Instance.model_validate(entries("inbound", "inbound"))
    assert judge(rule, model).status == TRUE
    assert judge(rule.bind({"max_entries": 2}), model).status == FALSE


def test_capture_evidence_and_message() -> None:
    cond = (
        "{count: {path: networking.ports, as: port, where: "
        f"{INBOUND}, more_than: 1, capture: inbound}}}}"
    )
    rule = load(cond, message="{{ resource.name }}: {{ inbound }}")
    model = Instance.model_validate({"name": "web", **entries("inbound", "outbound", "inbound")})
    verdict = judge(rule, model)
    assert verdict.status == TRUE
    assert verdict.message == ("web: tcp/1000 from ?, tcp/1002 from ?")
    assert verdict.evidence is not None
    assert verdict.evidence["networking.ports (count)"] == 2
    assert [e["fromPort"] for e in verdict.evidence["networking.ports"]] == [1000, 1002]


def test_decided_count_with_unknown_items_lists_them_as_undecided() -> None:
    verdict = check(inbound_count("more_than: 1"), entries("inbound", "inbound", None))
    assert verdict.evidence is not None
    assert [e["fromPort"] for e in verdict.evidence["networking.ports (undecided)"]] == [1002]


def test_count_inside_a_quantifier_counts_each_elements_list() -> None:
    cond = (
        "{some: {path: networking.ports, as: port, where: "
        "{count: {path: port.cidrs, at_least: 2, default: []}}}}"
    )
    two = {"networking": {"ports": [{"cidrs": ["1.0.0.0/8"]}, {"cidrs": ["1.0.0.0/8", "::/0"]}]}}
    one = {"networking": {"ports": [{"cidrs": ["1.0.0.0/8"]}, {}]}}
    cidrs = ("networking.ports.cidrs",)
    assert check(cond, two, cidrs).status == TRUE
    assert check(cond, one, cidrs).status == FALSE


# ---------------------------------------------------------------- loading


def refused(fail_if: str, params: str = "") -> str:
    with pytest.raises(RuleError) as info:
        load(fail_if, params)
    return str(info.value)


LOCATED = re.compile(r"^t\.yaml:\d+:\d+: ")


@pytest.mark.parametrize(
    ("fail_if", "fragment"),
    [
        ("{count: {path: networking.ports, more_then: 5}}",
         "unknown condition key 'more_then' (did you mean 'more_than'?)"),
        ("{count: {path: networking.ports}}", "'count' needs exactly one comparison"),
        ("{count: {path: networking.ports, at_least: 1, at_most: 3}}",
         "exactly one comparison, one of at_least, at_most, more_than, fewer_than, equals "
         "(found: at_least, at_most)"),
        ("{count: {more_than: 5}}", "'count' needs 'path'"),
        ("{count: {path: name, more_than: 5}}",
         "'count' counts the items of a list, but 'name' is a string"),
        ("{count: {path: networking.portz, more_than: 5}}", "did you mean 'networking.ports'?"),
        ("{count: {path: networking.ports, more_than: -1}}",
         "expected a whole number of at least 0, got int -1"),
        ("{count: {path: networking.ports, more_than: 2.5}}", "expected a whole number"),
        ("{count: {path: networking.ports, more_than: '5'}}", "expected a whole number"),
        ("{count: {path: networking.ports, more_than: true}}", "expected a whole number"),
        ("{count: {path: networking.ports, as: port, more_than: 5}}",
         "'count' with 'as' needs 'where' too"),
        ("{count: {path: networking.ports, where: {path: name, exists: true}, more_than: 5}}",
         "'count' with 'where' needs 'as' too"),
        ("{count: {path: networking.ports, as: port, where: {path: port.fromPot, gt: 1}, "
         "more_than: 5}}", "did you mean 'port.fromPort'?"),
        ("{count: {path: networking.ports, as: name, where: {path: name, exists: true}, "
         "more_than: 5}}", "would hide the resource field"),
        ("{count: {path: networking.ports, default: 5, more_than: 5}}",
         "default: expected a list"),
        ("{count: {path: networking.ports, more_than: {param: nope}}}",
         "unknown parameter 'nope'"),
        ("{count: {path: networking.ports, more_than: {path: hardware.cpuCount}}}",
         "an operand mapping must be {param: NAME}"),
        ("{count: [1]}", "'count' takes a mapping"),
        ("{count: {path: networking.ports, more_than: 1}, and: []}", "must stand alone"),
    ],
)  # fmt: skip
def test_load_errors_are_located(fail_if: str, fragment: str) -> None:
    message = refused(fail_if)
    assert LOCATED.match(message), message
    assert fragment in message, message


def test_parameter_of_the_wrong_type_is_refused_at_its_default() -> None:
    params = "params: {limit: {type: string, default: x, description: d}}\n"
    message = refused("{count: {path: networking.ports, more_than: {param: limit}}}", params)
    assert "parameter 'limit'" in message
    assert "expected a whole number" in message


def test_negative_parameter_default_is_refused() -> None:
    params = "params: {limit: {type: integer, default: -2, description: d}}\n"
    message = refused("{count: {path: networking.ports, more_than: {param: limit}}}", params)
    assert "the count of networking.ports" in message
    assert "at least 0" in message


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [
        ("at_least: 2", TRUE),  # 2 known, whatever the entry without cidrs holds
        ("at_least: 3", UNKNOWN),
        ("more_than: 5", UNKNOWN),
        ("at_most: 1", FALSE),
        ("at_most: 5", UNKNOWN),
        ("fewer_than: 2", FALSE),
        ("equals: 1", FALSE),
        ("equals: 2", UNKNOWN),
    ],
)
def test_a_projected_part_that_is_absent_may_hold_any_number(
    comparison: str, expected: str
) -> None:
    cond = f"{{count: {{path: networking.ports.cidrs, {comparison}}}}}"
    resource = {"networking": {"ports": [{"cidrs": ["1.0.0.0/8", "2.0.0.0/8"]}, {}]}}
    verdict = check(cond, resource)
    assert verdict.status == expected
    if expected == UNKNOWN:
        assert verdict.message == (
            "indeterminate: count of networking.ports.cidrs is 2 or more: "
            "networking.ports.cidrs absent"
        )
