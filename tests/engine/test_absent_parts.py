"""Lists read through another list (``networking.ports.cidrs``): an entry without the inner
list leaves a null that stands for an absent part, which may hold any number of items. A
count (with or without ``where``) and ``empty`` are decided only where the known items decide
them, and the interpreter, the compiled closures and the generated truth functions say so
alike. The three once agreed on a wrong answer, so each is checked against the answer here."""

from __future__ import annotations

from typing import Any

import pytest

from lslint.engine.compiled import compiled
from lslint.engine.logic import Env, Outcome, evaluate
from lslint.engine.operators import Truth
from lslint.engine.paths import ListType, ObjectType, ScalarType, resolve
from lslint.engine.truth import full_function, is_generated, truth_function
from lslint.models import Instance

from conftest import MINIMAL_RULE, rule_from_text

WORLD = "0.0.0.0/0"
WORLD_CIDRS = "{path: c, cidr_is_world: true}"


def ports(*entries: dict[str, Any]) -> Instance:
    return Instance.model_validate({"networking": {"ports": list(entries)}})


def judged_three_ways(fail_if: str, model: Instance) -> Outcome:
    """The interpreter's outcome, once the closure, the closure with generated item tests and
    the generated truth function are checked to say the same."""
    rule = rule_from_text(f"{MINIMAL_RULE}message: m\nfail_if: {fail_if}\n").bind()
    condition = rule.fail_if
    assert condition is not None

    def env() -> Env:
        return Env(model, rule.operands)

    reference = evaluate(condition, env())
    assert compiled(condition)(env()) == reference
    assert full_function(condition, Instance)(env()) == reference
    generated = truth_function(condition, Instance)
    assert is_generated(generated)
    truth: Truth = generated(model, rule.operands, None)
    assert truth is reference.truth
    return reference


def count_where(comparison: str, path: str = "networking.ports.cidrs") -> str:
    return f"{{count: {{path: {path}, as: c, where: {WORLD_CIDRS}, {comparison}}}}}"


# ---------------------------------------------------------------- which lists have absent parts


@pytest.mark.parametrize(
    ("path", "absent_parts"),
    [
        ("networking.ports.cidrs", True),  # an entry without cidrs: any number of them
        ("hardware.disks.addOns", True),
        ("hardware.disks.addOns.status", True),  # a disk without addOns: any number of statuses
        ("networking.ports", False),  # not read through a list
        ("networking.ports.fromPort", False),  # an entry without fromPort: one absent item
        ("tags.key", False),
    ],
)
def test_a_list_read_through_another_has_absent_parts_where_an_inner_list_may_be_absent(
    path: str, absent_parts: bool
) -> None:
    field = resolve(ObjectType(Instance), path.split("."), path)
    assert isinstance(field, ListType)
    assert field.absent_parts is absent_parts


def test_absent_parts_are_not_part_of_a_list_types_identity() -> None:
    text = ScalarType("string")
    assert ListType(text, absent_parts=True) == ListType(text)
    assert hash(ListType(text, absent_parts=True)) == hash(ListType(text))


# ---------------------------------------------------------------- count with where


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [
        ("at_least: 1", True),  # one known world CIDR, whatever the entry without cidrs holds
        ("more_than: 0", True),
        ("at_least: 3", None),  # the entry without cidrs may hold two more
        ("at_most: 2", None),
        ("equals: 1", None),
        ("at_most: 0", False),
        ("fewer_than: 1", False),
        ("equals: 0", False),
    ],
)
def test_an_absent_inner_list_may_hold_any_number_of_matches(
    comparison: str, expected: Truth
) -> None:
    model = ports({"cidrs": [WORLD, "10.0.0.0/8"]}, {"protocol": "tcp"})
    outcome = judged_three_ways(count_where(comparison), model)
    assert outcome.truth is expected
    if expected is None:
        assert outcome.reasons == (
            "count of networking.ports.cidrs is 1 or more: networking.ports.cidrs absent",
        )


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [("at_least: 3", True), ("more_than: 2", True), ("at_most: 2", False), ("equals: 2", False)],
)
def test_known_matches_decide_a_count_whatever_the_absent_parts_hold(
    comparison: str, expected: bool
) -> None:
    model = ports({"cidrs": [WORLD, WORLD]}, {}, {"cidrs": [WORLD]})
    outcome = judged_three_ways(count_where(comparison), model)
    assert outcome.truth is expected
    if expected:
        assert ("networking.ports.cidrs (count)", 3) in outcome.evidence


def test_a_count_of_only_absent_parts_is_decided_only_by_a_limit_every_count_meets() -> None:
    model = ports({}, {"protocol": "tcp"})
    assert judged_three_ways(count_where("at_least: 0"), model).truth is True
    outcome = judged_three_ways(count_where("at_least: 1"), model)
    assert outcome.reasons == (
        "count of networking.ports.cidrs is 0 or more: networking.ports.cidrs absent",
    )


def test_a_count_with_where_says_what_the_same_count_without_where_says() -> None:
    model = ports({"cidrs": [WORLD]}, {})
    without = "{count: {path: networking.ports.cidrs, at_least: 3}}"
    assert judged_three_ways(count_where("at_least: 3"), model) == judged_three_ways(without, model)


def test_a_default_of_the_item_does_not_stand_in_for_an_absent_part() -> None:
    # The absent part may hold no item at all: it is no item the default could describe.
    fail_if = (
        "{count: {path: networking.ports.cidrs, as: c, at_least: 1, "
        f"where: {{path: c, cidr_is_world: true, default: '{WORLD}'}}}}}}"
    )
    assert judged_three_ways(fail_if, ports({})).truth is None


def test_a_present_item_whose_where_is_unknown_still_counts_zero_or_one() -> None:
    model = ports({"cidrs": [WORLD, "not a cidr"]})
    assert judged_three_ways(count_where("at_least: 1"), model).truth is True
    assert judged_three_ways(count_where("at_least: 3"), model).truth is False
    outcome = judged_three_ways(count_where("at_least: 2"), model)
    assert outcome.reasons[0] == "count of networking.ports.cidrs is between 1 and 2"


def test_an_absent_part_deeper_in_the_path_leaves_the_count_open() -> None:
    fail_if = (
        "{count: {path: hardware.disks.addOns, as: a, where: {path: a.status, equals: Enabled}, "
        "at_most: 1}}"
    )
    model = Instance.model_validate(
        {"hardware": {"disks": [{"addOns": [{"status": "Enabled"}]}, {"name": "d2"}]}}
    )
    outcome = judged_three_ways(fail_if, model)
    assert outcome.reasons == (
        "count of hardware.disks.addOns is 1 or more: hardware.disks.addOns absent",
    )


def test_an_absent_field_read_through_a_list_is_one_unknown_item() -> None:
    # An entry without fromPort is one item whose value is absent, not a part of any length.
    fail_if = (
        "{count: {path: networking.ports.fromPort, as: p, where: {path: p, lt: 1024}, "
        "{comparison}}}"
    )
    model = ports({"fromPort": 22}, {"protocol": "tcp"})
    assert judged_three_ways(fail_if.replace("{comparison}", "at_most: 5"), model).truth is True
    outcome = judged_three_ways(fail_if.replace("{comparison}", "at_least: 2"), model)
    assert outcome.reasons == (
        "count of networking.ports.fromPort is between 1 and 2",
        "networking.ports.fromPort[1] absent",
    )


# ---------------------------------------------------------------- empty


@pytest.mark.parametrize(
    ("entries", "operand", "expected"),
    [
        (({},), "true", None),  # the entry's absent list may be empty or not
        (({},), "false", None),
        (({"cidrs": []}, {}), "true", None),
        (({"cidrs": []}, {}), "false", None),
        (({"cidrs": ["10.0.0.0/8"]}, {}), "true", False),  # one known item: not empty
        (({"cidrs": ["10.0.0.0/8"]}, {}), "false", True),
        (({"cidrs": []},), "true", True),
        (({"cidrs": []},), "false", False),
        ((), "true", True),  # no entries: nothing could hold a CIDR
    ],
)
def test_empty_is_decided_by_known_items_and_unknown_with_only_absent_parts(
    entries: tuple[dict[str, Any], ...], operand: str, expected: Truth
) -> None:
    fail_if = f"{{path: networking.ports.cidrs, empty: {operand}}}"
    outcome = judged_three_ways(fail_if, ports(*entries))
    assert outcome.truth is expected
    if expected is None:
        assert outcome.reasons == ("networking.ports.cidrs: list has absent items",)


def test_a_non_empty_list_with_absent_parts_shows_the_list_as_evidence() -> None:
    model = ports({"ipv6Cidrs": ["::/0"]}, {})
    outcome = judged_three_ways("{path: networking.ports.ipv6Cidrs, empty: false}", model)
    assert outcome.evidence == (("networking.ports.ipv6Cidrs", ["::/0", None]),)


def test_empty_under_not_stays_unknown() -> None:
    outcome = judged_three_ways("{not: {path: networking.ports.cidrs, empty: true}}", ports({}))
    assert outcome.truth is None


def test_an_absent_field_read_through_a_list_is_still_an_item_for_empty() -> None:
    # One entry without fromPort: the list has one item, whose value is absent.
    outcome = judged_three_ways("{path: networking.ports.fromPort, empty: true}", ports({}))
    assert outcome.truth is False
