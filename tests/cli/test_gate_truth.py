"""The gate tells the truth: one failing count everywhere, exit code 2 always explained,
no silent empty scans, one resource per ARN, and the command-line habits users bring."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from standin import LightsailStandIn, RegionPlan, make_instances

from lslint import api
from lslint.engine.loader import load_rules
from lslint.errors import ConfigError

from conftest import (
    BUILTIN_RULES,
    EXAMPLES,
    ROOT,
    CliResult,
    assert_one_error,
    passing_instance,
)

Cli = Callable[..., CliResult]
FLEET = EXAMPLES / "fleet.json"
REPORT_SCHEMA = ROOT / "docs" / "report.schema.json"
WEB = passing_instance("web-1", tags=[{"key": "Owner", "value": "ops"}])  # LS004 (low)
DB = passing_instance("db-1", metadataOptions={"httpTokens": "optional"})  # LS002 (high)
ALL_BUILTIN = {rule.id for rule in load_rules([BUILTIN_RULES])}
UNKNOWN = passing_instance("vague-1", addOns=[{"status": "Enabled"}])  # LS003: which add-on?


def write(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document))
    return str(path)


def lslint_snapshot(path: Path, instances: list[Any], errors: list[Any]) -> str:
    return write(
        path,
        {"format": "lslint-snapshot", "version": 1, "lslint_version": "0.1.0",
         "created_at": "2026-11-01T00:00:00+00:00", "regions": ["us-east-1", "eu-west-1"],
         "errors": errors, "instances": instances},
    )  # fmt: skip


DENIED = {
    "source": "aws",
    "region": "eu-west-1",
    "operation": "GetInstances",
    "code": "AccessDeniedException",
    "message": "not authorized",
}


@pytest.fixture(scope="module")
def report_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(REPORT_SCHEMA.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


# ---------------------------------------------------------------- one failing count


@pytest.mark.parametrize(
    ("args", "config", "fail_on", "failing", "code"),
    [
        ([], "", "low", 2, 1),
        (["--fail-on", "high"], "", "high", 1, 1),
        (["--fail-on", "critical"], "", "critical", 0, 0),
        (["--fail-on", "never"], "", "never", 0, 0),
        ([], "fail_on: critical\n", "critical", 0, 0),
        (["--fail-on", "low"], "fail_on: critical\n", "low", 2, 1),
    ],
)
def test_json_summary_carries_the_gate(
    cli: Cli, tmp_path: Path, args: list[str], config: str, fail_on: str, failing: int, code: int
) -> None:
    if config:
        (tmp_path / ".lslint.yaml").write_text(config)
    fleet = write(tmp_path / "fleet.json", {"instances": [WEB, DB]})
    result = cli(["scan", "-i", fleet, "-f", "json", *args])
    assert result.exit_code == code, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary["counted"] == 2  # every unaccepted violation, whatever the threshold
    assert (summary["fail_on"], summary["failing"], summary["exit_code"]) == (
        fail_on,
        failing,
        code,
    )
    assert summary["gate"] == ("failed" if code else "passed")


def test_text_and_markdown_say_whether_the_gate_passed(cli: Cli, tmp_path: Path) -> None:
    fleet = write(tmp_path / "fleet.json", {"instances": [WEB, DB]})
    text = cli(["scan", "-i", fleet, "--fail-on", "critical"]).stdout
    assert text.splitlines()[-1] == "gate: passed at fail-on critical (exit code 0)"
    markdown = cli(["scan", "-i", fleet, "--fail-on", "critical", "-f", "markdown"]).stdout
    assert markdown.startswith("## lslint: gate passed at fail-on critical, 2 findings below it\n")
    failed = cli(["scan", "-i", fleet, "--fail-on", "high", "-f", "markdown"]).stdout
    assert failed.startswith("## lslint: gate failed, 1 finding at or above high\n")


# ---------------------------------------------------------------- the JSON report


def test_json_report_records_its_context(cli: Cli, tmp_path: Path) -> None:
    first = write(tmp_path / "b.json", {"instances": [WEB]})
    second = write(tmp_path / "a.json", {"instances": [DB]})
    report = json.loads(cli(["scan", "-i", first, "-i", second, "-f", "json"]).stdout)
    assert report["tool"]["version"]
    assert report["scan"]["started_at"] == "2026-11-18T11:06:40+00:00"
    assert report["scan"]["inputs"] == sorted([first, second])
    assert report["scan"]["regions"] == ["us-east-1"]
    assert report["scan"]["accounts"] == ["111122223333"]
    assert report["summary"]["exit_code"] == 1


def test_bad_source_date_epoch_is_one_error(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert_one_error(cli(["scan", "-i", str(FLEET)]), "SOURCE_DATE_EPOCH")


def test_every_json_golden_and_report_shape_fits_the_schema(
    cli: Cli, tmp_path: Path, report_validator: jsonschema.protocols.Validator
) -> None:
    documents = {
        path.name: json.loads(path.read_text())
        for path in (ROOT / "tests" / "golden").glob("*.json")
        if "gitlab" not in path.name  # the GitLab report follows GitLab's own format
    }
    assert documents, "no JSON golden files found"
    (tmp_path / ".lslint.yaml").write_text(
        "suppressions:\n  - {rule: LS004, resource: web-1, reason: accepted}\n"
        "overrides:\n  - {rule: LS004, resources: [db-*], reason: team-owned,\n"
        "     params: {required_tags: [Owner, Team]}}\n"
    )
    broken = lslint_snapshot(tmp_path / "partial.json", [WEB, DB, UNKNOWN], [DENIED])
    partial = cli(["scan", "-i", broken, "-f", "json"])
    documents["partial scan"] = json.loads(partial.stdout)
    stdin = cli(["scan", "-i", "-", "-f", "json"], stdin=json.dumps({"instances": [DB]}))
    documents["stdin"] = json.loads(stdin.stdout)
    for label, document in documents.items():
        errors = sorted(report_validator.iter_errors(document), key=str)
        assert not errors, f"{label}: {errors[0].message} at {list(errors[0].absolute_path)}"
    partial_findings = documents["partial scan"]["findings"]
    assert documents["partial scan"]["summary"]["gate"] == "incomplete"
    assert any(f["suppressed"] for f in partial_findings)
    assert any(f["override"] for f in partial_findings)


def test_schema_rejects_a_report_without_the_gate(
    report_validator: jsonschema.protocols.Validator,
) -> None:
    document = json.loads((ROOT / "tests" / "golden" / "fleet.json").read_text())
    del document["summary"]["failing"]
    assert not report_validator.is_valid(document)


# ---------------------------------------------------------------- exit code 2 is explained


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown", "github"])
def test_exit_2_is_explained_on_stderr_whatever_the_output(
    cli: Cli, tmp_path: Path, fmt: str
) -> None:
    snapshot = lslint_snapshot(tmp_path / "partial.json", [WEB, UNKNOWN], [DENIED])
    report = tmp_path / "report.out"
    result = cli(["scan", "-i", snapshot, "-f", fmt, "-o", str(report)])
    assert result.exit_code == 2
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("lslint: error:")]
    assert any("eu-west-1" in e and "AccessDeniedException" in e for e in errors), result.stderr
    assert any("1 check indeterminate" in e for e in errors), result.stderr
    assert "LS003 on vague-1 (us-east-1): indeterminate:" in result.stderr


def test_many_indeterminate_checks_are_counted_and_the_first_few_named(
    cli: Cli, tmp_path: Path
) -> None:
    vague = [passing_instance(f"vague-{i}", addOns=[{"status": "Enabled"}]) for i in range(8)]
    snapshot = write(tmp_path / "vague.json", {"instances": vague})
    result = cli(["scan", "-i", snapshot, "-f", "json", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert "8 checks indeterminate" in result.stderr
    named = [line for line in result.stderr.splitlines() if line.startswith("  LS003 on ")]
    assert len(named) == 5
    assert "... and 3 more" in result.stderr


# ---------------------------------------------------------------- zero rules

BUILTIN_IDS = [rule.id for rule in load_rules([BUILTIN_RULES])]


@pytest.mark.parametrize(
    ("args", "config"),
    [
        (["--select", "LS001", "--ignore", "LS001"], ""),
        ([], f"rules:\n  ignore: [{', '.join(sorted(BUILTIN_IDS))}]\n"),
    ],
)
def test_no_rules_to_run_is_an_error(
    cli: Cli, tmp_path: Path, args: list[str], config: str
) -> None:
    if config:
        (tmp_path / ".lslint.yaml").write_text(config)
    assert_one_error(cli(["scan", "-i", str(FLEET), *args]), "no rules to run")


# ---------------------------------------------------------------- one ARN, one resource


@pytest.mark.parametrize("changed", [False, True], ids=["same", "changed"])
def test_one_resource_twice_in_one_input_is_an_incomplete_listing(
    cli: Cli, tmp_path: Path, changed: bool
) -> None:
    # A listing that repeats a resource shifted while it was paged: as a live fetch says.
    again = {**DB, "blueprintId": "debian_12"} if changed else DB
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"instances": [WEB, DB, again]}, indent=2))
    result = cli(["scan", "-i", str(path)])
    assert_one_error(result, f"{DB['arn']} appears twice in one listing, first at line ")
    assert "the list changed while it was paged" in result.stderr
    found = re.search(rf"{re.escape(str(path))}:(\d+): .* first at line (\d+):", result.stderr)
    assert found is not None
    lines = path.read_text().splitlines()
    starts = [number for number, text in enumerate(lines, start=1) if text == "    {"]
    assert [int(found[2]), int(found[1])] == starts[1:]  # where each copy of DB begins


def test_the_same_resource_in_two_inputs_is_scanned_once(cli: Cli, tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", {"instances": [WEB, DB]})
    second = write(tmp_path / "b.json", {"instances": [DB]})
    result = cli(["scan", "-i", first, "-i", second, "-f", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["summary"]["resources"] == 2
    assert [f["resource_name"] for f in report["findings"]].count("db-1") == 1
    (warning,) = report["warnings"]
    assert DB["arn"] in warning and "a.json" in warning and "b.json" in warning
    assert "scanned once" in result.stderr


def test_two_different_copies_of_one_arn_are_an_error_naming_both_files(
    cli: Cli, tmp_path: Path
) -> None:
    first = write(tmp_path / "a.json", {"instances": [DB]})
    changed = {**DB, "metadataOptions": {"httpTokens": "required"}}
    second = write(tmp_path / "b.json", {"instances": [changed]})
    line = assert_one_error(cli(["scan", "-i", first, "-i", second]), "different contents")
    assert f"{first}:" in line and f"{second}:" in line


# ---------------------------------------------------------------- command-line habits


def test_format_fail_on_and_report_formats_ignore_case(cli: Cli, tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    result = cli(
        ["scan", "-i", str(FLEET), "-f", "JSON", "--fail-on", "Critical",
         "--report", f"SARIF={sarif}"]
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr  # the example fleet has critical findings
    assert json.loads(result.stdout)["summary"]["fail_on"] == "critical"
    assert json.loads(sarif.read_text())["version"] == "2.1.0"


def test_rules_show_ignores_case(cli: Cli) -> None:
    shown = cli(["rules", "show", "IMDSV1-Allowed"])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith("LS002 imdsv1-allowed (high)")


def test_dash_output_means_stdout(cli: Cli, tmp_path: Path) -> None:
    result = cli(["scan", "-i", str(FLEET), "-f", "json", "-o", "-"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["findings"]
    assert not (tmp_path / "-").exists()


def test_one_extra_report_may_go_to_stdout(cli: Cli, tmp_path: Path) -> None:
    text = tmp_path / "report.txt"
    result = cli(["scan", "-i", str(FLEET), "-o", str(text), "--report", "sarif=-"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["version"] == "2.1.0"
    assert "findings" in text.read_text()
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--report", "sarif=-"],  # the main report already goes to stdout
        ["-o", "r.txt", "--report", "sarif=-", "--report", "json=-"],
    ],
)
def test_two_reports_on_stdout_are_refused(cli: Cli, args: list[str]) -> None:
    assert_one_error(cli(["scan", "-i", str(FLEET), *args]), "only one output can go to")


def test_debug_works_after_the_command_name(cli: Cli, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.json")
    for args in (["--debug", "scan", "-i", missing], ["scan", "-i", missing, "--debug"]):
        result = cli(args)
        assert result.exit_code == 2
        assert "Traceback" in result.stderr, args
    assert "Traceback" not in cli(["scan", "-i", missing]).stderr


def test_debug_works_before_and_after_the_rules_subcommand(cli: Cli) -> None:
    for args in (
        ["--debug", "rules", "list", "--select", "NOPE"],
        ["rules", "--debug", "list", "--select", "NOPE"],
        ["rules", "list", "--select", "NOPE", "--debug"],
    ):
        result = cli(args)
        assert result.exit_code == 2
        assert "Traceback" in result.stderr, args
    assert "Traceback" not in cli(["rules", "list", "--select", "NOPE"]).stderr


def test_write_baseline_says_what_it_wrote_and_exits_0(cli: Cli, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    result = cli(["scan", "-i", str(FLEET), "--write-baseline", str(baseline)])
    assert result.exit_code == 0, result.stderr
    recorded = len(json.loads(baseline.read_text())["findings"])
    assert recorded > 1
    assert f"lslint: wrote baseline {baseline}: {recorded} findings" in result.stderr


def test_write_baseline_refuses_an_incomplete_scan(cli: Cli, tmp_path: Path) -> None:
    snapshot = lslint_snapshot(tmp_path / "partial.json", [WEB], [DENIED])
    baseline = tmp_path / "baseline.json"
    result = cli(["scan", "-i", snapshot, "--write-baseline", str(baseline)])
    assert result.exit_code == 2
    assert "not written, because the scan is incomplete" in result.stderr
    assert not baseline.exists()


# ---------------------------------------------------------------- github annotations


def test_github_format_annotates_config_errors_at_their_position(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".lslint.yaml").write_text("fail_on: low\nbogus: 1\n")
    result = cli(["scan", "-i", str(FLEET), "-f", "github"])
    assert result.exit_code == 2
    (annotation,) = result.stdout.splitlines()
    assert annotation.startswith("::error title=lslint,file=.lslint.yaml,line=2,col=1::")
    assert "bogus" in annotation
    assert ".lslint.yaml:2:1: unknown key 'bogus'" in result.stderr


def test_github_format_annotates_rule_errors_relative_to_the_repository(
    cli: Cli, tmp_path: Path
) -> None:
    rules = tmp_path / "policies"
    rules.mkdir()
    (rules / "bad.yaml").write_text("lslint: 1\nid: X1\nnme: typo\n")
    result = cli(["scan", "-i", str(FLEET), "-f", "github", "--rules", str(rules)])
    assert result.exit_code == 2
    (annotation,) = result.stdout.splitlines()
    assert annotation.startswith("::error title=lslint,file=policies/bad.yaml,line=3,col=1::")


def test_github_annotations_are_capped_per_level_with_a_roll_up(cli: Cli, tmp_path: Path) -> None:
    fleet = [passing_instance(f"vm-{i:02d}", metadataOptions={"httpTokens": "optional"},
                              tags=[]) for i in range(15)]  # fmt: skip
    snapshot = write(tmp_path / "fleet.json", {"instances": fleet})
    lines = cli(["scan", "-i", snapshot, "-f", "github"]).stdout.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    notices = [line for line in lines if line.startswith("::notice ")]
    assert len(errors) == 10 and len(notices) == 10  # GitHub shows ten of each per step
    assert "6 more error annotations not shown" in errors[-1]
    assert "6 more notice annotations not shown" in notices[-1]
    assert all("LS002" in line for line in errors[:9])


@pytest.mark.usefixtures("aws_env")
def test_fetch_to_dash_writes_the_snapshot_to_stdout(
    cli: Cli, standin: Callable[..., LightsailStandIn], tmp_path: Path
) -> None:
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 3))})
    result = cli(["fetch", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["format"] == "lslint-snapshot" and len(document["instances"]) == 3
    assert "wrote standard output: 3 instances from 1 region" in result.stderr
    assert not (tmp_path / "-").exists()


@pytest.mark.usefixtures("aws_env")
def test_fetch_never_overwrites_the_config_it_read(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / ".lslint.yaml"
    config.write_text("fail_on: high\n")
    assert_one_error(cli(["fetch", "-o", ".lslint.yaml"]), "would overwrite the config file")
    assert config.read_text() == "fail_on: high\n"


def test_the_library_refuses_an_empty_rule_selection() -> None:
    with pytest.raises(ConfigError, match="no rules to run"):
        api.scan([FLEET], select=["LS001"], ignore=["LS001"])


def test_reports_of_a_baseline_run_state_its_real_exit_code(cli: Cli, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = cli(["scan", "-i", str(FLEET), "--write-baseline", str(tmp_path / "b.json"),
                  "--report", f"json={report}"])  # fmt: skip
    assert result.exit_code == 0
    summary = json.loads(report.read_text())["summary"]
    assert (summary["gate"], summary["exit_code"]) == ("recorded", 0)
    assert summary["failing"] > 0
    assert "gate: not applied, findings recorded as a baseline" in result.stdout
    assert result.stdout.rstrip().endswith("(exit code 0)")


def test_a_report_that_cannot_be_written_leaves_no_other_report(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    good = tmp_path / "ok.json"
    unwritable = tmp_path / "afile" / "x.sarif"  # below a file: cannot be created
    result = cli(["scan", "-i", str(FLEET), "--report", f"json={good}",
                  "--report", f"sarif={unwritable}", "-o", str(tmp_path / "o.txt")])  # fmt: skip
    assert result.exit_code == 2
    assert "cannot write output" in result.stderr
    assert not good.exists() and not (tmp_path / "o.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_suppressed_findings_stay_out_of_a_new_baseline(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".lslint.yaml").write_text(
        "suppressions:\n  - {rule: LS002, resource: '*', reason: r, expires: 2099-01-01}\n"
    )
    baseline = tmp_path / "b.json"
    assert cli(["scan", "-i", str(FLEET), "--write-baseline", str(baseline)]).exit_code == 0
    assert "LS002" not in {e["rule_id"] for e in json.loads(baseline.read_text())["findings"]}


def test_reports_point_into_the_repository_from_a_subfolder(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "fleet.json", {"instances": [DB]})
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    sarif = json.loads(cli(["scan", "-i", "../fleet.json", "-f", "sarif"]).stdout)
    (location,) = [r["locations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]]
    assert location["artifactLocation"]["uri"] == "fleet.json"
    annotations = cli(["scan", "-i", "../fleet.json", "-f", "github"]).stdout
    assert "file=fleet.json,line=" in annotations
    (tmp_path / ".lslint.yaml").write_text("fail_on: hgh\n")
    broken = cli(["scan", "-i", "../fleet.json", "-f", "github"])
    assert broken.stdout.startswith("::error title=lslint,file=.lslint.yaml,line=1,col=1::")


def test_reports_point_into_the_github_workspace(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "fleet.json", {"instances": [DB]})
    (tmp_path / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "deep" / "er")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    annotations = cli(["scan", "-i", "../../fleet.json", "-f", "github"]).stdout
    assert "file=fleet.json,line=" in annotations


def test_one_file_given_twice_is_read_once(cli: Cli, tmp_path: Path) -> None:
    fleet = write(tmp_path / "fleet.json", {"instances": [WEB, DB]})
    result = cli(["scan", "-i", fleet, "-i", f"{tmp_path}/./fleet.json", "-f", "json"])
    assert result.exit_code == 1
    assert "is given twice" in result.stderr and "read once" in result.stderr
    report = json.loads(result.stdout)
    assert report["warnings"] == [] and report["summary"]["resources"] == 2


def test_many_shared_resources_make_one_warning_per_pair_of_inputs(
    cli: Cli, tmp_path: Path
) -> None:
    fleet = [passing_instance(f"vm-{i}") for i in range(50)]
    first = write(tmp_path / "a.json", {"instances": fleet})
    second = write(tmp_path / "b.json", {"instances": fleet})
    report = json.loads(cli(["scan", "-i", first, "-i", second, "-f", "json"]).stdout)
    (warning,) = report["warnings"]
    assert warning.startswith(f"50 resources in {second} also appear in {first}")
    assert report["summary"]["resources"] == 50


def test_markdown_caps_errors_and_warnings_too(cli: Cli, tmp_path: Path) -> None:
    vague = [passing_instance(f"v-{i}", addOns=[{"status": "Enabled"}]) for i in range(260)]
    snapshot = write(tmp_path / "vague.json", {"instances": vague})
    markdown = cli(["scan", "-i", snapshot, "-f", "markdown"]).stdout
    assert "… and 60 more errors (see the JSON or SARIF report)." in markdown
    assert markdown.count("| LS003 v-") == 200


def test_the_last_resort_error_line_never_shows_a_secret(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("while calling https://user:hunter2secret@proxy.example/x?token=abcd")

    monkeypatch.setattr(api, "collect_all", broken)
    result = cli(["scan", "-i", str(FLEET)])
    assert result.exit_code == 2
    assert "internal error" in result.stderr
    assert "hunter2secret" not in result.stderr and "abcd" not in result.stderr
    assert "https://***@proxy.example/x?token=***" in result.stderr
