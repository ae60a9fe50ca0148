"""The config file: discovery, rule selection and overrides, and strict validation."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lslint.config import load_config

from conftest import EXAMPLES, CliResult, assert_one_error

Cli = Callable[..., CliResult]
FLEET = str(EXAMPLES / "fleet.json")
FLEET_NAMES = {"web-prod-1", "bastion-1", "ci-runner", "db-staging", "legacy-wordpress"}


def write_config(folder: Path, text: str, name: str = ".lslint.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def scan_json(cli: Cli, *options: str) -> tuple[int, list[dict[str, Any]]]:
    result = cli(["scan", "--input", FLEET, "-f", "json", *options])
    assert result.exit_code in (0, 1), result.stderr
    assert result.stderr == ""
    findings: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return result.exit_code, findings


def rule_ids(findings: list[dict[str, Any]]) -> set[str]:
    return {f["rule_id"] for f in findings}


def assert_config_error(result: CliResult, where: str, *fragments: str) -> str:
    return assert_one_error(result, *fragments, where=where)


# ---------------------------------------------------------------- discovery


def test_config_in_the_working_directory_is_used(cli: Cli, tmp_path: Path) -> None:
    assert cli(["scan", "--input", FLEET]).exit_code == 1
    write_config(tmp_path, "fail_on: never\n")
    assert cli(["scan", "--input", FLEET]).exit_code == 0


def test_config_in_a_parent_directory_is_not_used(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, "fail_on: never\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert cli(["scan", "--input", FLEET]).exit_code == 1


def test_config_option_names_the_file(cli: Cli, tmp_path: Path) -> None:
    path = write_config(tmp_path / "conf", "fail_on: never\n", name="team.yaml")
    assert cli(["scan", "--input", FLEET, "--config", str(path)]).exit_code == 0


def test_config_option_wins_over_the_working_directory(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "fail_on: never\n")
    other = write_config(tmp_path / "conf", "fail_on: high\n", name="strict.yaml")
    assert cli(["scan", "--input", FLEET, "--config", str(other)]).exit_code == 1


def test_example_config_loads_its_rules_relative_to_itself(cli: Cli) -> None:
    config = str(EXAMPLES / "lslint.yaml")
    _, findings = scan_json(cli, "--config", config)
    assert "ACME001" in rule_ids(findings)


def test_rule_paths_are_relative_to_the_config_file(cli: Cli, tmp_path: Path) -> None:
    team = tmp_path / "team"
    shutil.copytree(EXAMPLES / "rules", team / "policies")
    config = write_config(team, "rules:\n  paths: [./policies]\n", name="lslint.yaml")
    (tmp_path / "elsewhere").mkdir()
    _, findings = scan_json(cli, "--config", str(config))
    assert [f["resource_name"] for f in findings if f["rule_id"] == "ACME001"] == [
        "legacy-wordpress"
    ]


def test_rule_path_in_config_that_does_not_exist_is_an_error(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  paths: [./policies]\n")
    result = cli(["scan", "--input", FLEET])
    assert result.exit_code == 2
    assert result.stderr.startswith("lslint: error:")
    assert "policies" in result.stderr


# ---------------------------------------------------------------- selection and overrides


@pytest.mark.parametrize(
    ("rules_yaml", "expected"),
    [
        ("  select: [LS001]\n", {"LS001"}),
        ("  select: [imdsv1-allowed, LS003]\n", {"LS002", "LS003"}),
        ("  ignore: [LS004]\n", {"LS001", "LS002", "LS003"}),
        ("  ignore: [required-tags-missing, port-open-to-world]\n", {"LS002", "LS003"}),
        ("  select: [LS001, LS002]\n  ignore: [imdsv1-allowed]\n", {"LS001"}),
    ],
)
def test_config_selects_and_ignores_by_id_or_name(
    cli: Cli, tmp_path: Path, rules_yaml: str, expected: set[str]
) -> None:
    write_config(tmp_path, "rules:\n" + rules_yaml)
    _, findings = scan_json(cli)
    assert rule_ids(findings) == expected


def test_select_option_replaces_config_select_and_ignore_adds(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  select: [LS001]\n  ignore: [LS004]\n")
    _, findings = scan_json(cli, "--select", "LS002,LS003,LS004", "--ignore", "LS003")
    assert rule_ids(findings) == {"LS002"}


@pytest.mark.parametrize("key", ["LS004", "required-tags-missing"])
def test_param_override_changes_findings(cli: Cli, tmp_path: Path, key: str) -> None:
    _, default = scan_json(cli, "--select", "LS004")
    assert {f["resource_name"] for f in default} == {"bastion-1", "db-staging"}
    write_config(tmp_path, f"rules:\n  {key}:\n    params:\n      required_tags: [CostCenter]\n")
    _, findings = scan_json(cli, "--select", "LS004")
    assert {f["resource_name"] for f in findings} == FLEET_NAMES
    assert all("CostCenter" in f["message"] for f in findings)
    assert not any("Owner" in f["message"] for f in findings)


def test_severity_override_is_visible_and_counts_for_fail_on(cli: Cli, tmp_path: Path) -> None:
    _, default = scan_json(cli, "--select", "LS004")
    assert {f["severity"] for f in default} == {"low"}
    write_config(tmp_path, "rules:\n  LS004:\n    severity: critical\n")
    code, findings = scan_json(cli, "--select", "LS004", "--fail-on", "critical")
    assert code == 1
    assert {f["severity"] for f in findings} == {"critical"}


def test_severity_override_lowers_below_fail_on(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "fail_on: medium\nrules:\n  LS003:\n    severity: info\n")
    code, findings = scan_json(cli, "--select", "LS003")
    assert {f["severity"] for f in findings} == {"info"}
    assert code == 0


def test_overrides_do_not_select_rules(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  select: [LS001]\n  LS003:\n    severity: high\n")
    _, findings = scan_json(cli)
    assert rule_ids(findings) == {"LS001"}


def test_rules_list_uses_the_config(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  LS004:\n    severity: critical\n")
    result = cli(["rules", "list"])
    assert result.exit_code == 0
    row = next(line for line in result.stdout.splitlines() if line.startswith("LS004 "))
    assert row.split()[2] == "critical"


# ---------------------------------------------------------------- strict validation

CONFIG_ERRORS: list[Any] = [
    pytest.param("fail_onn: high\n", "1:1", ("fail_onn", "did you mean 'fail_on'"), id="top-key"),
    pytest.param("rules:\n  selct: [LS001]\n", "2:3", ("selct", "'select'"), id="rules-key"),
    pytest.param(
        "rules:\n  LS004:\n    paramz: {}\n",
        "3:5",
        ("paramz", "did you mean 'params'"),
        id="override-key",
    ),
    pytest.param(
        "rules:\n  LS04:\n    severity: low\n",
        "2:3",
        ("LS04", "did you mean 'LS004'"),
        id="override-unknown-rule",
    ),
    pytest.param(
        "rules:\n  select: [LS001, LS01]\n", "2:19", ("LS01", "'LS001'"), id="select-unknown-rule"
    ),
    pytest.param(
        "rules:\n  ignore:\n    - imdsv1-alowed\n",
        "3:7",
        ("imdsv1-alowed", "did you mean 'imdsv1-allowed'"),
        id="ignore-unknown-name",
    ),
    pytest.param(
        "rules:\n  LS004:\n    params:\n      required_tag: [CostCenter]\n",
        "3:5",
        ("required_tag", "did you mean 'required_tags'"),
        id="unknown-param",
    ),
    pytest.param(
        "rules:\n  LS002:\n    params: {x: 1}\n", "3:5", ("'x'", "LS002"), id="param-of-paramless"
    ),
    pytest.param(
        "rules:\n  LS004:\n    params:\n      required_tags: CostCenter\n",
        "3:5",
        ("required_tags", "list"),
        id="param-not-a-list",
    ),
    pytest.param(
        "rules:\n  LS001:\n    params:\n      allowed_ports: [80, 70000]\n",
        "3:5",
        ("allowed_ports", "70000"),
        id="param-bad-port",
    ),
    pytest.param(
        "rules:\n  LS004:\n    severity: urgent\n", "3:5", ("severity", "high"), id="bad-severity"
    ),
    pytest.param(
        "rules:\n  LS004:\n    severity: High\n", "3:5", ("severity",), id="severity-wrong-case"
    ),
    pytest.param("fail_on: sometimes\n", "1:1", ("fail_on", "never"), id="bad-fail-on"),
    pytest.param("fail_on: 3\n", "1:1", ("fail_on",), id="fail-on-number"),
    pytest.param("rules:\n  select: LS001\n", "2:3", ("select", "list"), id="select-not-a-list"),
    pytest.param("rules: [LS001]\n", "1:1", ("rules",), id="rules-not-a-mapping"),
    pytest.param("rules:\n  LS004: true\n", "2:3", ("LS004",), id="override-not-a-mapping"),
    pytest.param(
        "rules:\n  LS004: {severity: low}\n  required-tags-missing: {severity: high}\n",
        "3:3",
        ("twice",),
        id="override-by-id-and-name",
    ),
    pytest.param("fail_on: [high\n", "2:1", ("invalid YAML",), id="invalid-yaml"),
    pytest.param("fail_on: high\nfail_on: low\n", "2:1", ("duplicate",), id="duplicate-key"),
    pytest.param(
        "suppressions:\n  - rule: LS001\n    reason: reviewed\n",
        "2:5",
        ("missing required key 'suppressions.0.resource'",),
        id="suppression-without-resource",
    ),
    pytest.param(
        "suppressions:\n  - {rule: LS001, resource: web-1, reason: '  '}\n",
        "2:36",
        ("'suppressions.0.reason': must not be blank",),
        id="suppression-with-blank-reason",
    ),
    pytest.param(
        "suppressions:\n  - {rule: LS01, resource: web-1, reason: ok}\n",
        "2:6",
        ("unknown rule 'LS01' in suppressions (did you mean 'LS001'?)",),
        id="suppression-of-unknown-rule",
    ),
    pytest.param(
        "suppressions:\n  - {rule: LS001, resource: web-1, reason: ok, expires: someday}\n",
        "2:48",
        ("'suppressions.0.expires'",),
        id="suppression-with-bad-date",
    ),
    pytest.param(
        "suppressions:\n  - {rule: LS001, resource: web-1, reason: ok, until: 2027-01-01}\n",
        "2:48",
        ("unknown key 'suppressions.0.until'",),
        id="suppression-with-unknown-key",
    ),
]


@pytest.mark.parametrize(("text", "position", "fragments"), CONFIG_ERRORS)
def test_invalid_config_is_one_error_at_file_line_col(
    cli: Cli, tmp_path: Path, text: str, position: str, fragments: tuple[str, ...]
) -> None:
    path = write_config(tmp_path, text)
    result = cli(["scan", "--input", FLEET])
    assert_config_error(result, f"{path}:{position}: ", *fragments)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty"), ("# nothing but a comment\n", "empty"), ("- LS001\n- LS002\n", "mapping")],
    ids=["empty-file", "comment-only", "a-list"],
)
def test_config_without_a_mapping_is_an_error(
    cli: Cli, tmp_path: Path, text: str, fragment: str
) -> None:
    path = write_config(tmp_path, text)
    assert_config_error(cli(["scan", "--input", FLEET]), f"{path}:", fragment)


def test_missing_config_file_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    result = cli(["scan", "--input", FLEET, "--config", str(path)])
    assert_config_error(result, f"{path}: ", "not found")


def test_config_that_is_not_utf8_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / ".lslint.yaml"
    path.write_bytes(b"fail_on: h\xe9gh\n")
    assert_config_error(cli(["scan", "--input", FLEET]), f"{path}: ", "UTF-8")


def test_config_error_stops_rules_list_too(cli: Cli, tmp_path: Path) -> None:
    path = write_config(tmp_path, "fail_onn: high\n")
    assert_config_error(cli(["rules", "list"]), f"{path}:1:1: ", "fail_onn")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('fail_on: !!python/object/apply:os.system ["true"]\n', id="python-apply"),
        pytest.param("rules: !!python/object:collections.OrderedDict {}\n", id="python-object"),
        pytest.param("fail_on: !custom high\n", id="local-tag"),
    ],
)
def test_yaml_tags_in_config_are_refused(cli: Cli, tmp_path: Path, text: str) -> None:
    path = write_config(tmp_path, text)
    assert_config_error(cli(["scan", "--input", FLEET]), f"{path}:1:", "tag")


# ---------------------------------------------------------------- live-scan settings

AWS_ERRORS: list[Any] = [
    pytest.param("aws:\n  region: [us-east-1]\n", "2:3", ("'aws.region'", "'regions'"), id="key"),
    pytest.param("aws:\n  regions: us-east-1\n", "2:3", ("'aws.regions'", "list"), id="not-list"),
    pytest.param("aws:\n  regions: ['']\n", "2:13", ("'aws.regions.0'",), id="empty-name"),
    pytest.param("aws:\n  all_regions: yes\n", "2:3", ("'aws.all_regions'", "bool"), id="bool"),
    pytest.param("aws:\n  profile: ''\n", "2:3", ("'aws.profile'",), id="empty-profile"),
    pytest.param("aws:\n  profile: [a]\n", "2:3", ("'aws.profile'",), id="profile-list"),
    pytest.param("aws: [us-east-1]\n", "1:1", ("'aws'",), id="not-a-mapping"),
    pytest.param(
        "aws:\n  exclude_regions: [eu-west-1]\n",
        "2:3",
        ("'aws.exclude_regions': applies only with 'all_regions: true'",),
        id="exclude-without-all",
    ),
    pytest.param(
        "aws:\n  all_regions: false\n  exclude_regions: [eu-west-1]\n",
        "3:3",
        ("'aws.exclude_regions': applies only with 'all_regions: true'",),
        id="exclude-with-all-false",
    ),
    pytest.param(
        "aws:\n  regions: [us-east-1]\n  all_regions: true\n",
        "3:3",
        ("'aws.all_regions': cannot be true when 'aws.regions' names the regions",),
        id="regions-and-all",
    ),
]


@pytest.mark.parametrize(("text", "position", "fragments"), AWS_ERRORS)
def test_invalid_aws_settings_are_one_error_at_file_line_col(
    cli: Cli, tmp_path: Path, text: str, position: str, fragments: tuple[str, ...]
) -> None:
    path = write_config(tmp_path, text)
    for command in (["scan", "--input", FLEET], ["fetch", "-o", str(tmp_path / "out.json")]):
        assert_config_error(cli(command), f"{path}:{position}: ", *fragments)
    assert not (tmp_path / "out.json").exists()


def test_aws_settings_are_read(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "aws:\n  all_regions: true\n  exclude_regions: [eu-west-1, ap-south-1]\n  profile: audit\n",
    )
    settings = load_config(path).aws
    assert settings.all_regions is True
    assert settings.exclude_regions == ["eu-west-1", "ap-south-1"]
    assert settings.profile == "audit" and settings.regions == []
    assert load_config(write_config(tmp_path, "aws:\n  regions: [us-east-1]\n")).aws.regions == [
        "us-east-1"
    ]


def test_aws_settings_do_not_change_an_input_scan(cli: Cli, tmp_path: Path) -> None:
    _, without = scan_json(cli)
    write_config(tmp_path, "aws:\n  all_regions: true\n  exclude_regions: [eu-west-2]\n")
    code, findings = scan_json(cli)
    assert code == 1 and findings == without
    assert "eu-west-2" in {f["region"] for f in findings}
