"""The ``junit`` format: one test suite per region, one test case per rule x resource.

Written with the standard library's ElementTree; valid against junit-10.xsd (the Jenkins and
Surefire schema most CI dashboards follow). Every string is reduced to legal XML 1.0
characters (illegal ones are shown escaped, e.g. ``\\x00``) with ANSI escapes removed, because
one bad character makes most readers drop the whole report.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field

from lslint.findings import Check, Finding, ScanError, ScanResult
from lslint.reporters.escape import escape_match

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without ANSI escapes, with characters XML 1.0 forbids shown escaped."""
    return _NOT_XML.sub(escape_match, _ANSI.sub("", text))


def _one_line(text: str) -> str:
    return " ".join(xml_text(text).split())


@dataclass
class _Suite:
    cases: list[ET.Element] = field(default_factory=list)
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    names: set[tuple[str, str]] = field(default_factory=set)


def render_junit(result: ScanResult) -> str:
    findings = {(f.rule_id, f.resource_arn, f.resource_name): f for f in result.findings}
    rule_names = {rule.id: rule.name for rule in result.rules}
    suites: dict[str, _Suite] = defaultdict(_Suite)
    for error in result.errors:
        _add_source_error(suites[error.region or "unknown"], error)
    for check in result.checks:
        finding = findings.get((check.rule_id, check.resource_arn, check.resource_name))
        _add_check(suites[check.region], check, rule_names.get(check.rule_id, ""), finding)

    root = ET.Element("testsuites", name="lslint")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for region in sorted(suites):
        suite = suites[region]
        element = ET.SubElement(
            root,
            "testsuite",
            name=xml_text(f"lightsail.{region}"),
            tests=str(len(suite.cases)),
            failures=str(suite.failures),
            errors=str(suite.errors),
            skipped=str(suite.skipped),
            time="0",
        )
        element.extend(suite.cases)
        totals["tests"] += len(suite.cases)
        totals["failures"] += suite.failures
        totals["errors"] += suite.errors
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _case(suite: _Suite, classname: str, name: str, arn: str) -> ET.Element:
    key = (classname, name)
    if key in suite.names:  # two resources of the same name in one region (merged inputs)
        name = f"{name} ({arn})"
    suite.names.add((classname, name))
    return ET.Element("testcase", classname=xml_text(classname), name=xml_text(name), time="0")


def _add_check(suite: _Suite, check: Check, rule_name: str, finding: Finding | None) -> None:
    resource = (check.resource_name or "unnamed").replace(".", "_")
    classname = f"lightsail.{check.region}.{resource}"
    case = _case(suite, classname, f"{check.rule_id} {rule_name}".strip(), check.resource_arn)
    if finding is not None and finding.suppressed is not None:
        reason = finding.suppressed.reason
        ET.SubElement(case, "skipped", message=_one_line(f"suppressed: {reason}"))
        suite.skipped += 1
    elif finding is not None and finding.baselined:
        ET.SubElement(case, "skipped", message=_one_line(f"baselined: {finding.message}"))
        suite.skipped += 1
    elif finding is not None and check.status == "fail":
        failure = ET.SubElement(
            case, "failure", message=_one_line(finding.message), type=finding.severity.value
        )
        failure.text = xml_text(_details(finding))
        suite.failures += 1
    elif finding is not None and check.status == "error":
        error = ET.SubElement(
            case, "error", message=_one_line(finding.message), type="IndeterminateEvaluation"
        )
        error.text = xml_text(_details(finding))
        suite.errors += 1
    elif check.status == "skip":
        ET.SubElement(case, "skipped", message="not applicable")
        suite.skipped += 1
    suite.cases.append(case)


def _add_source_error(suite: _Suite, error: ScanError) -> None:
    classname = f"lightsail.{error.region or 'unknown'}"
    case = _case(suite, classname, f"{error.operation or 'read'} {error.source}", error.source)
    element = ET.SubElement(
        case, "error", message=_one_line(error.describe()), type=xml_text(error.code or "Error")
    )
    element.text = xml_text(f"{error.source}: {error.describe()}")
    suite.errors += 1
    suite.cases.append(case)


def _details(finding: Finding) -> str:
    lines = [
        finding.message,
        f"Rule: {finding.rule_id} {finding.rule_name} ({finding.severity.value})",
        f"Resource: {finding.resource_arn or finding.resource_name}",
        f"Region: {finding.region}",
    ]
    if finding.remediation:
        lines.append(f"Remediation: {finding.remediation}")
    return "\n".join(lines)
