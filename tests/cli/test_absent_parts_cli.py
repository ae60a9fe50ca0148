"""Scans of lists read through another list (``networking.ports.cidrs``) where an entry has no
such list: a count (with or without ``where``) or ``empty`` the known items cannot decide is
indeterminate (exit 2, an error finding saying why), never a pass and never a failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult, scan_report

Cli = Callable[..., CliResult]
ARN = "arn:aws:lightsail:us-east-1:111122223333:Instance/w"
SSH_WORLD = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrs": ["0.0.0.0/0"]}
HTTP_NO_CIDRS = {"protocol": "tcp", "fromPort": 80, "toPort": 80}
SSH_NO_CIDRS = {"protocol": "tcp", "fromPort": 22, "toPort": 22}

RULE = """\
lslint: 1
id: {id}
name: {name}
title: T
severity: high
resource: instance
description: d
remediation: {{text: r}}
fail_if: {fail_if}
message: "{{{{ resource.name }}}}: m"
tests:
  - {{name: fails, expect: fail, resource: {{networking: {{ports: [{{{fail_case}}}]}}}}}}
  - {{name: passes, expect: pass, resource: {{networking: {{ports: [{{{pass_case}}}]}}}}}}
"""

RULES = {
    "CNT001": (
        "many-world-cidrs",
        "{count: {path: networking.ports.cidrs, as: c, where: {path: c, cidr_is_world: true}, "
        "at_least: 3}}",
        "cidrs: [0.0.0.0/0, 0.0.0.0/0, 0.0.0.0/0]",
        "cidrs: [0.0.0.0/0]",
    ),
    "CNT002": (
        "many-cidrs",
        "{count: {path: networking.ports.cidrs, at_least: 3}}",
        "cidrs: [0.0.0.0/0, 0.0.0.0/0, 0.0.0.0/0]",
        "cidrs: [0.0.0.0/0]",
    ),
    "EMP001": (
        "ipv6-cidrs-present",
        "{path: networking.ports.ipv6Cidrs, empty: false}",
        "ipv6Cidrs: ['::/0']",
        "ipv6Cidrs: []",
    ),
    "EMP002": (
        "no-ipv4-restriction",
        "{path: networking.ports.cidrs, empty: true}",
        "cidrs: []",
        "cidrs: [10.0.0.0/8]",
    ),
}


def rules_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    for rule_id, (name, fail_if, fail_case, pass_case) in RULES.items():
        text = RULE.format(
            id=rule_id, name=name, fail_if=fail_if, fail_case=fail_case, pass_case=pass_case
        )
        (folder / f"{rule_id}.yaml").write_text(text, encoding="utf-8")
    return folder


def scan(cli: Cli, tmp_path: Path, rule_id: str, *entries: dict[str, Any]) -> tuple[int, Any]:
    instance = {
        "name": "web",
        "arn": ARN,
        "location": {"regionName": "us-east-1"},
        "networking": {"ports": list(entries)},
    }
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(json.dumps({"instances": [instance]}), encoding="utf-8")
    folder = rules_folder(tmp_path)
    code, report, _ = scan_report(cli, snapshot, "--rules", str(folder), "--select", rule_id)
    return code, report


@pytest.mark.parametrize(
    ("rule_id", "reason"),
    [
        ("CNT001", "count of networking.ports.cidrs is 1 or more: networking.ports.cidrs absent"),
        ("CNT002", "count of networking.ports.cidrs is 1 or more: networking.ports.cidrs absent"),
    ],
)
def test_a_count_the_entry_without_cidrs_could_change_is_indeterminate(
    cli: Cli, tmp_path: Path, rule_id: str, reason: str
) -> None:
    code, report = scan(cli, tmp_path, rule_id, SSH_WORLD, HTTP_NO_CIDRS)
    assert code == 2
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["status"]) == (rule_id, "error")
    assert finding["message"] == f"indeterminate: {reason}"
    assert report["summary"]["passed"] == 0
    assert report["summary"]["indeterminate"] == 1


def test_a_count_the_known_matches_decide_fails_whatever_the_entry_without_cidrs_holds(
    cli: Cli, tmp_path: Path
) -> None:
    three = {**SSH_WORLD, "cidrs": ["0.0.0.0/0", "0.0.0.0/00", "0::/0"]}
    code, report = scan(cli, tmp_path, "CNT001", three, HTTP_NO_CIDRS)
    assert code == 1
    assert [f["status"] for f in report["findings"]] == ["fail"]


@pytest.mark.parametrize(
    ("rule_id", "entries", "path"),
    [
        ("EMP002", (SSH_NO_CIDRS,), "networking.ports.cidrs"),  # was a silent pass
        ("EMP001", (SSH_NO_CIDRS,), "networking.ports.ipv6Cidrs"),  # was a made-up failure
        ("EMP001", (SSH_WORLD, HTTP_NO_CIDRS), "networking.ports.ipv6Cidrs"),
    ],
)
def test_empty_on_only_absent_lists_is_indeterminate(
    cli: Cli, tmp_path: Path, rule_id: str, entries: tuple[dict[str, Any], ...], path: str
) -> None:
    code, report = scan(cli, tmp_path, rule_id, *entries)
    assert code == 2
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["status"]) == (rule_id, "error")
    assert finding["message"] == f"indeterminate: {path}: list has absent items"


def test_one_known_cidr_decides_empty_whatever_the_entries_without_cidrs_hold(
    cli: Cli, tmp_path: Path
) -> None:
    code, report = scan(cli, tmp_path, "EMP002", SSH_WORLD, HTTP_NO_CIDRS)
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["passed"] == 1


def test_the_rules_embedded_tests_still_pass(cli: Cli, tmp_path: Path) -> None:
    result = cli(["rules", "test", str(rules_folder(tmp_path))])
    assert result.exit_code == 0, result.stdout + result.stderr


EXISTS_RULE = """\
lslint: 1
id: EXI001
name: firewall-without-cidrs
title: T
severity: high
resource: instance
description: d
remediation: {text: r}
fail_if: {path: networking.ports.cidrs, exists: false}
message: "{{ resource.name }}: no firewall entry says where it is open from"
tests:
  - {name: no entry holds cidrs, expect: fail, resource: {networking: {ports: [{protocol: tcp}]}}}
  - {name: one entry holds cidrs, expect: pass, resource: {networking: {ports: [{cidrs: []}, {}]}}}
"""


def scan_exists(cli: Cli, tmp_path: Path, networking: dict[str, Any]) -> tuple[int, Any]:
    folder = tmp_path / "exists-rules"
    folder.mkdir()
    (folder / "EXI001.yaml").write_text(EXISTS_RULE, encoding="utf-8")
    instance = {"name": "web", "arn": ARN, "location": {"regionName": "us-east-1"},
                "networking": networking}  # fmt: skip
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(json.dumps({"instances": [instance]}), encoding="utf-8")
    code, report, _ = scan_report(cli, snapshot, "--rules", str(folder), "--select", "EXI001")
    return code, report


def test_exists_false_fails_when_no_entry_holds_the_inner_list(cli: Cli, tmp_path: Path) -> None:
    # The entry's missing cidrs once read as a list of one null: present, and a silent pass.
    code, report = scan_exists(cli, tmp_path, {"ports": [SSH_NO_CIDRS]})
    assert code == 1
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["status"]) == ("EXI001", "fail")
    assert finding["message"] == "web: no firewall entry says where it is open from"
    assert report["summary"]["passed"] == 0


@pytest.mark.parametrize(
    "networking",
    [
        {"ports": [SSH_WORLD, HTTP_NO_CIDRS]},
        {"ports": [{**SSH_NO_CIDRS, "cidrs": []}, HTTP_NO_CIDRS]},  # held, though empty
        {"ports": []},  # no entries: no CIDR is missing
    ],
)
def test_exists_false_passes_when_an_entry_holds_the_inner_list(
    cli: Cli, tmp_path: Path, networking: dict[str, Any]
) -> None:
    code, report = scan_exists(cli, tmp_path, networking)
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["passed"] == 1


def test_the_exists_rules_embedded_tests_pass(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "EXI001.yaml").write_text(EXISTS_RULE, encoding="utf-8")
    result = cli(["rules", "test", str(tmp_path)])
    assert result.exit_code == 0, result.stdout + result.stderr
