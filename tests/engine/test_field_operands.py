"""Field against field: an operand may be another path of the resource or of the bound item,
``{path: P, default: V}``, type-checked when the rule loads; an absent one is unknown."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lslint.engine import loader
from lslint.engine.evaluate import Verdict, judge
from lslint.errors import RuleError
from lslint.models import Instance

from conftest import MINIMAL_RULE, declared_safe, rule_from_text

TRUE, FALSE, UNKNOWN = "fail", "pass", "error"
LOCATED = re.compile(r"^t\.yaml:\d+:\d+: ")


def check(
    fail_if: str, resource: dict[str, Any], message: str = "m", *, safe: tuple[str, ...] = ()
) -> Verdict:
    text = f"{MINIMAL_RULE}message: '{message}'\nfail_if: {fail_if}\n"
    rule = rule_from_text(declared_safe(text, *safe))
    return judge(rule, Instance.model_validate(resource))


def refused(fail_if: str) -> str:
    with pytest.raises(RuleError) as info:
        rule_from_text(f"{MINIMAL_RULE}message: m\nfail_if: {fail_if}\n")
    message = str(info.value)
    assert LOCATED.match(message), message
    return message


def entry(**fields: Any) -> dict[str, Any]:
    return {"networking": {"ports": [{"protocol": "tcp", **fields}]}}


REVERSED = (
    "{some: {path: networking.ports, as: port, where: "
    "{path: port.toPort, lt: {path: port.fromPort}}}}"
)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"fromPort": 30, "toPort": 20}, TRUE),
        ({"fromPort": 20, "toPort": 30}, FALSE),
        ({"fromPort": 20, "toPort": 20}, FALSE),
        ({"toPort": 20}, UNKNOWN),  # the operand's path is absent
        ({"fromPort": 20}, UNKNOWN),  # the tested path is absent
    ],
)
def test_bound_item_field_against_field(fields: dict[str, Any], expected: str) -> None:
    assert check(REVERSED, entry(**fields)).status == expected


def test_absent_operand_names_its_path() -> None:
    verdict = check(REVERSED, entry(toPort=20))
    assert verdict.message == "indeterminate: networking.ports[0].fromPort absent"


def test_operand_default_stands_in_for_an_absent_operand() -> None:
    cond = (
        "{some: {path: networking.ports, as: port, where: "
        "{path: port.toPort, lt: {path: port.fromPort, default: 0}}}}"
    )
    safe = ("networking.ports.fromPort",)  # a default compared with a field is declared
    assert check(cond, entry(toPort=20), safe=safe).status == FALSE
    assert check(cond, entry(toPort=-1), safe=safe).status == TRUE


def test_resource_fields_compare_and_evidence_shows_both() -> None:
    cond = "{path: hardware.cpuCount, gt: {path: hardware.ramSizeInGb}}"
    verdict = check(cond, {"hardware": {"cpuCount": 4, "ramSizeInGb": 2.0}})
    assert verdict.status == TRUE
    assert verdict.evidence == {"hardware.cpuCount": 4, "hardware.ramSizeInGb": 2.0}
    assert check(cond, {"hardware": {"cpuCount": 1, "ramSizeInGb": 2.0}}).status == FALSE


def test_bound_item_against_a_resource_field() -> None:
    cond = "{some: {path: tags, as: tag, where: {path: tag.value, equals: {path: name}}}}"
    assert check(cond, {"name": "web", "tags": [{"key": "Name", "value": "web"}]}).status == TRUE
    assert check(cond, {"name": "web", "tags": [{"key": "Name", "value": "db"}]}).status == FALSE
    assert check(cond, {"tags": [{"key": "Name", "value": "db"}]}).status == UNKNOWN


def test_enum_fields_compare_without_case() -> None:
    cond = "{path: instanceStatus.status, equals: {path: systemStatus.status}}"
    same = {"instanceStatus": {"status": "OK"}, "systemStatus": {"status": "ok"}}
    assert check(cond, same).status == TRUE


def test_timestamps_compare_with_timestamps() -> None:
    cond = (
        "{some: {path: instanceStatus.details, as: detail, where: "
        "{path: detail.impairedSince, lt: {path: createdAt}}}}"
    )
    impaired = {"instanceStatus": {"details": [{"impairedSince": 1700000000}]}}
    assert check(cond, {"createdAt": "2024-06-01T00:00:00Z", **impaired}).status == TRUE
    assert check(cond, {"createdAt": "2023-06-01T00:00:00Z", **impaired}).status == FALSE


def test_membership_in_another_list() -> None:
    cond = "{path: name, in: {path: tags.value}}"
    assert check(cond, {"name": "web", "tags": [{"key": "a", "value": "web"}]}).status == TRUE
    assert check(cond, {"name": "web", "tags": [{"key": "a", "value": "db"}]}).status == FALSE
    # A tag without a value could be the name: the answer is not known.
    assert check(cond, {"name": "web", "tags": [{"key": "a"}]}).status == UNKNOWN


def test_list_against_list() -> None:
    cond = (
        "{some: {path: networking.ports, as: port, where: "
        "{path: port.ipv6Cidrs, contains_any: {path: port.cidrs}, default: []}}}"
    )
    safe = ("networking.ports.ipv6Cidrs",)
    same = entry(cidrs=["10.0.0.0/8"], ipv6Cidrs=["10.0.0.0/8"])
    assert check(cond, same, safe=safe).status == TRUE
    assert check(cond, entry(cidrs=["10.0.0.0/8"], ipv6Cidrs=["::/0"]), safe=safe).status == FALSE


def test_cidr_within_another_field() -> None:
    cond = (
        "{some: {path: networking.ports, as: port, where: "
        "{path: port.cidrs, cidr_within: {path: port.ipv6Cidrs}, match: every}}}"
    )
    assert check(cond, entry(cidrs=["::1/128"], ipv6Cidrs=["::/0"])).status == TRUE
    assert check(cond, entry(cidrs=["10.0.0.0/8"], ipv6Cidrs=["::/0"])).status == FALSE
    # An operand that is no CIDR cannot be compared with.
    verdict = check(cond, entry(cidrs=["10.0.0.0/8"], ipv6Cidrs=["nope"]))
    assert verdict.status == UNKNOWN
    assert "'nope' is not a valid CIDR" in verdict.message


def test_operand_field_may_be_shown_in_the_message() -> None:
    cond = "{path: hardware.cpuCount, gt: {path: hardware.ramSizeInGb}}"
    verdict = check(
        cond, {"hardware": {"cpuCount": 4, "ramSizeInGb": 2.0}},
        message="{{ hardware.cpuCount }} > {{ hardware.ramSizeInGb }}",
    )  # fmt: skip
    assert verdict.message == "4 > 2.0"


@pytest.mark.parametrize(
    ("fail_if", "fragments"),
    [
        ("{path: hardware.cpuCount, gt: {path: name}}",
         ("'gt' cannot compare 'hardware.cpuCount' (integer) with 'name' (string)",
          "it needs an integer")),
        ("{path: name, equals: {path: isStaticIp}}",
         ("'equals' cannot compare 'name' (string) with 'isStaticIp' (boolean)",)),
        ("{path: name, equals: {path: tags.key}}",
         ("cannot compare 'name' (string) with 'tags.key' (list of string)",)),
        ("{path: name, in: {path: blueprintId}}",
         ("'in' cannot compare 'name' (string) with 'blueprintId' (string); it needs a list "
          "of string",)),
        ("{path: createdAt, lt: {path: hardware.cpuCount}}",
         ("cannot compare 'createdAt' (timestamp) with 'hardware.cpuCount' (integer)",)),
        ("{path: name, equals: {path: nmae}}", ("unknown field 'nmae'", "did you mean 'name'?")),
        ("{path: name, matches: {path: blueprintId}}",
         ("'matches' takes a literal or {param: NAME}, not another path",)),
        ("{path: createdAt, older_than_days: {path: hardware.cpuCount}}",
         ("'older_than_days' takes a literal or {param: NAME}, not another path",)),
        ("{path: name, equals: {path: blueprintId, defualt: x}}",
         ("unknown condition key 'defualt'", "did you mean 'default'?")),
        ("{path: name, equals: {path: blueprintId, default: 3}}",
         ("default: expected a string, got int 3",)),
        ("{path: name, equals: {paht: blueprintId}}",
         ("an operand mapping must be {param: NAME} or {path: P}", "did you mean 'path'?")),
        ("{some: {path: tags, as: tag, where: {path: name, equals: {path: port.key}}}}",
         ("unknown field 'port.key'", "bound names here: tag")),
    ],
)  # fmt: skip
def test_load_errors_name_both_paths(fail_if: str, fragments: tuple[str, ...]) -> None:
    message = refused(fail_if)
    for fragment in fragments:
        assert fragment in message, message


SAFE_OPERAND_DEFAULT = """\
lslint: 1
id: T002
name: reversed-range
title: T
severity: low
resource: instance
description: d
remediation: {text: r}
fail_if:
  some:
    path: networking.ports
    as: port
    where: {path: port.toPort, lt: {path: port.fromPort, default: 0}}
message: m
safe_defaults:
  networking.ports.fromPort: a range without a start starts at 0
tests:
  - {name: reversed, expect: fail, resource: {networking: {ports: [{fromPort: 9, toPort: 1}]}}}
  - {name: in order, expect: pass, resource: {networking: {ports: [{toPort: 1}]}}}
"""


def test_an_operand_default_may_be_declared_safe() -> None:
    rule = rule_from_text(SAFE_OPERAND_DEFAULT)
    assert ("networking.ports.fromPort", "a range without a start starts at 0") in (
        rule.safe_defaults.items()
    )
    assert "networking.ports.fromPort" in {path for path, _ in rule.read_paths()}


def test_the_absence_walk_sees_an_undeclared_operand_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from test_absence import walk_rule  # noqa: PLC0415 - the walker of the built-in rules

    text = SAFE_OPERAND_DEFAULT.replace(
        "safe_defaults:\n  networking.ports.fromPort: a range without a start starts at 0\n", ""
    )
    with pytest.raises(RuleError, match=r"default of 'networking.ports.fromPort' \(0\) can"):
        rule_from_text(text)  # the loader refuses it; the walk is the second line of defence
    monkeypatch.setattr(loader, "check_quiet_defaults", lambda rule: None)
    problems = walk_rule(rule_from_text(text)).problems
    assert problems == [
        "T002: test 'in order' without nothing gives pass, but with absent values unknown it "
        "is error: a default decides it; declare it under safe_defaults with the reason, or "
        "drop it"
    ]
    assert walk_rule(rule_from_text(SAFE_OPERAND_DEFAULT)).problems == []
