"""Remediation commands: filled from the evidence, quoted for the shell, checked at load."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from lslint.docs import render_rules
from lslint.engine.evaluate import case_failure, run
from lslint.engine.loader import load_rules
from lslint.engine.rule import Rule
from lslint.errors import RuleError
from lslint.findings import Finding
from lslint.inventory import Inventory, Resource
from lslint.models import Instance
from lslint.reporters.context import ReportContext
from lslint.reporters.sarif import render_sarif

from conftest import BUILTIN_RULES, EXAMPLES, MINIMAL_RULE, rule_from_text, run_lslint

HOSTILE = "a b; rm -rf ~ $(id)"
RULES = {rule.id: rule for rule in load_rules([BUILTIN_RULES, EXAMPLES / "rules"])}
SSH = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrs": ["0.0.0.0/0"]}
DNS = {"protocol": "udp", "fromPort": 5300, "toPort": 5310, "ipv6Cidrs": ["::/0"]}
WEB = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrs": ["0.0.0.0/0"]}


def instance(name: str = "web-1", **fields: Any) -> Instance:
    return Instance.model_validate(
        {
            "name": name,
            "arn": f"arn:aws:lightsail:us-east-1:111122223333:Instance/{name}",
            "location": {"regionName": "us-east-1"},
            **fields,
        }
    )


def finding(rule: Rule, model: Instance) -> Finding:
    (found,) = run([rule], Inventory([Resource(model)])).findings
    return found


def commands(rule: Rule, model: Instance) -> list[str]:
    """The command lines of the finding's remediation (the first line is the rule's text)."""
    text, *lines = finding(rule, model).remediation.split("\n")
    assert text == rule.remediation_text
    return lines


def with_remediation(remediation: str, fail_if: str, message: str = "m") -> str:
    return MINIMAL_RULE.replace("remediation: {text: r}", f"remediation: {remediation}") + (
        f"fail_if: {fail_if}\nmessage: '{message}'\n"
    )


def refused(text: str) -> RuleError:
    with pytest.raises(RuleError) as info:
        rule_from_text(text)
    return info.value


# ---------------------------------------------------------------- built-in rules


def test_ls004_names_only_the_missing_tag() -> None:
    lines = commands(RULES["LS004"], instance(tags=[{"key": "Owner", "value": "alice"}]))
    assert lines == [
        "aws lightsail tag-resource --region us-east-1 --resource-name web-1 "
        "--tags 'key=Environment,value=<value>'"
    ]


def test_ls004_names_a_blank_tag_and_a_missing_one_once_each() -> None:
    model = instance(tags=[{"key": "Owner", "value": "  "}, {"key": "Team", "value": "x"}])
    (line,) = commands(RULES["LS004"], model)
    assert shlex.split(line)[-2:] == ["key=Environment,value=<value>", "key=Owner,value=<value>"]


def test_ls004_follows_the_configured_required_tags() -> None:
    rule = RULES["LS004"].bind({"required_tags": ["CostCenter", "Owner", "Team"]})
    (line,) = commands(rule, instance(tags=[{"key": "Owner", "value": "alice"}]))
    assert shlex.split(line)[-2:] == ["key=CostCenter,value=<value>", "key=Team,value=<value>"]


def test_ls001_gives_one_command_per_offending_entry() -> None:
    model = instance(networking={"ports": [SSH, WEB, DNS]})
    assert commands(RULES["LS001"], model) == [
        "aws lightsail close-instance-public-ports --region us-east-1 --instance-name web-1 "
        "--port-info fromPort=22,toPort=22,protocol=tcp",
        "aws lightsail close-instance-public-ports --region us-east-1 --instance-name web-1 "
        "--port-info fromPort=5300,toPort=5310,protocol=udp",
    ]


def test_ls001_protocol_all_closes_every_port() -> None:
    entry = {"protocol": "all", "fromPort": 0, "toPort": 65535, "cidrs": ["0.0.0.0/0"]}
    (line,) = commands(RULES["LS001"], instance(networking={"ports": [entry]}))
    assert line.endswith("--port-info fromPort=0,toPort=65535,protocol=all")


def test_ls001_same_entry_twice_gives_one_command() -> None:
    (line,) = commands(RULES["LS001"], instance(networking={"ports": [SSH, SSH]}))
    assert line.endswith("fromPort=22,toPort=22,protocol=tcp")


def test_ls001_absent_port_number_shows_a_stand_in_not_a_wrong_number() -> None:
    entry = {"protocol": "all", "cidrs": ["0.0.0.0/0"]}
    (line,) = commands(RULES["LS001"], instance(networking={"ports": [entry]}))
    assert shlex.split(line)[-1] == "fromPort=<from-port>,toPort=<to-port>,protocol=all"


@pytest.mark.parametrize(
    ("rule_id", "fields"),
    [
        ("LS001", {"networking": {"ports": [SSH, DNS]}}),
        ("LS002", {"metadataOptions": {"httpTokens": "optional"}}),
        ("LS003", {"addOns": []}),
        ("LS004", {"tags": []}),
        ("ACME001", {"isStaticIp": False, "tags": [{"key": "Environment", "value": "prod"}]}),
    ],
)
def test_hostile_name_is_one_argument_in_every_command(
    rule_id: str, fields: dict[str, Any]
) -> None:
    lines = commands(RULES[rule_id], instance(HOSTILE, **fields))
    assert lines
    for line in lines:
        words = shlex.split(line)
        assert words[:2] == ["aws", "lightsail"]
        name_options = [i for i, w in enumerate(words) if w.endswith("-name")]
        assert name_options
        for index in name_options:
            assert words[index + 1] in (HOSTILE, f"{HOSTILE}-ip")
        assert all("$(" not in w or w.startswith(HOSTILE) for w in words)


@pytest.mark.parametrize("value", ["it's", 'say "hi"', "`id`", "a--help", "", "*", "~", "é x"])
def test_any_value_comes_back_as_exactly_one_argument(value: str) -> None:
    (line,) = commands(RULES["LS002"], instance(value, metadataOptions={"httpTokens": "optional"}))
    assert shlex.split(line) == [
        "aws", "lightsail", "update-instance-metadata-options", "--region", "us-east-1",
        "--instance-name", value, "--http-tokens", "required",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "value",
    [
        "x\ny",
        "x\rrm",
        "a\u202eb",
        "a\x1b[31mb",
        "a\x7fb",
        "a\x00b",
        "caf\u00e9\u200b",
        "--endpoint-url=http://evil",
        "-h",
    ],
)
def test_unprintable_or_option_like_value_gives_a_stand_in(value: str) -> None:
    (line,) = commands(RULES["LS002"], instance(value, metadataOptions={"httpTokens": "optional"}))
    assert shlex.split(line)[6] == "<instance-name>"


def test_rules_without_captures_are_unchanged() -> None:
    model = instance(isStaticIp=False, tags=[{"key": "Environment", "value": "prod"}])
    assert commands(RULES["ACME001"], model) == [
        "aws lightsail attach-static-ip --static-ip-name web-1-ip --instance-name web-1"
    ]
    assert commands(RULES["LS003"], instance(addOns=[])) == [
        "aws lightsail enable-add-on --region us-east-1 --resource-name web-1 "
        "--add-on-request addOnType=AutoSnapshot"
    ]


def test_indeterminate_result_gives_no_command() -> None:
    model = instance(networking={"ports": [{"protocol": "tcp", "fromPort": 22, "toPort": 22}]})
    result = finding(RULES["LS001"], model)
    assert result.status == "error"
    assert result.remediation == RULES["LS001"].remediation_text


# ---------------------------------------------------------------- SARIF rule help


def test_sarif_rule_help_has_stand_ins_and_results_have_filled_commands() -> None:
    models = [instance(HOSTILE, networking={"ports": [SSH]}, tags=[])]
    result = run(list(RULES.values()), Inventory([Resource(m) for m in models]))
    sarif = json.loads(render_sarif(result, ReportContext()))
    (described,) = sarif["runs"][0]["tool"]["driver"]["rules"][1:2]
    assert described["id"] == "LS001"
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]:
        assert "{{" not in json.dumps(rule["help"]), rule["id"]
        assert re.search(r"<[a-z-]+-name>", rule["help"]["text"]), rule["id"]  # a stand-in
    assert described["help"]["text"].endswith(
        "aws lightsail close-instance-public-ports --region <instance-location-region-name> "
        "--instance-name <instance-name> "
        "--port-info fromPort=<from-port>,toPort=<to-port>,protocol=<protocol>"
    )
    ls004 = next(r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "LS004")
    assert "--tags key=<missing-or-blank>,value=<value>" in ls004["help"]["markdown"]


def test_rule_help_shows_configured_parameter_values() -> None:
    text = with_remediation(
        "{text: r, cli: 'allow {{ params.ports }} on {{ resource.name }}'}",
        "{path: name, equals: x}",
    ).replace(
        "tests:", "params: {ports: {type: string_list, default: [a, b], description: d}}\ntests:"
    )
    rule = rule_from_text(text)
    assert rule.info().remediation_command == "allow a b on <instance-name>"
    rebound = rule.bind({"ports": ["22 x"]})
    assert rebound.info().remediation_command == "allow '22 x' on <instance-name>"


# ---------------------------------------------------------------- the template language


def test_capture_repeats_its_word_and_path_lists_too() -> None:
    rule = rule_from_text(
        with_remediation(
            "{text: r, cli: 'tag {{ resource.name }} --keys k={{ keys }} --all {{ tags.key }}'}",
            "{path: tags.key, lacks_any: [A, B, C], default: [], capture: keys}",
        )
    )
    model = instance(tags=[{"key": "B", "value": "1"}, {"key": "x y", "value": "2"}])
    assert commands(rule, model) == ["tag web-1 --keys k=A k=C --all B 'x y'"]


def test_author_quoting_is_kept_and_requoted() -> None:
    rule = rule_from_text(
        with_remediation(
            """{text: r, cli: "run --query 'a b' --name \\"{{ resource.name }}\\""}""",
            "{path: name, exists: true}",
        )
    )
    (line,) = commands(rule, instance(HOSTILE))
    assert shlex.split(line) == ["run", "--query", "a b", "--name", HOSTILE]


def test_for_each_binds_each_captured_item() -> None:
    rule = rule_from_text(
        with_remediation(
            "{text: r, for_each: {capture: open, as: entry}, "
            "cli: 'close {{ resource.name }} {{ entry.fromPort }}/{{ entry.protocol }}'}",
            "{some: {path: networking.ports, as: port, capture: open, where: "
            "{path: port.cidrs, cidr_is_world: true, match: some, default: []}}}",
        )
        + "safe_defaults: {networking.ports.cidrs: a test of commands}\n"
    )
    assert commands(rule, instance(networking={"ports": [SSH, DNS, WEB]})) == [
        "close web-1 22/tcp",
        "close web-1 443/tcp",
    ]


def test_embedded_test_can_expect_commands() -> None:
    text = with_remediation(
        "{text: r, cli: 'fix {{ resource.name }}'}", "{path: name, equals: a}"
    ).replace(
        "  - {name: b, expect: fail, resource: {}}",
        "  - {name: b, expect: fail, resource: {name: a}, commands: [fix a]}\n"
        "  - {name: c, expect: fail, resource: {name: a}, commands: [fix b]}",
    )
    rule = rule_from_text(text)
    ok, wrong = rule.tests[1:]
    assert case_failure(rule, ok) is None
    assert case_failure(rule, wrong) == "expected commands ['fix b'], got ['fix a']"


def test_for_each_over_plain_values() -> None:
    rule = rule_from_text(
        with_remediation(
            "{text: r, for_each: {capture: keys, as: key}, "
            "cli: 'tag {{ resource.name }} {{ key }}'}",
            "{path: tags.key, lacks_any: [A, B], default: [], capture: keys}",
        )
    )
    assert commands(rule, instance(tags=[])) == ["tag web-1 A", "tag web-1 B"]
    assert rule.info().remediation_command == "tag <instance-name> <key>"


def test_rules_test_checks_expected_commands(tmp_path: Path) -> None:
    text = (BUILTIN_RULES / "LS002-imdsv1-allowed.yaml").read_text(encoding="utf-8")
    wrong = text.replace("--http-tokens required]", "--http-tokens optional]")
    assert wrong != text
    # A copy under its own id and name: a clash with the built-in rule would be an error.
    wrong = wrong.replace("id: LS002", "id: MY002").replace("name: imdsv1-allowed", "name: mine")
    (tmp_path / "MY002.yaml").write_text(wrong, encoding="utf-8")
    result = run_lslint(["rules", "test", str(tmp_path)])
    assert result.exit_code == 1, result.stderr
    (failure,) = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert "MY002 'tokens optional': expected commands [" in failure
    assert re.search(r"--http-tokens optional['\"]\], got \[", failure), failure


@pytest.mark.parametrize(
    ("remediation", "fail_if", "fragment"),
    [
        (
            "{text: r, cli: 'fix {{ opne }}'}",
            "{path: name, exists: true, capture: open}",
            "unknown placeholder '{{ opne }}'",
        ),
        (
            "{text: r, cli: 'fix {{ open }}'}",
            "{some: {path: networking.ports, as: p, capture: open, where: "
            "{path: p.fromPort, gt: 1}}}",
            "'{{ open }}' holds InstancePortInfo object, which is not one command argument",
        ),
        (
            "{text: r, for_each: {capture: opne, as: e}, cli: 'fix {{ e.fromPort }}'}",
            "{some: {path: networking.ports, as: p, capture: open, where: "
            "{path: p.fromPort, gt: 1}}}",
            "unknown capture 'opne' (did you mean 'open'?)",
        ),
        (
            "{text: r, for_each: {capture: open, as: e}, cli: 'fix {{ e.fromPrt }}'}",
            "{some: {path: networking.ports, as: p, capture: open, where: "
            "{path: p.fromPort, gt: 1}}}",
            "did you mean 'e.fromPort'?",
        ),
        (
            "{text: r, for_each: {capture: open, as: e}}",
            "{path: name, exists: true, capture: open}",
            "for_each repeats the command in 'cli', which is missing",
        ),
        (
            "{text: r, for_each: {capture: open, as: name}, cli: 'fix {{ name }}'}",
            "{path: name, exists: true, capture: open}",
            "'name' would hide the resource field",
        ),
        (
            "{text: r, for_each: {capture: both, as: e}, cli: 'fix {{ e }}'}",
            "{or: [{path: name, exists: true, capture: both}, "
            "{some: {path: tags, as: t, capture: both, where: {path: t.key, equals: a}}}]}",
            "capture 'both' collects values of different types",
        ),
        (
            "{text: r, cli: 'fix {{ resource.name }} | sh'}",
            "{path: name, exists: true}",
            "'|' is a shell operator",
        ),
        (
            '{text: r, cli: "fix \'unclosed"}',
            "{path: name, exists: true}",
            "cannot be split into words: No closing quotation",
        ),
        (
            "{text: r, cli: 'fix k={{ keys }},{{ tags.key }}'}",
            "{path: tags.key, lacks_any: [A], default: [], capture: keys}",
            "a word of the command repeats over at most one list",
        ),
    ],
)
def test_command_mistakes_are_load_errors(remediation: str, fail_if: str, fragment: str) -> None:
    error = refused(with_remediation(remediation, fail_if))
    assert fragment in error.message
    assert str(error).startswith("t.yaml:")


def test_expected_commands_need_a_command() -> None:
    text = with_remediation("{text: r}", "{path: name, equals: a}").replace(
        "  - {name: b, expect: fail, resource: {}}",
        "  - {name: b, expect: fail, resource: {name: a}, commands: [fix a]}",
    )
    assert refused(text).message == "test 'b': the rule has no remediation cli"


def test_a_capture_in_a_message_may_mix_types() -> None:
    rule = rule_from_text(
        with_remediation(
            "{text: r}",
            "{or: [{path: name, equals: a, capture: both}, "
            "{some: {path: tags, as: t, capture: both, where: {path: t.key, equals: k}}}]}",
            message="{{ both }}",
        )
    )
    assert finding(rule, instance("a", tags=[{"key": "k", "value": "v"}])).message == "a, k=v"


def test_rule_docs_show_commands_with_stand_ins() -> None:
    text = render_rules(sorted(RULES.values(), key=lambda r: r.id))
    assert "{{" not in text
    assert "--instance-name <instance-name>" in text


def test_a_negative_port_number_is_filled_in_not_taken_for_an_option() -> None:
    resource = instance("web-1", networking={"ports": [
        {"protocol": "icmp", "fromPort": 8, "toPort": -1, "accessFrom": "Custom",
         "cidrs": ["0.0.0.0/0"]},
    ]})  # fmt: skip
    (line,) = commands(RULES["LS010"], resource)
    assert line.endswith("--port-info fromPort=8,toPort=-1,protocol=icmp")
