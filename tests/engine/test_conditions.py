"""Three-valued logic, quantifiers, defaults, messages, parameters and evidence."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import pytest

from lslint.engine.evaluate import Verdict, judge, run
from lslint.engine.operators import OperandError
from lslint.engine.rule import Rule
from lslint.findings import fingerprint
from lslint.inventory import Inventory, Resource
from lslint.models import Instance

from conftest import MINIMAL_RULE, declared_safe, rule_from_text

T, F, U = "fail", "pass", "error"  # the status a fail_if of that truth gives


def load(
    fail_if: str,
    *,
    message: str = "m",
    applies_if: str = "",
    params: str = "",
    cli: str = "",
    safe: tuple[str, ...] = (),
) -> Rule:
    text = MINIMAL_RULE + f"fail_if: {fail_if}\nmessage: '{message}'\n"
    if applies_if:
        text += f"applies_if: {applies_if}\n"
    if params:
        text += f"params: {params}\n"
    if cli:
        text = text.replace("remediation: {text: r}", f"remediation: {{text: r, cli: '{cli}'}}")
    return rule_from_text(declared_safe(text, *safe))


def check(rule: Rule, resource: dict[str, Any]) -> Verdict:
    return judge(rule, Instance.model_validate(resource))


# ---------------------------------------------------------------- three-valued logic

# Leaves A (name), B (blueprintId) are true for "yes", false for "no", unknown when absent.
A = "{path: name, equals: 'yes'}"
B = "{path: blueprintId, equals: 'yes'}"
VALUE = {T: "yes", F: "no"}


def leaves(a: str, b: str = U) -> dict[str, Any]:
    resource = {}
    if a in VALUE:
        resource["name"] = VALUE[a]
    if b in VALUE:
        resource["blueprintId"] = VALUE[b]
    return resource


TABLE = [(T, T), (T, F), (T, U), (F, T), (F, F), (F, U), (U, T), (U, F), (U, U)]
AND = [T, F, U, F, F, F, U, F, U]
OR = [T, T, T, T, F, U, T, U, U]


@pytest.mark.parametrize(
    ("a", "b", "expected"), [(a, b, e) for (a, b), e in zip(TABLE, AND, strict=True)]
)
def test_and_truth_table(a: str, b: str, expected: str) -> None:
    assert check(load(f"{{and: [{A}, {B}]}}"), leaves(a, b)).status == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"), [(a, b, e) for (a, b), e in zip(TABLE, OR, strict=True)]
)
def test_or_truth_table(a: str, b: str, expected: str) -> None:
    assert check(load(f"{{or: [{A}, {B}]}}"), leaves(a, b)).status == expected


@pytest.mark.parametrize(("a", "expected"), [(T, F), (F, T), (U, U)])
def test_not_truth_table(a: str, expected: str) -> None:
    assert check(load(f"{{not: {A}}}"), leaves(a)).status == expected


def test_double_negation_keeps_unknown_and_its_reason() -> None:
    verdict = check(load(f"{{not: {{not: {A}}}}}"), {})
    assert (verdict.status, verdict.message) == (U, "indeterminate: name absent")


def test_unknown_reasons_of_every_undecided_branch_are_listed_sorted() -> None:
    verdict = check(load(f"{{or: [{B}, {A}]}}"), {})
    assert verdict.message == "indeterminate: blueprintId absent; name absent"
    assert verdict.evidence == {
        "indeterminate": ["blueprintId absent", "name absent"],
        "condition": "fail_if",
    }


def test_false_and_branch_hides_the_unknown_reason() -> None:
    assert check(load(f"{{and: [{A}, {B}]}}"), leaves(U, F)) == Verdict("pass")


# ---------------------------------------------------------------- absence and defaults


def test_unknown_fail_if_is_an_error_naming_the_absent_path() -> None:
    rule = load("{path: metadataOptions.httpTokens, not_equals: required}")
    verdict = check(rule, {"metadataOptions": {"httpEndpoint": "enabled"}})
    assert verdict.status == "error"
    assert verdict.message == "indeterminate: metadataOptions.httpTokens absent"
    assert verdict.evidence == {
        "indeterminate": ["metadataOptions.httpTokens absent"],
        "condition": "fail_if",
    }


def test_absent_parent_names_the_full_path() -> None:
    verdict = check(load("{path: metadataOptions.httpTokens, not_equals: required}"), {})
    assert verdict.message == "indeterminate: metadataOptions.httpTokens absent"


def test_default_makes_an_absent_value_known() -> None:
    rule = load("{path: metadataOptions.httpTokens, not_equals: required, default: optional}")
    assert check(rule, {}).status == "fail"
    assert check(rule, {"metadataOptions": {"httpTokens": "required"}}).status == "pass"


def test_default_is_used_for_null_too() -> None:
    rule = load("{path: hardware.cpuCount, gt: 2, default: 1}", safe=("hardware.cpuCount",))
    assert check(rule, {"hardware": {"cpuCount": None}}).status == "pass"


def test_default_that_makes_the_leaf_true_is_reported_as_assumed() -> None:
    rule = load(
        "{path: metadataOptions.httpTokens, not_equals: required, default: optional, "
        "capture: tokens}",
        message="{{ resource.name }}: httpTokens={{ tokens }}",
    )
    verdict = check(rule, {"name": "old"})
    assert verdict.message == (
        "old: httpTokens=optional (assumed: metadataOptions.httpTokens not reported)"
    )
    assert verdict.evidence == {
        "metadataOptions.httpTokens": {"absent": True, "assumed": "optional"}
    }


def test_reported_value_is_not_called_assumed() -> None:
    rule = load(
        "{path: metadataOptions.httpTokens, not_equals: required, default: optional, "
        "capture: tokens}",
        message="httpTokens={{ tokens }}",
    )
    verdict = check(rule, {"metadataOptions": {"httpTokens": "Optional"}})
    assert verdict.message == "httpTokens=Optional"
    assert verdict.evidence == {"metadataOptions.httpTokens": "Optional"}


# ---------------------------------------------------------------- applies_if


APPLIES = "{path: isStaticIp, equals: false}"


def test_false_applies_if_skips() -> None:
    rule = load(A, applies_if=APPLIES)
    assert check(rule, {"isStaticIp": True, "name": "yes"}) == Verdict("skip")


def test_true_applies_if_evaluates_fail_if() -> None:
    rule = load(A, applies_if=APPLIES)
    assert check(rule, {"isStaticIp": False, "name": "yes"}).status == "fail"
    assert check(rule, {"isStaticIp": False, "name": "no"}).status == "pass"


def test_unknown_applies_if_is_an_error_even_if_fail_if_is_known() -> None:
    verdict = check(load(A, applies_if=APPLIES), {"name": "yes"})
    assert verdict.status == "error"
    assert verdict.message == "indeterminate: isStaticIp absent"
    assert verdict.evidence == {"indeterminate": ["isStaticIp absent"], "condition": "applies_if"}


# ---------------------------------------------------------------- quantifiers


def tagged(*values: str | None) -> dict[str, Any]:
    """Tags whose value is 'yes' (true), 'no' (false) or None (unknown)."""
    return {"tags": [{"key": f"k{i}", "value": v} for i, v in enumerate(values)]}


def quantifier(kind: str, default: str = "") -> str:
    extra = f", default: {default}" if default else ""
    return f"{{{kind}: {{path: tags, as: tag, where: {{path: tag.value, equals: 'yes'}}{extra}}}}}"


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        ("some", ("no", "yes"), T),
        ("some", ("no", "no"), F),
        ("some", ("no", None), U),
        ("some", (None, "yes"), T),
        ("some", (), F),
        ("every", ("yes", "yes"), T),
        ("every", ("yes", "no"), F),
        ("every", ("yes", None), U),
        ("every", (None, "no"), F),
        ("every", (), T),
        ("none", ("no", "no"), T),
        ("none", ("no", "yes"), F),
        ("none", ("no", None), U),
        ("none", (None, "yes"), F),
        ("none", (), T),
    ],
)
def test_quantifier_truth(kind: str, values: tuple[str | None, ...], expected: str) -> None:
    assert check(load(quantifier(kind)), tagged(*values)).status == expected


@pytest.mark.parametrize("kind", ["some", "every", "none"])
def test_quantifier_over_absent_list_is_unknown(kind: str) -> None:
    verdict = check(load(quantifier(kind)), {})
    assert (verdict.status, verdict.message) == (U, "indeterminate: tags absent")


@pytest.mark.parametrize(("kind", "expected"), [("some", F), ("every", T), ("none", T)])
def test_quantifier_default_stands_in_for_absent_list(kind: str, expected: str) -> None:
    assert check(load(quantifier(kind, default="[]"), safe=("tags",)), {}).status == expected


def test_unknown_inside_quantifier_names_the_indexed_path() -> None:
    rule = load("{some: {path: networking.ports, as: port, where: {path: port.fromPort, lte: 22}}}")
    verdict = check(rule, {"networking": {"ports": [{"fromPort": 80}, {"toPort": 22}]}})
    assert verdict.status == "error"
    assert verdict.message == "indeterminate: networking.ports[1].fromPort absent"


def test_nested_quantifiers_bind_both_names() -> None:
    rule = load(
        "{some: {path: networking.ports, as: port, where: {and: ["
        "{path: port.fromPort, lte: 22}, "
        "{some: {path: port.cidrs, as: cidr, where: {path: cidr, cidr_is_world: true}}}]}}}"
    )
    world_ssh = {"fromPort": 22, "cidrs": ["10.0.0.0/8", "0.0.0.0/0"]}
    assert check(rule, {"networking": {"ports": [world_ssh]}}).status == "fail"
    world_web = {"fromPort": 80, "cidrs": ["0.0.0.0/0"]}
    office_ssh = {"fromPort": 22, "cidrs": ["10.0.0.0/8"]}
    ports = {"networking": {"ports": [world_web, office_ssh]}}
    assert check(rule, ports).status == "pass"


def test_nested_quantifier_reason_has_both_indexes() -> None:
    rule = load(
        "{some: {path: networking.ports, as: port, where: "
        "{every: {path: port.cidrs, as: cidr, where: {path: cidr, cidr_within: 10.0.0.0/8}}}}}"
    )
    ports = [{"cidrs": ["192.168.0.0/16"]}, {"cidrs": ["10.1.0.0/16", "bogus"]}]
    verdict = check(rule, {"networking": {"ports": ports}})
    assert verdict.status == "error"
    assert verdict.message == (
        "indeterminate: networking.ports[1].cidrs[1]: 'bogus' is not a valid CIDR"
    )


def test_inner_and_outer_names_are_independent_per_element() -> None:
    # every port has some cidr inside 10/8: the inner binding must follow the outer one
    rule = load(
        "{every: {path: networking.ports, as: port, where: "
        "{some: {path: port.cidrs, as: cidr, where: {path: cidr, cidr_within: 10.0.0.0/8}}}}}"
    )
    ports = [{"cidrs": ["10.0.0.1"]}, {"cidrs": ["192.168.0.1"]}]
    assert check(rule, {"networking": {"ports": ports}}).status == "pass"
    ports[1]["cidrs"].append("10.9.9.9")
    assert check(rule, {"networking": {"ports": ports}}).status == "fail"


def test_bound_name_and_resource_paths_mix_in_one_condition() -> None:
    rule = load(
        "{some: {path: tags, as: tag, where: {and: ["
        "{path: tag.key, equals: Owner}, {path: resource.name, equals: web}]}}}"
    )
    owner = {"tags": [{"key": "Owner", "value": "a"}]}
    assert check(rule, {**owner, "name": "web"}).status == "fail"
    assert check(rule, {**owner, "name": "db"}).status == "pass"


# ---------------------------------------------------------------- captures and messages


def test_single_capture_is_rendered() -> None:
    rule = load("{path: name, matches: '^web', capture: hit}", message="name is {{ hit }}")
    assert check(rule, {"name": "web-1"}).message == "name is web-1"


def test_quantifier_capture_renders_every_matched_item() -> None:
    rule = load(
        "{some: {path: networking.ports, as: port, capture: open, "
        "where: {path: port, exposes_port: [22, 3306]}}}",
        message="open: {{ open }}",
    )
    ports = [
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrs": ["0.0.0.0/0"]},
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrs": ["0.0.0.0/0"]},
        {"protocol": "tcp", "fromPort": 3300, "toPort": 3310, "cidrs": ["10.0.0.0/8"]},
    ]
    verdict = check(rule, {"networking": {"ports": ports}})
    assert verdict.message == "open: tcp/22 from 0.0.0.0/0, tcp/3300-3310 from 10.0.0.0/8"


def test_match_some_capture_renders_the_matching_values() -> None:
    rule = load(
        "{path: networking.ports.cidrs, cidr_is_world: true, match: some, capture: world}",
        message="world: {{ world }}",
    )
    ports = [{"cidrs": ["0.0.0.0/0", "10.0.0.0/8"]}, {"cidrs": ["1.2.3.4/0"]}]
    assert check(rule, {"networking": {"ports": ports}}).message == "world: 0.0.0.0/0, 1.2.3.4/0"


def test_same_capture_name_twice_merges_values() -> None:
    rule = load(
        "{or: [{path: name, equals: a, capture: hit}, {path: blueprintId, equals: b, "
        "capture: hit}]}",
        message="hits: {{ hit }}",
    )
    assert check(rule, {"name": "a", "blueprintId": "b"}).message == "hits: a, b"
    assert check(rule, {"name": "x", "blueprintId": "b"}).message == "hits: b"


def test_capture_of_a_branch_that_did_not_fire_renders_none() -> None:
    rule = load(
        "{or: [{path: name, equals: a, capture: first}, {path: blueprintId, equals: b, "
        "capture: second}]}",
        message="{{ first }}/{{ second }}",
    )
    assert check(rule, {"name": "a", "blueprintId": "z"}).message == "a/none"


def test_lacks_any_capture_lists_missing_items() -> None:
    rule = load(
        "{path: tags.key, lacks_any: [Owner, Team, Env], capture: missing}",
        message="missing: {{ missing }}",
    )
    verdict = check(rule, {"tags": [{"key": "Team", "value": "x"}]})
    assert verdict.message == "missing: Owner, Env"


def test_resource_path_placeholders_with_and_without_prefix() -> None:
    rule = load(A, message="{{ resource.name }} / {{ name }} / {{ hardware.cpuCount }}")
    assert check(rule, {"name": "yes"}).message == "yes / yes / (absent)"


def test_placeholder_renders_booleans_lists_and_timestamps() -> None:
    rule = load(A, message="{{ isStaticIp }} | {{ tags.key }} | {{ createdAt }}")
    resource = {
        "name": "yes",
        "isStaticIp": False,
        "tags": [{"key": "a"}, {"key": "b"}],
        "createdAt": 1672531200,
    }
    assert check(rule, resource).message == "false | a, b | 2023-01-01T00:00:00+00:00"


MAX_CPUS = "{max_cpus: {type: integer, default: 4, description: limit}}"


def test_param_placeholder_and_operand_use_the_default() -> None:
    rule = load(
        "{path: hardware.cpuCount, gt: {param: max_cpus}}",
        message="over {{ params.max_cpus }}",
        params=MAX_CPUS,
    )
    assert check(rule, {"hardware": {"cpuCount": 5}}) == Verdict(
        "fail", "over 4", {"hardware.cpuCount": 5}
    )
    assert check(rule, {"hardware": {"cpuCount": 4}}).status == "pass"


def test_bind_overrides_param_in_operand_and_message() -> None:
    rule = load(
        "{path: hardware.cpuCount, gt: {param: max_cpus}}",
        message="over {{ params.max_cpus }}",
        params=MAX_CPUS,
    )
    bound = rule.bind({"max_cpus": 8})
    assert check(bound, {"hardware": {"cpuCount": 5}}).status == "pass"
    assert check(bound, {"hardware": {"cpuCount": 9}}).message == "over 8"
    assert check(rule, {"hardware": {"cpuCount": 5}}).status == "fail"  # original unchanged


def test_bind_list_param_renders_as_list() -> None:
    rule = load(
        "{path: networking.ports, exposes_port: {param: risky}, match: some}",
        message="risky: {{ params.risky }}",
        params="{risky: {type: port_list, default: [22], description: d}}",
    )
    bound = rule.bind({"risky": [3389, "5900-5910"]})
    entry = {"protocol": "tcp", "fromPort": 5901, "toPort": 5901}
    verdict = check(bound, {"networking": {"ports": [entry]}})
    assert (verdict.status, verdict.message) == ("fail", "risky: 3389, 5900-5910")
    assert check(rule, {"networking": {"ports": [entry]}}).status == "pass"


def test_bind_rejects_wrong_type_naming_the_param() -> None:
    rule = load("{path: hardware.cpuCount, gt: {param: max_cpus}}", params=MAX_CPUS)
    with pytest.raises(OperandError, match="parameter 'max_cpus': expected an integer"):
        rule.bind({"max_cpus": "8"})


def test_bind_rejects_unknown_param() -> None:
    rule = load("{path: hardware.cpuCount, gt: {param: max_cpus}}", params=MAX_CPUS)
    with pytest.raises(OperandError, match="unknown parameter 'max_cpu'"):
        rule.bind({"max_cpu": 8})


def test_bind_rejects_value_that_does_not_fit_the_operator() -> None:
    rule = load(
        "{path: networking.ports, exposes_port: {param: risky}, match: some}",
        params="{risky: {type: port_list, default: [22], description: d}}",
    )
    with pytest.raises(OperandError, match="parameter 'risky'"):
        rule.bind({"risky": ["30-20"]})


# ---------------------------------------------------------------- evidence and fingerprints

WORLD_RULE = (
    "{some: {path: networking.ports, as: port, capture: open, where: {and: ["
    "{path: port.cidrs, cidr_is_world: true, match: some}, "
    "{not: {path: port, only_ports: [80, 443]}}]}}}"
)


def instance(name: str, *entries: dict[str, Any], arn: str = "") -> Instance:
    return Instance.model_validate(
        {
            "name": name,
            "arn": arn or f"arn:aws:lightsail:us-east-1:111122223333:Instance/{name}",
            "location": {"regionName": "us-east-1"},
            "networking": {"ports": list(entries)},
        }
    )


SSH = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrs": ["0.0.0.0/0"]}
RDP = {"protocol": "tcp", "fromPort": 3389, "toPort": 3389, "cidrs": ["0.0.0.0/0"]}
WEB = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrs": ["0.0.0.0/0"]}


def scan(rule: Rule, *models: Instance) -> list[Any]:
    return run([rule], Inventory([Resource(m) for m in models])).findings


def test_finding_carries_message_evidence_and_remediation() -> None:
    rule = load(WORLD_RULE, message="{{ name }}: {{ open }}", cli="fix {{ resource.name }}")
    (finding,) = scan(rule, instance("web", WEB, SSH))
    assert (finding.status, finding.message) == ("fail", "web: tcp/22 from 0.0.0.0/0")
    assert finding.evidence == {"networking.ports": [SSH]}
    assert finding.remediation == "r\nfix web"
    assert (finding.region, finding.resource_name) == ("us-east-1", "web")


def test_same_input_gives_same_fingerprint() -> None:
    rule = load(WORLD_RULE)
    first = scan(rule, instance("web", SSH, WEB))
    second = scan(load(WORLD_RULE), instance("web", SSH, WEB))
    assert len(first) == 1
    assert first[0].fingerprint == second[0].fingerprint
    assert len(first[0].fingerprint) == 32


def test_fingerprint_ignores_entries_that_are_not_evidence() -> None:
    rule = load(WORLD_RULE)
    (plain,) = scan(rule, instance("web", SSH))
    (with_web,) = scan(rule, instance("web", WEB, SSH))
    assert plain.fingerprint == with_web.fingerprint


def test_fingerprint_changes_with_evidence_and_resource() -> None:
    rule = load(WORLD_RULE)
    (ssh,) = scan(rule, instance("web", SSH))
    (rdp,) = scan(rule, instance("web", RDP))
    (other,) = scan(rule, instance("db", SSH))
    assert len({ssh.fingerprint, rdp.fingerprint, other.fingerprint}) == 3


def test_findings_are_sorted_and_passes_give_none() -> None:
    rule = load(WORLD_RULE)
    findings = scan(rule, instance("zeta", SSH), instance("alpha", WEB), instance("beta", RDP))
    assert [f.resource_name for f in findings] == ["beta", "zeta"]


def test_indeterminate_result_becomes_an_error_finding() -> None:
    rule = load(WORLD_RULE)
    (finding,) = scan(rule, instance("web", {"protocol": "tcp", "cidrs": ["0.0.0.0/0"]}))
    assert finding.status == "error"
    assert finding.message == "indeterminate: networking.ports[0]: fromPort/toPort absent"
    assert finding.evidence["condition"] == "fail_if"


# ---------------------------------------------------------------- known defects


def test_capture_from_applies_if_is_rendered() -> None:
    rule = load(
        "{path: isStaticIp, equals: false}",
        applies_if="{path: tags.value, contains: prod, capture: env}",
        message="{{ env }} without static IP",
    )
    verdict = check(rule, {"isStaticIp": False, "tags": [{"key": "Environment", "value": "prod"}]})
    assert verdict.message == "prod without static IP"


def test_list_default_that_makes_a_match_leaf_true_is_reported_as_assumed() -> None:
    rule = load(
        "{some: {path: networking.ports, as: port, where: {path: port.cidrs, "
        "cidr_is_world: true, match: some, default: [0.0.0.0/0], capture: src}}}",
        message="from {{ src }}",
    )
    verdict = check(rule, {"networking": {"ports": [{"protocol": "tcp", "fromPort": 22}]}})
    assert verdict.message == "from 0.0.0.0/0 (assumed: networking.ports[0].cidrs not reported)"


def test_a_fingerprint_is_the_hash_of_its_key_text_and_survives_a_refused_value() -> None:
    evidence: dict[str, object] = {"b": [{"z": 1, "a": None}], "a": "caf\u00e9", "n": 0.5}
    key = json.dumps(["LS001", "arn:x", evidence], sort_keys=True, separators=(",", ":"))
    expected = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    assert fingerprint("LS001", "arn:x", evidence) == expected
    evidence["b"] = [object()]  # not JSON: refused midway through the same containers
    with pytest.raises(TypeError, match="not JSON serializable"):
        fingerprint("LS001", "arn:x", evidence)
    evidence["b"] = [{"z": 1, "a": None}]  # the same containers again: no false cycle
    assert fingerprint("LS001", "arn:x", evidence) == expected


def test_rules_quoting_one_firewall_entry_share_its_evidence() -> None:
    world = load(WORLD_RULE)
    ssh_only = load(
        "{some: {path: networking.ports, as: port, where: {path: port.fromPort, equals: 22}}}"
    )
    ssh_only = replace(ssh_only, id="LS999")
    model = instance("web", WEB, SSH)
    first, second = run([world, ssh_only], Inventory([Resource(model)])).findings
    shown = {"cidrs": ["0.0.0.0/0"], "fromPort": 22, "protocol": "tcp", "toPort": 22}
    assert first.evidence == second.evidence == {"networking.ports": [shown]}
    assert first.evidence["networking.ports"][0] is second.evidence["networking.ports"][0]
    # Another resource with an equal entry gets its own: only one model's dump is shared.
    (other,) = scan(world, instance("db", SSH))
    assert other.evidence["networking.ports"][0] is not first.evidence["networking.ports"][0]
