"""The ``json`` format: every finding and error, for scripts. Sorted and deterministic."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from lslint import jsontext
from lslint.findings import Finding, ScanError, ScanResult, Severity
from lslint.reporters.context import ReportContext, ScanContext

SCHEMA_VERSION = 1  # of the report's shape, described by docs/report.schema.json


def render_json(result: ScanResult, context: ReportContext) -> str:
    return "".join(stream_json(result, context))


def stream_json(result: ScanResult, context: ReportContext) -> Iterator[str]:
    """The report in pieces, each finding written as it is reached (see ``FindingText``)."""
    compliance = {rule.id: rule.compliance for rule in result.rules}
    document = {
        "tool": {"name": "lslint", "version": context.tool_version},
        "report_version": SCHEMA_VERSION,
        "scan": scan_to_dict(context.scan),
        "findings": jsontext.Each(result.findings, FindingText(compliance)),
        "errors": [error_to_dict(e) for e in result.errors],
        "warnings": list(result.warnings),
        "summary": summary(result, context),
    }
    # ASCII escapes keep the output valid UTF-8 even for lone surrogates in resource data.
    return jsontext.chunks(document)


class FindingText:
    """A finding's text in the report, exactly ``jsontext`` of :func:`finding_to_dict`, made
    without that dictionary: the members are written in their order by the C string encoder,
    the parts every finding of a rule shares (its id, name, severity, controls) once per
    rule, and only the nested values (evidence, suppression, override) by the JSON encoder."""

    def __init__(self, compliance: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        self._compliance = compliance
        self._encode = jsontext.encoder()
        self._heads: dict[tuple[Any, ...], str] = {}
        self._controls: dict[tuple[str, int], str] = {}

    def __call__(self, finding: Finding, level: int) -> str:
        encode, text = self._encode, self._text
        inner = level + 1
        gap = ",\n" + jsontext.INDENT * inner
        location = (
            encode({"path": finding.source_path, "line": finding.source_line}, inner)
            if finding.source_path
            else "null"
        )
        return "".join(
            (
                self._head(finding, level),
                text(finding.resource_arn, inner), gap, '"resource_name": ',
                text(finding.resource_name, inner), gap, '"region": ',
                text(finding.region, inner), gap, '"message": ',
                text(finding.message, inner), gap, '"evidence": ',
                encode(finding.evidence, inner), gap, '"remediation": ',
                text(finding.remediation, inner), gap, '"compliance": ',
                self._compliance_text(finding.rule_id, inner), gap, '"fingerprint": ',
                text(finding.fingerprint, inner), gap, '"suppressed": ',
                encode(finding.suppressed.to_dict(), inner) if finding.suppressed else "null",
                gap, '"baselined": ',
                encode(finding.baselined, inner), gap, '"override": ',
                encode(finding.override.to_dict(), inner) if finding.override else "null",
                gap, '"location": ',
                location, "\n", jsontext.INDENT * level, "}",
            )
        )  # fmt: skip

    def _text(self, value: Any, level: int) -> str:
        return _quote(value) if type(value) is str else self._encode(value, level)

    def _head(self, finding: Finding, level: int) -> str:
        """The members before the ARN, the same for every finding of one rule and status."""
        key = (finding.rule_id, finding.rule_name, finding.severity, finding.status,
               finding.resource_kind, level)  # fmt: skip
        head = self._heads.get(key)
        if head is None:
            inner = level + 1
            gap = ",\n" + jsontext.INDENT * inner
            text = self._text
            head = "".join(
                (
                    "{\n", jsontext.INDENT * inner, '"rule_id": ',
                    text(finding.rule_id, inner), gap, '"rule_name": ',
                    text(finding.rule_name, inner), gap, '"severity": ',
                    text(finding.severity.value, inner), gap, '"status": ',
                    text(finding.status, inner), gap, '"resource_type": ',
                    text(finding.resource_kind, inner), gap, '"resource_arn": ',
                )
            )  # fmt: skip
            self._heads[key] = head
        return head

    def _compliance_text(self, rule_id: str, level: int) -> str:
        text = self._controls.get((rule_id, level))
        if text is None:
            text = self._encode(_controls(self._compliance.get(rule_id, {})), level)
            self._controls[(rule_id, level)] = text
        return text


_quote = json.encoder.encode_basestring_ascii


def _controls(compliance: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    return {framework: list(controls) for framework, controls in sorted((compliance or {}).items())}


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
        "compliance": _controls(compliance),
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
    statuses, overridden = result.checks.status_counts()
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
        "overridden": overridden,
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
