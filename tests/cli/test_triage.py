"""Triage after the engine: suppressions pinned to one finding's fingerprint, warnings that
name only rules that ran, stale baseline entries, and the engine's independence from it."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lslint.api import scan as api_scan
from lslint.engine.evaluate import run
from lslint.engine.loader import load_rules
from lslint.findings import Acceptance
from lslint.gate import Gate
from lslint.inventory import Inventory, Resource
from lslint.models import Instance
from lslint.suppressions import Suppression, Suppressor
from lslint.triage import triage

from conftest import (
    EXAMPLES,
    ROOT,
    CliResult,
    assert_one_error,
    passing_instance,
    run_lslint,
    scan_report,
    world_open_port,
    write_config,
    write_fleet,
)

Cli = Callable[..., CliResult]


def bastion(*ports: int) -> dict[str, Any]:
    # Ports only LS001 reports (SSH and database ports have rules of their own as well).
    return passing_instance("bastion-1", networking={"ports": [world_open_port(p) for p in ports]})


def fingerprint_of(cli: Cli, fleet: Path, rule_id: str = "LS001") -> str:
    _, report, _ = scan_report(cli, fleet, "--select", rule_id)
    (finding,) = report["findings"]
    fingerprint: str = finding["fingerprint"]
    return fingerprint


def pin(rule: str, resource: str, fingerprint: str, reason: str = "SSH, reviewed") -> str:
    return (
        f"  - rule: {rule}\n    resource: {resource}\n    fingerprint: {fingerprint}\n"
        f"    reason: {reason}\n"
    )


# ---------------------------------------------------------------- pinned suppressions


def test_pinned_suppression_accepts_exactly_that_finding(cli: Cli, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, bastion(8022))
    fingerprint = fingerprint_of(cli, fleet)
    config = write_config(tmp_path, "suppressions:\n" + pin("LS001", "bastion-*", fingerprint))
    code, report, stderr = scan_report(cli, fleet)
    assert code == 0, report
    (finding,) = report["findings"]
    assert finding["suppressed"] == {
        "source": "config",
        "reason": "SSH, reviewed",
        "expires": None,
        "where": f"{config}:2:5",
        "fingerprint": fingerprint,
    }
    assert report["warnings"] == [] and stderr == ""


def test_pinned_suppression_stops_matching_when_the_evidence_changes(
    cli: Cli, tmp_path: Path
) -> None:
    fingerprint = fingerprint_of(cli, write_fleet(tmp_path, bastion(8022)))
    config = write_config(tmp_path, "suppressions:\n" + pin("LS001", "bastion-*", fingerprint))
    fleet = write_fleet(tmp_path, bastion(8022, 8443), name="later.json")
    code, report, stderr = scan_report(cli, fleet)
    assert code == 1
    (finding,) = report["findings"]
    assert finding["suppressed"] is None and finding["fingerprint"] != fingerprint
    (warning,) = report["warnings"]
    assert warning == (
        f"suppression of LS001 for 'bastion-*' pinned to fingerprint {fingerprint} "
        f"({config}:2:5) is stale: the finding's evidence changed, so its fingerprint did "
        f"(bastion-1 has {finding['fingerprint']})"
    )
    assert f"lslint: warning: {warning}" in stderr


def test_unpinned_suppression_hides_the_changed_finding_pinned_one_does_not(
    cli: Cli, tmp_path: Path
) -> None:
    fingerprint = fingerprint_of(cli, write_fleet(tmp_path, bastion(8022)))
    fleet = write_fleet(tmp_path, bastion(8022, 8443), name="later.json")
    write_config(tmp_path, "suppressions:\n  - {rule: LS001, resource: bastion-*, reason: SSH}\n")
    assert scan_report(cli, fleet)[0] == 0
    write_config(tmp_path, "suppressions:\n" + pin("LS001", "bastion-*", fingerprint))
    assert scan_report(cli, fleet)[0] == 1


def test_pinned_suppression_whose_finding_is_gone_is_unused(cli: Cli, tmp_path: Path) -> None:
    fingerprint = fingerprint_of(cli, write_fleet(tmp_path, bastion(8022)))
    config = write_config(tmp_path, "suppressions:\n" + pin("LS001", "bastion-*", fingerprint))
    code, report, _ = scan_report(cli, write_fleet(tmp_path, bastion(), name="fixed.json"))
    assert code == 0
    assert report["warnings"] == [
        f"suppression of LS001 for 'bastion-*' pinned to fingerprint {fingerprint} "
        f"({config}:2:5) is unused: no finding has this fingerprint (fixed, or its evidence "
        "changed)"
    ]


def test_pinned_suppression_needs_its_rule_and_resource_too(cli: Cli, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, bastion(8022))
    fingerprint = fingerprint_of(cli, fleet)
    write_config(tmp_path, "suppressions:\n" + pin("LS001", "web-*", fingerprint))
    assert scan_report(cli, fleet)[0] == 1
    write_config(tmp_path, "suppressions:\n" + pin("LS002", "bastion-*", fingerprint))
    assert scan_report(cli, fleet)[0] == 1


def test_fingerprint_is_read_case_insensitively(cli: Cli, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, bastion(8022))
    fingerprint = fingerprint_of(cli, fleet)
    write_config(tmp_path, "suppressions:\n" + pin("LS001", "bastion-1", fingerprint.upper()))
    assert scan_report(cli, fleet)[0] == 0


@pytest.mark.parametrize("value", ["abc123", "'" + "g" * 32 + "'", "'" + "a" * 33 + "'"])
def test_malformed_fingerprint_is_one_error(cli: Cli, tmp_path: Path, value: str) -> None:
    config = write_config(tmp_path, "suppressions:\n" + pin("LS001", "bastion-1", value))
    result = cli(["scan", "--input", str(write_fleet(tmp_path, bastion(8022)))])
    assert_one_error(
        result, "'suppressions.0.fingerprint': must be a finding fingerprint", where=f"{config}:4:5"
    )


def test_sarif_partial_fingerprint_pins_too(cli: Cli, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, bastion(8022))
    sarif = json.loads(cli(["scan", "--input", str(fleet), "-f", "sarif"]).stdout)
    (result,) = sarif["runs"][0]["results"]
    (fingerprint,) = result["partialFingerprints"].values()
    write_config(tmp_path, "suppressions:\n" + pin("LS001", "bastion-1", fingerprint))
    assert scan_report(cli, fleet)[0] == 0


# ---------------------------------------------------------------- unused warnings


@pytest.mark.parametrize(
    "options", [("--ignore", "LS001"), ("--select", "LS004"), ("--ignore", "port-open-to-world")]
)
def test_unused_warnings_only_name_rules_that_ran(
    cli: Cli, tmp_path: Path, options: tuple[str, ...]
) -> None:
    config = write_config(
        tmp_path,
        "suppressions:\n  - {rule: LS001, resource: web-*, reason: r}\n"
        "  - {rule: LS004, resource: web-*, reason: r}\n",
    )
    code, report, _ = scan_report(cli, write_fleet(tmp_path, bastion()), *options)
    assert code == 0
    assert report["warnings"] == [
        f"suppression of LS004 for 'web-*' ({config}:3:5) is unused: it matched no finding"
    ]


def test_rules_ignored_in_the_config_do_not_make_unused_warnings(cli: Cli, tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "rules:\n  ignore: [LS001]\nsuppressions:\n  - {rule: LS001, resource: x, reason: r}\n",
    )
    code, report, stderr = scan_report(cli, write_fleet(tmp_path, bastion(8022)))
    assert code == 0
    assert report["warnings"] == [] and stderr == ""


def test_a_suppression_matching_only_indeterminate_findings_is_not_called_unused(
    cli: Cli, tmp_path: Path
) -> None:
    config = write_config(tmp_path, "suppressions:\n  - {rule: LS014, resource: '*', reason: r}\n")
    unknown = [passing_instance(f"web-{i}") for i in (1, 2)]
    for instance in unknown:  # LS014 cannot judge an instance without its status checks
        del instance["instanceStatus"], instance["systemStatus"]
    code, report, _ = scan_report(cli, write_fleet(tmp_path, *unknown), "--select", "LS014")
    assert code == 2
    assert [f["status"] for f in report["findings"]] == ["error", "error"]
    assert all(f["suppressed"] is None for f in report["findings"])
    assert report["warnings"] == [
        f"suppression of LS014 for '*' ({config}:2:5) matched only 2 indeterminate findings, "
        "and indeterminate results cannot be suppressed: fix the data or the permissions so "
        "that the rule can judge the resource"
    ]


# ---------------------------------------------------------------- baselines


def test_scan_reports_baseline_entries_that_no_longer_match(cli: Cli, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    db = passing_instance("db-1", metadataOptions={"httpTokens": "optional"})  # LS002
    old = write_fleet(tmp_path, bastion(8022), db, name="old.json")
    scan_report(cli, old, "--write-baseline", str(baseline))
    assert len(json.loads(baseline.read_text())["findings"]) == 2

    code, report, stderr = scan_report(cli, old, "--baseline", str(baseline))
    assert code == 0 and report["warnings"] == [] and stderr == ""

    fixed_db = passing_instance("db-1")
    code, report, stderr = scan_report(
        cli, write_fleet(tmp_path, bastion(8022), fixed_db), "--baseline", str(baseline)
    )
    assert code == 0
    warning = (
        f"{baseline}: 1 of 2 entries no longer matches any finding (fixed, or the evidence "
        "changed); refresh it with --write-baseline (the same path may be given to both) "
        "to drop them"
    )
    assert report["warnings"] == [warning]
    assert f"lslint: warning: {warning}" in stderr

    changed = write_fleet(tmp_path, bastion(8022, 8443), fixed_db, name="changed.json")
    code, report, _ = scan_report(cli, changed, "--baseline", str(baseline))
    assert code == 1
    assert report["warnings"] == [warning.replace("1 of 2 entries no longer matches", "2 of 2 "
                                                  "entries no longer match")]  # fmt: skip


def baseline_entries(path: Path) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = json.loads(path.read_text())["findings"]
    return entries


def test_refreshing_a_baseline_in_place_with_a_narrower_scan_keeps_other_rules_entries(
    cli: Cli, tmp_path: Path
) -> None:
    fleet = tmp_path / "fleet.json"
    fleet.write_text((EXAMPLES / "fleet.json").read_text())
    full, baseline = tmp_path / "full.json", tmp_path / "baseline.json"
    assert cli(["scan", "-i", str(fleet), "--write-baseline", str(full)]).exit_code == 0
    assert cli(["scan", "-i", str(fleet), "--write-baseline", str(baseline)]).exit_code == 0
    result = cli(["scan", "-i", str(fleet), "--baseline", str(baseline), "--select", "LS001",
                  "--write-baseline", str(baseline)])  # fmt: skip
    assert result.exit_code == 0
    assert (
        f"lslint: wrote baseline {baseline}: 6 findings, and 48 entries of rules this scan did "
        "not run kept"
    ) in result.stderr
    assert baseline_entries(baseline) == baseline_entries(full)  # the same, in the same order
    assert scan_report(cli, fleet, "--baseline", str(baseline))[0] == 0


def test_refreshing_in_place_drops_entries_of_rules_that_ran_and_no_longer_match(
    cli: Cli, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    db = passing_instance("db-1", metadataOptions={"httpTokens": "optional"})  # LS002
    old = write_fleet(tmp_path, bastion(8022), db, name="old.json")
    scan_report(cli, old, "--write-baseline", str(baseline))
    assert [e["rule_id"] for e in baseline_entries(baseline)] == ["LS001", "LS002"]

    fixed = write_fleet(tmp_path, bastion(), db, name="fixed.json")  # the port is closed
    result = cli(["scan", "-i", str(fixed), "--baseline", str(baseline), "--select", "LS001",
                  "--write-baseline", str(baseline)])  # fmt: skip
    assert result.exit_code == 0
    assert (
        f"wrote baseline {baseline}: 0 findings, and 1 entry of rules this scan did not run kept"
    ) in result.stderr
    assert [e["rule_id"] for e in baseline_entries(baseline)] == ["LS002"]


def test_refreshing_in_place_from_inputs_of_fewer_kinds_keeps_the_other_kinds_entries(
    cli: Cli, tmp_path: Path
) -> None:
    # The estate's buckets, disks and databases were baselined with the fleet; a refresh from
    # `get-instances` output alone could judge none of them, so their entries stay.
    fleet, estate = EXAMPLES / "fleet.json", EXAMPLES / "estate.json"
    full, baseline = tmp_path / "full.json", tmp_path / "baseline.json"
    for path in (full, baseline):
        result = cli(["scan", "-i", str(fleet), "-i", str(estate), "--write-baseline", str(path)])
        assert result.exit_code == 0, result.stderr
    other_kinds = [e for e in baseline_entries(full) if ":Instance/" not in e["resource_arn"]]
    assert other_kinds
    result = cli(["scan", "-i", str(fleet), "--baseline", str(baseline),
                  "--write-baseline", str(baseline)])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert f"and {len(other_kinds)} entries of rules this scan did not run kept" in result.stderr
    assert baseline_entries(baseline) == baseline_entries(full)
    code, report, _ = scan_report(cli, fleet, "--baseline", str(baseline))
    assert code == 0 and report["warnings"] == []  # the estate's entries are not called stale


def test_a_suppression_of_a_kind_no_input_lists_is_not_called_unused(
    cli: Cli, tmp_path: Path
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("suppressions:\n  - {rule: LS100, resource: '*', reason: managed by DBA}\n")
    result = cli(["scan", "-i", str(EXAMPLES / "fleet.json"), "--config", str(config), "-f",
                  "json", "--fail-on", "never"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["warnings"] == []


def test_a_baseline_written_elsewhere_holds_only_this_scans_findings(
    cli: Cli, tmp_path: Path
) -> None:
    baseline, other = tmp_path / "baseline.json", tmp_path / "other.json"
    db = passing_instance("db-1", metadataOptions={"httpTokens": "optional"})  # LS002
    fleet = write_fleet(tmp_path, bastion(8022), db)
    scan_report(cli, fleet, "--write-baseline", str(baseline))
    result = cli(["scan", "-i", str(fleet), "--baseline", str(baseline), "--select", "LS001",
                  "--write-baseline", str(other)])  # fmt: skip
    assert f"lslint: wrote baseline {other}: 1 finding\n" in result.stderr
    assert [e["rule_id"] for e in baseline_entries(other)] == ["LS001"]
    assert len(baseline_entries(baseline)) == 2


def test_library_scan_takes_a_baseline(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, bastion(8022))
    (finding,) = api_scan([fleet]).findings
    result = api_scan([fleet], baseline={finding.fingerprint, "0" * 32})
    assert [f.baselined for f in result.findings] == [True]
    assert Gate.of(result, None).exit_code == 0
    assert result.warnings == [
        "baseline: 1 of 2 entries no longer matches any finding (fixed, or the evidence "
        "changed); refresh it with --write-baseline (the same path may be given to both) "
        "to drop them"
    ]


# ---------------------------------------------------------------- triage as one pass


def test_triage_marks_findings_after_the_engine_with_a_typed_record() -> None:
    rules = [r for r in load_rules([ROOT / "rules"]) if r.id == "LS001"]
    models = [Instance.model_validate(bastion(8022))]
    inventory = Inventory([Resource(m) for m in models])
    result = run(rules, inventory)
    (finding,) = result.findings
    assert finding.suppressed is None and finding.counts

    expires = date(2999, 1, 1)
    suppressor = Suppressor(
        [Suppression("LS001", "bastion-*", "SSH", expires, "cfg:3:5", finding.fingerprint)],
        today=date(2026, 1, 1),
    )
    triage(result, inventory, suppressor=suppressor)
    (accepted,) = result.findings
    assert accepted.suppressed == Acceptance(
        "config", "SSH", expires, "cfg:3:5", finding.fingerprint
    )
    assert not accepted.counts and result.warnings == []


def test_tag_suppressions_are_found_through_the_inventory() -> None:
    tagged = passing_instance("t", metadataOptions={"httpTokens": "optional"})
    tagged["tags"].append({"key": "lslint:ignore", "value": "LS002"})
    inventory = Inventory([Resource(Instance.model_validate(tagged))])
    result = run([r for r in load_rules([ROOT / "rules"]) if r.id == "LS002"], inventory)
    triage(result, inventory, suppressor=Suppressor(allow_tags=True, rule_keys={"ls002": "LS002"}))
    assert [f.suppressed for f in result.findings] == [Acceptance("tag", "tag lslint:ignore")]


ABOVE_THE_ENGINE = (
    "lslint.api", "lslint.baseline", "lslint.cli", "lslint.config", "lslint.overrides",
    "lslint.reporters", "lslint.sources", "lslint.suppressions", "lslint.triage",
)  # fmt: skip


def test_the_engine_imports_nothing_above_it() -> None:
    """Triage runs after the engine; the engine never reaches up to it (nor to the config)."""
    found = {}
    for path in sorted((ROOT / "lslint" / "engine").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            found.update({(path.name, m): m for m in modules if m.startswith(ABOVE_THE_ENGINE)})
    assert found == {}


def test_example_config_accepts_exactly_what_it_says(cli: Cli) -> None:
    config = ROOT / "examples" / "lslint-with-suppressions.yaml"
    fleet = ROOT / "examples" / "fleet.json"
    result = cli(["scan", "--config", str(config), "--input", str(fleet), "-f", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["warnings"] == []
    accepted = {
        (f["rule_id"], f["resource_name"]): f["suppressed"]
        for f in report["findings"]
        if f["suppressed"]
    }
    assert set(accepted) == {("LS001", "legacy-wordpress"), ("LS002", "legacy-wordpress")}
    assert accepted[("LS001", "legacy-wordpress")]["fingerprint"] is not None
    names = {(f["rule_id"], f["resource_name"]) for f in report["findings"]}
    assert ("LS001", "bastion-1") not in names and ("LS004", "ci-runner") not in names


@pytest.mark.parametrize("value", ["", "~", "null"])
def test_a_pin_without_a_value_is_refused_not_read_as_unpinned(tmp_path: Path, value: str) -> None:
    config = tmp_path / "cfg.yaml"
    config.write_text(
        "suppressions:\n  - rule: LS001\n    resource: '*'\n"
        f"    fingerprint: {value}\n    reason: x\n"
    )
    result = run_lslint(["scan", "-i", str(EXAMPLES / "fleet.json"), "--config", str(config)])
    assert result.exit_code == 2
    assert "fingerprint" in result.stderr and f"{config}:" in result.stderr


def test_an_entry_the_rule_cannot_judge_changes_the_fingerprint_a_pin_holds(
    tmp_path: Path,
) -> None:
    (before,) = api_scan([write_fleet(tmp_path, bastion(8022))], select=["LS001"]).findings
    vague = {"protocol": "tcp", "toPort": 5432, "accessFrom": "Anywhere (0.0.0.0/0)"}
    model = bastion(8022)
    model["networking"]["ports"].append(vague)
    path = tmp_path / "vague.json"
    path.write_text(json.dumps({"instances": [model]}))
    (after,) = api_scan([path], select=["LS001"]).findings
    assert after.status == "fail"
    assert after.fingerprint != before.fingerprint  # a pin of `before` no longer hides it
    assert "networking.ports (undecided)" in after.evidence


def test_stale_baseline_entries_count_only_rules_that_ran(cli: Cli, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    fleet = str(EXAMPLES / "fleet.json")
    assert cli(["scan", "-i", fleet, "--write-baseline", str(baseline)]).exit_code == 0
    result = cli(["scan", "-i", fleet, "--baseline", str(baseline), "--select", "LS002"])
    assert result.exit_code == 0
    assert "no longer match" not in result.stderr  # the other rules' entries were not checked


def test_a_partial_scan_calls_no_baseline_entry_stale(cli: Cli, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    fleet = json.loads((EXAMPLES / "fleet.json").read_text())
    full = tmp_path / "full.json"
    full.write_text(json.dumps(fleet))
    assert cli(["scan", "-i", str(full), "--write-baseline", str(baseline)]).exit_code == 0
    partial = tmp_path / "partial.json"
    denied = {"source": "aws", "region": "eu-west-2", "operation": "GetInstances",
              "code": "AccessDenied", "message": "no"}  # fmt: skip
    east = [i for i in fleet["instances"] if "us-east-1" in i["arn"]]
    snapshot = {"format": "lslint-snapshot", "version": 1, "regions": ["eu-west-2", "us-east-1"],
                "errors": [denied], "instances": east}  # fmt: skip
    partial.write_text(json.dumps(snapshot))
    result = cli(["scan", "-i", str(partial), "--baseline", str(baseline)])
    assert result.exit_code == 2
    assert "no longer match" not in result.stderr
