"""The ``json`` format: every finding and error, for scripts. Sorted and deterministic."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from lslint import jsontext
from lslint.findings import Finding, ScanError, ScanResult, Severity
from lslint.reporters.context import ReportContext, ScanContext

SCHEMA_VERSION = 1  # of the report's shape, described by docs/report.schema.json


def render_json(result: ScanResult, context: ReportContext) -> str:
    compliance = {rule.id: rule.compliance for rule in result.rules}
    document = {
        "tool": {"name": "lslint", "version": context.tool_version},
        "report_version": SCHEMA_VERSION,
        "scan": scan_to_dict(context.scan),
        "findings": [finding_to_dict(f, compliance.get(f.rule_id, {})) for f in result.findings],
        "errors": [error_to_dict(e) for e in result.errors],
        "warnings": list(result.warnings),
        "summary": summary(result, context),
    }
    # ASCII escapes keep the output valid UTF-8 even for lone surrogates in resource data.
    return jsontext.dumps(document)


def finding_to_dict(
    finding: Finding, compliance: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """``compliance`` is the rule's: framework -> controls, so that scripts can group
    findings by control without reading the rules."""
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "severity": finding.severity.value,
        "status": finding.status,
        "resource_type": finding.resource_kind,
        "resource_arn": finding.resource_arn,
        "resource_name": finding.resource_name,
        "region": finding.region,
        "message": finding.message,
        "evidence": finding.evidence,
        "remediation": finding.remediation,
        "compliance": {
            framework: list(controls) for framework, controls in sorted((compliance or {}).items())
        },
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppressed.to_dict() if finding.suppressed else None,
        "baselined": finding.baselined,
        "override": finding.override.to_dict() if finding.override else None,
        "location": {"path": finding.source_path, "line": finding.source_line}
        if finding.source_path
        else None,
    }


def error_to_dict(error: ScanError) -> dict[str, Any]:
    return {
        "source": error.source,
        "region": error.region,
        "kind": error.kind,
        "operation": error.operation,
        "code": error.code,
        "message": error.message,
    }


def scan_to_dict(scan: ScanContext) -> dict[str, Any]:
    return {
        "started_at": scan.started_at.isoformat() if scan.started_at else None,
        "inputs": list(scan.inputs),
        "regions": list(scan.regions),
        "accounts": list(scan.accounts),
    }


def summary(result: ScanResult, context: ReportContext) -> dict[str, Any]:
    """Counts for people and scripts; ``by_severity`` and ``counted`` leave out violations
    that were suppressed or baselined. ``failing`` is the gate's own number: the counted
    findings at or above ``fail_on``; ``exit_code`` is lslint's."""
    gate = context.gate(result)
    counted = [f for f in result.findings if f.counts]
    by_severity = Counter(f.severity for f in counted)
    statuses = Counter(c.status for c in result.checks)
    return {
        "resources": result.resource_count,
        "rules": len(result.rules),
        "checks": len(result.checks),
        "passed": statuses["pass"],
        "failed": statuses["fail"],
        "indeterminate": statuses["error"],
        "not_applicable": statuses["skip"],
        # Checks judged with a per-resource override: an override can make a rule pass, so
        # how often one was used is always shown, with or without findings.
        "overridden": sum(1 for c in result.checks if c.overridden),
        "counted": len(counted),
        "suppressed": sum(1 for f in result.findings if f.suppressed is not None),
        "baselined": sum(1 for f in result.findings if f.baselined),
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "by_severity": {s.value: by_severity[s] for s in reversed(Severity)},
        "fail_on": gate.fail_on_name,
        "failing": gate.failing,
        "gate": gate.status,
        "exit_code": gate.exit_code,
    }
