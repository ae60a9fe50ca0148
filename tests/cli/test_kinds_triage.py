"""Suppressions, per-resource overrides and baselines work for resources of every kind, not
only instances: they select by name, ARN and tag whatever the kind, and certificates (whose
entries name themselves certificateName and certificateArn) are found like the rest."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from standin import make_resources

from conftest import CliResult, scan_report, write_config

Cli = Callable[..., CliResult]

DISK_RULE = """\
lslint: 1
id: K001
name: disk-too-large
title: Disk larger than allowed
severity: medium
resource: disk
description: d
remediation: {text: r}
params:
  max_gb: {type: integer, default: 16, description: The largest disk allowed.}
fail_if: {path: sizeInGb, gt: {param: max_gb}}
message: "{{ resource.name }}: {{ sizeInGb }} GB"
tests:
  - {name: small, expect: pass, resource: {sizeInGb: 8}}
  - {name: large, expect: fail, resource: {sizeInGb: 32}}
"""

CERTIFICATE_RULE = """\
lslint: 1
id: K002
name: certificate-issued
title: Certificate issued
severity: high
resource: certificate
description: d
remediation: {text: r}
fail_if: {path: certificateDetail.status, equals: ISSUED}
message: "{{ resource.name }}: {{ certificateDetail.domainName }}"
tests:
  - {name: pending, expect: pass, resource: {certificateDetail: {status: PENDING_VALIDATION}}}
  - {name: issued, expect: fail, resource: {certificateDetail: {status: ISSUED}}}
"""


def estate(folder: Path) -> Path:
    """Three disks and three certificates in us-east-1, as the AWS CLI prints them."""
    disks = make_resources("disk", "us-east-1", 3)
    disks[2]["tags"] = [{"key": "Tier", "value": "archive"}]
    path = folder / "estate.json"
    path.write_text(
        json.dumps(
            {
                "format": "lslint-snapshot",
                "version": 2,
                "regions": ["us-east-1"],
                "kinds": ["disk", "certificate"],
                "errors": [],
                "disks": disks,
                "certificates": make_resources("certificate", "us-east-1", 3),
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return path


def rules(folder: Path) -> str:
    (folder / "rules").mkdir()
    (folder / "rules" / "K001.yaml").write_text(DISK_RULE, encoding="utf-8")
    (folder / "rules" / "K002.yaml").write_text(CERTIFICATE_RULE, encoding="utf-8")
    return str(folder / "rules")


def by_resource(report: dict[str, object]) -> dict[str, dict[str, object]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["resource_name"]: f for f in findings}


def test_suppressions_and_overrides_select_resources_of_other_kinds(
    cli: Cli, tmp_path: Path
) -> None:
    write_config(
        tmp_path,
        """\
rules:
  paths: [rules]
  select: [K001, K002]
overrides:
  - rule: disk-too-large
    resources: [disks-us-east-1-000]
    params: {max_gb: 64}
    reason: the database's data disk
  - rule: disk-too-large
    tags: {Tier: archive}
    params: {max_gb: 100}
    reason: archive disks are large by design
suppressions:
  - rule: K002
    resource: certificates-us-east-1-00[01]
    reason: issued on purpose
  - rule: K002
    resource: arn:aws:lightsail:us-east-1:111122223333:Certificate/cert-000002
    reason: by ARN
""",
    )
    rules(tmp_path)
    code, report, _ = scan_report(cli, estate(tmp_path))
    found = by_resource(report)
    assert sorted(found) == ["certificates-us-east-1-000", "certificates-us-east-1-001",
                             "certificates-us-east-1-002", "disks-us-east-1-001"]  # fmt: skip
    assert found["disks-us-east-1-001"]["suppressed"] is None  # no override: 32 > 16
    reasons = {name: f["suppressed"]["reason"] for name, f in found.items() if f["suppressed"]}
    assert reasons == {
        "certificates-us-east-1-000": "issued on purpose",
        "certificates-us-east-1-001": "issued on purpose",
        "certificates-us-east-1-002": "by ARN",
    }
    assert report["summary"]["overridden"] == 2
    assert code == 1


def test_a_baseline_accepts_findings_on_resources_of_other_kinds(cli: Cli, tmp_path: Path) -> None:
    snapshot = estate(tmp_path)
    args = ["--rules", rules(tmp_path), "--select", "K001,K002"]
    recorded = cli(["scan", "-i", str(snapshot), *args, "--write-baseline", "base.json"])
    assert recorded.exit_code == 0, recorded.stderr
    code, report, _ = scan_report(cli, snapshot, *args, "--baseline", "base.json")
    assert code == 0
    kinds = {(f["resource_type"], f["baselined"]) for f in report["findings"]}
    assert kinds == {("disk", True), ("certificate", True)}
    assert len(report["findings"]) == 6
