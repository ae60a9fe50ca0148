"""The config file: discovery, rule selection and overrides, and strict validation."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lslint.api import prepare
from lslint.config import load_config
from lslint.engine.loader import load_rules
from lslint.errors import ConfigErrors

from conftest import BUILTIN_RULES, EXAMPLES, CliResult, assert_one_error, write_config

Cli = Callable[..., CliResult]
FLEET = str(EXAMPLES / "fleet.json")
FLEET_NAMES = {instance["name"] for instance in json.loads(Path(FLEET).read_text())["instances"]}
# The built-in rules that judge instances, the only kind in these tests' fleets.
ALL_BUILTIN = {rule.id for rule in load_rules([BUILTIN_RULES]) if rule.resource == "instance"}


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


def make_repository(folder: Path, marker: str = "dir") -> Path:
    """A folder that looks like a repository root: ``.git`` as a folder or, as in worktrees
    and submodules, as a file."""
    folder.mkdir(parents=True, exist_ok=True)
    if marker == "dir":
        (folder / ".git").mkdir()
    else:
        (folder / ".git").write_text("gitdir: ../elsewhere\n", encoding="utf-8")
    return folder


def test_config_in_a_parent_directory_is_used(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repository(tmp_path / "repo")
    write_config(repo, "fail_on: never\n")
    (repo / "infra" / "lightsail").mkdir(parents=True)
    monkeypatch.chdir(repo / "infra" / "lightsail")
    assert cli(["scan", "--input", FLEET]).exit_code == 0


@pytest.mark.parametrize("marker", ["dir", "file"])
def test_config_search_stops_at_the_repository_root(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, marker: str
) -> None:
    write_config(tmp_path, "fail_on: never\n")  # above the repository: not this project's
    repo = make_repository(tmp_path / "repo", marker)
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    assert cli(["scan", "--input", FLEET]).exit_code == 1


def test_config_search_stops_at_the_home_folder(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, "fail_on: never\n")
    home = tmp_path / "home"
    (home / "project").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home / "project")
    assert cli(["scan", "--input", FLEET]).exit_code == 1


def test_nearest_config_wins(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repository(tmp_path / "repo")
    write_config(repo, "fail_on: never\n")
    write_config(repo / "strict", "fail_on: high\n")
    monkeypatch.chdir(repo / "strict")
    assert cli(["scan", "--input", FLEET]).exit_code == 1
    monkeypatch.chdir(repo)
    assert cli(["scan", "--input", FLEET]).exit_code == 0


def test_parent_config_rule_paths_are_relative_to_it(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repository(tmp_path / "repo")
    shutil.copytree(EXAMPLES / "rules", repo / "policies")
    write_config(repo, "rules:\n  paths: [./policies]\n")
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    _, findings = scan_json(cli)
    assert "ACME001" in rule_ids(findings)


def test_errors_in_a_parent_config_name_that_file(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repository(tmp_path / "repo")
    path = write_config(repo, "fail_onn: high\n")
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    assert_config_error(cli(["scan", "--input", FLEET]), f"{path}:1:1: ", "fail_onn")


def test_config_option_wins_over_a_parent_config(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repository(tmp_path / "repo")
    write_config(repo, "fail_on: never\n")
    other = write_config(tmp_path / "conf", "fail_on: high\n", name="strict.yaml")
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    assert cli(["scan", "--input", FLEET, "--config", str(other)]).exit_code == 1


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
        "legacy-wordpress",
        "partner-sftp",
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
        ("  ignore: [LS004]\n", ALL_BUILTIN - {"LS004"}),
        (
            "  ignore: [required-tags-missing, port-open-to-world]\n",
            ALL_BUILTIN - {"LS001", "LS004"},
        ),
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
        "rules:\n  select: [LS001, LS0001]\n",
        "2:19",
        ("LS0001", "'LS001'"),
        id="select-unknown-rule",
    ),
    pytest.param(
        "rules:\n  ignore:\n    - imdsv1-alowed\n",
        "3:7",
        ("imdsv1-alowed", "did you mean 'imdsv1-allowed'"),
        id="ignore-unknown-name",
    ),
    pytest.param(
        "rules:\n  LS004:\n    params:\n      required_tag: [CostCenter]\n",
        "4:7",
        ("required_tag", "did you mean 'required_tags'"),
        id="unknown-param",
    ),
    pytest.param(
        "rules:\n  LS002:\n    params: {x: 1}\n", "3:14", ("'x'", "LS002"), id="param-of-paramless"
    ),
    pytest.param(
        "rules:\n  LS004:\n    params:\n      required_tags: CostCenter\n",
        "4:7",
        ("required_tags", "list"),
        id="param-not-a-list",
    ),
    pytest.param(
        "rules:\n  LS001:\n    params:\n      allowed_ports: [80, 70000]\n",
        "4:27",  # the list item at fault
        ("allowed_ports", "70000"),
        id="param-bad-port",
    ),
    pytest.param(
        "rules:\n  LS004:\n    severity: urgent\n", "3:5", ("severity", "high"), id="bad-severity"
    ),
    pytest.param(
        "rules:\n  LS004:\n    severity: hihg\n",
        "3:5",
        ("'rules.LS004.severity': unknown value 'hihg' (did you mean 'high'?)",),
        id="misspelt-severity",
    ),
    pytest.param("fail_on: sometimes\n", "1:1", ("fail_on", "never"), id="bad-fail-on"),
    pytest.param(
        "fail_on: hgh\n",
        "1:1",
        (
            "'fail_on': unknown value 'hgh' (did you mean 'high'?); expected info, low, medium, "
            "high, critical or never",
        ),
        id="misspelt-fail-on",
    ),
    pytest.param("fail_on: 3\n", "1:1", ("fail_on",), id="fail-on-number"),
    pytest.param("rules:\n  select: LS001\n", "2:3", ("select", "list"), id="select-not-a-list"),
    pytest.param("rules: [LS001]\n", "1:1", ("rules",), id="rules-not-a-mapping"),
    pytest.param("rules:\n  LS004: true\n", "2:3", ("LS004",), id="override-not-a-mapping"),
    pytest.param(
        "rules:\n  LS004: {severity: low}\n  required-tags-missing: {severity: high}\n",
        "3:3",
        ("rule LS004 is configured twice (as 'LS004' and 'required-tags-missing')",),
        id="override-by-id-and-name",
    ),
    pytest.param(
        "rules:\n  LS004: {severity: low}\n  ls004: {severity: high}\n",
        "3:3",
        ("rule LS004 is configured twice (as 'LS004' and 'ls004')",),
        id="override-twice-in-two-cases",
    ),
    pytest.param(
        "rules:\n  ls002:\n    params: {x: 1}\n",
        "3:14",
        ("unknown parameter 'x' for LS002",),
        id="param-of-rule-named-in-lower-case",
    ),
    pytest.param(
        "rules:\n  select: [ls0001]\n",
        "2:12",
        ("unknown rule 'ls0001' in rules.select (did you mean 'LS001'?)",),
        id="select-unknown-rule-any-case",
    ),
    pytest.param(
        "suppressions:\n  - {rule: LS001, resourc: web-1, reason: ok}\n",
        "2:19",
        ("unknown key 'suppressions.0.resourc' (did you mean 'resource'?)",),
        id="suppression-with-misspelt-key",
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
        "suppressions:\n  - {rule: LS0001, resource: web-1, reason: ok}\n",
        "2:6",
        ("unknown rule 'LS0001' in suppressions (did you mean 'LS001'?)",),
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


def test_config_that_is_a_list_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = write_config(tmp_path, "- LS001\n- LS002\n")
    assert_config_error(cli(["scan", "--input", FLEET]), f"{path}:", "mapping")


@pytest.mark.parametrize(
    "text",
    ["", "\n  \n", "# nothing but a comment\n", "---\n# settings to come\n"],
    ids=["empty-file", "blank-lines", "comment-only", "document-marker"],
)
def test_empty_config_means_no_settings(cli: Cli, tmp_path: Path, text: str) -> None:
    write_config(tmp_path, text)
    code, findings = scan_json(cli)
    assert code == 1  # the default threshold
    assert rule_ids(findings) == ALL_BUILTIN


def test_empty_config_stops_the_search_upwards(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repository(tmp_path / "repo")
    write_config(repo, "fail_on: never\n")
    write_config(repo / "sub", "")
    monkeypatch.chdir(repo / "sub")
    assert cli(["scan", "--input", FLEET]).exit_code == 1


def test_missing_config_file_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    result = cli(["scan", "--input", FLEET, "--config", str(path)])
    assert_config_error(result, f"{path}: ", "not found")


def test_config_that_is_not_utf8_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / ".lslint.yaml"
    path.write_bytes(b"fail_on: h\xe9gh\n")
    assert_config_error(cli(["scan", "--input", FLEET]), f"{path}:1:11: ", "UTF-8")


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


# ---------------------------------------------------------------- every problem in one run


def error_lines(result: CliResult) -> list[str]:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if not line.startswith("hint:")]


def test_independent_mistakes_are_all_reported_in_file_order(cli: Cli, tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "fail_on: hgh\nrules:\n  select: [LS001, LS0001]\n  LS004:\n    severity: urgent\n",
    )
    assert error_lines(cli(["scan", "--input", FLEET])) == [
        f"lslint: error: {path}:1:1: 'fail_on': unknown value 'hgh' (did you mean 'high'?); "
        "expected info, low, medium, high, critical or never",
        f"lslint: error: {path}:3:19: unknown rule 'LS0001' in rules.select "
        "(did you mean 'LS001'?)",
        f"lslint: error: {path}:5:5: 'rules.LS004.severity': unknown value 'urgent'; "
        "expected info, low, medium, high or critical",
    ]


def test_problems_of_every_section_come_together(cli: Cli, tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "rules:\n"
        "  ignore: [imdsv1-alowed]\n"
        "  LS004:\n"
        "    params: {required_tag: [Owner], x: 1}\n"
        "  LS001:\n"
        "    params:\n"
        "      allowed_ports: [70000]\n"
        "suppressions:\n"
        "  - {rule: LS09, resource: web-1, reason: ok}\n"
        "  - {rule: LS001, resource: web-1, reason: ' '}\n"
        "allow_tag_suppressions: yes please\n",
    )
    lines = error_lines(cli(["scan", "--input", FLEET]))
    positions = [line.removeprefix(f"lslint: error: {path}:").split(": ")[0] for line in lines]
    assert positions == ["2:12", "4:14", "4:37", "7:23", "9:6", "10:36", "11:1"]
    assert "did you mean 'imdsv1-allowed'" in lines[0]
    assert "did you mean 'required_tags'" in lines[1]
    assert "unknown parameter 'x' for LS004" in lines[2]
    assert "70000" in lines[3]
    assert "unknown rule 'LS09' in suppressions" in lines[4]
    assert "must not be blank" in lines[5]
    assert "allow_tag_suppressions" in lines[6]


def test_a_bad_list_item_does_not_hide_problems_in_the_others(cli: Cli, tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "rules:\n"
        "  select: [LS001, 7, LS0002]\n"
        "suppressions:\n"
        "  - {rule: LS001, resourc: web-1, reason: ' ', expires: someday}\n"
        "  - {rule: LS0001, resource: web-1, reason: ok}\n",
    )
    lines = error_lines(cli(["scan", "--input", FLEET]))
    positions = [line.removeprefix(f"lslint: error: {path}:").split(": ")[0] for line in lines]
    assert positions == ["2:19", "2:22", "4:19", "4:35", "4:48", "5:6"]
    assert "'rules.select.1': must be a valid string" in lines[0]
    assert "unknown rule 'LS0002' in rules.select" in lines[1]
    assert "unknown rule 'LS0001' in suppressions (did you mean 'LS001'?)" in lines[5]


def test_error_count_is_capped(cli: Cli, tmp_path: Path) -> None:
    names = [f"nope-{i:02}" for i in range(25)]
    path = write_config(tmp_path, "rules:\n  select:\n" + "".join(f"    - {n}\n" for n in names))
    lines = error_lines(cli(["scan", "--input", FLEET]))
    assert len(lines) == 21
    assert lines[0].startswith(f"lslint: error: {path}:3:7: unknown rule 'nope-00'")
    assert lines[19].startswith(f"lslint: error: {path}:22:7: unknown rule 'nope-19'")
    assert lines[20] == "lslint: error: ... and 5 more problems"


def test_problems_below_the_cap_are_all_shown(cli: Cli, tmp_path: Path) -> None:
    names = [f"nope-{i:02}" for i in range(20)]
    write_config(tmp_path, "rules:\n  select:\n" + "".join(f"    - {n}\n" for n in names))
    lines = error_lines(cli(["scan", "--input", FLEET]))
    assert len(lines) == 20
    assert "more problem" not in lines[-1]


def test_config_problems_and_a_missing_rule_folder_are_reported_together(
    cli: Cli, tmp_path: Path
) -> None:
    path = write_config(tmp_path, "fail_on: hgh\nrules:\n  paths: [./policies]\n")
    lines = error_lines(cli(["scan", "--input", FLEET]))
    assert len(lines) == 2
    assert lines[0].startswith(f"lslint: error: {path}:1:1: 'fail_on'")
    assert "policies" in lines[1]


def test_unreadable_rule_paths_do_not_make_custom_rules_unknown(cli: Cli, tmp_path: Path) -> None:
    # With rules.paths broken the rule set is incomplete: ACME001 may well exist there.
    path = write_config(tmp_path, "rules:\n  paths: ./policies\n  select: [ACME001]\n")
    assert_config_error(cli(["scan", "--input", FLEET]), f"{path}:2:3: ", "'rules.paths'")


def test_debug_shows_every_problem_too(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "fail_on: hgh\nrules:\n  select: [LS0001]\n")
    result = cli(["--debug", "scan", "--input", FLEET])
    assert result.exit_code == 2
    assert len([x for x in result.stderr.splitlines() if x.startswith("lslint: error:")]) == 2


# ---------------------------------------------------------------- any case


def test_rule_ids_names_and_severities_in_any_case(cli: Cli, tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "fail_on: HIGH\n"
        "rules:\n"
        "  select: [ls001, Imdsv1-Allowed, LS004]\n"
        "  ignore: [IMDSV1-ALLOWED]\n"
        "  Required-Tags-Missing:\n"
        "    severity: Critical\n"
        "    params: {required_tags: [CostCenter]}\n"
        "suppressions:\n"
        "  - {rule: ls001, resource: '*', reason: reviewed}\n",
    )
    code, findings = scan_json(cli)
    assert code == 1  # LS004 is critical now, at or above fail_on: high
    assert rule_ids(findings) == {"LS001", "LS004"}
    assert {f["severity"] for f in findings if f["rule_id"] == "LS004"} == {"critical"}
    assert all(f["suppressed"] for f in findings if f["rule_id"] == "LS001")
    assert all("CostCenter" in f["message"] for f in findings if f["rule_id"] == "LS004")


@pytest.mark.parametrize(("fail_on", "exit_code"), [("NEVER", 0), ("Critical", 0), ("Low", 1)])
def test_fail_on_in_any_case(cli: Cli, tmp_path: Path, fail_on: str, exit_code: int) -> None:
    write_config(tmp_path, f"fail_on: {fail_on}\nrules:\n  select: [LS004]\n")
    code, _ = scan_json(cli)
    assert code == exit_code


# ---------------------------------------------------------------- library


def test_load_config_keeps_problems_and_prepare_raises_them_all(tmp_path: Path) -> None:
    path = write_config(tmp_path, "fail_on: hgh\nrules:\n  select: [LS0001]\nextra: 1\n")
    config = load_config(path)
    assert {p.where for p in config.problems} == {f"{path}:1:1", f"{path}:4:1"}
    assert config.fail_on is None  # the section with a problem keeps its default
    with pytest.raises(ConfigErrors) as raised:
        prepare(config, select=["LS0002"])
    assert [p.where for p in raised.value.problems] == [
        "--select",
        f"{path}:1:1",
        f"{path}:3:12",
        f"{path}:4:1",
    ]
    assert "and 3 more problems" in str(raised.value)


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


def test_a_section_that_is_not_a_mapping_says_what_it_got(cli: Cli, tmp_path: Path) -> None:
    path = write_config(tmp_path, "fail_on: medium\nrules: [LS001]\n")
    lines = error_lines(cli(["scan", "--input", FLEET]))
    assert lines == [f"lslint: error: {path}:2:1: 'rules': must be a mapping, got a list"]
