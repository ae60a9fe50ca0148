"""The cheaper paths a failure takes from its verdict to its finding: items a generated test
finds true, messages and commands from parts prepared once per template, and findings that
share their rule's advice. Each gives what the general path gives."""

from __future__ import annotations

import random
import shlex
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from lslint.engine.compiled import captures_anything, compile_condition
from lslint.engine.conditions import Quantifier
from lslint.engine.evaluate import judged, remediation_commands, run
from lslint.engine.loader import load_rules
from lslint.engine.logic import Env, evaluate
from lslint.engine.rule import Rule
from lslint.engine.templates import (
    Command,
    Placeholder,
    Template,
    _command_text,
    _label,
    _texts,
    _unwrap,
    _value,
    _variants,
    render_value,
)
from lslint.findings import Finding, Severity
from lslint.inventory import Inventory, Resource
from lslint.models import Instance, LightsailModel

from conftest import BUILTIN_RULES, EXAMPLES, MINIMAL_RULE, random_instance, rule_from_text

NOW = datetime(2026, 11, 18, tzinfo=UTC)
RULES = load_rules([BUILTIN_RULES, EXAMPLES / "rules"])


def where_rule(where: str) -> Rule:
    quantifier = f"{{some: {{path: networking.ports, as: p, where: {where}}}}}"
    text = f"{MINIMAL_RULE}message: m\nfail_if: {quantifier}\n"
    return rule_from_text(text).bind()


def always_true(resource: Any, operands: Any, now: Any, bindings: Any) -> bool:
    return True


UDP_ONLY = Instance.model_validate({"networking": {"ports": [{"protocol": "udp"}]}})


# ---------------------------------------------------------------- items found true


def test_an_item_found_true_is_a_match_without_its_closure_when_nothing_is_captured() -> None:
    rule = where_rule("{path: p.protocol, equals: tcp}")
    node = rule.fail_if
    assert isinstance(node, Quantifier)
    # A test that says every item holds: the closure would find udp is not tcp, so a match
    # shows the closure was not run for the item.
    closure = compile_condition(node, {id(node): always_true})
    assert closure(Env(UDP_ONLY, rule.operands, now=NOW)).truth is True


def test_an_item_whose_condition_captures_is_judged_by_its_closure() -> None:
    rule = where_rule("{path: p.protocol, equals: tcp, capture: protocols}")
    node = rule.fail_if
    closure = compile_condition(node, {id(node): always_true})
    assert closure(Env(UDP_ONLY, rule.operands, now=NOW)).truth is False


@pytest.mark.parametrize(
    ("condition", "captures"),
    [
        ("{path: name, equals: a}", False),
        ("{path: name, equals: a, capture: n}", True),
        ("{and: [{path: name, equals: a}, {not: {path: name, equals: b, capture: n}}]}", True),
        ("{or: [{path: name, equals: a}, {path: name, equals: b}]}", False),
        ("{some: {path: tags, as: t, where: {path: t.key, equals: a}}}", False),
        ("{some: {path: tags, as: t, capture: c, where: {path: t.key, equals: a}}}", True),
        ("{none: {path: tags, as: t, where: {path: t.key, equals: a, capture: k}}}", True),
        ("{count: {path: tags, at_least: 1}}", False),
        ("{count: {path: tags, as: t, where: {path: t.key, equals: a}, at_least: 1}}", False),
        ("{count: {path: tags, at_least: 1, capture: c}}", True),
        (
            "{count: {path: tags, as: t, where: {path: t.key, equals: a, capture: k}, "
            "at_least: 1}}",
            True,
        ),
    ],
)
def test_captures_anything_looks_into_every_kind_of_condition(
    condition: str, captures: bool
) -> None:
    rule = rule_from_text(f"{MINIMAL_RULE}message: m\nfail_if: {condition}\n")
    assert captures_anything(rule.fail_if) is captures


# Quantifiers and counts whose items capture, or not, nested or not: judged in full, each
# gives the interpreter's outcome (captures, evidence and reasons included).
CAPTURING = [
    "{some: {path: p.cidrs, as: c, capture: worlds, where: {path: c, cidr_is_world: true}}}",
    "{and: [{path: p.protocol, in: [tcp, all], capture: protocols}, {path: p, exposes_port: 22}]}",
    "{or: [{path: p.fromPort, equals: 22, capture: ports}, {path: p.protocol, equals: all}]}",
    "{path: p.cidrs, cidr_is_world: true, match: some, capture: sources}",
    "{count: {path: p.cidrs, as: c, where: {path: c, cidr_is_world: true, capture: w}, "
    "at_least: 1}}",
    "{none: {path: p.cidrs, as: c, where: {path: c, cidr_is_world: true}}}",
]


@pytest.mark.parametrize("where", CAPTURING)
def test_items_judged_in_full_give_the_interpreters_outcome(where: str) -> None:
    rule = where_rule(where)
    rng = random.Random(where)
    for index in range(200):
        model = random_instance(rng, index)
        for now in (NOW, None):
            expected = evaluate(rule.fail_if, Env(model, rule.operands, now=now))
            verdict = judged(rule, model, now)
            assert verdict.status == {True: "fail", False: "pass", None: "error"}[expected.truth]
            if expected.truth:
                assert dict(verdict.captures or {}) == _merged(expected.captures)


def _merged(pairs: tuple[tuple[str, Any], ...]) -> dict[str, list[Any]]:
    merged: dict[str, list[Any]] = {}
    for name, value in pairs:
        merged.setdefault(name, []).extend(value if isinstance(value, list) else [value])
    return merged


# ---------------------------------------------------------------- messages and commands


def reference_message(
    template: Template, resource: LightsailModel, params: Mapping[str, Any], captures: Any
) -> str:
    """A message as the template's parts say, each placeholder asked what it is."""
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
        elif part.kind == "capture" and part.name not in captures:
            out.append("none")
        else:
            out.append(render_value(_value(part, resource, params, captures, {})))
    return "".join(out)


def reference_line(
    command: Command,
    resource: LightsailModel,
    params: Mapping[str, Any],
    captures: Mapping[str, Any],
    bindings: Mapping[str, Any],
) -> str:
    """A command line word by word, each placeholder asked what it is."""
    shown: list[str] = []
    for word in command.words:
        texts = [_texts(part, resource, params, captures, bindings) for part in word]
        for variant in _variants(texts):
            joined = "".join(
                _label(part) if text is None else text
                for part, text in zip(word, variant, strict=True)
            )
            shown.append(shlex.quote(joined))
    return " ".join(shown)


def reference_commands(
    command: Command, resource: LightsailModel, params: Mapping[str, Any], captures: Any
) -> list[str]:
    if command.for_each is None:
        return [reference_line(command, resource, params, captures, {})]
    items = [_unwrap(item) for item in captures.get(command.for_each.capture) or []]
    if not items:
        return [command.describe(params)]
    lines = [
        reference_line(command, resource, params, captures, {command.for_each.name: item})
        for item in items
    ]
    return list(dict.fromkeys(lines))


@pytest.mark.parametrize("now", [NOW, None])
def test_messages_and_commands_of_every_rule_read_as_their_parts_say(now: datetime | None) -> None:
    rng = random.Random(14)
    rules = [rule.bind() for rule in RULES if rule.resource == "instance"]
    failures = 0
    for index in range(300):
        model = random_instance(rng, index)
        for rule in rules:
            verdict = judged(rule, model, now)
            if verdict.status != "fail":
                continue
            failures += 1
            captures = verdict.captures or {}
            expected = reference_message(rule.message, model, rule.param_values, captures)
            assert verdict.message == expected
            if rule.remediation_cli is not None:
                assert remediation_commands(rule, model, verdict) == reference_commands(
                    rule.remediation_cli, model, rule.param_values, captures
                )
    assert failures > 1000


@pytest.mark.parametrize(
    "value",
    ["web-1", "a b; rm -rf ~", "-rf", "line\nbreak", "bidi\u202eevil", "", "it's", None],
)
def test_a_value_alone_in_its_word_is_quoted_alike_every_time(value: Any) -> None:
    rule = rule_from_text(
        MINIMAL_RULE.replace(
            "remediation: {text: r}",
            "remediation: {text: r, cli: 'aws lightsail x --name {{ sshKeyName }} --r {{ name }}'}",
        )
        + "fail_if: {path: name, exists: true}\nmessage: m\n"
    )
    model = Instance.model_validate({"name": "n", "sshKeyName": value})
    verdict = judged(rule, model, NOW)
    first = remediation_commands(rule, model, verdict)
    assert first == remediation_commands(rule, model, verdict)  # a remembered text is the same
    shown = _command_text(value)
    key = shlex.quote("<instance-ssh-key-name>" if shown is None else shown)
    assert first == [f"aws lightsail x --name {key} --r n"]


def test_a_placeholder_part_of_a_word_and_a_bound_item_read_as_their_parts_say() -> None:
    template = rule_from_text(
        MINIMAL_RULE + "fail_if: {path: name, exists: true}\n"
        "message: '{{ name }}/{{ location.regionName }} {{ hardware.disks.path }} "
        "{{ tags.key }} {{ metadataOptions.state }}'\n"
    ).message
    model = Instance.model_validate(
        {"name": "w", "location": {"regionName": "r"},
         "hardware": {"disks": [{"path": "/a"}, {"path": None}, {}]},
         "tags": [{"key": "a"}, {"key": "b"}]}
    )  # fmt: skip
    assert template.render(model, {}, {}) == reference_message(template, model, {}, {})
    assert template.render(model, {}, {}) == "w/r /a, (absent), (absent) a, b (absent)"
    assert any(isinstance(part, Placeholder) for part in template.parts)


# ---------------------------------------------------------------- findings


def test_a_finding_shares_its_rules_advice_and_joins_its_commands_when_read() -> None:
    (rule,) = (rule for rule in RULES if rule.id == "LS001")
    model = Instance.model_validate({
        "name": "web", "arn": "arn:aws:lightsail:us-east-1:1:Instance/web",
        "location": {"regionName": "us-east-1"},
        "networking": {"ports": [
            {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrs": ["0.0.0.0/0"]},
            {"protocol": "tcp", "fromPort": 3306, "toPort": 3306, "cidrs": ["0.0.0.0/0"]},
        ]},
    })  # fmt: skip
    (finding,) = run([rule], Inventory([Resource(model)])).findings
    assert finding.remediation_text is rule.remediation_text
    assert len(finding.remediation_commands) == 2
    assert finding.remediation == "\n".join([rule.remediation_text, *finding.remediation_commands])


def test_a_finding_without_commands_reads_as_its_advice() -> None:
    finding = Finding(
        "T001", "t", Severity.LOW, "fail", "instance", "arn:t", "web", "us-east-1", "m", {},
        "Do this.", "f" * 32,
    )  # fmt: skip
    assert finding.remediation == "Do this."
    with_commands = Finding(
        "T001", "t", Severity.LOW, "fail", "instance", "arn:t", "web", "us-east-1", "m", {},
        "Do this.", "f" * 32, remediation_commands=("aws lightsail a", "aws lightsail b"),
    )  # fmt: skip
    assert with_commands.remediation == "Do this.\naws lightsail a\naws lightsail b"
