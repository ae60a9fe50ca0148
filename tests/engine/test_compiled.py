"""Compiled conditions: what the interpreter says, on generated resources and every built-in
rule, and answers remembered per value never leak between parameter values or scan times."""

from __future__ import annotations

import gc
import random
from datetime import UTC, datetime

import pytest

from lslint.engine.compiled import _COMPILED, compiled
from lslint.engine.evaluate import judge
from lslint.engine.loader import load_rules
from lslint.engine.logic import Env, evaluate
from lslint.engine.rule import DEFAULT_TEST_NOW, Rule
from lslint.models import RESOURCE_KINDS, Instance

from conftest import (
    BUILTIN_RULES,
    MINIMAL_RULE,
    example_resources,
    random_instance,
    rule_from_text,
)

NOW = datetime(2026, 11, 18, tzinfo=UTC)


@pytest.mark.parametrize("now", [NOW, None])
def test_every_built_in_rule_means_what_the_interpreter_says(now: datetime | None) -> None:
    rng = random.Random(14)
    rules = [rule.bind() for rule in load_rules([BUILTIN_RULES])]
    for index in range(300):
        model = random_instance(rng, index)
        for rule in rules:
            for condition in (rule.applies_if, rule.fail_if):
                if condition is None:
                    continue
                fast = compiled(condition)(Env(model, rule.operands, now=now))
                assert fast == evaluate(condition, Env(model, rule.operands, now=now)), rule.id


@pytest.mark.parametrize("rule", load_rules([BUILTIN_RULES]), ids=lambda rule: rule.id)
def test_each_rule_means_what_the_interpreter_says_on_its_tests_and_the_examples(
    rule: Rule,
) -> None:
    kind = RESOURCE_KINDS[rule.resource].model
    cases = [
        (case.resource, case.now or DEFAULT_TEST_NOW, rule.bind(case.params)) for case in rule.tests
    ]
    cases += [(model, NOW, rule.bind()) for model in example_resources() if isinstance(model, kind)]
    assert cases
    for model, now, bound in cases:
        for condition in (bound.applies_if, bound.fail_if):
            if condition is not None:
                fast = compiled(condition)(Env(model, bound.operands, now=now))
                assert fast == evaluate(condition, Env(model, bound.operands, now=now)), model


def test_a_condition_is_compiled_once_and_shared_by_bound_variants() -> None:
    rule = load_rules([BUILTIN_RULES])[0]
    variant = rule.bind({})
    assert compiled(variant.fail_if) is compiled(rule.fail_if)


TAGGED = f"""{MINIMAL_RULE}message: m
params:
  wanted: {{type: string_list, default: [Owner], description: d}}
fail_if: {{path: blueprintId, in: {{param: wanted}}}}
"""


def test_answers_remembered_for_one_parameter_value_are_not_used_for_another() -> None:
    rule = rule_from_text(TAGGED)
    owner, other = rule.bind({"wanted": ["ubuntu_24_04"]}), rule.bind({"wanted": ["debian_12"]})
    model = Instance.model_validate({"name": "a", "blueprintId": "ubuntu_24_04"})
    # Alternating, so that each variant asks about a value the other already answered.
    assert [judge(r, model).status for r in (owner, other, owner, other)] == [
        "fail", "pass", "fail", "pass",
    ]  # fmt: skip


def test_answers_remembered_at_one_scan_time_are_not_used_at_another() -> None:
    rule = rule_from_text(
        f"{MINIMAL_RULE}message: m\nparams:\n  eol: {{type: dated_pattern_list, description: d, "
        "default: [{pattern: '^ubuntu_18', date: 2023-05-31}]}\n"
        "fail_if: {path: blueprintId, matches_past_date: {param: eol}}\n"
    ).bind()
    model = Instance.model_validate({"name": "a", "blueprintId": "ubuntu_18_04"})
    times = [datetime(2023, 1, 1, tzinfo=UTC), NOW, datetime(2023, 1, 1, tzinfo=UTC), NOW]
    assert [judge(rule, model, now).status for now in times] == ["pass", "fail", "pass", "fail"]


def test_a_compiled_condition_is_forgotten_with_its_rule() -> None:
    rule = rule_from_text(TAGGED)
    compiled(rule.fail_if)
    key = id(rule.fail_if)
    assert key in _COMPILED
    del rule
    gc.collect()
    assert key not in _COMPILED
