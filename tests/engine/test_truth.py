"""Truth functions: the interpreter's truth for every condition, on every built-in rule's tests,
the examples and generated resources, and on conditions that reach every operator, quantifier,
count, default and unknown; and judging with them gives the verdicts judging in full gives."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lslint.engine.compiled import compiled
from lslint.engine.conditions import Condition
from lslint.engine.evaluate import judge, judged, rule_truths, run
from lslint.engine.loader import load_rules
from lslint.engine.logic import Env, evaluate
from lslint.engine.rule import DEFAULT_TEST_NOW, Rule
from lslint.engine.truth import full_function, generate, is_generated, truth_function
from lslint.inventory import Inventory
from lslint.models import RESOURCE_KINDS, Bucket, Instance, LightsailModel
from lslint.sources.snapshot import parse_snapshot

from conftest import (
    BUILTIN_RULES,
    EXAMPLES,
    MINIMAL_RULE,
    declared_safe,
    example_resources,
    random_instance,
    rule_from_text,
)

NOW = datetime(2026, 11, 18, tzinfo=UTC)
BUILT_IN = load_rules([BUILTIN_RULES])


def conditions(rule: Rule) -> Iterator[Condition]:
    yield from (c for c in (rule.applies_if, rule.fail_if) if c is not None)


def assert_same_truth(rule: Rule, model: LightsailModel, now: datetime | None) -> None:
    """The truth function and the interpreter agree, the closure whose quantifiers skip false
    items gives the interpreter's outcome, and ``judge`` the verdict of judging in full."""
    root = RESOURCE_KINDS[rule.resource].model
    for condition in conditions(rule):
        fast = truth_function(condition, root)(model, rule.operands, now)
        reference = evaluate(condition, Env(model, rule.operands, now=now))
        assert fast is reference.truth, (rule.id, model)
        full = full_function(condition, root)(Env(model, rule.operands, now=now))
        assert full == reference, (rule.id, model)
    assert judge(rule, model, now) == judged(rule, model, now), (rule.id, model)


def test_every_built_in_condition_is_generated_code() -> None:
    for rule in BUILT_IN:
        for condition in conditions(rule):
            assert is_generated(truth_function(condition, RESOURCE_KINDS[rule.resource].model))


def test_quantifiers_judged_in_full_skip_the_items_generated_code_finds_false() -> None:
    (rule,) = (rule for rule in BUILT_IN if rule.id == "LS001")
    assert full_function(rule.fail_if, Instance) is not compiled(rule.fail_if)
    # Two entries, the first closed to the world: only the second is judged by the closure.
    model = Instance.model_validate({"networking": {"ports": [
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrs": ["10.0.0.0/8"]},
        {"protocol": "tcp", "fromPort": 3306, "toPort": 3306, "cidrs": ["0.0.0.0/0"]},
    ]}})  # fmt: skip
    bound = rule.bind()
    outcome = full_function(bound.fail_if, Instance)(Env(model, bound.operands, now=NOW))
    assert outcome == evaluate(bound.fail_if, Env(model, bound.operands, now=NOW))
    assert outcome.truth is True


@pytest.mark.parametrize("rule", BUILT_IN, ids=lambda rule: rule.id)
def test_each_rule_has_the_interpreters_truth_on_its_tests_and_the_examples(rule: Rule) -> None:
    kind = RESOURCE_KINDS[rule.resource].model
    cases = [(case.resource, case.now or DEFAULT_TEST_NOW, rule.bind(case.params))
             for case in rule.tests]  # fmt: skip
    examples = [model for model in example_resources() if isinstance(model, kind)]
    cases += [(model, now, rule.bind()) for model in examples for now in (NOW, None)]
    assert len(cases) > len(rule.tests)
    for model, now, bound in cases:
        assert_same_truth(bound, model, now)


@pytest.mark.parametrize("now", [NOW, None])
def test_every_built_in_rule_has_the_interpreters_truth_on_generated_instances(
    now: datetime | None,
) -> None:
    rng = random.Random(140)
    rules = [rule.bind() for rule in BUILT_IN if rule.resource == "instance"]
    for index in range(400):
        model = random_instance(rng, index)
        for rule in rules:
            assert_same_truth(rule, model, now)


# Conditions that reach what the built-in rules do not: every operator, literal and parameter
# operands, other fields as operands, defaults, absent items, nested quantifiers and counts.
PARAMS = """params:
  ports: {type: port_list, default: [22, 80-90], description: d}
  names: {type: string_list, default: [Owner, environment], description: d}
  limit: {type: integer, default: 2, description: d}
  prefix: {type: integer, default: 16, description: d}
  nets: {type: cidr_list, default: [10.0.0.0/8, "2001:db8::/16"], description: d}
  eol: {type: dated_pattern_list, description: d,
        default: [{pattern: '^ubuntu_18', date: 2023-05-31}, {pattern: 'centos', date: 2030-01-01}]}
  key: {type: string, default: Owner, description: d}
"""


def safe(condition: str, *paths: str) -> tuple[str, tuple[str, ...]]:
    """A condition whose defaults at ``paths`` the rule declares safe."""
    return condition, paths


CONDITIONS: list[str | tuple[str, tuple[str, ...]]] = [
    "{path: metadataOptions.httpTokens, equals: OPTIONAL, default: optional}",
    "{path: metadataOptions.httpTokens, not_equals: required}",
    "{path: ipAddressType, in: [IPv4, dualstack]}",
    safe("{path: ipAddressType, not_in: [ipv6], default: ipv6}", "ipAddressType"),
    safe(
        "{path: metadataOptions.httpPutResponseHopLimit, gt: {param: limit}, default: 1}",
        "metadataOptions.httpPutResponseHopLimit",
    ),
    "{path: metadataOptions.httpPutResponseHopLimit, lte: 1}",
    "{path: hardware.ramSizeInGb, gte: 2}",
    safe("{path: hardware.cpuCount, lt: 2, default: 4}", "hardware.cpuCount"),
    "{path: createdAt, gt: 2025-01-01}",
    safe("{path: isStaticIp, equals: false, default: true}", "isStaticIp"),
    "{path: blueprintId, matches: '^ubuntu'}",
    "{path: blueprintId, matches_any: ['^centos', '18_04$']}",
    "{path: metadataOptions, exists: true}",
    "{path: networking.ports.cidrs, exists: false}",
    safe("{path: sshKeyName, empty: false, default: ''}", "sshKeyName"),
    "{path: tags, empty: true}",
    "{path: ipv6Addresses, empty: true, default: []}",
    "{path: tags.key, contains: Owner}",
    "{path: tags.key, contains_any: {param: names}}",
    safe("{path: tags.key, contains_all: [Owner, Environment], default: []}", "tags.key"),
    "{path: tags.key, lacks_any: {param: names}, capture: missing}",
    "{path: tags.value, matches: '^o', match: every}",
    "{path: tags.value, matches: '^\\s*$', match: none, default: []}",
    "{path: networking.ports.cidrs, cidr_is_world: true, match: some}",
    "{path: networking.ports.ipv6Cidrs, cidr_is_world: false, match: every, default: []}",
    "{path: networking.ports.cidrs, cidr_within: {param: nets}, match: some}",
    "{path: networking.ports.cidrs, cidr_overlaps: '0.0.0.0/1', match: none}",
    "{path: networking.ports.cidrs, cidr_prefix_below: {param: prefix}, match: some}",
    safe(
        "{path: instanceStatus.details.status, equals: failed, match: some, default: []}",
        "instanceStatus.details.status",
    ),
    "{path: hardware.disks.addOns.status, in: [Failed], match: some}",
    safe(
        "{path: hardware.disks.autoMountStatus, equals: Failed, match: every, default: [Mounted]}",
        "hardware.disks.autoMountStatus",
    ),
    "{path: createdAt, older_than_days: 30}",
    safe("{path: createdAt, newer_than_hours: 48, default: 2026-11-18}", "createdAt"),
    "{path: createdAt, within_next_days: 40}",
    "{path: blueprintId, matches_past_date: {param: eol}}",
    "{some: {path: networking.ports, as: p, where: {path: p, exposes_port: {param: ports}}}}",
    "{every: {path: networking.ports, as: p, where: {path: p, only_ports: [443, 22]}}}",
    "{none: {path: networking.ports, as: p, default: [], where: {and: ["
    "{path: p.protocol, in: [tcp, all]}, {path: p, exposes_port: 80}]}}}",
    "{some: {path: networking.ports, as: p, where: {path: p.fromPort, equals: {path: p.toPort}}}}",
    safe(
        "{some: {path: networking.ports, as: p, where: {path: p.toPort, gt: {path: p.fromPort, "
        "default: 0}}}}",
        "networking.ports.fromPort",
    ),
    "{some: {path: networking.ports, as: p, where: {path: p.cidrs, contains_any: "
    "{path: p.ipv6Cidrs}}}}",
    safe(
        "{some: {path: networking.ports, as: p, where: {path: p.cidrs, cidr_within: "
        "{path: p.ipv6Cidrs, default: ['::/0']}, match: some}}}",
        "networking.ports.ipv6Cidrs",
    ),
    "{some: {path: networking.ports, as: p, where: {path: p.accessFrom, in: {path: p.cidrs}}}}",
    safe(
        "{some: {path: tags, as: t, where: {and: [{path: t.key, equals: {param: key}}, "
        "{path: t.value, not_in: {param: names}, default: ''}]}}}",
        "tags.value",
    ),
    safe(
        "{every: {path: networking.ports, as: p, where: {or: [{path: p.protocol, equals: icmp}, "
        "{some: {path: p.cidrs, as: c, default: [], where: {and: [{path: c, empty: false}, "
        "{not: {path: c, cidr_is_world: true}}]}}}]}}}",
        "networking.ports.cidrs",
    ),
    "{some: {path: hardware.disks, as: d, where: {some: {path: d.addOns, as: a, "
    "where: {path: a.status, equals: failed}}}}}",
    "{count: {path: networking.ports, more_than: {param: limit}}}",
    "{count: {path: tags.key, at_least: 1}}",
    "{count: {path: networking.ports.cidrs, fewer_than: 2, default: []}}",
    safe(
        "{count: {path: networking.ports, as: p, where: {path: p.accessDirection, "
        "not_equals: outbound, default: inbound}, at_most: 1, capture: counted}}",
        "networking.ports.accessDirection",
    ),
    "{count: {path: tags, as: t, default: [], where: {path: t.value, empty: true}, equals: 0}}",
    # Lists read through another, whose absent parts may hold any number of items.
    "{count: {path: networking.ports.cidrs, as: c, where: {path: c, cidr_is_world: true}, "
    "at_least: {param: limit}, capture: world}}",
    "{count: {path: networking.ports.ipv6Cidrs, as: c, where: {path: c, cidr_within: "
    "{param: nets}, default: '::/0'}, at_most: 1}}",
    "{count: {path: hardware.disks.addOns, as: a, where: {path: a.status, equals: Enabled}, "
    "more_than: 1}}",
    "{count: {path: networking.ports.fromPort, as: p, where: {path: p, lt: 1024}, fewer_than: 2}}",
    "{path: networking.ports.cidrs, empty: true}",
    "{path: networking.ports.ipv6Cidrs, empty: false}",
    "{path: hardware.disks.addOns.status, empty: false}",
    "{not: {path: networking.ports.fromPort, empty: true}}",
    "{path: networking.ports.cidrs, exists: false}",
    "{path: networking.ports.ipv6Cidrs, exists: true, capture: seen}",
    "{not: {path: hardware.disks.addOns.status, exists: true}}",
    "{and: [{path: networking.ports.cidrs, exists: true}, {none: {path: networking.ports.cidrs, "
    "as: c, where: {path: c, cidr_is_world: true}}}]}",
    "{some: {path: networking.ports.cidrs, as: c, where: {path: c, cidr_is_world: true, "
    "default: '10.0.0.0/8'}, capture: world}}",
    "{every: {path: networking.ports.ipv6Cidrs, as: c, where: {path: c, cidr_within: "
    "{param: nets}, default: '::/0'}}}",
    "{none: {path: networking.ports.cidrs, as: c, where: {path: c, exists: true}}}",
    safe(
        "{every: {path: hardware.disks.addOns, as: a, where: {path: a.status, equals: Enabled, "
        "default: Failed}}}",
        "hardware.disks.addOns.status",
    ),
    "{not: {or: [{path: metadataOptions.httpEndpoint, equals: disabled}, "
    "{path: metadataOptions.httpTokens, equals: required}]}}",
    "{and: [{path: ipAddressType, equals: ipv4}, {not: {path: isStaticIp, equals: true}}, "
    "{path: blueprintId, matches: ubuntu}]}",
    "{or: [{path: sshKeyName, equals: LightsailDefaultKeyPair}, {path: name, matches: '-1'}, "
    "{path: createdAt, older_than_hours: 1}]}",
]


def condition_rule(condition: str | tuple[str, tuple[str, ...]]) -> Rule:
    text, paths = (condition, ()) if isinstance(condition, str) else condition
    rule = f"{MINIMAL_RULE}message: m\n{PARAMS}fail_if: {text}\n"
    return rule_from_text(declared_safe(rule, *paths)).bind()


@pytest.mark.parametrize("condition", CONDITIONS)
def test_conditions_of_every_kind_have_the_interpreters_truth(
    condition: str | tuple[str, tuple[str, ...]],
) -> None:
    rule = condition_rule(condition)
    assert is_generated(rule_truths(rule)[1])
    rng = random.Random(str(condition))
    for index in range(250):
        model = random_instance(rng, index)
        for now in (NOW, None):
            assert_same_truth(rule, model, now)


def test_unknowns_and_defaults_have_the_interpreters_truth() -> None:
    rules = [condition_rule(condition) for condition in CONDITIONS]
    models = [
        Instance.model_validate({}),
        Instance.model_validate({"networking": {}, "metadataOptions": {}, "hardware": {}}),
        Instance.model_validate({"networking": {"ports": [{}, {"cidrs": [""]}]}, "tags": [{}]}),
        Instance.model_validate({"hardware": {"disks": [{"addOns": [{}]}, {}]}}),
        Instance.model_validate({"networking": {"ports": [{"cidrs": ["0.0.0.0/0"]}, {}]}}),
        Instance.model_validate({"networking": {"ports": [{}, {"ipv6Cidrs": []}]}}),
        Instance.model_validate({"networking": {"ports": [{"cidrs": ["0.0.0.0/0"] * 3}, {}]}}),
        Instance.model_validate({"networking": {"ports": [{"cidrs": []}, {}]}}),
        Instance.model_validate({"networking": {"ports": [{"ipv6Cidrs": ["::/0"]}]}}),
        Instance.model_validate({"networking": {"ports": []}, "hardware": {"disks": []}}),
        Instance.model_validate({"hardware": {"disks": [{"addOns": []}, {}]}}),
    ]
    for rule in rules:
        for model in models:
            for now in (NOW, None):
                assert_same_truth(rule, model, now)


def nested(depth: int) -> str:
    """``depth`` quantifiers one inside another, deeper than Python nests loops."""
    condition = f"{{path: t{depth - 1}.key, equals: Owner}}"
    for level in reversed(range(depth)):
        condition = f"{{some: {{path: tags, as: t{level}, where: {condition}}}}}"
    return condition


def test_a_condition_too_deep_for_generated_code_is_judged_by_its_closure() -> None:
    deep = condition_rule(nested(24))
    truth = rule_truths(deep)[1]
    assert not is_generated(truth)
    models = [Instance.model_validate({}), Instance.model_validate({"tags": []}),
              Instance.model_validate({"tags": [{"key": "Owner"}]}),
              Instance.model_validate({"tags": [{"key": "other"}]}),
              Instance.model_validate({"tags": [{}]})]  # fmt: skip
    assert [truth(m, deep.operands, NOW) for m in models] == [None, False, True, False, None]
    for model in models:
        assert_same_truth(deep, model, NOW)


def test_data_not_shaped_like_its_model_is_judged_by_the_closure() -> None:
    rule = condition_rule("{path: metadataOptions.httpTokens, equals: optional}")
    truth = generate(rule.fail_if, Instance).truth
    assert is_generated(truth)
    # A resource of another kind has no such attributes: its truth is what the closure says.
    bucket = Bucket.model_validate({"name": "b"})
    expected = evaluate(rule.fail_if, Env(bucket, rule.operands, now=NOW)).truth
    assert truth(bucket, rule.operands, NOW) is expected is None


def test_rules_without_per_resource_entries_are_never_looked_up_in_the_variants() -> None:
    inventory = parse_snapshot((EXAMPLES / "fleet.json").read_text(encoding="utf-8"), "fleet")
    rules = [rule.bind() for rule in BUILT_IN if rule.resource == "instance"]
    asked: list[str] = []

    class Variants:
        def __call__(self, rule: Rule, resource: Any) -> None:
            asked.append(rule.id)

        def varies(self, rule: Rule) -> bool:
            return rule.id == "LS002"

    result = run(rules, inventory, Variants(), now=NOW)
    assert set(asked) == {"LS002"}
    assert len(asked) == len(inventory.resources)
    assert result.checks == run(rules, inventory, now=NOW).checks


def test_variants_without_a_way_to_say_which_rules_vary_are_asked_for_every_check() -> None:
    inventory: Inventory = parse_snapshot(
        (EXAMPLES / "fleet.json").read_text(encoding="utf-8"), "fleet"
    )
    rules = [rule.bind() for rule in BUILT_IN if rule.resource == "instance"]
    asked: list[str] = []
    run(rules, inventory, lambda rule, resource: asked.append(rule.id), now=NOW)
    assert len(asked) == len(rules) * len(inventory.resources)
