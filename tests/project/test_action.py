"""The GitHub Action: its definition, and its shell steps run locally with fake GITHUB_* files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from ruamel.yaml import YAML
from standin import LightsailStandIn, RegionPlan, make_instances, make_resources

from conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.slow  # subprocesses and builds: not in the inner loop

ACTION = YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


@dataclass
class ActionRun:
    exit_code: int
    stdout: str
    outputs: dict[str, str]
    summary: str
    workdir: Path


def lslint_executable() -> str:
    beside = Path(sys.executable).parent / "lslint"
    found = str(beside) if beside.exists() else shutil.which("lslint")
    assert found, "lslint is not installed in this environment"
    return found


def step(step_id: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = ACTION["runs"]["steps"]
    return next(s for s in steps if s.get("id") == step_id)


def evaluate(expression: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    """The few expression forms the action uses, as the runner would evaluate them."""
    if expression.startswith("inputs."):
        name = expression.removeprefix("inputs.")
        return inputs.get(name, str(ACTION["inputs"][name].get("default", "")))
    if expression == "github.action_path":
        return str(ROOT)
    if expression.startswith("steps."):
        return outputs[expression]
    raise AssertionError(f"unexpected expression {expression!r}")


def run_scan_step(
    tmp_path: Path, environment: dict[str, str] | None = None, **inputs: str
) -> ActionRun:
    """Run the scan step as the runner would; the install step is replaced by this venv.
    ``environment`` adds variables (AWS settings) to the step's."""
    workdir = tmp_path / "workspace"
    workdir.mkdir(exist_ok=True)
    output_file, summary_file = tmp_path / "output", tmp_path / "summary"
    output_file.write_text("")
    summary_file.write_text("")
    known = {"steps.install.outputs.lslint": lslint_executable()}
    scan = step("scan")
    env = {
        key: EXPRESSION.sub(lambda m: evaluate(m.group(1), inputs, known), str(value))
        for key, value in scan["env"].items()
    }
    env.update(
        PATH=os.environ["PATH"],
        HOME=str(tmp_path),
        RUNNER_TEMP=str(tmp_path),
        GITHUB_OUTPUT=str(output_file),
        GITHUB_STEP_SUMMARY=str(summary_file),
        GITHUB_ACTIONS="true",
    )
    env.update(environment or {})
    result = subprocess.run(
        ["bash", "-c", scan["run"]], cwd=workdir, env=env, capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
    )
    return ActionRun(result.returncode, result.stdout, outputs, summary_file.read_text(), workdir)


# ---------------------------------------------------------------- the definition


def test_inputs_are_lowercase_kebab_case_and_outputs_have_values() -> None:
    assert set(ACTION["inputs"]) == {
        "regions", "all-regions", "kinds", "input", "config", "rules", "fail-on", "sarif-file",
        "junit-file", "summary", "args",
    }  # fmt: skip
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", name) for name in ACTION["inputs"])
    assert set(ACTION["outputs"]) == {
        "exit-code", "findings", "fail-on", "sarif-file", "junit-file",
    }  # fmt: skip
    assert all("value" in output for output in ACTION["outputs"].values())


def test_inputs_reach_shell_steps_only_through_env() -> None:
    for each in ACTION["runs"]["steps"]:
        if "run" in each:
            assert "${{" not in each["run"], each["name"]
            assert each["shell"] == "bash"


def test_actions_are_pinned_to_commits() -> None:
    for each in ACTION["runs"]["steps"]:
        if "uses" in each:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", each["uses"]), each["uses"]


# ---------------------------------------------------------------- the install step and its lock

LOCK = ROOT / "action" / "requirements.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The Python the action sets up, on each kind of runner it supports.
RUNNER_ENVIRONMENTS = [
    {
        "python_version": "3.12", "python_full_version": "3.12.0", "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "os_name": "posix", "extra": "",
        "sys_platform": sys_platform, "platform_system": system, "platform_machine": machine,
    }
    for sys_platform, system, machine in [
        ("linux", "Linux", "x86_64"), ("linux", "Linux", "aarch64"),
        ("darwin", "Darwin", "arm64"), ("darwin", "Darwin", "x86_64"),
    ]
]  # fmt: skip
PINNED = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;(?P<marker>.+?))?"
    r"(?P<hashes>(?:\s+--hash=sha256:[0-9a-f]{64})+)"
)


@dataclass(frozen=True)
class LockEntry:
    name: str
    version: Version
    marker: Marker | None
    hashes: int

    def applies_to(self, environment: dict[str, str]) -> bool:
        return self.marker is None or self.marker.evaluate(environment)


def lock_lines() -> list[str]:
    """The lock's requirement lines, each with its continuation lines joined, comments dropped."""
    text = LOCK.read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", re.sub(r"(^|\s)#.*", "", text, flags=re.MULTILINE))
    return [line.strip() for line in joined.splitlines() if line.strip()]


def lock_entries() -> dict[str, LockEntry]:
    entries = {}
    for line in lock_lines():
        found = PINNED.fullmatch(line)
        assert found, f"not pinned with == and hashed: {line}"
        marker = found["marker"] and Marker(found["marker"].strip())
        name = canonicalize_name(found["name"])
        hashes = found["hashes"].count("--hash=")
        entries[name] = LockEntry(name, Version(found["version"]), marker or None, hashes)
    return entries


def test_every_lock_line_is_an_exact_version_with_hashes() -> None:
    lines = lock_lines()
    assert lines
    for line in lines:
        assert PINNED.fullmatch(line), f"not pinned with == and hashed: {line}"
    names = [canonicalize_name(line.split("==")[0]) for line in lines]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    "requirement",
    PYPROJECT["project"]["dependencies"] + PYPROJECT["build-system"]["requires"],
)
def test_lock_pins_what_pyproject_requires(requirement: str) -> None:
    wanted = Requirement(requirement)
    entry = lock_entries().get(canonicalize_name(wanted.name))
    assert entry, f"{wanted.name} is not in {LOCK.name}; run make lock"
    assert entry.version in wanted.specifier, f"{wanted.name}=={entry.version} breaks {wanted}"
    assert entry.hashes >= 1
    assert all(entry.applies_to(environment) for environment in RUNNER_ENVIRONMENTS)


def test_lock_holds_every_dependency_of_what_it_pins() -> None:
    """What each locked package requires is locked too (checked where this environment has the
    same version installed, so that its metadata is the metadata the action installs)."""
    entries = lock_entries()
    checked = 0
    for entry in entries.values():
        try:
            installed = metadata.distribution(entry.name)
        except metadata.PackageNotFoundError:
            continue
        if Version(installed.version) != entry.version:
            continue
        checked += 1
        for requirement in map(Requirement, installed.requires or []):
            for environment in RUNNER_ENVIRONMENTS:
                if requirement.marker and not requirement.marker.evaluate(environment):
                    continue
                locked = entries.get(canonicalize_name(requirement.name))
                assert locked and locked.applies_to(environment), (
                    f"{entry.name} requires {requirement}, which {LOCK.name} lacks"
                    f" on {environment['sys_platform']} {environment['platform_machine']}"
                )
                assert locked.version in requirement.specifier, f"{entry.name}: {requirement}"
    if not checked:
        pytest.skip(f"no package of {LOCK.name} is installed here at its locked version")


def test_lock_refresh_command_is_the_makefile_target() -> None:
    assert "#    make lock\n" in LOCK.read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\nlock:\n", 1)[1].split("\n\n", 1)[0]
    assert "--generate-hashes" in target and "$(ACTION_LOCK)" in target
    assert "ACTION_LOCK := action/requirements.lock" in makefile
    assert all("==" in tool for tool in PYPROJECT["dependency-groups"]["lock"])


FAKE_PYTHON = """#!/usr/bin/env bash
# Records each call, one argument a line; "-m venv DIR" makes DIR/bin/python this script.
{ printf '%s\\n' "$@"; echo ---; } >> "$CALLS"
if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; fi
"""


def test_install_step_installs_the_lock_then_lslint_alone(tmp_path: Path) -> None:
    python, calls, output = tmp_path / "python", tmp_path / "calls", tmp_path / "output"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    output.write_text("")
    install = step("install")
    env = {
        "PATH": os.environ["PATH"], "CALLS": str(calls), "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(output), "ACTION_PATH": str(ROOT), "PYTHON": str(python),
    }  # fmt: skip
    subprocess.run(["bash", "-c", install["run"]], env=env, check=True, timeout=60)

    venv = tmp_path / "lslint-venv"
    made, *pip_calls = [call.split("\n") for call in calls.read_text().split("\n---\n") if call]
    assert made == ["-m", "venv", str(venv)]
    assert all(call[:3] == ["-m", "pip", "--disable-pip-version-check"] for call in pip_calls)
    dependencies, lslint, check = (call[3:] for call in pip_calls)
    # Every dependency from the lock, by hash, as wheels: nothing resolved or built on the runner.
    assert dependencies[0] == "install"
    assert {"--require-hashes", "--only-binary"} <= set(dependencies)
    assert dependencies[dependencies.index("-r") + 1] == str(LOCK)
    assert dependencies[dependencies.index("--only-binary") + 1] == ":all:"
    # Then lslint from this checkout, with nothing else fetched.
    assert lslint[0] == "install" and lslint[-1] == str(ROOT)
    assert {"--no-deps", "--no-build-isolation", "--no-index"} <= set(lslint)
    assert check == ["check"]
    assert output.read_text() == f"lslint={venv}/bin/lslint\n"


# ---------------------------------------------------------------- the scan step, run locally


def test_scan_step_gates_and_reports(tmp_path: Path) -> None:
    run = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"))
    assert run.exit_code == 1
    assert run.outputs["exit-code"] == "1"
    assert run.outputs["findings"] == "52"  # the two info findings do not count at low
    assert run.outputs["sarif-file"] == "lslint.sarif"
    assert run.outputs["junit-file"] == "lslint-junit.xml"
    sarif = json.loads((run.workdir / "lslint.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 54
    assert (run.workdir / "lslint-junit.xml").read_text().startswith("<?xml")
    assert run.summary.startswith("## lslint: gate failed, 52 findings at or above low")
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::")]
    # GitHub shows ten annotations of each level (error, warning, notice): the 54 findings
    # fill all three, each with a last line that counts those left out.
    assert len(annotations) == 30


# The example fleet's only critical findings: without them it has none at or above critical.
NO_CRITICAL = "--ignore LS006,LS007"


def test_scan_step_passes_below_the_threshold(tmp_path: Path) -> None:
    run = run_scan_step(
        tmp_path,
        input=str(EXAMPLES / "fleet.json"),
        args=NO_CRITICAL,
        **{"fail-on": "critical", "summary": "false"},
    )
    assert run.exit_code == 0
    assert run.outputs["exit-code"] == "0" and run.outputs["findings"] == "0"
    assert run.outputs["fail-on"] == "critical"
    assert run.summary == ""


def test_fail_on_input_defaults_to_the_config(tmp_path: Path) -> None:
    assert ACTION["inputs"]["fail-on"]["default"] == ""
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / ".lslint.yaml").write_text("fail_on: critical\n")
    run = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"), args=NO_CRITICAL)
    assert run.exit_code == 0
    assert run.outputs["exit-code"] == "0"
    assert run.outputs["findings"] == "0"
    assert run.outputs["fail-on"] == "critical"
    assert run.summary.startswith("## lslint: gate passed")


def test_fail_on_input_overrides_the_config(tmp_path: Path) -> None:
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / ".lslint.yaml").write_text("fail_on: critical\n")
    run = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"), **{"fail-on": "low"})
    assert run.exit_code == 1
    assert run.outputs["findings"] == "52"
    assert run.outputs["fail-on"] == "low"


def test_fail_on_defaults_to_low_without_input_or_config(tmp_path: Path) -> None:
    run = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"))
    assert run.exit_code == 1
    assert run.outputs["fail-on"] == "low"


@pytest.mark.parametrize(
    ("given", "threshold", "failing", "exit_code"),
    [
        ("info", "info", 54, 1),
        ("medium", "medium", 32, 1),  # 3 critical, 15 high and 14 medium
        ("High", "high", 18, 1),  # any case, as on the command line
        (" CRITICAL ", "critical", 3, 1),
        ("never", "never", 0, 0),
    ],
)
def test_findings_output_is_the_gate_count(
    tmp_path: Path, given: str, threshold: str, failing: int, exit_code: int
) -> None:
    run = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"), **{"fail-on": given})
    summary = json.loads((tmp_path / "lslint-report.json").read_text())["summary"]
    assert run.exit_code == exit_code
    assert run.outputs["fail-on"] == summary["fail_on"] == threshold
    assert run.outputs["findings"] == str(summary["failing"]) == str(failing)


def test_findings_output_leaves_out_suppressed_findings(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "suppressions:\n"
        "  - {rule: LS003, resource: '*', reason: snapshots are taken by the backup job}\n"
    )
    run = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"), config=str(config))
    summary = json.loads((tmp_path / "lslint-report.json").read_text())["summary"]
    assert summary["suppressed"] > 0
    assert run.outputs["findings"] == str(summary["failing"]) == str(52 - summary["suppressed"])


@pytest.mark.parametrize("given", ["hgh", "none", "low,high", "0"])
def test_scan_step_refuses_a_bad_fail_on(tmp_path: Path, given: str) -> None:
    run = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"), **{"fail-on": given})
    assert run.exit_code == 2
    assert run.outputs == {"exit-code": "2"}
    assert (
        "::error title=lslint action::input fail-on must be one of info, low, medium, high, "
        f"critical, never, not '{given}'"
    ) in run.stdout
    assert not (tmp_path / "lslint-report.json").exists()  # lslint did not run


def test_error_messages_cannot_forge_workflow_commands(tmp_path: Path) -> None:
    run = run_scan_step(
        tmp_path, input=str(EXAMPLES / "fleet.json"), **{"fail-on": "x\n::warning::forged"}
    )
    assert run.exit_code == 2
    assert [line for line in run.stdout.splitlines() if line.startswith("::")] == [
        "::error title=lslint action::input fail-on must be one of info, low, medium, high, "
        "critical, never, not 'x%0A::warning::forged'"
    ]


def test_scan_step_passes_config_rules_and_args(tmp_path: Path) -> None:
    run = run_scan_step(
        tmp_path,
        input=str(EXAMPLES / "fleet.json"),
        config=str(EXAMPLES / "lslint.yaml"),
        rules="",
        args="--select ACME001,LS003",
        **{"sarif-file": "", "junit-file": "out/junit.xml"},
    )
    assert run.exit_code == 1
    assert run.outputs["findings"] == "6"  # four LS003 (raised to high) and two ACME001
    assert "sarif-file" not in run.outputs
    assert run.outputs["junit-file"] == "out/junit.xml"
    assert (run.workdir / "out" / "junit.xml").exists()


def test_args_input_may_span_lines(tmp_path: Path) -> None:
    # A YAML block (``args: |``) gives one argument per line: every line counts.
    run = run_scan_step(
        tmp_path,
        input=str(EXAMPLES / "fleet.json"),
        config=str(EXAMPLES / "lslint.yaml"),
        args="--select ACME001,LS003\n--fail-on never\n",
        **{"summary": "false"},
    )
    assert run.exit_code == 0
    assert run.outputs["fail-on"] == "never"
    sarif = json.loads((run.workdir / "lslint.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"ACME001", "LS003"}


def test_scan_step_refuses_a_bad_boolean(tmp_path: Path) -> None:
    run = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"), **{"all-regions": "yes"})
    assert run.exit_code == 2
    assert run.outputs["exit-code"] == "2"
    assert "::error title=lslint action::input all-regions must be true or false" in run.stdout


@pytest.mark.parametrize(
    "hostile",
    ["$(touch pwned)", "`touch pwned`", "; touch pwned", '" && touch pwned && "', "$(id>pwned)"],
)
def test_inputs_cannot_inject_shell(tmp_path: Path, hostile: str) -> None:
    run = run_scan_step(
        tmp_path, input=str(EXAMPLES / "fleet.json"), args=hostile, regions=hostile,
        config=hostile,
    )  # fmt: skip
    assert run.exit_code == 2  # lslint refuses the odd arguments; nothing was executed
    assert not (run.workdir / "pwned").exists()
    assert not (tmp_path / "pwned").exists()


def test_a_failed_run_names_no_report_left_from_an_earlier_run(tmp_path: Path) -> None:
    first = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"))
    assert first.outputs["sarif-file"] == "lslint.sarif"
    (first.workdir / "bad.yaml").write_text("fail_on: hgh\n")
    second = run_scan_step(tmp_path, input=str(EXAMPLES / "fleet.json"), config="bad.yaml")
    assert second.outputs["exit-code"] == "2"
    assert "sarif-file" not in second.outputs and "junit-file" not in second.outputs
    assert not (second.workdir / "lslint.sarif").exists()


@pytest.mark.usefixtures("aws_env")
def test_kinds_input_limits_a_live_scan_to_those_kinds(
    tmp_path: Path, standin: Callable[..., LightsailStandIn]
) -> None:
    server = standin(
        {"us-east-1": RegionPlan(make_instances("us-east-1", 1),
                                 resources={"disk": make_resources("disk", "us-east-1", 1)})}
    )  # fmt: skip
    aws = {name: os.environ[name] for name in os.environ if name.startswith("AWS_")}
    run = run_scan_step(tmp_path, aws, regions="us-east-1", kinds="instance, disk")
    assert run.exit_code in (0, 1), run.stdout
    targets = {request.target for request in server.requests if request.region == "us-east-1"}
    assert targets == {"GetInstances", "GetDisks"}
    report = json.loads((tmp_path / "lslint-report.json").read_text())
    assert {f["resource_type"] for f in report["findings"]} <= {"instance", "disk"}
