"""Literals compared with fixed-value fields are checked when a rule loads.

A misspelt value (``state.name equals runing``) would never match anything and the rule would
silently pass every resource; it must be a load error with a suggestion instead. Case is
ignored, as when comparing, and resource data itself is never checked against the lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from lslint.engine.evaluate import judge
from lslint.errors import RuleError
from lslint.models import Instance

from conftest import MINIMAL_RULE, CliResult, assert_one_error, rule_from_text

Cli = Callable[..., CliResult]

# The rule's line that the cases below replace; everything else is MINIMAL_RULE.
CONDITION = "fail_if: {path: name, exists: true}"
BASE = MINIMAL_RULE + CONDITION + "\nmessage: m\n"


def rule_text(condition: str, *, params: str = "", tests: str = "") -> str:
    text = BASE.replace(CONDITION, f"fail_if: {condition}")
    if params:
        text = text.replace("tests:\n", f"params:\n{params}tests:\n")
    if tests:
        text = text.replace("  - {name: a, expect: pass, resource: {}}\n", f"  - {tests}\n")
    return text


def refused(text: str) -> RuleError:
    with pytest.raises(RuleError) as info:
        rule_from_text(text)
    return info.value


def position(text: str, needle: str) -> str:
    """``t.yaml:L:C`` of the first occurrence of ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return f"t.yaml:{number}:{line.index(needle) + 1}"
    raise AssertionError(f"{needle!r} not in text")


# Fields whose values botocore leaves open but the API fixes, and fields it declares.
TYPOS = [
    ("{path: state.name, equals: runing}", "running"),
    ("{path: state.name, not_equals: stoped}", "stopped"),
    ("{path: addOns.name, contains: AutoSnaphot}", "AutoSnapshot"),
    ("{path: addOns.status, equals: Enabeld, match: some}", "Enabled"),
    ("{path: hardware.disks.addOns.status, in: [Enabled, Terminatd], match: some}",
     "Terminated"),
    ("{path: resourceType, equals: Instnce}", "Instance"),
    ("{path: hardware.disks.resourceType, equals: Dsk, match: every}", "Disk"),
    ("{path: hardware.disks.attachmentState, equals: atached, match: some}", "attached"),
    ("{path: hardware.disks.state, equals: in_use, match: some}", "in-use"),
    ("{path: hardware.disks.autoMountStatus, equals: Mountd, match: some}", "Mounted"),
    ("{path: ipAddressType, equals: dualstak}", "dualstack"),
    ("{path: networking.ports.accessType, equals: Pubic, match: some}", "Public"),
    ("{path: networking.ports.accessDirection, equals: inbund, match: some}", "inbound"),
    ("{path: networking.ports.protocol, not_in: [tcp, ucp], match: every}", "udp"),
    ("{path: networking.ports.cidrListAliases, contains_any: [lightsail-conect]}",
     "lightsail-connect"),
    ("{path: metadataOptions.httpEndpoint, equals: enabeld}", "enabled"),
    ("{path: metadataOptions.httpProtocolIpv6, equals: disabed}", "disabled"),
    ("{path: metadataOptions.state, equals: aplied}", "applied"),
    ("{path: instanceStatus.status, equals: impared}", "impaired"),
    ("{path: systemStatus.details.status, contains_all: [passed, faild]}", "failed"),
    ("{path: instanceStatus.details.name, lacks_any: [reachabilty]}", "reachability"),
    ("{path: location.regionName, equals: us-east1}", "us-east-1"),
]  # fmt: skip


@pytest.mark.parametrize(("condition", "meant"), TYPOS, ids=[c for c, _ in TYPOS])
def test_unknown_literal_is_a_load_error_with_a_suggestion(condition: str, meant: str) -> None:
    text = rule_text(condition)
    error = refused(text)
    operator = condition.split(", ")[1].split(":", maxsplit=1)[0]
    assert error.where == position(text, f"{operator}:")
    assert "is not a known value (one of: " in error.message
    assert error.message.endswith(f"(did you mean '{meant}'?)")


def test_the_error_names_the_operator_and_every_known_value() -> None:
    text = rule_text("{path: state.name, equals: runing}")
    assert str(refused(text)) == (
        f"{position(text, 'equals:')}: 'equals': 'runing' is not a known value (one of: "
        "pending, running, shutting-down, terminated, stopping, stopped) "
        "(did you mean 'running'?)"
    )


def test_a_typo_in_a_leaf_default_is_refused() -> None:
    text = rule_text("{path: state.name, equals: running, default: runing}")
    error = refused(text)
    assert error.where == position(text, "default:")
    assert error.message.startswith("default: 'runing' is not a known value")


@pytest.mark.parametrize(
    ("condition", "resource"),
    [
        ("{path: state.name, equals: RUNNING}", {"state": {"name": "running"}}),
        ("{path: state.name, in: [Stopped, Running]}", {"state": {"name": "running"}}),
        ("{path: addOns.name, contains: autosnapshot}", {"addOns": [{"name": "AutoSnapshot"}]}),
        ("{path: networking.ports.accessType, equals: public, match: some}",
         {"networking": {"ports": [{"accessType": "Public"}]}}),
        ("{path: resourceType, equals: instance}", {"resourceType": "Instance"}),
    ],
)  # fmt: skip
def test_a_literal_that_differs_only_in_case_is_accepted_and_matches(
    condition: str, resource: dict[str, object]
) -> None:
    rule = rule_from_text(rule_text(condition))
    assert judge(rule, Instance.model_validate(resource)).status == "fail"


def test_a_regex_is_not_a_literal_and_is_left_alone() -> None:
    rule = rule_from_text(rule_text("{path: state.name, matches: '^runn?ing$'}"))
    assert judge(rule, Instance.model_validate({"state": {"name": "runing"}})).status == "fail"


def test_free_text_fields_take_any_literal() -> None:
    rule = rule_from_text(rule_text("{path: blueprintId, equals: some_new_blueprint_9}"))
    assert rule.id == "T001"


# ---------------------------------------------------------------- parameters


STATES_PARAM = "  bad_states: {type: string_list, default: [stopped], description: d}\n"
STATES_CONDITION = "{path: state.name, in: {param: bad_states}}"


def test_a_typo_in_a_parameter_default_is_refused() -> None:
    text = rule_text(STATES_CONDITION, params=STATES_PARAM.replace("[stopped]", "[stoped]"))
    error = refused(text)
    assert error.where == position(text, "stoped")
    assert error.message == (
        "parameter 'bad_states' (compared with 'state.name' by 'in'): 'stoped' is not a known "
        "value (one of: pending, running, shutting-down, terminated, stopping, stopped) "
        "(did you mean 'stopped'?)"
    )


def test_a_typo_in_a_scalar_parameter_default_is_refused_at_the_default() -> None:
    param = "  wanted: {type: string, default: runing, description: d}\n"
    text = rule_text("{path: state.name, not_equals: {param: wanted}}", params=param)
    error = refused(text)
    assert error.where == position(text, "default: runing")
    assert error.message.startswith(
        "parameter 'wanted' (compared with 'state.name' by 'not_equals'): 'runing' is not"
    )
    assert error.message.endswith("(did you mean 'running'?)")


def test_a_typo_in_a_test_case_parameter_is_refused() -> None:
    case = "{name: a, expect: pass, resource: {}, params: {bad_states: [terminatd]}}"
    text = rule_text(STATES_CONDITION, params=STATES_PARAM, tests=case)
    error = refused(text)
    assert error.where == position(text, "terminatd")  # the list item at fault
    assert "'terminatd' is not a known value" in error.message
    assert error.message.endswith("(did you mean 'terminated'?)")


def test_a_typo_in_a_config_parameter_override_is_refused(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        rule_text(STATES_CONDITION, params=STATES_PARAM), encoding="utf-8"
    )
    config = tmp_path / ".lslint.yaml"
    config.write_text(
        "rules:\n  paths: [r.yaml]\n  T001:\n    params: {bad_states: [stopped, terminatd]}\n",
        encoding="utf-8",
    )
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps({"instances": [{"name": "a"}]}), encoding="utf-8")
    result = cli(["scan", "--input", str(fleet)])
    assert_one_error(
        result,
        "parameter 'bad_states' (compared with 'state.name' by 'in'): 'terminatd' is not a known "
        "value",
        "(did you mean 'terminated'?)",
        where=f"{config}:4:",
    )


# ---------------------------------------------------------------- test resources


def test_an_unknown_value_in_a_test_resource_is_refused_where_it_is() -> None:
    case = "{name: a, expect: pass, resource: {state: {name: runing}}}"
    text = rule_text("{path: state.name, equals: stopped}", tests=case)
    assert str(refused(text)) == (
        f"{position(text, 'name: runing')}: test 'a': resource: state.name: "
        "'runing' is not a known value (one of: pending, running, shutting-down, terminated, "
        "stopping, stopped) (did you mean 'running'?)"
    )


def test_an_unknown_value_inside_lists_of_a_test_resource_is_refused() -> None:
    case = (
        "{name: a, expect: pass, resource: {networking: {ports: "
        "[{protocol: tcp}, {protocol: tcp, cidrListAliases: [lightsail-conect]}]}}}"
    )
    text = rule_text("{path: state.name, equals: stopped}", tests=case)
    error = refused(text)
    assert error.where == position(text, "lightsail-conect")
    assert error.message.startswith(
        "test 'a': resource: networking.ports.cidrListAliases: 'lightsail-conect'"
    )
    assert error.message.endswith("(did you mean 'lightsail-connect'?)")


def test_test_resources_may_use_any_case_and_unknown_fields() -> None:
    case = (
        "{name: a, expect: pass, resource: {state: {name: Running}, "
        "addOns: [{name: autosnapshot, status: ENABLED}], newField: {name: anything}}}"
    )
    rule = rule_from_text(rule_text("{path: state.name, equals: stopped}", tests=case))
    assert [t.name for t in rule.tests] == ["a", "b"]


def test_unknown_values_in_scanned_data_are_not_errors(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        rule_text("{path: state.name, equals: stopped}"), encoding="utf-8"
    )
    fleet = tmp_path / "fleet.json"
    instances = [
        {"name": "new-state", "state": {"name": "hibernating"}, "resourceType": "Instance2"},
        {"name": "stopped", "state": {"name": "Stopped"}},
    ]
    fleet.write_text(json.dumps({"instances": instances}), encoding="utf-8")
    result = cli(["scan", "--input", str(fleet), "--rules", str(tmp_path / "r.yaml"),
                  "--select", "T001", "-f", "json"])  # fmt: skip
    assert result.exit_code == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule_id"], f["resource_name"]) for f in findings if f["rule_id"] == "T001"] == [
        ("T001", "stopped")
    ]


# ---------------------------------------------------------------- CLI


@pytest.mark.parametrize("command", ["validate", "test"])
def test_rules_commands_refuse_the_typo_with_one_error_line(
    cli: Cli, tmp_path: Path, command: str
) -> None:
    path = tmp_path / "r.yaml"
    text = rule_text("{path: state.name, equals: runing}")
    path.write_text(text, encoding="utf-8")
    result = cli(["rules", command, str(path)])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("lslint: error:")]
    line, column = position(text, "equals:").split(":")[1:]
    assert errors == [
        f"lslint: error: {path}:{line}:{column}: 'equals': 'runing' is not a known value "
        "(one of: pending, running, shutting-down, terminated, stopping, stopped) "
        "(did you mean 'running'?)"
    ]
