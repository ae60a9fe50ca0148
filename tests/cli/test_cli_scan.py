"""``lslint scan``: exit codes, rule selection, report formats, output files and colour."""

from __future__ import annotations

import json
import os
import pty
import random
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lslint import __version__
from lslint.engine.loader import load_rules

from conftest import (
    BUILTIN_RULES,
    EXAMPLES,
    MINIMAL_RULE,
    CliResult,
    assert_one_error,
    passing_instance,
)

Cli = Callable[..., CliResult]
FLEET = EXAMPLES / "fleet.json"
FINDING_KEYS = {
    "rule_id",
    "rule_name",
    "severity",
    "status",
    "resource_arn",
    "resource_name",
    "region",
    "message",
    "evidence",
    "remediation",
    "fingerprint",
    "suppressed",
    "baselined",
}


# One violation each, of a known severity.
LOW = {"tags": [{"key": "Owner", "value": "ops"}]}  # LS004
MEDIUM = {"addOns": []}  # LS003
HIGH = {"metadataOptions": {"httpTokens": "optional"}}  # LS002
INDETERMINATE = {"addOns": [{"name": "AutoSnapshot"}]}  # LS003 cannot tell: status absent


def snapshot(tmp_path: Path, *instances: dict[str, Any], name: str = "in.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"instances": list(instances)}, indent=2), encoding="utf-8")
    return str(path)


def json_report(result: CliResult) -> dict[str, Any]:
    assert "Traceback" not in result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def rule_ids(result: CliResult) -> set[str]:
    return {f["rule_id"] for f in json_report(result)["findings"]}


# ---------------------------------------------------------------- exit codes


@pytest.mark.parametrize(
    ("violation", "fail_on", "exit_code"),
    [
        (LOW, None, 1),
        (LOW, "info", 1),
        (LOW, "low", 1),
        (LOW, "medium", 0),
        (MEDIUM, "medium", 1),
        (MEDIUM, "high", 0),
        (HIGH, "high", 1),
        (HIGH, "critical", 0),
        (HIGH, "never", 0),
        ({}, "info", 0),
    ],
    ids=[
        "low-default",
        "low-info",
        "low-low",
        "low-medium",
        "medium-medium",
        "medium-high",
        "high-high",
        "high-critical",
        "high-never",
        "clean-info",
    ],
)
def test_exit_code_follows_fail_on(
    cli: Cli, tmp_path: Path, violation: dict[str, Any], fail_on: str | None, exit_code: int
) -> None:
    path = snapshot(tmp_path, passing_instance("a", **violation))
    option = ["--fail-on", fail_on] if fail_on else []
    result = cli(["scan", "--input", path, *option])
    assert result.exit_code == exit_code, result.stdout + result.stderr
    assert result.stderr == ""


def test_findings_below_fail_on_are_still_reported(cli: Cli, tmp_path: Path) -> None:
    path = snapshot(tmp_path, passing_instance("a", **LOW))
    result = cli(["scan", "--input", path, "--fail-on", "critical", "-f", "json"])
    assert result.exit_code == 0
    assert rule_ids(result) == {"LS004"}


@pytest.mark.parametrize(
    ("config_fail_on", "option", "exit_code"),
    [("critical", None, 0), ("critical", "low", 1), ("info", "never", 0), ("never", "high", 1)],
)
def test_fail_on_option_wins_over_config(
    cli: Cli, tmp_path: Path, config_fail_on: str, option: str | None, exit_code: int
) -> None:
    (tmp_path / ".lslint.yaml").write_text(f"fail_on: {config_fail_on}\n", encoding="utf-8")
    path = snapshot(tmp_path, passing_instance("a", **HIGH))
    extra = ["--fail-on", option] if option else []
    result = cli(["scan", "--input", path, *extra])
    assert result.exit_code == exit_code, result.stderr


@pytest.mark.parametrize("fail_on", ["low", "never"])
def test_indeterminate_evaluation_exits_2_even_with_failures(
    cli: Cli, tmp_path: Path, fail_on: str
) -> None:
    path = snapshot(tmp_path, passing_instance("a", **INDETERMINATE, **HIGH, **LOW))
    result = cli(["scan", "--input", path, "--fail-on", fail_on, "-f", "json"])
    assert result.exit_code == 2
    statuses = {(f["rule_id"], f["status"]) for f in json_report(result)["findings"]}
    # LS017 cannot tell whether the add-on failed either: its status is absent
    assert statuses == {
        ("LS002", "fail"),
        ("LS003", "error"),
        ("LS004", "fail"),
        ("LS017", "error"),
    }


def test_indeterminate_evaluation_is_explained_in_text(cli: Cli, tmp_path: Path) -> None:
    path = snapshot(tmp_path, passing_instance("a", **INDETERMINATE))
    result = cli(["scan", "--input", path])
    assert result.exit_code == 2
    line = next(line for line in result.stdout.splitlines() if "LS003" in line)
    assert "error" in line
    assert "indeterminate" in line
    assert "incomplete" in result.stdout.splitlines()[-1]


def test_scan_without_input_is_an_error_with_a_hint(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without --input a (future) live scan must find no credentials and touch no network.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = cli(["scan"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("lslint: error:")
    assert lines[1].startswith("hint:")
    assert "--input" in lines[1]


@pytest.mark.parametrize(
    "args",
    [["--fail-on", "sometimes"], ["--format", "xml"], ["--bogus"]],
    ids=["bad-fail-on", "bad-format", "unknown-option"],
)
def test_usage_error_is_one_lslint_error_line(cli: Cli, args: list[str]) -> None:
    result = cli(["scan", "--input", str(FLEET), *args])
    assert_one_error(result)
    assert len(result.stderr.splitlines()) <= 2


def test_version_is_printed(cli: Cli) -> None:
    result = cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"lslint, version {__version__}"
    assert __version__[0].isdigit()


# ---------------------------------------------------------------- rule selection

ALL_BUILTIN = {rule.id for rule in load_rules([BUILTIN_RULES])}
INSTANCE_RULES = {rule.id for rule in load_rules([BUILTIN_RULES]) if rule.resource == "instance"}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], ALL_BUILTIN),
        (["--select", "LS001"], {"LS001"}),
        (["--select", "imdsv1-allowed"], {"LS002"}),
        (["--select", "LS001,imdsv1-allowed"], {"LS001", "LS002"}),
        (["--select", "LS001", "--select", "LS003"], {"LS001", "LS003"}),
        (["--ignore", "LS004"], ALL_BUILTIN - {"LS004"}),
        (["--ignore", "required-tags-missing,LS001"], ALL_BUILTIN - {"LS001", "LS004"}),
        (["--select", "LS001,LS002", "--ignore", "port-open-to-world"], {"LS002"}),
        (["--select", "ls001"], {"LS001"}),
        (["--select", "IMDSV1-Allowed,ls003"], {"LS002", "LS003"}),
        (["--ignore", "ls004,Port-Open-To-World"], ALL_BUILTIN - {"LS001", "LS004"}),
    ],
)
def test_select_and_ignore_by_id_and_name(cli: Cli, options: list[str], expected: set[str]) -> None:
    result = cli(["scan", "--input", str(FLEET), "-f", "sarif", *options])
    assert result.exit_code == 1, result.stderr
    (run,) = json.loads(result.stdout)["runs"]
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == expected  # those that ran


@pytest.mark.parametrize(
    ("option", "value", "suggestion"),
    [
        ("--select", "LS0001", "LS001"),
        ("--select", "imdsv1-alowed", "imdsv1-allowed"),
        ("--ignore", "LS0004", "LS004"),
        ("--select", "LS001,port-open-to-wrld", "port-open-to-world"),
    ],
)
def test_unknown_rule_in_select_or_ignore_suggests_a_close_one(
    cli: Cli, option: str, value: str, suggestion: str
) -> None:
    result = cli(["scan", "--input", str(FLEET), option, value])
    assert_one_error(result, option, f"did you mean '{suggestion}'")


def test_unknown_rules_in_options_and_config_are_reported_together(
    cli: Cli, tmp_path: Path
) -> None:
    config = tmp_path / ".lslint.yaml"
    config.write_text("fail_on: hgh\n", encoding="utf-8")
    result = cli(["scan", "--input", str(FLEET), "--select", "ls0001", "--ignore", "LS0004"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "lslint: error: --ignore: unknown rule 'LS0004' in --ignore (did you mean 'LS004'?)",
        "lslint: error: --select: unknown rule 'ls0001' in --select (did you mean 'LS001'?)",
        f"lslint: error: {config}:1:1: 'fail_on': unknown value 'hgh' (did you mean 'high'?); "
        "expected info, low, medium, high, critical or never",
    ]


def test_rules_option_adds_a_rule_folder(cli: Cli) -> None:
    rules = str(EXAMPLES / "rules")
    result = cli(["scan", "--input", str(FLEET), "--rules", rules, "-f", "json"])
    assert result.exit_code == 1, result.stderr
    report = json_report(result)
    acme = [f for f in report["findings"] if f["rule_id"] == "ACME001"]
    assert [f["resource_name"] for f in acme] == ["legacy-wordpress", "partner-sftp"]
    assert rule_ids(result) == {*INSTANCE_RULES, "ACME001"}


def test_rules_option_with_missing_folder_is_an_error(cli: Cli, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-rules")
    assert_one_error(cli(["scan", "--input", str(FLEET), "--rules", missing]), missing)


@pytest.mark.parametrize(
    ("case", "line_with", "fragment"),
    [
        ("{name: b, expect: fail, resource: {hardware: {cpuCount: many}}}", "cpuCount", "integer"),
        ("{name: b, expect: fail, resource: {state: {name: runing}}}", "runing", "'runing'"),
        ("{name: b, expect: fail, params: {limit: 2}, resource: {}}", "limit", "'limit'"),
        ("{name: b, expect: fails, resource: {}}", "fails", "expect"),
    ],
)
def test_a_scan_refuses_a_rule_whose_embedded_test_is_malformed(
    cli: Cli, tmp_path: Path, case: str, line_with: str, fragment: str
) -> None:
    # A scan runs no rule test, yet reads every one: a broken rule never loads quietly.
    rules = tmp_path / "rules"
    rules.mkdir()
    text = MINIMAL_RULE.replace("{name: b, expect: fail, resource: {}}", case)
    text += "fail_if: {path: name, exists: true}\nmessage: m\n"
    (rules / "T001.yaml").write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if line_with in row)
    result = cli(["scan", "--input", str(FLEET), "--rules", str(rules)])
    message = assert_one_error(result, fragment, where=f"{rules / 'T001.yaml'}:{line}:")
    assert "test 'b'" in message or "tests.1" in message


# ---------------------------------------------------------------- json report


def test_json_report_has_the_documented_shape(cli: Cli) -> None:
    result = cli(["scan", "--input", str(FLEET), "-f", "json"])
    assert result.exit_code == 1
    report = json_report(result)
    assert set(report) == {
        "tool",
        "report_version",
        "scan",
        "findings",
        "errors",
        "warnings",
        "summary",
    }
    assert report["scan"] == {
        "started_at": "2026-11-18T11:06:40+00:00",  # SOURCE_DATE_EPOCH, set for every test
        "inputs": [str(FLEET)],
        "regions": ["eu-west-2", "us-east-1", "us-west-2"],
        "accounts": ["111122223333"],
    }
    assert report["tool"]["name"] == "lslint"
    assert report["tool"]["version"] == __version__
    assert report["errors"] == []
    assert report["findings"]
    for finding in report["findings"]:
        assert set(finding) >= FINDING_KEYS
        assert finding["status"] in ("fail", "error")
        assert finding["suppressed"] is None
        assert finding["resource_arn"].startswith("arn:aws:lightsail:")
        assert finding["region"] in finding["resource_arn"]


def test_json_findings_are_sorted(cli: Cli) -> None:
    report = json_report(cli(["scan", "--input", str(FLEET), "-f", "json"]))
    keys = [(f["region"], f["resource_name"], f["rule_id"]) for f in report["findings"]]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_json_summary_counts_agree_with_findings(cli: Cli) -> None:
    report = json_report(cli(["scan", "--input", str(FLEET), "-f", "json"]))
    summary = report["summary"]
    findings = report["findings"]
    assert summary["resources"] == 9
    assert summary["rules"] == len(ALL_BUILTIN)
    assert summary["checks"] == 9 * len(INSTANCE_RULES)  # each rule judges its own kind
    assert summary["failed"] == len(findings)
    assert summary["indeterminate"] == 0
    assert summary["errors"] == 0
    assert summary["passed"] + summary["failed"] + summary["not_applicable"] == summary["checks"]
    by_severity = summary["by_severity"]
    assert set(by_severity) == {"info", "low", "medium", "high", "critical"}
    for severity, count in by_severity.items():
        assert count == sum(1 for f in findings if f["severity"] == severity)


def test_output_is_byte_identical_across_runs(cli: Cli) -> None:
    for fmt in ("text", "json"):
        first = cli(["scan", "--input", str(FLEET), "-f", fmt])
        second = cli(["scan", "--input", str(FLEET), "-f", fmt])
        assert first.stdout
        assert first.stdout == second.stdout


def test_output_does_not_depend_on_instance_order(cli: Cli, tmp_path: Path) -> None:
    fleet = json.loads(FLEET.read_text(encoding="utf-8"))
    shuffled = {"instances": list(reversed(fleet["instances"]))}
    random.Random(7).shuffle(shuffled["instances"])
    assert shuffled["instances"] != fleet["instances"]
    path = tmp_path / "fleet.json"
    outputs: list[tuple[str, str]] = []
    for document in (fleet, shuffled):
        # One line, so every instance starts on line 1 wherever it is in the list.
        path.write_text(json.dumps(document), encoding="utf-8")
        text = cli(["scan", "--input", str(path)]).stdout
        report = cli(["scan", "--input", str(path), "-f", "json"]).stdout
        outputs.append((text, report))
    assert "LS001" in outputs[0][0]
    assert outputs[0] == outputs[1]


def test_output_does_not_depend_on_input_file_order(cli: Cli, tmp_path: Path) -> None:
    first = snapshot(tmp_path, passing_instance("alpha", **LOW), name="a.json")
    second = snapshot(tmp_path, passing_instance("beta", **HIGH), name="b.json")
    forward = cli(["scan", "-i", first, "-i", second, "-f", "json"])
    backward = cli(["scan", "-i", second, "-i", first, "-f", "json"])
    assert forward.exit_code == 1
    assert forward.stdout == backward.stdout


# ---------------------------------------------------------------- -o / --output


def test_output_option_writes_the_report_file_and_nothing_to_stdout(
    cli: Cli, tmp_path: Path
) -> None:
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    result = cli(["scan", "--input", str(FLEET), "-f", "json", "-o", str(report)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ""
    assert (
        report.read_text(encoding="utf-8") == cli(["scan", "-i", str(FLEET), "-f", "json"]).stdout
    )
    assert [p.name for p in report.parent.iterdir()] == ["report.json"]


def test_output_option_replaces_an_existing_file_completely(cli: Cli, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("old content\n" * 10_000, encoding="utf-8")
    path = snapshot(tmp_path, passing_instance("a", **LOW))
    assert cli(["scan", "--input", path, "-o", str(report)]).exit_code == 1
    text = report.read_text(encoding="utf-8")
    assert "old content" not in text
    assert "LS004" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "report.txt"]


def test_output_to_a_directory_fails_and_leaves_no_temp_file(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "reports"
    target.mkdir()
    path = snapshot(tmp_path, passing_instance("a", **LOW))
    assert_one_error(cli(["scan", "--input", path, "-o", str(target)]), str(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "reports"]
    assert list(target.iterdir()) == []


def test_output_file_is_not_written_when_the_input_is_bad(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    report = tmp_path / "report.txt"
    assert_one_error(cli(["scan", "--input", str(bad), "-o", str(report)]))
    assert not report.exists()


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("umask_022")
def test_output_file_gets_normal_permissions(cli: Cli, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    assert cli(["scan", "--input", str(FLEET), "-o", str(report)]).exit_code == 1
    assert stat.S_IMODE(report.stat().st_mode) == 0o644


# ---------------------------------------------------------------- colour

ESC = "\x1b["


def run_process(args: list[str], *, tty: bool, env: dict[str, str]) -> str:
    """Run lslint in a real process, its stdout a pseudo-terminal or a pipe; return stdout."""
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    command = [sys.executable, "-m", "lslint.cli", *args]
    if not tty:
        proc = subprocess.run(command, capture_output=True, env=full_env, timeout=60, check=False)
        return proc.stdout.decode()
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            command, stdout=follower, stderr=subprocess.PIPE, env=full_env, timeout=60, check=False
        )
    finally:
        os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.returncode == 1, proc.stderr.decode()
    return b"".join(chunks).decode()


@pytest.fixture
def small_fleet(tmp_path: Path) -> str:
    return snapshot(tmp_path, passing_instance("a", **HIGH))


@pytest.mark.parametrize(
    ("options", "env", "tty", "coloured"),
    [
        ([], {}, True, True),
        ([], {"NO_COLOR": "1"}, True, False),
        (["--no-color"], {}, True, False),
        pytest.param(
            ["--color"],
            {},
            False,
            True,
        ),
    ],
    ids=["tty", "tty-NO_COLOR", "tty-no-color-option", "pipe-color-option"],
)
def test_colour_in_a_real_terminal_or_pipe(
    small_fleet: str, options: list[str], env: dict[str, str], tty: bool, coloured: bool
) -> None:
    out = run_process(["scan", "--input", small_fleet, *options], tty=tty, env=env)
    assert "LS002" in out
    assert (ESC in out) is coloured


def test_no_colour_when_stdout_is_not_a_terminal(cli: Cli, small_fleet: str) -> None:
    result = cli(["scan", "--input", small_fleet])
    assert "LS002" in result.stdout
    assert ESC not in result.stdout


def test_no_colour_in_the_report_file_even_with_color_option(
    cli: Cli, small_fleet: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.txt"
    assert cli(["scan", "--input", small_fleet, "--color", "-o", str(report)]).exit_code == 1
    assert ESC not in report.read_text(encoding="utf-8")


# ---------------------------------------------------------------- hostile resource data

HOSTILE = [
    ("\x1b[31m", "\\x1b[31m"),
    ("\x00", "\\x00"),
    ("\u202e", "\\u202e"),
    ("\ud800", "\\ud800"),
    ("\n", "\\x0a"),
    ("\r", "\\x0d"),
    ("\x9b", "\\x9b"),
]


@pytest.fixture
def hostile_snapshot(tmp_path: Path) -> str:
    """One instance per hostile string, in its name and in a value its message quotes.

    Written with ASCII escapes, as AWS sends JSON (a lone surrogate has no UTF-8 form).
    """
    doc = {
        "instances": [
            passing_instance(f"web{i}{raw}evil", metadataOptions={"httpTokens": f"optional{raw}"})
            for i, (raw, _) in enumerate(HOSTILE)
        ]
    }
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc, ensure_ascii=True), encoding="ascii")
    return str(path)


def test_control_characters_from_resources_are_escaped_in_text(
    cli: Cli, hostile_snapshot: str
) -> None:
    result = cli(["scan", "--input", hostile_snapshot, "--select", "LS002"])
    assert result.exit_code == 1, result.stderr
    for i, (raw, shown) in enumerate(HOSTILE):
        assert f"web{i}{raw}evil" not in result.stdout, shown
        assert f"web{i}{shown}evil: " in result.stdout, shown
        assert f"httpTokens=optional{shown})" in result.stdout, shown
    assert all(line.isprintable() for line in result.stdout.splitlines())


def test_control_characters_keep_json_output_valid(cli: Cli, hostile_snapshot: str) -> None:
    result = cli(["scan", "--input", hostile_snapshot, "--select", "LS002", "-f", "json"])
    assert result.exit_code == 1, result.stderr
    assert result.stdout.isascii()
    findings = {f["resource_name"]: f for f in json_report(result)["findings"]}
    assert len(findings) == len(HOSTILE)
    for i, (raw, _) in enumerate(HOSTILE):
        evidence = findings[f"web{i}{raw}evil"]["evidence"]
        assert evidence["metadataOptions.httpTokens"] == f"optional{raw}"
