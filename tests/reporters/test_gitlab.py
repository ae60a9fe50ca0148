"""The GitLab Code Quality report: GitLab's own issue schema, the fields its views read,
severities, fingerprints, paths, accepted findings, errors, and hostile resource data."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Any

import jsonschema
import junitparser
import pytest
from ruamel.yaml import YAML
from standin import LightsailStandIn, RegionPlan, make_instances

from lslint import __version__
from lslint.engine.evaluate import run
from lslint.engine.loader import load_rules
from lslint.findings import Finding, ScanError, ScanResult, Severity
from lslint.inventory import Inventory, Origin, Resource
from lslint.models import Instance
from lslint.reporters.context import ReportContext
from lslint.reporters.gitlab import render_gitlab

from conftest import BUILTIN_RULES, ROOT, SCAN_TIME, SCHEMAS, CliResult, passing_instance

Cli = Callable[..., CliResult]
SCHEMA = SCHEMAS / "gitlab-codeclimate.json"
FLEET_ARGS = ["scan", "--input", "examples/fleet.json", "--config", "examples/lslint.yaml"]
GITLAB_LEVELS = {"info", "minor", "major", "critical", "blocker"}


@pytest.fixture(scope="module")
def issue_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def check_gitlab(text: str, validator: jsonschema.Draft202012Validator) -> list[dict[str, Any]]:
    """Validate every issue as GitLab does, plus the fields its views show; return the issues."""
    assert not text.startswith("\ufeff")  # GitLab's parser refuses a byte order mark
    text.encode("ascii")
    issues = json.loads(text)
    assert isinstance(issues, list)
    for issue in issues:
        validator.validate(issue)
        assert issue["type"] == "issue" and issue["engine_name"] == "lslint"
        assert issue["categories"] == ["Security"]
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert isinstance(issue["description"], str) and issue["description"]
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
        assert issue["severity"] in GITLAB_LEVELS
        path = issue["location"]["path"]
        assert isinstance(path, str) and path
        assert "://" not in path and not path.startswith("/") and ".." not in path.split("/")
        begin = issue["location"]["lines"]["begin"]
        assert isinstance(begin, int) and not isinstance(begin, bool) and begin >= 1
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(fingerprints) == len(set(fingerprints))  # GitLab keeps one issue per fingerprint
    return list(issues)


def finding(**fields: Any) -> Finding:
    base: dict[str, Any] = {
        "rule_id": "LS001",
        "rule_name": "port-open-to-world",
        "severity": Severity.HIGH,
        "status": "fail",
        "resource_kind": "instance",
        "resource_arn": "arn:aws:lightsail:us-east-1:111122223333:Instance/web",
        "resource_name": "web",
        "region": "us-east-1",
        "message": "web: open to the world: tcp/22",
        "evidence": {"ports": ["tcp/22"]},
        "remediation_text": "Close it.",
        "fingerprint": "0123456789abcdef0123456789abcdef",
    }
    base.update(fields)
    return Finding(**base)


# ---------------------------------------------------------------- the example fleet


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.usefixtures("in_repo")
def test_fleet_report_has_an_issue_per_counted_finding_with_its_fingerprint(
    cli: Cli, issue_validator: jsonschema.Draft202012Validator
) -> None:
    result = cli([*FLEET_ARGS, "-f", "gitlab"])
    assert result.exit_code == 1, result.stderr
    issues = check_gitlab(result.stdout, issue_validator)
    report = json.loads(cli([*FLEET_ARGS, "-f", "json"]).stdout)
    counted = [f for f in report["findings"] if f["suppressed"] is None and not f["baselined"]]
    assert sorted(i["fingerprint"] for i in issues) == sorted(f["fingerprint"] for f in counted)
    by_fingerprint = {f["fingerprint"]: f for f in counted}
    for issue in issues:
        source = by_fingerprint[issue["fingerprint"]]
        assert issue["check_name"] == source["rule_id"]
        assert issue["description"] == (
            f"{source['rule_id']} {source['rule_name']}: {source['message']}"
        )
        assert issue["location"] == {
            "path": "examples/fleet.json",
            "lines": {"begin": source["location"]["line"]},
        }
    order = [(i["location"]["lines"]["begin"], i["check_name"]) for i in issues]
    assert order == sorted(order)


@pytest.mark.usefixtures("in_repo")
def test_report_option_writes_the_gitlab_file(
    cli: Cli, tmp_path: Path, issue_validator: jsonschema.Draft202012Validator
) -> None:
    out = tmp_path / "gl-code-quality-report.json"
    result = cli([*FLEET_ARGS, "--report", f"gitlab={out}", "-f", "gitlab"])
    assert result.exit_code == 1, result.stderr
    assert out.read_text(encoding="utf-8") == result.stdout
    assert check_gitlab(result.stdout, issue_validator)


def test_an_empty_scan_is_an_empty_list(cli: Cli) -> None:
    clean = json.dumps({"instances": [passing_instance("ok")]})
    result = cli(["scan", "--input", "-", "-f", "gitlab"], stdin=clean)
    assert (result.exit_code, result.stdout) == (0, "[]\n")


# ---------------------------------------------------------------- mapping


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        (Severity.INFO, "info"),
        (Severity.LOW, "minor"),
        (Severity.MEDIUM, "major"),
        (Severity.HIGH, "critical"),
        (Severity.CRITICAL, "blocker"),
    ],
)
def test_severities_map_to_gitlab_levels(severity: Severity, level: str) -> None:
    (issue,) = json.loads(
        render_gitlab(ScanResult(findings=[finding(severity=severity)]), ReportContext())
    )
    assert issue["severity"] == level


def test_suppressed_and_baselined_findings_are_left_out(
    issue_validator: jsonschema.Draft202012Validator,
) -> None:
    result = ScanResult(
        findings=[
            finding(resource_name="a", fingerprint="a" * 32, suppressed={"reason": "bastion"}),
            finding(resource_name="b", fingerprint="b" * 32, baselined=True),
            finding(resource_name="c", fingerprint="c" * 32),
        ]
    )
    issues = check_gitlab(render_gitlab(result, ReportContext()), issue_validator)
    assert [issue["fingerprint"] for issue in issues] == ["c" * 32]


def test_errors_are_blocker_issues_so_a_broken_scan_shows(
    issue_validator: jsonschema.Draft202012Validator,
) -> None:
    indeterminate = finding(
        status="error", severity=Severity.LOW, message="indeterminate: addOns[0].status absent"
    )
    denied = ScanError("aws", "GetInstances", "AccessDenied", "not allowed", "eu-west-1")
    result = ScanResult(findings=[indeterminate], errors=[denied])
    issues = check_gitlab(render_gitlab(result, ReportContext()), issue_validator)
    by_check = {issue["check_name"]: issue for issue in issues}
    assert set(by_check) == {"LS001", "scan-error"}
    assert by_check["LS001"]["severity"] == "blocker"
    assert by_check["LS001"]["description"] == (
        "Scan incomplete: LS001 port-open-to-world: web: indeterminate: addOns[0].status absent"
    )
    error = by_check["scan-error"]
    assert error["severity"] == "blocker"
    assert error["description"] == (
        "Scan incomplete: aws: eu-west-1 GetInstances AccessDenied: not allowed"
    )
    assert error["location"] == {"path": "lightsail/eu-west-1", "lines": {"begin": 1}}


def test_an_error_keeps_its_fingerprint_when_only_the_message_changes() -> None:
    def error_fingerprint(message: str, region: str = "eu-west-1") -> str:
        error = ScanError("aws", "GetInstances", "Throttling", message, region)
        (issue,) = json.loads(render_gitlab(ScanResult(errors=[error]), ReportContext()))
        return str(issue["fingerprint"])

    assert error_fingerprint("request id 1") == error_fingerprint("request id 2")
    assert error_fingerprint("x") != error_fingerprint("x", region="eu-west-2")


def test_repeated_fingerprints_are_made_unique_and_the_first_keeps_its_own(
    issue_validator: jsonschema.Draft202012Validator,
) -> None:
    twins = [finding(resource_arn="", resource_name="twin", source_line=n) for n in (2, 9, 30)]
    issues = check_gitlab(
        render_gitlab(ScanResult(findings=twins), ReportContext()), issue_validator
    )
    assert len(issues) == 3
    assert issues[0]["fingerprint"] == twins[0].fingerprint
    assert render_gitlab(ScanResult(findings=twins), ReportContext()) == render_gitlab(
        ScanResult(findings=twins), ReportContext()
    )


def test_output_does_not_depend_on_input_order() -> None:
    findings = [finding(resource_name=n, fingerprint=n * 32) for n in "abc"]
    errors = [ScanError("aws", "GetInstances", "X", "m", r) for r in ("us-east-1", "eu-west-1")]
    forward = render_gitlab(ScanResult(findings=findings, errors=errors), ReportContext())
    backward = render_gitlab(
        ScanResult(findings=findings[::-1], errors=errors[::-1]), ReportContext()
    )
    assert forward == backward


# ---------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("source", "line", "path", "begin"),
    [
        ("{root}/snapshots/fleet.json", 12, "snapshots/fleet.json", 12),
        ("snapshots/fleet.json", 7, "snapshots/fleet.json", 7),
        ("/elsewhere/fleet.json", 12, "lightsail/us-east-1/instances/web", 1),
        ("../fleet.json", 12, "lightsail/us-east-1/instances/web", 1),
        ("<stdin>", 3, "lightsail/us-east-1/instances/web", 1),
        ("", 0, "lightsail/us-east-1/instances/web", 1),
    ],
)
def test_locations_are_repository_relative(
    tmp_path: Path, source: str, line: int, path: str, begin: int
) -> None:
    root = PurePath(tmp_path)
    item = finding(source_path=source.format(root=root), source_line=line)
    (issue,) = json.loads(render_gitlab(ScanResult(findings=[item]), ReportContext(root=root)))
    assert issue["location"] == {"path": path, "lines": {"begin": begin}}


def test_a_hostile_region_cannot_shape_an_error_path() -> None:
    error = ScanError("aws", "GetInstances", "X", "m", "../../etc\npasswd")
    (issue,) = json.loads(render_gitlab(ScanResult(errors=[error]), ReportContext()))
    assert issue["location"]["path"] == "lightsail/.._.._etc_passwd"


# ---------------------------------------------------------------- hostile data

HOSTILE = [
    "nul\x00byte",
    "non-character\ufffe",
    json.loads('"lone\\ud800surrogate"'),
    "\x1b[31mred\x1b[0m",
    "right-to-left \u202eexe.txt",
    "line\nbreak\r\ttab",
    "c1\x85control\x9b",
    '"quotes" and \\backslash',
]


def test_hostile_resource_data_stays_valid_and_escaped(
    issue_validator: jsonschema.Draft202012Validator,
) -> None:
    fleet = [
        passing_instance(
            name,
            arn=f"arn:aws:lightsail:us-east-1:111122223333:Instance/{index}",
            tags=[{"key": "Owner", "value": name}],
        )
        for index, name in enumerate(HOSTILE)
    ]
    resources = [
        Resource(Instance.model_validate(item), Origin("snap.json", index + 2))
        for index, item in enumerate(fleet)
    ]
    result = run(load_rules([BUILTIN_RULES]), Inventory(resources), now=SCAN_TIME)
    result.findings.append(replace(result.findings[0], status="error", fingerprint="f" * 32))
    text = render_gitlab(result, ReportContext())
    issues = check_gitlab(text, issue_validator)
    assert len(issues) == len(HOSTILE) + 1  # LS004 for each, plus the indeterminate one
    for issue in issues:
        assert not re.search(
            "[\x00-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff\ufffe]", issue["description"]
        ), issue["description"]
    descriptions = "\n".join(issue["description"] for issue in issues)
    assert "\\x1b[31mred" in descriptions and "\\u202e" in descriptions
    assert "line\\x0abreak\\x0d\\x09tab" in descriptions and "\\ud800" in descriptions


# ---------------------------------------------------------------- the example GitLab CI job

EXAMPLE_JOB_FILE = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"


@pytest.fixture(scope="module")
def example_job() -> dict[str, Any]:
    document = YAML(typ="safe").load(EXAMPLE_JOB_FILE.read_text(encoding="utf-8"))
    job = document["lslint"]
    assert isinstance(job, dict)
    return job


def scan_command(job: dict[str, Any]) -> list[str]:
    (command,) = [line for line in job["script"] if line.startswith("lslint ")]
    return shlex.split(command)


def report_paths(command: list[str]) -> dict[str, str]:
    reports = [command[i + 1] for i, arg in enumerate(command) if arg == "--report"]
    return dict(report.split("=", 1) for report in reports)


def runs_in(job: dict[str, Any], pipeline: dict[str, str]) -> bool:
    """GitLab's ``rules:`` for the ``==``/``&&`` expressions the example uses."""
    for rule in job["rules"]:
        if all(_clause_holds(c, pipeline) for c in rule["if"].split("&&")):
            return rule.get("when", "on_success") != "never"
    return False


def _clause_holds(clause: str, pipeline: dict[str, str]) -> bool:
    left, equals, right = clause.partition("==")
    assert equals, f"unsupported rule expression: {clause!r}"
    return _operand(left, pipeline) == _operand(right, pipeline)


def _operand(text: str, pipeline: dict[str, str]) -> str | None:
    text = text.strip()
    if text.startswith("$"):
        return pipeline.get(text[1:])
    assert re.fullmatch(r'"[^"]*"', text), f"unsupported operand: {text!r}"
    return text[1:-1]


PIPELINES = {
    "schedule": ({"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main"}, True),
    "push to the default branch": ({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"},
                                   True),
    "push to a feature branch": ({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature"},
                                 False),
    "merge request": ({"CI_PIPELINE_SOURCE": "merge_request_event",
                       "CI_MERGE_REQUEST_IID": "7"}, False),
    "tag": ({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1.0.0"}, False),
}  # fmt: skip


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
def test_example_job_runs_on_schedules_and_the_default_branch_only(
    example_job: dict[str, Any], pipeline: str
) -> None:
    variables, expected = PIPELINES[pipeline]
    assert runs_in(example_job, {"CI_DEFAULT_BRANCH": "main", **variables}) is expected


def test_example_job_installs_a_pinned_release_without_git(example_job: dict[str, Any]) -> None:
    script = "\n".join(example_job["script"])
    assert "git+" not in script and "git clone" not in script and "apt" not in script
    assert "pip install" in script and '"$LSLINT_PACKAGE"' in script
    assert example_job["variables"]["LSLINT_PACKAGE"] == f"lslint=={__version__}"


def test_example_job_assumes_an_aws_role_with_its_gitlab_id_token(
    example_job: dict[str, Any],
) -> None:
    tokens = example_job["id_tokens"]
    (token,) = [name for name, spec in tokens.items() if spec["aud"] == "sts.amazonaws.com"]
    variables = example_job["variables"]
    assert variables["AWS_ROLE_ARN"].startswith("$")  # from a CI/CD variable, not the file
    token_file = "$AWS_WEB_IDENTITY_TOKEN_FILE"
    assert variables["AWS_WEB_IDENTITY_TOKEN_FILE"].startswith("/tmp/")  # not an artifact
    written = [i for i, line in enumerate(example_job["script"])
               if f'"${token}" > "{token_file}"' in line]  # fmt: skip
    scans = [i for i, line in enumerate(example_job["script"]) if line.startswith("lslint ")]
    assert written and scans and written[0] < scans[0]
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & set(variables)
    assert variables["AWS_REGION"] == variables["AWS_DEFAULT_REGION"]


def test_example_job_publishes_code_quality_and_junit(example_job: dict[str, Any]) -> None:
    artifacts = example_job["artifacts"]
    assert artifacts["when"] == "always"  # findings fail the job; the reports still matter
    reports = report_paths(scan_command(example_job))
    assert artifacts["reports"] == {"codequality": reports["gitlab"], "junit": reports["junit"]}


@pytest.mark.usefixtures("aws_env")
def test_example_job_scan_writes_its_reports(
    example_job: dict[str, Any],
    cli: Cli,
    standin: Callable[..., LightsailStandIn],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    issue_validator: jsonschema.Draft202012Validator,
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, example_job["variables"][name])
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 2)), "eu-west-2": RegionPlan()})
    command = scan_command(example_job)
    result = cli(command[1:])
    assert result.exit_code == 1, result.stderr  # the instances have findings
    reports = example_job["artifacts"]["reports"]
    issues = check_gitlab((tmp_path / reports["codequality"]).read_text(), issue_validator)
    assert {i["location"]["path"].split("/")[1] for i in issues} == {"us-east-1"}
    junit = junitparser.JUnitXml.fromfile(str(tmp_path / reports["junit"]))
    assert junit.failures == len(issues)


def test_readme_shows_the_example_job(example_job: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### GitLab CI\n", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    shown = YAML(typ="safe").load(block)["lslint"]
    assert_shown_as_is(shown, example_job)


def assert_shown_as_is(shown: Any, actual: Any, where: str = "lslint") -> None:
    """Every key the README shows has the example's value (the README may leave keys out)."""
    if isinstance(shown, dict):
        assert isinstance(actual, dict), where
        for key, value in shown.items():
            assert key in actual, f"{where}.{key} is not in the example"
            assert_shown_as_is(value, actual[key], f"{where}.{key}")
    else:
        assert shown == actual, where
