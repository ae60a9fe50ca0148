"""A default that can let a rule pass or skip a resource that lacks the field must be declared
safe, with a reason, in every rule file: otherwise the rule does not load."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lslint.engine.conditions import (
    Condition,
    Count,
    Leaf,
    ParseContext,
    PathOperand,
    Quantifier,
    parse_condition,
)
from lslint.engine.paths import ObjectType
from lslint.engine.quietdefaults import Default, Undecided, _defaults, _truth_of_default
from lslint.errors import RuleError
from lslint.models import Instance
from lslint.yamldoc import parse_yaml

from conftest import (
    EXAMPLES,
    MINIMAL_RULE,
    CliResult,
    assert_one_error,
    declared_safe,
    rule_from_text,
)

REFUSED = "can make the rule {outcome} a resource that lacks it: declare it under safe_defaults"


def rule(fail_if: str, *, applies_if: str = "", safe: tuple[str, ...] = ()) -> str:
    text = MINIMAL_RULE + f"message: m\nfail_if: {fail_if}\n"
    if applies_if:
        text += f"applies_if: {applies_if}\n"
    return declared_safe(text, *safe)


QUIET = {
    "a leaf whose default is false": ("{path: isStaticIp, equals: false, default: true}",
                                      "isStaticIp", "true"),
    "some over a default empty list": (
        "{some: {path: tags, as: t, where: {path: t.key, equals: Owner}, default: []}}",
        "tags", "[]"),
    "a default under not that makes the leaf true": (
        "{not: {path: sshKeyName, equals: ops-2025, default: ops-2025}}", "sshKeyName",
        '"ops-2025"'),
    "every over items whose default leads away": (
        "{every: {path: tags, as: t, where: {path: t.value, equals: '', default: x}}}",
        "tags.value", '"x"'),
    "none turns the direction around": (
        "{none: {path: tags, as: t, where: {path: t.key, equals: Owner, default: Owner}}}",
        "tags.key", '"Owner"'),
    "counting fewer items than the default counts": (
        "{count: {path: networking.ports, as: p, where: {path: p.accessDirection, "
        "equals: inbound, default: inbound}, fewer_than: 1}}",
        "networking.ports.accessDirection", '"inbound"'),
    "a match over a default list": (
        "{path: tags.key, contains: Owner, default: []}", "tags.key", "[]"),
}  # fmt: skip


@pytest.mark.parametrize(("fail_if", "path", "shown"), QUIET.values(), ids=QUIET.keys())
def test_an_undeclared_default_that_can_let_the_rule_pass_is_refused(
    fail_if: str, path: str, shown: str
) -> None:
    with pytest.raises(RuleError) as refused:
        rule_from_text(rule(fail_if))
    message = str(refused.value)
    assert fail_if.count("default:") == 1
    column = len("fail_if: ") + fail_if.index("default:") + 1
    assert message.startswith(f"t.yaml:13:{column}: ")  # at the default itself
    assert f"the default of '{path}' ({shown}) " + REFUSED.format(outcome="pass") in message
    rule_from_text(rule(fail_if, safe=(path,)))  # declared, with a reason: it loads


def test_an_undeclared_default_that_can_skip_the_rule_is_refused() -> None:
    text = rule("{path: name, exists: true}", applies_if="{path: isStaticIp, equals: true, "
                "default: false}")  # fmt: skip
    with pytest.raises(RuleError, match=REFUSED.format(outcome="skip")):
        rule_from_text(text)


TOWARDS_A_FINDING = {
    "a leaf whose default is true": "{path: metadataOptions.httpTokens, equals: optional, "
                                    "default: optional}",
    "every over a default empty list": "{every: {path: tags, as: t, where: {path: t.key, "
                                       "equals: x}, default: []}}",
    "none over a default empty list": "{none: {path: tags, as: t, where: {path: t.key, "
                                      "equals: Owner}, default: []}}",
    "counting more items than the default counts": (
        "{count: {path: networking.ports, as: p, where: {path: p.accessDirection, "
        "not_equals: outbound, default: inbound}, more_than: 5}}"),
    "a count of a default empty list above a number": (
        "{count: {path: networking.ports, default: [], fewer_than: 1}}"),
}  # fmt: skip


@pytest.mark.parametrize("fail_if", TOWARDS_A_FINDING.values(), ids=TOWARDS_A_FINDING.keys())
def test_a_default_that_leads_to_a_finding_needs_no_declaration(fail_if: str) -> None:
    rule_from_text(rule(fail_if))


def test_the_example_rule_without_its_declaration_is_refused() -> None:
    path = EXAMPLES / "rules" / "ACME001-production-without-static-ip.yaml"
    text = path.read_text(encoding="utf-8")
    without = text[: text.index("safe_defaults:")] + text[text.index("message:") :]
    assert "safe_defaults" not in without
    with pytest.raises(RuleError, match="declare it under safe_defaults"):
        rule_from_text(without)


# ---------------------------------------------------------------- defaults not known at load
# Where the truth of a default rests on something only a scan knows (the scan time, the other
# field of a comparison, a parameter a config may override, items a `where` must judge), the
# default could lead either way: it is refused unless declared, wherever it stands.

UNDECIDED = {
    "a tested path compared with another field": (
        "{path: hardware.cpuCount, lt: {path: hardware.ramSizeInGb}, default: 1}",
        "hardware.cpuCount", "1", "the value of 'hardware.ramSizeInGb' it is compared with"),
    "the other field of a comparison, in a quantifier": (
        "{some: {path: networking.ports, as: p, where: {path: p.toPort, lt: "
        "{path: p.fromPort, default: 0}}}}",
        "networking.ports.fromPort", "0",
        "the value of 'networking.ports.toPort' it is compared with"),
    "the other field of a comparison that leads to a finding if true": (
        "{path: hardware.cpuCount, gt: {path: hardware.ramSizeInGb, default: 0}}",
        "hardware.ramSizeInGb", "0", "the value of 'hardware.cpuCount' it is compared with"),
    "an operand default under not, in a count": (
        "{count: {path: networking.ports, as: p, where: {not: {path: p.toPort, equals: "
        "{path: p.fromPort, default: 0}}}, more_than: 1}}",
        "networking.ports.fromPort", "0",
        "the value of 'networking.ports.toPort' it is compared with"),
    "a time operator": (
        "{path: createdAt, older_than_days: 90, default: 2999-01-01}",
        "createdAt", '"2999-01-01T00:00:00+00:00"', "the scan time"),
    "a time operator that looks like it leads to a finding": (
        "{path: createdAt, older_than_days: 90, default: 2000-01-01}",
        "createdAt", '"2000-01-01T00:00:00+00:00"', "the scan time"),
    "a time operator in a quantifier": (
        "{some: {path: instanceStatus.details, as: d, where: {path: d.impairedSince, "
        "older_than_hours: 1, default: 2999-01-01}}}",
        "instanceStatus.details.impairedSince", '"2999-01-01T00:00:00+00:00"', "the scan time"),
    "a parameter a config may override": (
        "{path: metadataOptions.httpPutResponseHopLimit, gt: {param: limit}, default: 2}",
        "metadataOptions.httpPutResponseHopLimit", "2",
        "parameter 'limit', which a config may override"),
    "items a where must judge": (
        "{every: {path: ipv6Addresses, as: a, where: {path: a, matches: '^2001:'}, "
        "default: ['2001:db8::1']}}",
        "ipv6Addresses", '["2001:db8::1"]',
        """what its 'where' says of the items ["2001:db8::1"]"""),
}  # fmt: skip
PARAMS = "params:\n  limit: {type: integer, default: 1, description: d}\n"


@pytest.mark.parametrize(
    ("fail_if", "path", "shown", "why"), UNDECIDED.values(), ids=UNDECIDED.keys()
)
def test_a_default_whose_truth_is_not_known_at_load_must_be_declared(
    fail_if: str, path: str, shown: str, why: str
) -> None:
    with pytest.raises(RuleError) as refused:
        rule_from_text(rule(fail_if) + PARAMS)
    message = str(refused.value)
    assert (
        f"the default of '{path}' ({shown}) can make the rule pass a resource that lacks it, "
        f"depending on {why}: declare it under safe_defaults with the reason that is safe"
    ) in message
    rule_from_text(rule(fail_if, safe=(path,)) + PARAMS)  # declared, with a reason: it loads


def test_an_undecided_default_in_applies_if_is_refused_as_a_skip() -> None:
    recent = "{path: createdAt, newer_than_days: 30, default: 2999-01-01}"
    text = rule("{path: name, exists: true}", applies_if=recent)
    with pytest.raises(RuleError) as refused:
        rule_from_text(text)
    assert "can make the rule skip a resource that lacks it, depending on the scan time" in str(
        refused.value
    )
    rule_from_text(declared_safe(text, "createdAt"))


# ---------------------------------------------------------------- the repros, end to end

REVERSED_RANGE = """\
lslint: 1
id: QD001
name: reversed-range
title: Firewall entry with reversed range
severity: high
resource: instance
description: d
remediation: {text: r}
fail_if:
  some:
    path: networking.ports
    as: p
    where: {path: p.toPort, lt: {path: p.fromPort, default: 0}}
message: "{{ resource.name }}: reversed"
tests:
  - {name: rev, expect: fail, resource: {networking: {ports: [{fromPort: 30, toPort: 20}]}}}
  - {name: ok, expect: pass, resource: {networking: {ports: [{fromPort: 20, toPort: 30}]}}}
"""
OLD_INSTANCE = """\
lslint: 1
id: QD002
name: old-instance
title: Old instance
severity: high
resource: instance
description: d
remediation: {text: r}
fail_if: {path: createdAt, older_than_days: 90, default: 2999-01-01}
message: "{{ resource.name }}: old"
tests:
  - {name: old, expect: fail, resource: {createdAt: 2000-01-01T00:00:00Z}}
  - {name: new, expect: pass, resource: {createdAt: 2024-12-31T00:00:00Z}}
"""
# Each rule, where its default is written, and the path to declare.
REPROS = {
    "QD001": (REVERSED_RANGE, "13:52", "networking.ports.fromPort"),
    "QD002": (OLD_INSTANCE, "9:49", "createdAt"),
}
# A port with only `toPort`, and no `createdAt`: each rule's default decides.
LACKING = {"instances": [{
    "name": "web", "arn": "arn:aws:lightsail:us-east-1:111122223333:Instance/w",
    "location": {"regionName": "us-east-1"}, "networking": {"ports": [{"protocol": "tcp",
                                                                        "toPort": 20}]},
}]}  # fmt: skip

Cli = Callable[..., CliResult]


def write_rules(folder: Path, *ids: str, safe: bool = False) -> Path:
    folder.mkdir()
    for rule_id in ids:
        text, _, path = REPROS[rule_id]
        if safe:
            text = text.replace("tests:", f"safe_defaults:\n  {path}: a test of defaults\ntests:")
        (folder / f"{rule_id}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("rule_id", REPROS)
def test_rules_validate_refuses_an_undeclared_default_at_its_place(
    cli: Cli, tmp_path: Path, rule_id: str
) -> None:
    _, place, path = REPROS[rule_id]
    folder = write_rules(tmp_path / "rules", rule_id)
    result = cli(["rules", "validate", str(folder / f"{rule_id}.yaml")])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    [error] = [line for line in result.stderr.splitlines() if line.startswith("lslint: error:")]
    assert error.startswith(f"lslint: error: {folder / rule_id}.yaml:{place}: the default of "
                            f"'{path}' (")  # fmt: skip
    assert "declare it under safe_defaults with the reason that is safe" in error


@pytest.mark.parametrize("rule_id", REPROS)
def test_a_declared_default_loads_and_its_tests_run(cli: Cli, tmp_path: Path, rule_id: str) -> None:
    folder = write_rules(tmp_path / "rules", rule_id, safe=True)
    assert cli(["rules", "validate", str(folder)]).exit_code == 0
    result = cli(["rules", "test", str(folder)])
    assert result.exit_code == 0, result.stdout + result.stderr


def test_a_scan_with_undeclared_defaults_is_no_silent_pass(cli: Cli, tmp_path: Path) -> None:
    folder = write_rules(tmp_path / "rules", *REPROS)
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(json.dumps(LACKING), encoding="utf-8")

    def scan(rules: Path) -> CliResult:
        return cli(["scan", "--input", str(snapshot), "--rules", str(rules),
                    "--select", "QD001,QD002", "-f", "json"])  # fmt: skip

    undeclared = scan(folder)
    assert_one_error(undeclared, "can make the rule pass", where=f"{folder / 'QD001'}.yaml:13:52:")
    # Declared, the rules judge what they were told to: the resource passes both.
    result = scan(write_rules(tmp_path / "declared", *REPROS, safe=True))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["findings"] == []


# ---------------------------------------------------------------- _defaults, node by node


def parsed(fail_if: str) -> Condition:
    """The condition as the loader parses it, before any default is judged."""
    raw = parse_yaml(f"fail_if: {fail_if}\n", "t.yaml", error=RuleError).data["fail_if"]
    context = ParseContext(root=ObjectType(Instance), param_names=["limit"])
    return parse_condition(raw, ("fail_if",), context, {})


def summary(found: list[Default]) -> list[tuple[str, str, int, tuple[str | int, ...], Any]]:
    return [
        (d.path, type(d.node).__name__, d.towards, d.doc_path, _truth_of_default(d)) for d in found
    ]


def test_defaults_finds_a_field_operand_default_inside_a_quantifier() -> None:
    condition = parsed(
        "{some: {path: networking.ports, as: p, where: {and: [{path: p.toPort, lt: "
        "{path: p.fromPort, default: 0}, default: 65535}]}}}"
    )
    assert summary(_defaults(condition, 1, {}, ("fail_if",))) == [
        ("networking.ports.toPort", "Leaf", 1,
         ("fail_if", "some", "where", "and", 0, "default"),
         Undecided("the value of 'networking.ports.fromPort' it is compared with")),
        ("networking.ports.fromPort", "PathOperand", 1,
         ("fail_if", "some", "where", "and", 0, "lt", "default"),
         Undecided("the value of 'networking.ports.toPort' it is compared with")),
    ]  # fmt: skip


def test_defaults_finds_a_field_operand_default_inside_a_count_under_none_and_not() -> None:
    condition = parsed(
        "{not: {none: {path: hardware.disks, as: d, where: {count: {path: "
        "networking.ports, as: p, where: {path: p.toPort, gt: {path: p.fromPort, default: 0}}, "
        "fewer_than: 2}}}}}"
    )
    [found] = _defaults(condition, 1, {}, ("fail_if",))
    assert isinstance(found.node, PathOperand)
    # not (-1), none (-1 again), fewer_than counts away from a finding (-1 once more)
    assert (found.path, found.towards) == ("networking.ports.fromPort", -1)
    assert found.doc_path == ("fail_if", "not", "none", "where", "count", "where", "gt",
                              "default")  # fmt: skip
    assert isinstance(_truth_of_default(found), Undecided)


def test_defaults_finds_a_time_operator_default_inside_a_count() -> None:
    condition = parsed(
        "{count: {path: instanceStatus.details, as: d, where: {path: d.impairedSince, "
        "older_than_hours: 1, default: 2999-01-01}, equals: 0, default: []}}"
    )
    found = _defaults(condition, 1, {}, ("applies_if",))
    assert summary(found) == [
        ("instanceStatus.details", "Count", 1, ("applies_if", "count", "default"), True),
        ("instanceStatus.details.impairedSince", "Leaf", 0,
         ("applies_if", "count", "where", "default"), Undecided("the scan time")),
    ]  # fmt: skip
    assert isinstance(found[1].node, Leaf) and found[1].node.operator.reads_scan_time


def test_defaults_finds_a_time_operator_default_inside_nested_quantifiers() -> None:
    condition = parsed(
        "{every: {path: hardware.disks, as: d, default: [], where: {some: {path: d.addOns, "
        "as: a, where: {path: createdAt, newer_than_days: 7, default: 2000-01-01}}}}}"
    )
    found = _defaults(condition, 1, {}, ("fail_if",))
    assert [(d.path, type(d.node), d.doc_path) for d in found] == [
        ("hardware.disks", Quantifier, ("fail_if", "every", "default")),
        ("createdAt", Leaf, ("fail_if", "every", "where", "some", "where", "default")),
    ]
    assert _truth_of_default(found[0]) is True  # every over no items holds
    assert _truth_of_default(found[1]) == Undecided("the scan time")


def test_a_count_default_is_judged_from_its_length() -> None:
    condition = parsed("{count: {path: networking.ports, default: [], more_than: 0}}")
    [found] = _defaults(condition, 1, {}, ("fail_if",))
    assert isinstance(found.node, Count)
    assert _truth_of_default(found) is False  # 0 entries are not more than 0: a quiet pass


def test_a_default_of_an_item_of_a_list_read_through_another_needs_no_declaration() -> None:
    # An entry without cidrs is never bound as an item (it may hold no CIDR, or many): the
    # default of the item itself stands in for nothing and cannot let the rule pass.
    fail_if = (
        "{some: {path: networking.ports.cidrs, as: c, where: {path: c, cidr_is_world: true, "
        "default: '10.0.0.0/8'}}}"
    )
    rule_from_text(rule(fail_if))
    counted = fail_if.replace("{some: {", "{count: {at_least: 1, ")
    rule_from_text(rule(counted))


def test_a_default_of_a_field_of_such_an_item_must_still_be_declared() -> None:
    # An add-on without a status is one item: its default stands in for the status.
    fail_if = (
        "{some: {path: hardware.disks.addOns, as: a, where: {path: a.status, equals: Failed, "
        "default: Enabled}}}"
    )
    with pytest.raises(RuleError, match=r"the default of 'hardware\.disks\.addOns\.status'"):
        rule_from_text(rule(fail_if))
