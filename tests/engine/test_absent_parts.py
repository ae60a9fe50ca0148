"""Lists read through another list (``networking.ports.cidrs``): an entry without the inner
list leaves a null that stands for an absent part, which may hold any number of items. A
count (with or without ``where``), ``empty`` and ``some``/``every``/``none`` are decided only
where the known items decide them; ``exists`` holds where any entry holds the inner list. The
interpreter, the compiled closures and the generated truth functions say so alike. The three
once agreed on wrong answers, so each is checked against the answer here."""

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


# ---------------------------------------------------------------- exists


@pytest.mark.parametrize(
    ("networking", "exists"),
    [
        ({"ports": [{"protocol": "tcp", "fromPort": 22, "toPort": 22}]}, False),  # was present
        ({"ports": [{}, {"protocol": "udp"}]}, False),  # no entry holds cidrs
        ({"ports": [{"cidrs": []}, {}]}, True),  # one entry holds an empty list
        ({"ports": [{"cidrs": ["10.0.0.0/8"]}, {}]}, True),
        ({"ports": [{"cidrs": []}]}, True),
        ({"ports": []}, True),  # no entries: a known empty list, as `empty: true` says
        ({}, False),  # no firewall entries reported: nothing holds cidrs
    ],
)
@pytest.mark.parametrize("operand", [True, False])
def test_exists_holds_when_an_entry_holds_the_inner_list_and_is_never_unknown(
    networking: dict[str, Any], exists: bool, operand: bool
) -> None:
    model = Instance.model_validate({"networking": networking})
    fail_if = f"{{path: networking.ports.cidrs, exists: {str(operand).lower()}}}"
    outcome = judged_three_ways(fail_if, model)
    assert outcome.truth is (exists == operand)
    assert outcome.reasons == ()


def test_exists_false_of_a_list_no_entry_holds_shows_it_absent() -> None:
    model = ports({"protocol": "tcp", "fromPort": 22, "toPort": 22})
    outcome = judged_three_ways("{path: networking.ports.cidrs, exists: false}", model)
    assert outcome.evidence == (("networking.ports.cidrs", None),)


@pytest.mark.parametrize(
    ("disks", "exists"),
    [
        ([{"addOns": [{}]}, {}], False),  # no add-on has a status
        ([{"addOns": [{"status": "Enabled"}]}, {}], True),
        ([{"addOns": []}, {}], True),  # a disk with no add-ons: a known empty part
        ([{}, {"name": "d2"}], False),
    ],
)
def test_exists_looks_for_a_part_deeper_in_the_path(
    disks: list[dict[str, Any]], exists: bool
) -> None:
    model = Instance.model_validate({"hardware": {"disks": disks}})
    outcome = judged_three_ways("{path: hardware.disks.addOns.status, exists: true}", model)
    assert outcome.truth is exists


def test_exists_of_a_field_read_through_one_list_is_unchanged() -> None:
    # An entry without fromPort is one item whose value is absent: the list is there.
    fail_if = "{path: networking.ports.fromPort, exists: true}"
    assert judged_three_ways(fail_if, ports({"protocol": "tcp"})).truth is True


def test_exists_under_not_is_decided_too() -> None:
    outcome = judged_three_ways("{not: {path: networking.ports.cidrs, exists: true}}", ports({}))
    assert outcome.truth is True


# ---------------------------------------------------------------- some, every, none

NARROW = "10.0.0.0/8"


def quantified(kind: str, where: str) -> str:
    return f"{{{kind}: {{path: networking.ports.cidrs, as: c, where: {where}}}}}"


@pytest.mark.parametrize(
    ("kind", "where", "entries", "expected"),
    [
        # A default of the item stands in for no absent part: it may hold no item, or many.
        ("some", f"{{path: c, cidr_is_world: true, default: '{NARROW}'}}", ({},), None),
        ("some", f"{{path: c, cidr_is_world: true, default: '{NARROW}'}}",
         ({"cidrs": [NARROW]}, {}), None),
        ("some", f"{{path: c, cidr_is_world: true, default: '{NARROW}'}}",
         ({"cidrs": [NARROW, WORLD]}, {}), True),  # a known item decides
        ("some", f"{{path: c, cidr_is_world: true, default: '{NARROW}'}}",
         ({"cidrs": [NARROW]}, {"cidrs": []}), False),  # no absent parts
        ("some", f"{{path: c, cidr_is_world: true, default: '{NARROW}'}}", (), False),
        ("every", f"{{path: c, cidr_within: '{NARROW}', default: '{WORLD}'}}",
         ({"cidrs": ["10.1.0.0/16"]}, {}), None),  # was a miss
        ("every", f"{{path: c, cidr_within: '{NARROW}', default: '{NARROW}'}}", ({},), None),
        ("every", f"{{path: c, cidr_within: '{NARROW}', default: '{NARROW}'}}",
         ({"cidrs": [WORLD]}, {}), False),  # a known miss decides
        ("every", f"{{path: c, cidr_within: '{NARROW}'}}", ({"cidrs": ["10.1.0.0/16"]},), True),
        ("none", f"{{path: c, cidr_is_world: true, default: '{NARROW}'}}", ({},), None),
        ("none", f"{{path: c, cidr_is_world: true, default: '{NARROW}'}}",
         ({"cidrs": [WORLD]}, {}), False),
        ("none", "{path: c, cidr_is_world: true}", ({"cidrs": [NARROW]}, {"cidrs": []}), True),
        # A condition true whatever the item is: the absent part may still hold no item.
        ("some", "{path: c, exists: false}", ({},), None),
        ("every", "{path: c, exists: true}", ({"cidrs": [NARROW]}, {}), None),
    ],
)  # fmt: skip
def test_an_absent_part_is_any_number_of_unknown_items_for_a_quantifier(
    kind: str, where: str, entries: tuple[dict[str, Any], ...], expected: Truth
) -> None:
    outcome = judged_three_ways(quantified(kind, where), ports(*entries))
    assert outcome.truth is expected
    if expected is None:  # the entry without cidrs comes last, after every known item
        index = sum(len(entry.get("cidrs", [])) for entry in entries[:-1])
        assert outcome.reasons == (f"networking.ports.cidrs[{index}] absent",)


def test_a_quantifier_holding_beside_absent_parts_shows_them_undecided() -> None:
    where = f"{{path: c, cidr_is_world: true, default: '{NARROW}'}}"
    outcome = judged_three_ways(quantified("some", where), ports({}, {"cidrs": [WORLD]}))
    assert outcome.evidence == (
        ("networking.ports.cidrs", [WORLD]),
        ("networking.ports.cidrs (undecided)", [None]),
    )


def test_a_quantifier_over_add_ons_of_disks_without_add_ons_is_unknown() -> None:
    where = "{path: a.status, equals: Enabled, default: Enabled}"
    fail_if = f"{{every: {{path: hardware.disks.addOns, as: a, where: {where}}}}}"
    model = Instance.model_validate({"hardware": {"disks": [{"addOns": [{}]}, {"name": "d"}]}})
    outcome = judged_three_ways(fail_if, model)
    assert outcome.truth is None  # the add-on's default holds; the disk without add-ons: any
    assert outcome.reasons == ("hardware.disks.addOns[1] absent",)


def test_a_field_read_through_one_list_is_still_one_item_under_a_quantifier() -> None:
    # An entry without fromPort is one item whose value is absent: its default stands in.
    fail_if = (
        "{some: {path: networking.ports.fromPort, as: p, where: {path: p, lt: 1024, default: 0}}}"
    )
    assert judged_three_ways(fail_if, ports({"protocol": "tcp"})).truth is True
