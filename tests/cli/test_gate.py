"""The CI gate: suppressions (with expiry, by id or name, ARN or glob), tag suppressions,
and baselines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lslint.engine.loader import load_rules

from conftest import (
    BUILTIN_RULES,
    SCAN_TIME,
    CliResult,
    assert_one_error,
    passing_instance,
    scan_report,
    write_config,
    write_fleet,
)

Cli = Callable[..., CliResult]
WEB = passing_instance("web-1", tags=[{"key": "Owner", "value": "ops"}])  # LS004: Environment
DB = passing_instance("db-1", metadataOptions={"httpTokens": "optional"})  # LS002


def today(offset_days: int = 0) -> str:
    """The scan's date (the tests' SOURCE_DATE_EPOCH), moved by ``offset_days`` days."""
    return (SCAN_TIME.date() + timedelta(days=offset_days)).isoformat()


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"instances": [WEB, DB]}))
    return path


def by_rule(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{f['rule_id']}/{f['resource_name']}": f for f in report["findings"]}


# ---------------------------------------------------------------- config suppressions


@pytest.mark.parametrize(
    ("rule", "resource"),
    [
        ("LS004", "web-1"),
        ("required-tags-missing", "web-*"),
        ("LS004", "arn:aws:lightsail:us-east-1:111122223333:Instance/web-1"),
        ("LS004", "arn:aws:lightsail:us-east-1:*"),
    ],
)
def test_suppression_by_id_or_name_and_arn_or_glob(
    cli: Cli, fleet: Path, tmp_path: Path, rule: str, resource: str
) -> None:
    write_config(
        tmp_path,
        f"suppressions:\n  - rule: {rule}\n    resource: '{resource}'\n"
        f"    reason: tags come from the CMDB\n    expires: {today(30)}\n",
    )
    code, report, _ = scan_report(cli, fleet)
    assert code == 1  # DB's LS002 still counts
    suppressed = by_rule(report)["LS004/web-1"]["suppressed"]
    assert suppressed["reason"] == "tags come from the CMDB"
    assert suppressed["source"] == "config" and suppressed["expires"] == today(30)
    assert by_rule(report)["LS002/db-1"]["suppressed"] is None
    assert report["summary"]["suppressed"] == 1 and report["summary"]["counted"] == 1
    assert report["warnings"] == []


def test_only_suppressed_findings_pass_the_gate(cli: Cli, fleet: Path, tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "suppressions:\n"
        "  - {rule: LS004, resource: web-1, reason: accepted}\n"
        "  - {rule: LS002, resource: db-*, reason: legacy app needs IMDSv1}\n",
    )
    assert scan_report(cli, fleet)[0] == 0
    text = cli(["scan", "--input", str(fleet)]).stdout
    assert "[suppressed: legacy app needs IMDSv1]" in text
    summary, gate = text.rstrip().splitlines()[-2:]
    # The fleet lists only instances: the rules of other kinds judged nothing.
    rules = sum(rule.resource == "instance" for rule in load_rules([BUILTIN_RULES]))
    assert summary == (
        f"0 findings on 0 of 2 resources; {rules} rules ran as of 2026-11-18T11:06:40Z; "
        "2 suppressed."
    )
    assert gate == "gate: passed at fail-on low (exit code 0)"
    markdown = cli(["scan", "--input", str(fleet), "-f", "markdown"]).stdout
    assert "| high (suppressed) | LS002 imdsv1-allowed | instance | db-1 |" in markdown
    junit = cli(["scan", "--input", str(fleet), "-f", "junit"]).stdout
    assert 'message="suppressed: accepted"' in junit
    sarif = json.loads(cli(["scan", "--input", str(fleet), "-f", "sarif"]).stdout)
    assert sarif["runs"][0]["results"] == []


def test_expired_suppression_counts_again_and_says_so(
    cli: Cli, fleet: Path, tmp_path: Path
) -> None:
    write_config(
        tmp_path,
        f"suppressions:\n  - {{rule: LS004, resource: web-1, reason: r, expires: {today(-2)}}}\n",
    )
    code, report, stderr = scan_report(cli, fleet, "--fail-on", "low", "--ignore", "LS002")
    assert code == 1
    assert by_rule(report)["LS004/web-1"]["suppressed"] is None
    (warning,) = report["warnings"]
    assert f"expired on {today(-2)}: 1 finding counts again" in warning
    assert "lslint: warning: suppression of LS004 for 'web-1'" in stderr
    text = cli(["scan", "--input", str(fleet)]).stdout
    assert text.splitlines()[0].startswith("warning: suppression of LS004 for 'web-1' (")


def test_suppression_still_works_on_its_expiry_date(cli: Cli, fleet: Path, tmp_path: Path) -> None:
    write_config(
        tmp_path,
        f"suppressions:\n  - {{rule: LS004, resource: web-1, reason: r, expires: {today(0)}}}\n",
    )
    _, report, _ = scan_report(cli, fleet)
    assert by_rule(report)["LS004/web-1"]["suppressed"] is not None


def test_unused_suppression_is_a_warning_not_a_failure(
    cli: Cli, fleet: Path, tmp_path: Path
) -> None:
    write_config(
        tmp_path,
        "suppressions:\n  - {rule: LS001, resource: web-1, reason: r}\n"
        "  - {rule: LS004, resource: nothing-*, reason: r}\n",
    )
    code, report, _ = scan_report(cli, fleet, "--fail-on", "never")
    assert code == 0
    assert len(report["warnings"]) == 2
    assert all(w.endswith("is unused: it matched no finding") for w in report["warnings"])


def test_indeterminate_results_are_never_suppressed(cli: Cli, tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.json"
    odd = passing_instance("odd", addOns=[{"status": "Enabled"}])
    fleet.write_text(json.dumps({"instances": [odd]}))
    write_config(tmp_path, "suppressions:\n  - {rule: LS003, resource: odd, reason: r}\n")
    code, report, _ = scan_report(cli, fleet)
    assert code == 2
    assert by_rule(report)["LS003/odd"]["status"] == "error"
    assert by_rule(report)["LS003/odd"]["suppressed"] is None


# ---------------------------------------------------------------- tag suppressions


def tagged_fleet(tmp_path: Path, value: str) -> Path:
    instance = passing_instance(
        "tagged", metadataOptions={}, tags=[{"key": "lslint:ignore", "value": value}]
    )
    path = tmp_path / "tagged.json"
    path.write_text(json.dumps({"instances": [instance]}))
    return path


def test_tag_suppressions_are_off_by_default(cli: Cli, tmp_path: Path) -> None:
    code, report, _ = scan_report(cli, tagged_fleet(tmp_path, "LS002, required-tags-missing"))
    assert code == 1
    assert all(f["suppressed"] is None for f in report["findings"])


def test_tag_suppressions_when_allowed(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "allow_tag_suppressions: true\n")
    tags = "ls002, Required-Tags-Missing LS999"  # rule ids and names in any case
    code, report, _ = scan_report(cli, tagged_fleet(tmp_path, tags))
    assert code == 0
    findings = by_rule(report)
    assert findings["LS002/tagged"]["suppressed"]["reason"] == "tag lslint:ignore"
    assert findings["LS004/tagged"]["suppressed"]["source"] == "tag"
    assert report["warnings"] == ["tag lslint:ignore on tagged names unknown rule 'LS999'"]


def test_tag_suppressions_read_the_tags_of_the_resource_found(cli: Cli, tmp_path: Path) -> None:
    # Two instances without an ARN share a name (hand-written files, other regions): each
    # finding is accepted by its own resource's tags, not by those of its namesake.
    write_config(tmp_path, "allow_tag_suppressions: true\n")
    ignored = passing_instance("web", tags=[{"key": "lslint:ignore", "value": "LS002"}])
    other = passing_instance("web", location={"regionName": "eu-west-2"})
    for instance in (ignored, other):
        del instance["arn"]
        instance["metadataOptions"] = {"httpTokens": "optional"}
    for order in ([ignored, other], [other, ignored]):
        code, report, _ = scan_report(cli, write_fleet(tmp_path, *order))
        accepted = {
            f["region"]: f["suppressed"] is not None
            for f in report["findings"]
            if f["rule_id"] == "LS002"
        }
        assert accepted == {"us-east-1": True, "eu-west-2": False}
        assert code == 1


def test_allow_tag_suppressions_must_be_a_boolean(cli: Cli, fleet: Path, tmp_path: Path) -> None:
    write_config(tmp_path, "allow_tag_suppressions: yes please\n")
    assert_one_error(cli(["scan", "--input", str(fleet)]), "'allow_tag_suppressions'")


# ---------------------------------------------------------------- baselines


def test_baseline_lets_only_new_findings_count(cli: Cli, fleet: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    code, _, _ = scan_report(cli, fleet, "--write-baseline", str(baseline))
    assert code == 0  # recording a baseline is not a gate
    document = json.loads(baseline.read_text())
    assert document["format"] == "lslint-baseline"
    assert {(f["rule_id"], f["resource_name"]) for f in document["findings"]} == {
        ("LS004", "web-1"),
        ("LS002", "db-1"),
    }

    code, report, _ = scan_report(cli, fleet, "--baseline", str(baseline))
    assert code == 0
    assert all(f["baselined"] for f in report["findings"])
    assert report["summary"]["baselined"] == 2 and report["summary"]["counted"] == 0
    text = cli(["scan", "--input", str(fleet), "--baseline", str(baseline)]).stdout
    assert "[baselined]" in text

    grown = tmp_path / "grown.json"
    new = passing_instance("new-1", addOns=[])  # LS003
    ssh = {"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrs": ["0.0.0.0/0"]}
    changed = {**DB, "networking": {"ports": [{**ssh, "accessFrom": "Custom"}]}}  # LS001
    grown.write_text(json.dumps({"instances": [WEB, changed, new]}))
    code, report, _ = scan_report(cli, grown, "--baseline", str(baseline))
    assert code == 1
    counting = {k for k, f in by_rule(report).items() if not f["baselined"]}
    assert counting == {"LS001/db-1", "LS003/new-1"}


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "baseline is not valid JSON"),
        ('{"instances": []}', "not an lslint baseline"),
        ("[]", "not an lslint baseline"),
        ('{"format": "lslint-baseline", "version": 2, "findings": []}', "unsupported baseline"),
        ('{"format": "lslint-baseline", "version": 1, "findings": {}}', "must be a list"),
        ('{"format": "lslint-baseline", "version": 1, "findings": [{}]}', "has no fingerprint"),
    ],
)
def test_corrupt_or_foreign_baseline_is_an_error(
    cli: Cli, fleet: Path, tmp_path: Path, content: str, fragment: str
) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(content)
    result = cli(["scan", "--input", str(fleet), "--baseline", str(baseline)])
    assert_one_error(result, fragment, where=str(baseline))


def test_missing_baseline_is_an_error(cli: Cli, fleet: Path, tmp_path: Path) -> None:
    result = cli(["scan", "--input", str(fleet), "--baseline", str(tmp_path / "nope.json")])
    assert_one_error(result, "baseline not found")


def test_write_baseline_never_overwrites_an_input(cli: Cli, fleet: Path) -> None:
    before = fleet.read_text()
    result = cli(["scan", "--input", str(fleet), "--write-baseline", str(fleet)])
    assert_one_error(result, "would overwrite the input file")
    assert fleet.read_text() == before
