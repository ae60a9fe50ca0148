"""Rule loading: every mistake is a RuleError at file:line:col; built-in rules pass their tests."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from lslint.engine.evaluate import case_failure
from lslint.engine.loader import load_rule_file, load_rules
from lslint.engine.rule import Rule, RuleTest
from lslint.errors import LslintError, RuleError

from conftest import BUILTIN_RULES, EXAMPLES, MINIMAL_RULE, rule_from_text

GOOD = """\
lslint: 1
id: T001
name: t-rule
title: T
severity: low
resource: instance
description: d
remediation: {text: r, cli: 'fix {{ resource.name }}'}
params: {max_cpus: {type: integer, default: 4, description: d}}
fail_if: {path: hardware.cpuCount, gt: {param: max_cpus}}
message: '{{ resource.name }} has {{ hardware.cpuCount }} CPUs'
tests:
  - {name: small, expect: pass, resource: {hardware: {cpuCount: 2}}}
  - {name: big, expect: fail, resource: {hardware: {cpuCount: 8}}}
"""
GOOD_FAIL_IF = "fail_if: {path: hardware.cpuCount, gt: {param: max_cpus}}"
LINE_COL = re.compile(r"t\.yaml:\d+:\d+")


load = rule_from_text


def refused(text: str) -> RuleError:
    with pytest.raises(RuleError) as info:
        load(text)
    return info.value


def with_fail_if(condition: str) -> str:
    return GOOD.replace(GOOD_FAIL_IF, f"fail_if: {condition}")


def at(text: str, needle: str, *, line_with: str = "") -> str:
    """``t.yaml:L:C`` of ``needle`` on the first line containing ``line_with`` (or needle)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if (line_with or needle) in line:
            return f"t.yaml:{number}:{line.index(needle) + 1}"
    raise AssertionError(f"{needle!r} not in text")


def test_good_rule_loads() -> None:
    rule = load(GOOD)
    assert (rule.id, rule.name, rule.param_values) == ("T001", "t-rule", {"max_cpus": 4})
    assert [t.name for t in rule.tests] == ["small", "big"]


# ---------------------------------------------------------------- YAML level


def test_invalid_yaml_syntax_has_position() -> None:
    error = refused("lslint: 1\nid: T001\n  name: x\n")
    assert str(error).startswith("t.yaml:3:7: invalid YAML: mapping values are not allowed")


def test_duplicate_yaml_key_is_refused_at_the_second_key() -> None:
    text = GOOD + "title: Again\n"
    assert str(refused(text)) == (
        f'{at(text, "title: Again")}: invalid YAML: found duplicate key "title" with value '
        '"Again" (original value: "T")'
    )


def test_duplicate_key_inside_a_condition_is_refused() -> None:
    text = with_fail_if("{path: name, equals: a, equals: b}")
    assert str(refused(text)).startswith(
        f'{at(text, "equals: b")}: invalid YAML: found duplicate key "equals"'
    )


def test_yaml_tag_on_a_scalar_does_not_construct_anything() -> None:
    text = GOOD.replace("title: T", "title: !!python/object:os.system ls")
    with pytest.raises(LslintError) as info:
        load(text)
    assert str(info.value) == (
        f"{at(text, 'title')}: YAML tag tag:yaml.org,2002:python/object:os.system is not allowed"
    )


TAGGED = {
    "scalar": GOOD.replace("title: T", "title: !!python/object:os.system ls"),
    "custom scalar": GOOD.replace("title: T", "title: !custom ls"),
    "mapping": GOOD.replace("fail_if: {", "fail_if: !!python/object:os.system {"),
    "sequence": GOOD.replace("params:", "tags: !!python/object/apply:os.system [ls]\nparams:"),
    "document": "!!python/object:os.system\n" + GOOD,
}


@pytest.mark.parametrize("text", TAGGED.values(), ids=TAGGED.keys())
def test_yaml_tags_are_refused_as_rule_errors(text: str) -> None:
    error = refused(text)
    assert "YAML tag" in error.message
    assert "not allowed" in error.message
    assert LINE_COL.search(str(error))


def test_non_string_key_is_a_rule_error() -> None:
    text = with_fail_if("{path: name, equals: a, 3: b}")
    assert str(refused(text)) == f"{at(text, '3: b')}: mapping key 3 must be a string"


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", ""], ids=["list", "scalar", "empty"])
def test_non_mapping_document_is_refused(text: str) -> None:
    assert refused(text).message == "a rule file must be a mapping"


@pytest.mark.parametrize(
    "text", ["- a\n- b\n", GOOD.replace("title: T\n", "")], ids=["not-a-mapping", "missing-key"]
)
def test_document_level_errors_have_line_and_col(text: str) -> None:
    assert str(refused(text)).startswith("t.yaml:1:1: ")


# ---------------------------------------------------------------- top-level keys and schema


def test_unknown_top_level_key_suggests_the_right_one() -> None:
    text = GOOD + "applies_iff: {path: name, exists: true}\n"
    assert str(refused(text)) == (
        f"{at(text, 'applies_iff')}: unknown key 'applies_iff' (did you mean 'applies_if'?)"
    )


def test_unknown_nested_key_suggests_the_right_one() -> None:
    text = GOOD.replace("cli: ", "clli: ")
    assert str(refused(text)) == (
        f"{at(text, 'clli')}: unknown key 'remediation.clli' (did you mean 'cli'?)"
    )


def test_misspelt_required_key_suggests_the_right_one() -> None:
    text = GOOD.replace("fail_if:", "fial_if:")
    assert str(refused(text)) == (
        f"{at(text, 'fial_if')}: unknown key 'fial_if' (did you mean 'fail_if'?)"
    )


def test_missing_required_key_is_named() -> None:
    assert refused(GOOD.replace("title: T\n", "")).message == "missing required key 'title'"


@pytest.mark.parametrize(
    ("written", "kind"),
    [("remediation: fix it", "a string"), ("remediation: [fix it]", "a list")],
)
def test_a_section_that_is_not_a_mapping_names_its_keys(written: str, kind: str) -> None:
    text = GOOD.replace("remediation: {text: r, cli: 'fix {{ resource.name }}'}", written)
    error = refused(text)
    assert error.message == (
        f"'remediation': must be a mapping with the keys text, cli, for_each, got {kind}"
    )
    assert error.where == at(text, "remediation")


def test_a_table_that_is_not_a_mapping_says_so_without_keys() -> None:
    text = GOOD.replace("params: {max_cpus: {type: integer, default: 4, description: d}}",
                        "params: [max_cpus]")  # fmt: skip
    assert refused(text).message == "'params': must be a mapping, got a list"


def test_missing_nested_required_key_points_at_its_parent() -> None:
    text = GOOD.replace("{text: r, cli:", "{cli:")
    assert (
        str(refused(text)) == f"{at(text, 'remediation')}: missing required key 'remediation.text'"
    )


def test_wrong_severity_lists_the_choices() -> None:
    text = GOOD.replace("severity: low", "severity: hgh")
    assert str(refused(text)) == (
        f"{at(text, 'severity')}: 'severity': must be 'info', 'low', 'medium', 'high' or 'critical'"
    )


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("id: T001", "id: t001", "id"),
        ("id: T001", "id: T 1", "id"),
        ("name: t-rule", "name: T_Rule", "name"),
        ("name: t-rule", "name: t--rule", "name"),
    ],
)
def test_bad_id_or_name_pattern(old: str, new: str, key: str) -> None:
    text = GOOD.replace(old, new)
    error = refused(text)
    assert str(error).startswith(f"{at(text, new)}: '{key}': String should match pattern")


def test_newer_schema_is_refused_before_anything_else_is_read() -> None:
    text = "lslint: 2\nid: 7\nfial_if: [1, 2]\nwhatever: {a: b}\nfail_if: {nonsense: true}\n"
    error = refused(text)
    assert str(error) == "t.yaml:1:1: rule schema version 2 is newer than this lslint supports (1)"
    assert "upgrade" in error.hint


def test_older_unknown_schema_is_refused() -> None:
    error = refused(GOOD.replace("lslint: 1", "lslint: 0"))
    assert str(error) == "t.yaml:1:1: unsupported rule schema version 0 (expected 1)"


# ---------------------------------------------------------------- conditions


def test_wrong_literal_type() -> None:
    text = with_fail_if('{path: hardware.cpuCount, equals: "two"}')
    assert (
        str(refused(text)) == f"{at(text, 'equals')}: 'equals': expected an integer, got str 'two'"
    )


def test_boolean_is_not_an_integer_literal() -> None:
    text = with_fail_if("{path: hardware.cpuCount, equals: true}")
    assert refused(text).message == "'equals': expected an integer, got true"


def test_unknown_enum_literal_suggests_the_known_value() -> None:
    text = with_fail_if("{path: metadataOptions.httpTokens, equals: requird}")
    assert str(refused(text)) == (
        f"{at(text, 'equals')}: 'equals': 'requird' is not a known value "
        "(one of: optional, required) (did you mean 'required'?)"
    )


def test_unknown_enum_literal_inside_a_list_operand() -> None:
    text = with_fail_if("{path: networking.ports.protocol, in: [tcp, tpc], match: some}")
    assert "'tpc' is not a known value" in refused(text).message


def test_unknown_path_suggests_the_field() -> None:
    text = with_fail_if("{path: metadataOptions.httpToken, equals: required}")
    assert str(refused(text)) == (
        f"{at(text, 'path')}: unknown field 'metadataOptions.httpToken' "
        "(InstanceMetadataOptions has no 'httpToken') "
        "(did you mean 'metadataOptions.httpTokens'?)"
    )


def test_path_below_a_scalar_is_refused() -> None:
    text = with_fail_if("{path: name.first, equals: a}")
    assert refused(text).message == "'name.first': 'name' is a string and has no field 'first'"


PORT_CIDR = "{some: {path: networking.ports, as: port, where: {path: port.cidr, equals: x}}}"


def test_unknown_path_under_a_bound_name_is_refused_where_it_is_written() -> None:
    text = with_fail_if(PORT_CIDR)
    error = refused(text)
    assert str(error).startswith(f"{at(text, 'path: port.cidr')}: unknown field 'port.cidr'")
    assert "bound names here: port" in error.message


def test_unknown_path_under_a_bound_name_suggests_the_full_path() -> None:
    assert "(did you mean 'port.cidrs'?)" in refused(with_fail_if(PORT_CIDR)).message


def test_bound_name_is_not_visible_outside_its_quantifier() -> None:
    text = with_fail_if(
        "{and: [{some: {path: tags, as: tag, where: {path: tag.key, equals: a}}}, "
        "{path: tag.key, equals: b}]}"
    )
    assert refused(text).message == (
        "unknown field 'tag.key' (Instance has no 'tag') (did you mean 'tags'?)"
    )


def test_unknown_operator_suggests_the_right_one() -> None:
    text = with_fail_if("{path: name, equal: web}")
    assert str(refused(text)) == (
        f"{at(text, 'equal:')}: unknown condition key 'equal' (did you mean 'equals'?)"
    )


@pytest.mark.parametrize(
    ("spelt", "meant"),
    [("eq", "equals"), ("NE", "not_equals"), ("regex", "matches"), ("ge", "gte")],
)
def test_an_operator_of_another_policy_language_suggests_ours(spelt: str, meant: str) -> None:
    # Too short for spelling to tell (eq, regex): the usual names in other tools are known.
    text = with_fail_if(f"{{path: name, {spelt}: web}}")
    assert str(refused(text)) == (
        f"{at(text, spelt + ':')}: unknown condition key '{spelt}' (did you mean '{meant}'?)"
    )


def test_two_operators_in_one_leaf() -> None:
    text = with_fail_if("{path: name, equals: web, in: [db]}")
    assert str(refused(text)) == (
        f"{at(text, 'fail_if')}: a condition needs exactly one operator (found: equals, in)"
    )


def test_leaf_without_operator() -> None:
    text = with_fail_if("{path: name}")
    assert refused(text).message == "a condition needs exactly one operator (found: none)"


def test_single_value_operator_on_a_list_needs_match() -> None:
    text = with_fail_if("{path: tags.key, equals: Owner}")
    assert str(refused(text)) == (
        f"{at(text, 'equals')}: 'tags.key' is a list of string; 'equals' tests one value, "
        "so add 'match: some', 'match: every' or 'match: none'"
    )


def test_match_on_a_whole_list_operator_is_refused() -> None:
    text = with_fail_if("{path: tags.key, contains: Owner, match: some}")
    error = refused(text)
    assert str(error).startswith(f"{at(text, 'match')}: 'match' is only for single-value")
    assert "'contains' on 'tags.key'" in error.message


def test_match_on_a_scalar_is_refused() -> None:
    text = with_fail_if("{path: name, equals: a, match: some}")
    assert refused(text).message.startswith("'match' is only for single-value operators on lists")


def test_unknown_match_value() -> None:
    text = with_fail_if("{path: tags.key, equals: a, match: any}")
    assert refused(text).message == "match must be some, every or none, got 'any'"


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("{path: name, gt: 3}", "'gt' applies to a number or timestamp, but 'name' is a string"),
        (
            "{path: hardware.cpuCount, matches: '^1'}",
            "'matches' applies to a string, but 'hardware.cpuCount' is a integer",
        ),
        (
            "{path: name, exposes_port: 22}",
            "'exposes_port' applies to a port entry (networking.ports item), but 'name' is a "
            "string",
        ),
        (
            "{path: networking.ports, contains: x}",
            "'contains' applies to a list of scalars, but 'networking.ports' is a list of "
            "InstancePortInfo object",
        ),
    ],
)
def test_operator_on_the_wrong_type(condition: str, message: str) -> None:
    assert refused(with_fail_if(condition)).message == message


def test_bad_regex() -> None:
    text = with_fail_if("{path: name, matches: '(web'}")
    error = refused(text)
    assert str(error).startswith(f"{at(text, 'matches')}: 'matches': invalid regular expression")
    assert "'(web'" in error.message


@pytest.mark.parametrize(
    ("operand", "shown"), [("10.0.0.0/33", "'10.0.0.0/33'"), ("[10.0.0.0/8, nope]", "'nope'")]
)
def test_bad_cidr_operand(operand: str, shown: str) -> None:
    text = with_fail_if(f"{{path: networking.ports.cidrs, cidr_within: {operand}, match: some}}")
    assert str(refused(text)) == (
        f"{at(text, 'cidr_within')}: 'cidr_within': {shown} is not a valid CIDR"
    )


@pytest.mark.parametrize(
    ("operand", "message"),
    [
        ("129", "prefix length 129 is outside 0-128"),
        ("-1", "prefix length -1 is outside 0-128"),
        ("'/8'", "expected a prefix length (an integer), got str '/8'"),
        ("true", "expected a prefix length (an integer), got true"),
    ],
)
def test_bad_prefix_length_operand(operand: str, message: str) -> None:
    text = with_fail_if(
        f"{{path: networking.ports.cidrs, cidr_prefix_below: {operand}, match: some}}"
    )
    assert refused(text).message == f"'cidr_prefix_below': {message}"


@pytest.mark.parametrize(
    ("operand", "message"),
    [
        ("70000", "port range 70000-70000 is outside 0-65535 or reversed"),
        ("'25-20'", "port range 25-20 is outside 0-65535 or reversed"),
        ("ssh", "expected a port or a 'low-high' range, got str 'ssh'"),
    ],
)
def test_bad_port_operand(operand: str, message: str) -> None:
    text = with_fail_if(f"{{path: networking.ports, exposes_port: {operand}, match: some}}")
    assert refused(text).message == f"'exposes_port': {message}"


def test_unknown_param_suggests_the_declared_one() -> None:
    text = with_fail_if("{path: hardware.cpuCount, gt: {param: max_cpu}}")
    assert str(refused(text)) == (
        f"{at(text, 'param:', line_with='fail_if')}: unknown parameter 'max_cpu' "
        "(did you mean 'max_cpus'?)"
    )


def test_operand_mapping_must_be_a_param_reference() -> None:
    text = with_fail_if("{path: hardware.cpuCount, gt: {value: 3}}")
    assert refused(text).message.startswith("an operand mapping must be {param: NAME}")


def test_param_default_of_the_wrong_type() -> None:
    text = GOOD.replace("default: 4", "default: four")
    assert str(refused(text)) == (
        f"{at(text, 'default')}: parameter 'max_cpus': expected an integer, got str 'four'"
    )


def test_param_that_does_not_fit_its_operator() -> None:
    text = GOOD.replace("type: integer, default: 4", "type: string, default: '4'")
    assert str(refused(text)) == (
        f"{at(text, 'default')}: parameter 'max_cpus' (compared with 'hardware.cpuCount' by "
        "'gt'): expected an integer, got str '4'"
    )


def test_param_name_must_be_snake_case() -> None:
    text = GOOD.replace("{max_cpus: {", "{MaxCpus: {")
    assert refused(text).message == "parameter name 'MaxCpus' must be snake_case"


def test_default_of_the_wrong_type() -> None:
    text = with_fail_if("{path: hardware.cpuCount, gt: 2, default: many}")
    assert str(refused(text)) == (
        f"{at(text, 'default', line_with='fail_if')}: default: expected an integer, got str 'many'"
    )


def test_exists_takes_no_default() -> None:
    text = with_fail_if("{path: name, exists: true, default: x}")
    assert refused(text).message == "'exists' tests absence; it takes no default"


def test_bound_name_shadowing_a_resource_field() -> None:
    text = with_fail_if("{some: {path: tags, as: name, where: {path: name.key, equals: a}}}")
    assert str(refused(text)) == (
        f"{at(text, 'as:')}: bound name 'name' would hide the resource field or reserved name "
        "'name'"
    )


@pytest.mark.parametrize("name", ["resource", "params"])
def test_bound_name_cannot_be_reserved(name: str) -> None:
    text = with_fail_if(
        f"{{some: {{path: tags, as: {name}, where: {{path: name, exists: true}}}}}}"
    )
    assert f"bound name '{name}' would hide" in refused(text).message


def test_bound_name_cannot_be_rebound_inside() -> None:
    text = with_fail_if(
        "{some: {path: tags, as: t, where: {some: {path: tags, as: t, where: "
        "{path: t.key, exists: true}}}}}"
    )
    assert refused(text).message == "bound name 't' is already bound here"


def test_quantifier_over_a_scalar_is_refused() -> None:
    text = with_fail_if("{some: {path: name, as: n, where: {path: n, equals: a}}}")
    assert refused(text).message == "'some' iterates over a list, but 'name' is a string"


def test_combinator_must_stand_alone() -> None:
    text = with_fail_if("{and: [{path: name, exists: true}], path: name}")
    assert refused(text).message == "'and' must stand alone in its mapping; unexpected key 'path'"


def test_empty_and_is_refused() -> None:
    assert (
        refused(with_fail_if("{and: []}")).message == "'and' takes a non-empty list of conditions"
    )


def test_errors_in_applies_if_are_located_too() -> None:
    text = GOOD + "applies_if: {path: isStatic, equals: true}\n"
    assert str(refused(text)) == (
        f"{at(text, 'path: isStatic')}: unknown field 'isStatic' (Instance has no 'isStatic') "
        "(did you mean 'isStaticIp'?)"
    )


# ---------------------------------------------------------------- templates


def with_message(message: str) -> str:
    return GOOD.replace(
        "message: '{{ resource.name }} has {{ hardware.cpuCount }} CPUs'", f"message: '{message}'"
    )


def test_unknown_resource_placeholder_suggests_the_field() -> None:
    text = with_message("{{ resource.nmae }}")
    assert str(refused(text)) == (
        f"{at(text, 'message')}: unknown placeholder '{{{{ resource.nmae }}}}': unknown field "
        "'resource.nmae' (Instance has no 'nmae') (did you mean 'resource.name'?)"
    )


def test_unknown_bare_placeholder_suggests_the_field_once() -> None:
    text = with_message("{{ publicIPAddress }}")
    assert str(refused(text)) == (
        f"{at(text, 'message')}: unknown placeholder '{{{{ publicIPAddress }}}}': unknown field "
        "'publicIPAddress' (Instance has no 'publicIPAddress') (did you mean 'publicIpAddress'?)"
    )


def test_unknown_bare_placeholder() -> None:
    text = with_message("{{ nope }}")
    error = refused(text)
    assert str(error).startswith(f"{at(text, 'message')}: unknown placeholder '{{{{ nope }}}}'")


def test_unknown_param_placeholder_suggests_the_declared_one() -> None:
    text = with_message("{{ params.max_cpu }}")
    assert refused(text).message == (
        "unknown parameter in '{{ params.max_cpu }}' (did you mean 'max_cpus'?)"
    )


def test_bound_name_is_not_a_placeholder() -> None:
    text = with_message("{{ tag.key }}").replace(
        GOOD_FAIL_IF, "fail_if: {some: {path: tags, as: tag, where: {path: tag.key, equals: a}}}"
    )
    assert refused(text).message.startswith("unknown placeholder '{{ tag.key }}'")


@pytest.mark.parametrize("message", ["{{ name ", "a }} b", "{{ name }} {{", "{{ }}"])
def test_unbalanced_or_empty_placeholder(message: str) -> None:
    text = with_message(message)
    error = refused(text)
    assert str(error).startswith(f"{at(text, 'message')}: ")
    assert "unbalanced" in error.message or "empty placeholder" in error.message


def test_placeholder_in_remediation_cli_is_checked() -> None:
    text = GOOD.replace("fix {{ resource.name }}", "fix {{ resource.nam }}")
    assert str(refused(text)).startswith(f"{at(text, 'cli')}: unknown placeholder")


def test_capture_fills_the_remediation_cli() -> None:
    text = with_fail_if("{path: hardware.cpuCount, gt: 2, capture: cpus}").replace(
        "fix {{ resource.name }}", "fix {{ cpus }}"
    )
    rule = load(text)
    assert case_failure(rule, replace(rule.tests[1], commands=("fix 8",))) is None


# ---------------------------------------------------------------- embedded tests


def test_rule_without_a_fail_test() -> None:
    text = GOOD.replace("expect: fail", "expect: error")
    assert str(refused(text)) == (
        f"{at(text, 'tests')}: rule T001 needs at least one 'pass' and one 'fail' test "
        "(missing: fail)"
    )


def test_rule_without_a_pass_test() -> None:
    text = GOOD.replace("expect: pass", "expect: skip")
    assert refused(text).message.endswith("(missing: pass)")


def test_rule_without_tests() -> None:
    text = GOOD.split("tests:", maxsplit=1)[0] + "tests: []\n"
    assert refused(text).message.endswith("(missing: pass, fail)")


def test_test_case_resource_of_the_wrong_type() -> None:
    text = GOOD.replace("cpuCount: 8", "cpuCount: x")
    error = refused(text)
    assert str(error).startswith(f"{at(text, 'cpuCount', line_with='cpuCount: x')}: test 'big'")
    assert "valid integer" in error.message


def test_test_case_with_unknown_param() -> None:
    text = GOOD.replace("expect: fail,", "expect: fail, params: {max_cpu: 2},")
    assert str(refused(text)) == (
        f"{at(text, 'max_cpu:', line_with='max_cpu:')}: test 'big': unknown parameter "
        "'max_cpu' for T001 (did you mean 'max_cpus'?)"
    )


def test_test_case_with_param_of_the_wrong_type() -> None:
    text = GOOD.replace("expect: fail,", "expect: fail, params: {max_cpus: two},")
    assert str(refused(text)) == (
        f"{at(text, 'max_cpus: two', line_with='max_cpus: two')}: "
        "test 'big': parameter 'max_cpus': expected an integer, got str 'two'"
    )


def test_unknown_expectation() -> None:
    text = GOOD.replace("expect: fail", "expect: fails")
    assert str(refused(text)).startswith(
        f"{at(text, 'expect', line_with='fails')}: 'tests.1.expect'"
    )


def test_duplicate_test_names() -> None:
    text = GOOD.replace("name: big", "name: small")
    assert refused(text).message == "duplicate test name 'small'"


# ---------------------------------------------------------------- folders


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_rule_id_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("name: t-rule", "name: other"))
    with pytest.raises(RuleError) as info:
        load_rules([tmp_path])
    assert (
        info.value.message == f"duplicate rule id 'T001' (also used by T001 t-rule in {first}:2:1)"
    )
    assert info.value.where.startswith(str(tmp_path / "b.yaml"))


def test_duplicate_rule_name_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", GOOD)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "b.yml", GOOD.replace("id: T001", "id: T002"))
    with pytest.raises(RuleError) as info:
        load_rules([tmp_path])
    assert (
        info.value.message == f"duplicate rule name 't-rule' (also used by T001 t-rule in {first})"
    )


def test_duplicate_rule_id_points_at_the_id_line(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("name: t-rule", "name: other"))
    with pytest.raises(RuleError) as info:
        load_rules([tmp_path])
    assert info.value.where == f"{tmp_path / 'b.yaml'}:2:1"


def test_error_in_a_file_names_that_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", GOOD.replace("severity: low", "severity: loud"))
    with pytest.raises(RuleError) as info:
        load_rules([tmp_path])
    assert str(info.value).startswith(f"{path}:5:1: 'severity'")


def test_folder_rules_are_sorted_by_id_and_hidden_files_skipped(tmp_path: Path) -> None:
    write(tmp_path, "z.yaml", GOOD)
    write(tmp_path, "a.yaml", GOOD.replace("T001", "T000").replace("t-rule", "t-zero"))
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden", "x.yaml", "not: a rule\n")
    write(tmp_path, "notes.txt", "ignored")
    assert [r.id for r in load_rules([tmp_path])] == ["T000", "T001"]


def test_missing_rule_path(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="rule path not found"):
        load_rules([tmp_path / "nope"])


# ---------------------------------------------------------------- built-in rules

SHIPPED = load_rules([BUILTIN_RULES, EXAMPLES / "rules"])
SHIPPED_CASES = [
    pytest.param(rule, case, id=f"{rule.id}-{case.name}") for rule in SHIPPED for case in rule.tests
]


def test_shipped_rules_are_all_found() -> None:
    files = [*BUILTIN_RULES.glob("*.yaml"), *(EXAMPLES / "rules").glob("*.yaml")]
    assert [r.id for r in SHIPPED] == sorted(path.name.split("-", 1)[0] for path in files)
    assert {"ACME001", "LS001", "LS100", "LS110", "LS120", "LS130", "LS140", "LS150"} <= {
        r.id for r in SHIPPED
    }
    assert len(SHIPPED_CASES) == sum(len(r.tests) for r in SHIPPED) >= 2 * len(SHIPPED)


@pytest.mark.parametrize(("rule", "case"), SHIPPED_CASES)
def test_shipped_rule_case(rule: Rule, case: RuleTest) -> None:
    failure = case_failure(rule, case)
    assert failure is None, f"{case.doc_line}: {failure}"


def test_rule_names_and_ids_are_unique_without_case(tmp_path: Path) -> None:
    # A rule named like another's id would make `--select ls004` ambiguous.
    write(tmp_path, "a.yaml", GOOD.replace("name: t-rule", "name: t002"))
    write(tmp_path, "b.yaml", GOOD.replace("id: T001", "id: T002").replace("t-rule", "other"))
    with pytest.raises(RuleError) as info:
        load_rules([tmp_path])
    assert info.value.message.startswith("duplicate rule id 'T002' (also used by T001 t002")


@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("title: T", "title: T {{ resource.name }}"),
        ("description: d", "description: 'd {{ params.p }}'"),
        ("remediation: {text: r}", "remediation: {text: 'fix {{ resource.name }}'}"),
    ],
)
def test_placeholders_outside_message_and_command_are_refused(key: str, line: str) -> None:
    text = MINIMAL_RULE.replace(key, line) + "fail_if: {path: name, exists: true}\nmessage: m\n"
    with pytest.raises(RuleError, match="placeholders") as info:
        rule_from_text(text)
    assert info.value.where.startswith("t.yaml:")


@pytest.mark.parametrize("kind", ["broken-link", "fifo", "upper-case"])
def test_an_entry_of_a_rule_folder_never_disappears_silently(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    if kind == "broken-link":
        (folder / "X300.yaml").symlink_to(tmp_path / "missing.yaml")
    elif kind == "fifo":
        os.mkfifo(folder / "X300.yaml")
    else:
        (folder / "X300.YAML").write_text("lslint: 1\nid: X300\n")
    with pytest.raises(RuleError) as info:
        load_rules([folder])
    assert "X300" in info.value.where


def test_a_rule_file_is_parsed_once_until_it_changes(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yaml", GOOD)
    first = load_rule_file(path)
    assert load_rule_file(path) is first  # the same text: not parsed again
    write(tmp_path, "r.yaml", GOOD.replace("title: T\n", "title: U\n"))  # same size
    changed = load_rule_file(path)
    assert changed is not first and changed.title == "U"
