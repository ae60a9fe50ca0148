"""The ``gitlab`` format: a GitLab Code Quality report (``artifacts:reports:codequality``).

GitLab reads a JSON array of Code Climate issues. Its rules shape this file: every issue needs
``description``, ``fingerprint``, ``severity`` and ``location`` (GitLab stops reading at the
first issue that lacks one), issues are keyed by fingerprint (a duplicate replaces the first),
and the merge request widget compares fingerprints with the target branch's report, so they
must be stable from run to run. A finding keeps its own fingerprint, the one ``--baseline`` and
pinned suppressions use.

Suppressed and baselined findings are left out: they were accepted. Indeterminate checks and
sources that could not be read are issues of the highest level (``blocker``), so a scan that
cannot be trusted shows in the widget instead of looking clean.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from typing import Any

from lslint import jsontext
from lslint.escape import printable, without_surrogates
from lslint.findings import Finding, ScanError, ScanResult, Severity
from lslint.reporters.context import ReportContext
from lslint.reporters.locations import finding_location

LEVELS = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}
INCOMPLETE_LEVEL = "blocker"  # an untrustworthy scan outranks any single finding
SCAN_ERROR_CHECK = "scan-error"


def render_gitlab(result: ScanResult, context: ReportContext) -> str:
    """Code Quality issues for ``result``; file paths are made relative to the context's
    ``root``."""
    root, base = context.root, context.base
    issues = [_error_issue(error) for error in result.errors]
    issues += [
        _finding_issue(finding, root, base)
        for finding in result.findings
        if finding.suppressed is None and not finding.baselined
    ]
    issues.sort(key=_issue_order)
    document = without_surrogates(_unique_fingerprints(issues))
    # ASCII escapes keep the output valid UTF-8 even for lone surrogates in resource data.
    return jsontext.dumps(document)


def _issue(
    check: str, description: str, fingerprint: str, severity: str, path: str, line: int
) -> dict[str, Any]:
    return {
        "type": "issue",
        "engine_name": "lslint",
        "check_name": check,
        "categories": ["Security"],
        "description": printable(description),
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line}},
    }


def _finding_issue(
    finding: Finding, root: PurePath | None, base: PurePath | None
) -> dict[str, Any]:
    path, line = finding_location(finding, root, base)
    rule = f"{finding.rule_id} {finding.rule_name}"
    if finding.status == "error":
        description = f"Scan incomplete: {rule}: {finding.resource_name}: {finding.message}"
        severity = INCOMPLETE_LEVEL
    else:
        description = f"{rule}: {finding.message}"
        severity = LEVELS[finding.severity]
    return _issue(finding.rule_id, description, finding.fingerprint, severity, path, line)


def _error_issue(error: ScanError) -> dict[str, Any]:
    # Not the message: it may carry a request id, and the fingerprint must survive reruns.
    key = [SCAN_ERROR_CHECK, error.source, error.region, error.operation, error.code]
    return _issue(
        SCAN_ERROR_CHECK,
        f"Scan incomplete: {error.source}: {error.describe()}",
        _digest(json.dumps(key)),
        INCOMPLETE_LEVEL,
        f"lightsail/{_path_part(error.region) or 'unknown'}",
        1,
    )


def _path_part(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def _issue_order(issue: dict[str, Any]) -> tuple[str, int, str, str, str]:
    location = issue["location"]
    return (
        location["path"],
        location["lines"]["begin"],
        issue["check_name"],
        issue["description"],
        issue["fingerprint"],
    )


def _unique_fingerprints(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``issues`` with a repeated fingerprint re-derived, since GitLab keeps one per fingerprint.

    Findings share one only when the same rule saw the same evidence on resources with the same
    ARN or name (copies of an unnamed resource, say); the first keeps the original.
    """
    seen: set[str] = set()
    for issue in issues:
        fingerprint = issue["fingerprint"]
        copy = 1
        while fingerprint in seen:
            copy += 1
            fingerprint = _digest(f"{issue['fingerprint']}/{copy}")
        issue["fingerprint"] = fingerprint
        seen.add(fingerprint)
    return issues


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
