"""The ``junit`` format: one test suite per region, one test case per rule x resource.

Written with the standard library's ElementTree; valid against junit-10.xsd (the Jenkins and
Surefire schema most CI dashboards follow). Text from resource data is escaped as in every
other format (``printable``): control characters, ANSI escapes, line breaks, bidirectional
overrides and invisible characters are shown as ``\\x1b``, ``\\x0a``, ``\\u202e``. That also
leaves only legal XML 1.0 characters, since one bad character makes most readers drop the
whole report. The only raw line breaks are lslint's own, between the lines of a failure's
details.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field

from lslint.escape import printable
from lslint.findings import Check, Finding, RuleInfo, ScanError, ScanResult
from lslint.reporters.context import ReportContext


def xml_text(text: str) -> str:
    """``text`` on one line, with every control, escape and invisible character shown escaped.

    ``printable`` escapes everything XML 1.0 forbids (C0 controls, lone surrogates,
    U+FFFE/U+FFFF), so the result is always legal XML text.
    """
    return printable(text)


@dataclass
class _Suite:
    cases: list[ET.Element] = field(default_factory=list)
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    names: set[tuple[str, str]] = field(default_factory=set)


def render_junit(result: ScanResult, context: ReportContext) -> str:
    findings = {(f.rule_id, f.resource_arn, f.resource_name): f for f in result.findings}
    rules = {rule.id: rule for rule in result.rules}
    suites: dict[str, _Suite] = defaultdict(_Suite)
    for error in result.errors:
        _add_source_error(suites[error.region or "unknown"], error)
    for check in result.checks:
        finding = findings.get((check.rule_id, check.resource_arn, check.resource_name))
        _add_check(suites[check.region], check, rules.get(check.rule_id), finding)

    root = ET.Element("testsuites", name="lslint")
    # JUnit readers take a time without a zone (the Ant schema's pattern); lslint's is UTC.
    timestamp = context.scan.scan_time().removesuffix("Z")
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
        if timestamp:
            element.set("timestamp", timestamp)
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


def _add_check(suite: _Suite, check: Check, rule: RuleInfo | None, finding: Finding | None) -> None:
    resource = (check.resource_name or "unnamed").replace(".", "_")
    # The kind keeps an instance and a bucket of the same name apart.
    classname = f"lightsail.{check.resource_kind}.{check.region}.{resource}"
    case = _case(
        suite, classname, f"{check.rule_id} {rule.name if rule else ''}".strip(), check.resource_arn
    )
    if finding is not None and finding.suppressed is not None:
        reason = finding.suppressed.reason
        ET.SubElement(case, "skipped", message=xml_text(f"suppressed: {reason}"))
        suite.skipped += 1
    elif finding is not None and finding.baselined:
        ET.SubElement(case, "skipped", message=xml_text(f"baselined: {finding.message}"))
        suite.skipped += 1
    elif finding is not None and check.status == "fail":
        failure = ET.SubElement(
            case, "failure", message=xml_text(finding.message), type=finding.severity.value
        )
        failure.text = _details(finding, rule)
        suite.failures += 1
    elif finding is not None and check.status == "error":
        error = ET.SubElement(
            case, "error", message=xml_text(finding.message), type="IndeterminateEvaluation"
        )
        error.text = _details(finding, rule)
        suite.errors += 1
    elif check.status == "skip":
        ET.SubElement(case, "skipped", message="not applicable")
        suite.skipped += 1
    suite.cases.append(case)


def _add_source_error(suite: _Suite, error: ScanError) -> None:
    classname = ".".join(["lightsail", *([error.kind] if error.kind else []),
                          error.region or "unknown"])  # fmt: skip
    case = _case(suite, classname, f"{error.operation or 'read'} {error.source}", error.source)
    element = ET.SubElement(
        case, "error", message=xml_text(error.describe()), type=xml_text(error.code or "Error")
    )
    element.text = xml_text(f"{error.source}: {error.describe()}")
    suite.errors += 1
    suite.cases.append(case)


def _details(finding: Finding, rule: RuleInfo | None) -> str:
    """The failure's body, one escaped field per line; remediation commands indented."""
    lines = [
        finding.message,
        f"Rule: {finding.rule_id} {finding.rule_name} ({finding.severity.value})",
        f"Resource: {finding.resource_arn or finding.resource_name}",
        f"Region: {finding.region}",
    ]
    if finding.remediation:
        advice, commands = _remediation_parts(finding.remediation, rule)
        lines.append(f"Remediation: {advice}")
        lines += [f"  {command}" for command in commands]
    return "\n".join(xml_text(line) for line in lines)


def _remediation_parts(remediation: str, rule: RuleInfo | None) -> tuple[str, list[str]]:
    """``(advice, commands)``: the rule's advice, then one entry per command lslint rendered.

    A rendered command never holds a line break (a value with control characters is shown as
    a stand-in), so after the advice every line is one command.
    """
    if rule is not None and remediation.startswith(rule.remediation):
        advice, rendered = rule.remediation, remediation[len(rule.remediation) :].lstrip("\n")
    else:
        advice, _, rendered = remediation.partition("\n")
    return advice, rendered.split("\n") if rendered else []
