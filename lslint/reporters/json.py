"""The ``json`` format: every finding and error, for scripts. Sorted and deterministic."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from lslint import __version__
from lslint.findings import Finding, ScanError, ScanResult, Severity


def render_json(result: ScanResult) -> str:
    document = {
        "tool": {"name": "lslint", "version": __version__},
        "findings": [finding_to_dict(f) for f in result.findings],
        "errors": [error_to_dict(e) for e in result.errors],
        "summary": summary(result),
    }
    # ASCII escapes keep the output valid UTF-8 even for lone surrogates in resource data.
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "severity": finding.severity.value,
        "status": finding.status,
        "resource_arn": finding.resource_arn,
        "resource_name": finding.resource_name,
        "region": finding.region,
        "message": finding.message,
        "evidence": finding.evidence,
        "remediation": finding.remediation,
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppressed,
        "location": {"path": finding.source_path, "line": finding.source_line}
        if finding.source_path
        else None,
    }


def error_to_dict(error: ScanError) -> dict[str, Any]:
    return {
        "source": error.source,
        "region": error.region,
        "operation": error.operation,
        "code": error.code,
        "message": error.message,
    }


def summary(result: ScanResult) -> dict[str, Any]:
    failures = [f for f in result.findings if f.status == "fail"]
    by_severity = Counter(f.severity for f in failures)
    statuses = Counter(c.status for c in result.checks)
    return {
        "resources": result.resource_count,
        "rules": len(result.rules),
        "checks": len(result.checks),
        "passed": statuses["pass"],
        "failed": statuses["fail"],
        "indeterminate": statuses["error"],
        "not_applicable": statuses["skip"],
        "errors": len(result.errors),
        "by_severity": {s.value: by_severity[s] for s in reversed(Severity)},
    }
