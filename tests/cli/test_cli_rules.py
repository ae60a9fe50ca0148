"""``lslint rules list|show|validate|test``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from lslint.api import builtin_rules_dir

from conftest import BUILTIN_RULES, EXAMPLES, CliResult

Cli = Callable[..., CliResult]
EXAMPLE_RULES = EXAMPLES / "rules"
ACME = EXAMPLE_RULES / "ACME001-production-without-static-ip.yaml"


def rule_docs(folder: Path) -> list[dict[str, Any]]:
    yaml = YAML(typ="safe", pure=True)
    return [yaml.load(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.yaml"))]


def copy_rule(source: Path, target: Path, **changes: str) -> Path:
    """Copy a rule file, replacing whole top-level lines ``key: value`` by ``changes``."""
    text = source.read_text(encoding="utf-8")
    for key, value in changes.items():
        text, count = re.subn(rf"(?m)^{key}: .*$", f"{key}: {value}", text)
        assert count == 1, key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def error_lines(result: CliResult) -> list[str]:
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("lslint: error:")]


# ---------------------------------------------------------------- list


def list_rows(result: CliResult) -> dict[str, str]:
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "SEVERITY", "TITLE"]
    return {row.split()[0]: row for row in rows}


def test_rules_list_shows_every_builtin_rule(cli: Cli) -> None:
    rows = list_rows(cli(["rules", "list"]))
    docs = rule_docs(BUILTIN_RULES)
    assert {"LS001", "LS002", "LS003", "LS004"} <= set(rows)
    assert set(rows) == {doc["id"] for doc in docs}
    for doc in docs:
        assert rows[doc["id"]].split(maxsplit=3) == [
            doc["id"],
            doc["name"],
            doc["severity"],
            doc["title"],
        ]


def test_rules_list_adds_a_custom_rule_folder(cli: Cli) -> None:
    rows = list_rows(cli(["rules", "list", "--rules", str(EXAMPLE_RULES)]))
    assert rows["ACME001"].split(maxsplit=3) == [
        "ACME001",
        "production-without-static-ip",
        "medium",
        "Production instance has no static IP",
    ]
    assert {"LS001", "LS002", "LS003", "LS004"} <= set(rows)


def test_rules_list_columns_line_up_with_long_ids(cli: Cli) -> None:
    result = cli(["rules", "list", "--rules", str(EXAMPLE_RULES)])
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    name_column = header.index("NAME")
    for row in rows:
        rule_name = row.split()[1]
        assert row.index(rule_name) == name_column, row


def test_rules_list_with_a_broken_custom_rule_is_an_error(cli: Cli, tmp_path: Path) -> None:
    broken = copy_rule(ACME, tmp_path / "rules" / "broken.yaml", severity="urgent")
    result = cli(["rules", "list", "--rules", str(broken.parent)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(error_lines(result)) == 1
    assert f"{broken}:{line_of(broken, 'severity:')}:" in result.stderr


# ---------------------------------------------------------------- show


@pytest.mark.parametrize("key", ["LS001", "port-open-to-world"])
def test_rules_show_by_id_or_name(cli: Cli, key: str) -> None:
    result = cli(["rules", "show", key])
    assert result.exit_code == 0, result.stderr
    doc = next(doc for doc in rule_docs(BUILTIN_RULES) if doc["id"] == "LS001")
    lines = result.stdout.splitlines()
    assert lines[0] == "LS001 port-open-to-world (high)"
    assert lines[1] == doc["title"]
    assert "allowed_ports" in result.stdout
    assert "Remediation:" in result.stdout
    assert all(f"Reference: {ref}" in lines for ref in doc["references"])
    assert lines[-1] == f"Source: {builtin_rules_dir() / 'LS001-port-open-to-world.yaml'}"


def test_rules_show_a_custom_rule(cli: Cli) -> None:
    result = cli(["rules", "show", "ACME001", "--rules", str(EXAMPLE_RULES)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ACME001 production-without-static-ip (medium)\n")


@pytest.mark.parametrize("key", ["LS999", "LS01", "no-such-rule"])
def test_rules_show_unknown_rule_is_an_error(cli: Cli, key: str) -> None:
    result = cli(["rules", "show", key])
    assert result.exit_code == 2
    assert result.stdout == ""
    errors = error_lines(result)
    assert len(errors) == 1
    assert f"'{key}'" in errors[0]


def test_rules_show_unknown_rule_suggests_a_close_one(cli: Cli) -> None:
    result = cli(["rules", "show", "imdsv1-alowed"])
    assert result.exit_code == 2
    assert "did you mean 'imdsv1-allowed'" in result.stderr


def test_rules_show_unknown_rule_does_not_mention_select(cli: Cli) -> None:
    result = cli(["rules", "show", "LS999"])
    assert result.exit_code == 2
    assert "--select" not in result.stderr


# ---------------------------------------------------------------- validate


def test_rules_validate_accepts_the_shipped_rules(cli: Cli) -> None:
    result = cli(["rules", "validate", str(BUILTIN_RULES), str(EXAMPLE_RULES)])
    assert result.exit_code == 0, result.stderr
    ok_lines = [line for line in result.stdout.splitlines() if line.startswith("ok: ")]
    count = len(list(BUILTIN_RULES.glob("*.yaml"))) + 1
    assert len(ok_lines) == count
    assert any(str(ACME) in line and "ACME001" in line for line in ok_lines)
    assert f"{count} valid, 0 invalid" in result.stdout


def test_rules_validate_a_single_file(cli: Cli) -> None:
    result = cli(["rules", "validate", str(ACME)])
    assert result.exit_code == 0, result.stderr
    assert "1 valid, 0 invalid" in result.stdout


@pytest.mark.parametrize(
    ("changes", "needle", "fragment"),
    [
        ({"severity": "urgent"}, "severity:", "severity"),
        ({"lslint": "2"}, "lslint:", "newer"),
        ({"id": "acme-1"}, "id:", "id"),
        ({"fail_if": "{path: isStatikIp, equals: false}"}, "fail_if:", "did you mean 'isStaticIp'"),
        ({"fail_if": "{path: isStaticIp, equal: false}"}, "fail_if:", "equal"),
        ({"message": '"{{ resource.nme }}"'}, "message:", "nme"),
        ({"tags": "[dns, dns]"}, "tags:", "dns"),
    ],
    ids=[
        "severity",
        "newer-schema",
        "id-pattern",
        "unknown-field",
        "unknown-operator",
        "bad-placeholder",
        "duplicate-tag",
    ],
)
def test_rules_validate_reports_file_line_col(
    cli: Cli, tmp_path: Path, changes: dict[str, str], needle: str, fragment: str
) -> None:
    broken = copy_rule(ACME, tmp_path / "broken.yaml", **changes)
    result = cli(["rules", "validate", str(broken)])
    assert result.exit_code == 2
    errors = error_lines(result)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"lslint: error: {broken}:{line_of(broken, needle)}:"), errors[0]
    assert fragment in errors[0]
    assert "0 valid, 1 invalid" in result.stderr


def test_rules_validate_reports_invalid_yaml_position(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("lslint: 1\nid: ACME009\nname: [x\n", encoding="utf-8")
    result = cli(["rules", "validate", str(broken)])
    assert result.exit_code == 2
    errors = error_lines(result)
    assert len(errors) == 1
    assert errors[0].startswith(f"lslint: error: {broken}:4:1: invalid YAML"), errors[0]


def test_rules_validate_reports_every_bad_file(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    good = copy_rule(ACME, folder / "a-good.yaml")
    bad_severity = copy_rule(
        ACME, folder / "b.yaml", id="ACME002", name="second", severity="urgent"
    )
    bad_field = copy_rule(
        ACME, folder / "c.yaml", id="ACME003", name="third", fail_if="{path: nope, equals: 1}"
    )
    bad_yaml = folder / "d.yaml"
    bad_yaml.write_text("lslint: 1\nid: [\n", encoding="utf-8")
    duplicate = copy_rule(ACME, folder / "e.yaml")
    result = cli(["rules", "validate", str(folder)])
    assert result.exit_code == 2
    errors = error_lines(result)
    assert len(errors) == 4, result.stderr
    for path in (bad_severity, bad_field, bad_yaml, duplicate):
        assert sum(str(path) in line for line in errors) == 1, path
    assert f"ok: {good}: ACME001" in result.stdout
    assert "1 valid, 4 invalid" in result.stderr


def test_rules_validate_missing_path_and_empty_folder(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "missing"
    result = cli(["rules", "validate", str(missing), str(empty)])
    assert result.exit_code == 2
    errors = error_lines(result)
    assert len(errors) == 2
    assert str(missing) in errors[0]
    assert str(empty) in errors[1]


def test_rules_validate_reports_a_python_tag_and_goes_on(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    good = copy_rule(ACME, folder / "a-good.yaml")
    tagged = copy_rule(
        ACME,
        folder / "b-tagged.yaml",
        id="ACME002",
        name="tagged",
        title='!!python/object/apply:os.system ["true"]',
    )
    result = cli(["rules", "validate", str(folder)])
    assert result.exit_code == 2
    errors = error_lines(result)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"lslint: error: {tagged}:{line_of(tagged, 'title:')}:")
    assert f"ok: {good}" in result.stdout


# ---------------------------------------------------------------- test


def test_rules_test_passes_on_the_builtin_rules(cli: Cli) -> None:
    cases = sum(len(doc["tests"]) for doc in rule_docs(BUILTIN_RULES))
    result = cli(["rules", "test"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == f"{cases} passed, 0 failed"


def acme_cases() -> int:
    return len(rule_docs(EXAMPLE_RULES)[0]["tests"])


def test_rules_test_on_a_custom_folder(cli: Cli) -> None:
    result = cli(["rules", "test", str(EXAMPLE_RULES)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == f"{acme_cases()} passed, 0 failed"


def test_rules_test_fails_when_an_expectation_is_wrong(cli: Cli, tmp_path: Path) -> None:
    wrong = tmp_path / "rules" / "wrong.yaml"
    wrong.parent.mkdir()
    text = ACME.read_text(encoding="utf-8").replace("expect: skip", "expect: fail", 1)
    wrong.write_text(text, encoding="utf-8")
    result = cli(["rules", "test", str(wrong.parent)])
    assert result.exit_code == 1
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL ")]
    assert len(failures) == 1
    case_line = line_of(wrong, "- name: staging is out of scope")
    assert failures[0].startswith(f"FAIL {wrong}:{case_line}:")
    assert "expected fail, got skip" in failures[0]
    assert result.stdout.splitlines()[-1] == f"{acme_cases() - 1} passed, 1 failed"


def test_rules_test_with_an_invalid_rule_exits_2(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    copy_rule(ACME, folder / "a-good.yaml")
    broken = copy_rule(ACME, folder / "b.yaml", id="ACME002", name="other", severity="urgent")
    result = cli(["rules", "test", str(folder)])
    assert result.exit_code == 2
    assert len(error_lines(result)) == 1
    assert str(broken) in result.stderr
    assert result.stdout.splitlines()[-1] == f"{acme_cases()} passed, 0 failed"


# ---------------------------------------------------------------- agreement with scan


def config_with_rule_folder(tmp_path: Path) -> Path:
    """A .lslint.yaml whose rules.paths adds the example rule folder (ACME001)."""
    folder = tmp_path / "policies"
    copy_rule(ACME, folder / "acme.yaml")
    (tmp_path / ".lslint.yaml").write_text("rules:\n  paths: [policies]\n")
    return folder


def test_rules_test_without_path_runs_the_rules_scan_runs(cli: Cli, tmp_path: Path) -> None:
    config_with_rule_folder(tmp_path)
    builtin_cases = sum(len(doc["tests"]) for doc in rule_docs(BUILTIN_RULES))
    result = cli(["rules", "test"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == f"{builtin_cases + acme_cases()} passed, 0 failed"


def test_rules_validate_without_path_checks_the_rules_scan_loads(cli: Cli, tmp_path: Path) -> None:
    folder = config_with_rule_folder(tmp_path)
    result = cli(["rules", "validate"])
    assert result.exit_code == 0, result.stderr
    assert f"ok: {folder / 'acme.yaml'}: ACME001" in result.stdout
    assert "LS001 port-open-to-world" in result.stdout
    copy_rule(ACME, folder / "broken.yaml", id="ACME002", name="other", severity="urgent")
    assert cli(["rules", "validate"]).exit_code == 2


@pytest.mark.parametrize(
    "changes",
    [{"id": "LS002"}, {"name": "imdsv1-allowed"}],
)
def test_rules_validate_catches_a_clash_with_a_builtin_rule(
    cli: Cli, tmp_path: Path, changes: dict[str, str]
) -> None:
    custom = copy_rule(ACME, tmp_path / "mine" / "clash.yaml", **changes)
    result = cli(["rules", "validate", str(custom.parent)])
    assert result.exit_code == 2
    (error,) = error_lines(result)
    assert "clashes with the built-in rule LS002 imdsv1-allowed" in error
    assert error.startswith(f"lslint: error: {custom}:")


def test_rules_validate_of_the_builtin_folder_is_no_clash(cli: Cli) -> None:
    assert cli(["rules", "validate", str(BUILTIN_RULES)]).exit_code == 0


def test_rules_test_verbose_lists_every_case(cli: Cli) -> None:
    result = cli(["rules", "test", "-v", str(EXAMPLE_RULES)])
    assert result.exit_code == 0
    listed = [line for line in result.stdout.splitlines() if line.startswith("ok   ")]
    assert len(listed) == acme_cases()
    assert all(f"{ACME}:" in line and "ACME001 '" in line for line in listed)
    quiet = cli(["rules", "test", str(EXAMPLE_RULES)]).stdout
    assert not any(line.startswith("ok   ") for line in quiet.splitlines())


def test_rules_show_prints_the_condition(cli: Cli) -> None:
    result = cli(["rules", "show", "LS002"])
    assert result.exit_code == 0, result.stderr
    condition = result.stdout.split("\nCondition:\n", 1)[1].split("\nRemediation:", 1)[0]
    assert "fail_if:" in condition
    assert "metadataOptions.httpTokens" in condition
    assert all(line.startswith("  ") for line in condition.splitlines() if line)


def test_rules_commands_without_path_refuse_a_broken_config(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".lslint.yaml").write_text("rules:\n  pahts: [policies]\n")
    for command in ("validate", "test"):
        result = cli(["rules", command])
        assert result.exit_code == 2
        (error,) = error_lines(result)
        assert "pahts" in error and "paths" in error


def test_a_copy_of_the_builtin_rules_is_no_clash(cli: Cli, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in BUILTIN_RULES.glob("*.yaml"):
        (copy / path.name).write_bytes(path.read_bytes())
    result = cli(["rules", "validate", str(copy)])
    assert result.exit_code == 0, result.stderr


# ---------------------------------------------------------------- tags, compliance, parameters


def mapped_acme(folder: Path) -> Path:
    """ACME001 with compliance mappings."""
    text = ACME.read_text(encoding="utf-8").replace(
        "\ntests:", "\ncompliance: {cis-x-1.0: ['3.4', '3.5'], nist-800-53: [CM-8]}\ntests:"
    )
    path = folder / "rules" / ACME.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_show_prints_resource_tags_and_compliance(cli: Cli, tmp_path: Path) -> None:
    path = mapped_acme(tmp_path)
    result = cli(["rules", "show", "ACME001", "--rules", str(path)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "Resource: instance" in lines
    tags = rule_docs(path.parent)[0]["tags"]
    assert f"Tags: {', '.join(tags)}" in lines
    assert "Compliance: cis-x-1.0: 3.4, 3.5" in lines
    assert "Compliance: nist-800-53: CM-8" in lines
    plain = cli(["rules", "show", "LS002"]).stdout
    assert "Compliance:" not in plain


def test_rules_show_writes_parameter_values_as_yaml_does(cli: Cli) -> None:
    result = cli(["rules", "show", "LS004"])
    assert '  required_tags (string_list) = ["Owner", "Environment"]: ' in result.stdout


def test_rules_list_json_has_tags_compliance_and_parameters(cli: Cli, tmp_path: Path) -> None:
    path = mapped_acme(tmp_path)
    result = cli(["rules", "list", "--rules", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rules = {rule["id"]: rule for rule in json.loads(result.stdout)["rules"]}
    assert list(rules) == sorted(rules)
    assert rules["ACME001"]["compliance"] == {"cis-x-1.0": ["3.4", "3.5"], "nist-800-53": ["CM-8"]}
    assert rules["ACME001"]["tags"] == rule_docs(path.parent)[0]["tags"]
    assert rules["LS001"]["compliance"] == {}
    assert rules["LS004"]["params"] == {"required_tags": ["Owner", "Environment"]}
    assert rules["LS001"]["params"] == {"allowed_ports": [80, 443]}
    assert rules["LS002"]["resource"] == "instance"
    assert rules["LS002"]["source"] == str(builtin_rules_dir() / "LS002-imdsv1-allowed.yaml")


def test_rules_list_json_shows_the_parameters_the_config_sets(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".lslint.yaml").write_text(
        "rules:\n  LS004:\n    params: {required_tags: [Team]}\n", encoding="utf-8"
    )
    rules = json.loads(cli(["rules", "list", "-f", "json"]).stdout)["rules"]
    assert next(r for r in rules if r["id"] == "LS004")["params"] == {"required_tags": ["Team"]}


def test_rules_list_selects_by_control(cli: Cli, tmp_path: Path) -> None:
    path = mapped_acme(tmp_path)
    result = cli(["rules", "list", "--rules", str(path), "--select", "CIS-X-1.0:3"])
    assert [row.split()[0] for row in result.stdout.splitlines()[1:]] == ["ACME001"]
    result = cli(["rules", "list", "--rules", str(path), "--select", "cis-x-1.0:3.6"])
    assert result.exit_code == 2
    assert "unknown compliance control 'cis-x-1.0:3.6' in --select" in result.stderr


# ---------------------------------------------------------------- fields


def test_rules_fields_lists_every_path_of_every_kind(cli: Cli) -> None:
    from lslint.fields import kind_fields  # noqa: PLC0415
    from lslint.models import RESOURCE_KINDS  # noqa: PLC0415

    result = cli(["rules", "fields"])
    assert result.exit_code == 0, result.stderr
    for kind in RESOURCE_KINDS.values():
        assert f"{kind.name} ({kind.operation}, resource: {kind.name})" in result.stdout
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    paths = {doc.path for kind in RESOURCE_KINDS.values() for doc in kind_fields(kind)}
    assert set(rows) - {"PATH"} == paths
    assert rows["state.name"].split(maxsplit=2)[1:] == [
        "string",
        "pending, running, shutting-down, terminated, stopping, stopped",
    ]
    assert rows["networking.ports.fromPort"].split()[1:] == ["list", "of", "integer"]
    assert rows["metadataOptions"].split()[1:] == ["object"]


def test_rules_fields_json_for_one_kind(cli: Cli) -> None:
    result = cli(["rules", "fields", "--kind", "INSTANCE", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    (kind,) = json.loads(result.stdout)["kinds"]
    assert kind["kind"] == "instance"
    fields = {field["path"]: field for field in kind["fields"]}
    assert fields["metadataOptions.httpTokens"] == {
        "path": "metadataOptions.httpTokens",
        "type": "string",
        "values": ["optional", "required"],
        "any_case": True,
    }
    assert fields["createdAt"]["type"] == "timestamp"
    assert fields["tags.key"] == {"path": "tags.key", "type": "list of string", "values": [],
                                  "any_case": False}  # fmt: skip


def test_rules_fields_unknown_kind_is_an_error(cli: Cli) -> None:
    result = cli(["rules", "fields", "--kind", "instanc"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "lslint: error: unknown resource kind 'instanc' (did you mean 'instance'?)"
    )


def test_rules_show_writes_dated_pattern_defaults_as_json_objects(cli: Cli) -> None:
    result = cli(["rules", "show", "end-of-life-blueprint"])
    assert result.exit_code == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if "end_of_support (" in line]
    value, _ = json.JSONDecoder().raw_decode(line.split(" = ", 1)[1])  # then ": description"
    assert value[0] == {"pattern": "^ubuntu_16_04(_.*)?$", "date": "2021-04-30"}
