"""JUnit and GitLab reports written in pieces: made a batch of test cases or one issue at a
time, byte for byte the text the whole document gave (one ElementTree of every suite and case,
indented and serialised; every issue's dictionary, sorted and dumped)."""

from __future__ import annotations

import json
import weakref
import xml.etree.ElementTree as ET
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath
from typing import Any

import pytest
import xmlschema
from hypothesis import given
from hypothesis import strategies as st

from lslint import jsontext
from lslint.escape import printable, without_surrogates
from lslint.findings import (
    Acceptance,
    Check,
    CheckLog,
    Finding,
    RuleInfo,
    ScanError,
    ScanResult,
    Severity,
    Status,
)
from lslint.output import write_all
from lslint.reporters import junit, render, render_chunks
from lslint.reporters.context import ReportContext, ScanContext
from lslint.reporters.gitlab import (
    INCOMPLETE_LEVEL,
    LEVELS,
    SCAN_ERROR_CHECK,
    _digest,
    _path_part,
)
from lslint.reporters.junit import xml_text
from lslint.reporters.locations import finding_location

from conftest import SCAN_TIME, SCHEMAS

LONE = json.loads('"\\ud800"')
FORMATS = ("junit", "gitlab")


# --------------------------------------- the whole-document reports, as they were written before


@dataclass
class _Suite:
    cases: list[ET.Element] = field(default_factory=list)
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    names: set[tuple[str, str]] = field(default_factory=set)


def whole_junit(result: ScanResult, context: ReportContext) -> str:
    """The JUnit report as one tree of every suite and case, indented and serialised."""
    # A failed or indeterminate check takes the next finding of its rule, resource and status.
    findings: dict[tuple[str, ...], deque[Finding]] = defaultdict(deque)
    for f in result.findings:
        key = (f.rule_id, f.resource_kind, f.region, f.resource_arn, f.resource_name, f.status)
        findings[key].append(f)
    rules = {rule.id: rule for rule in result.rules}
    suites: dict[str, _Suite] = defaultdict(_Suite)
    for error in result.errors:
        _add_source_error(suites[error.region or "unknown"], error)
    for check in result.checks:
        key = (check.rule_id, check.resource_kind, check.region, check.resource_arn,
               check.resource_name, check.status)  # fmt: skip
        queue = findings.get(key) if check.status in ("fail", "error") else None
        finding = queue.popleft() if queue else None
        _add_check(suites[check.region], check, rules.get(check.rule_id), finding)
    root = ET.Element("testsuites", name="lslint")
    timestamp = context.scan.scan_time().removesuffix("Z")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for region in sorted(suites):
        suite = suites[region]
        element = ET.SubElement(
            root, "testsuite", name=xml_text(f"lightsail.{region}"),
            tests=str(len(suite.cases)), failures=str(suite.failures),
            errors=str(suite.errors), skipped=str(suite.skipped), time="0",
        )  # fmt: skip
        if timestamp:
            element.set("timestamp", timestamp)
        element.extend(suite.cases)
        totals["tests"] += len(suite.cases)
        totals["failures"] += suite.failures
        totals["errors"] += suite.errors
    for name, total in totals.items():
        root.set(name, str(total))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _case(suite: _Suite, classname: str, name: str, arn: str) -> ET.Element:
    if (classname, name) in suite.names:
        name = f"{name} ({arn})"
    suite.names.add((classname, name))
    return ET.Element("testcase", classname=xml_text(classname), name=xml_text(name), time="0")


def _add_check(suite: _Suite, check: Check, rule: RuleInfo | None, finding: Finding | None) -> None:
    resource = (check.resource_name or "unnamed").replace(".", "_")
    classname = f"lightsail.{check.resource_kind}.{check.region}.{resource}"
    name = f"{check.rule_id} {rule.name if rule else ''}".strip()
    case = _case(suite, classname, name, check.resource_arn)
    if finding is not None and finding.suppressed is not None:
        message = xml_text(f"suppressed: {finding.suppressed.reason}")
        ET.SubElement(case, "skipped", message=message)
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


def whole_gitlab(result: ScanResult, context: ReportContext) -> str:
    """The GitLab report as a list of every issue's dictionary, sorted and dumped."""
    issues = [_error_issue(error) for error in result.errors]
    issues += [
        _finding_issue(finding, context.root, context.base)
        for finding in result.findings
        if finding.suppressed is None and not finding.baselined
    ]
    issues.sort(
        key=lambda issue: (
            issue["location"]["path"], issue["location"]["lines"]["begin"],
            issue["check_name"], issue["description"], issue["fingerprint"],
        )
    )  # fmt: skip
    seen: set[str] = set()
    for issue in issues:
        fingerprint, copy = issue["fingerprint"], 1
        while fingerprint in seen:
            copy += 1
            fingerprint = _digest(f"{issue['fingerprint']}/{copy}")
        issue["fingerprint"] = fingerprint
        seen.add(fingerprint)
    return jsontext.dumps(without_surrogates(issues))


def _issue(
    check: str, description: str, fingerprint: str, severity: str, path: str, line: int
) -> dict[str, Any]:
    return {
        "type": "issue", "engine_name": "lslint", "check_name": check,
        "categories": ["Security"], "description": printable(description),
        "fingerprint": fingerprint, "severity": severity,
        "location": {"path": path, "lines": {"begin": line}},
    }  # fmt: skip


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
    key = [SCAN_ERROR_CHECK, error.source, error.region, error.operation, error.code]
    return _issue(
        SCAN_ERROR_CHECK, f"Scan incomplete: {error.source}: {error.describe()}",
        _digest(json.dumps(key)), INCOMPLETE_LEVEL,
        f"lightsail/{_path_part(error.region) or 'unknown'}", 1,
    )  # fmt: skip


WHOLE = {"junit": whole_junit, "gitlab": whole_gitlab}


# ------------------------------------------------------------------------------- results

RULES = [
    RuleInfo(
        id=rule_id, name=name, title="Title", severity=Severity.HIGH, description="Why.",
        remediation="Close it.", remediation_command="aws lightsail x", references=(), tags=(),
    )
    for rule_id, name in (("LS001", "port-open"), ("LS002", "imds-caf\u00e9"), ("LS003", "x"))
]  # fmt: skip
NAMES = ["web", "a.b", "a_b", "", "unnamed", f"lone{LONE}", "caf\u00e9 \u202e", "red\x1b[31m\nx"]
REGIONS = ["us-east-1", "eu-west-2", "", "unknown", 'a<b&"c']
RULE_IDS = ["LS001", "LS002", "LS003", "ACME9"]  # ACME9: a check of a rule not described
MESSAGES = ["open: tcp/22", 'quoted "x" & <y>\ttab', f"lone {LONE}", "caf\u00e9\x00\x85"]
FINGERPRINTS = ["f" * 32, "e" * 32, f"{LONE}" + "d" * 31]
PATHS = [("", 0), ("snapshots/fleet.json", 3), ("snapshots/fleet.json", 9), ("<stdin>", 4),
         ("../outside.json", 2), ("caf\u00e9 #1.json", 5)]  # fmt: skip
STATUSES: tuple[Status, ...] = ("pass", "fail", "skip")
ACCEPTANCE = Acceptance("config", "reviewed\x1b[2J", date(2027, 3, 31), "cfg:3:5")


def make_finding(check: Check, index: int, **fields: Any) -> Finding:
    path, line = PATHS[index % len(PATHS)]
    base: dict[str, Any] = {
        "rule_id": check.rule_id,
        "rule_name": "port-open" if index % 5 else f"other{LONE}",
        "severity": list(Severity)[index % 5],
        "status": "error" if check.status == "error" else "fail",
        "resource_kind": check.resource_kind,
        "resource_arn": check.resource_arn,
        "resource_name": check.resource_name,
        "region": check.region,
        "message": MESSAGES[index % len(MESSAGES)],
        "evidence": {},
        "remediation_text": ["Close it.", "", "Other advice."][index % 3],
        "remediation_commands": ("aws lightsail close --name 'web'",) if index % 2 else (),
        "fingerprint": FINGERPRINTS[index % len(FINGERPRINTS)],
        "source_path": path,
        "source_line": line,
    }
    base.update(fields)
    return Finding(**base)


def varied_result() -> ScanResult:
    """Every kind of case and issue: passes, failures, indeterminate and not applicable
    checks, suppressed and baselined findings, sources that could not be read (with and
    without a region or a kind), two resources of one name in a region, names that become
    the same class name, shared fingerprints, control characters, lone surrogates."""
    checks: list[Check] = []
    findings: list[Finding] = []
    statuses: tuple[Status, ...] = ("pass", "fail", "error", "skip", "fail")
    for index, name in enumerate([*NAMES, "web"]):  # the second "web" has its own ARN
        region = REGIONS[index % len(REGIONS)] if name != "web" else "us-east-1"
        kind = "bucket" if index == 3 else "instance"
        arn = f"arn:aws:lightsail:{region}:111122223333:Thing/{index}" if index != 4 else ""
        for number, rule_id in enumerate(RULE_IDS):
            status = statuses[(index + number) % len(statuses)]
            check = Check(rule_id, kind, arn, name, region, status)
            checks.append(check)
            if status in ("fail", "error"):
                accepted: dict[str, Any] = {}
                if (index + number) % 6 == 1:
                    accepted = {"suppressed": ACCEPTANCE}
                elif (index + number) % 6 == 4:
                    accepted = {"baselined": True}
                findings.append(make_finding(check, index + number, **accepted))
    errors = [
        ScanError("aws", "GetInstances", "Throttling", "slow\ndown", "us-east-1", "instance"),
        ScanError("aws", "GetInstances", "Throttling", "again", "us-east-1", "instance"),
        ScanError("fleet.json", "", "", f"bad {LONE} file", ""),
        ScanError("aws", "GetBuckets", "AccessDenied", "no", "eu-west-2", "bucket"),
    ]
    result = ScanResult(
        rules=list(RULES),
        findings=findings,
        checks=CheckLog(checks),
        errors=errors,
        resource_count=9,
    )
    result.sort()
    return result


CONTEXTS = [
    ReportContext(scan=ScanContext(started_at=SCAN_TIME)),
    ReportContext(root=PurePath("/repo"), base=PurePath("/repo/snapshots/..")),
]


@st.composite
def scan_results(draw: st.DrawFn) -> ScanResult:
    """Small results from few names, regions and fingerprints, so that they collide."""
    checks = draw(
        st.lists(
            st.builds(
                Check,
                st.sampled_from(RULE_IDS),
                st.sampled_from(["instance", "bucket"]),
                st.sampled_from(["arn:1", "arn:2", ""]),
                st.sampled_from(NAMES),
                st.sampled_from(REGIONS),
                st.sampled_from(["pass", "fail", "error", "skip"]),
            ),
            max_size=25,
        )
    )
    findings = [
        make_finding(
            check,
            draw(st.integers(0, 59)),
            suppressed=draw(st.sampled_from([None, None, ACCEPTANCE])),
            baselined=draw(st.booleans()),
        )
        for check in checks
        if check.status in ("fail", "error") or draw(st.integers(0, 9)) == 0
    ]
    errors = draw(
        st.lists(
            st.builds(
                ScanError,
                st.sampled_from(["aws", "fleet.json", f"s{LONE}"]),
                st.sampled_from(["GetInstances", ""]),
                st.sampled_from(["Throttling", ""]),
                st.sampled_from(MESSAGES),
                st.sampled_from(REGIONS),
                st.sampled_from(["", "instance"]),
            ),
            max_size=4,
        )
    )
    result = ScanResult(
        rules=list(RULES), findings=findings, checks=CheckLog(checks), errors=errors
    )
    if draw(st.booleans()):
        result.sort()
    return result


# --------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("context", CONTEXTS)
def test_the_report_in_pieces_is_the_whole_documents_text(
    fmt: str, context: ReportContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(junit, "BATCH", 3)
    monkeypatch.setattr(jsontext, "CHUNK", 100)
    scan = varied_result()
    expected = WHOLE[fmt](scan, context)
    assert "".join(render_chunks(fmt, scan, context)) == expected
    assert render(fmt, scan, context) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_result_is_the_whole_documents_text(fmt: str) -> None:
    empty, context = ScanResult(), CONTEXTS[0]
    assert "".join(render_chunks(fmt, empty, context)) == WHOLE[fmt](empty, context)


@given(scan=scan_results(), context=st.sampled_from(CONTEXTS), batch=st.integers(1, 5))
def test_any_result_in_pieces_is_the_whole_documents_text(
    scan: ScanResult, context: ReportContext, batch: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(junit, "BATCH", batch)
        for fmt in FORMATS:
            assert "".join(render_chunks(fmt, scan, context)) == WHOLE[fmt](scan, context)


def test_the_varied_result_reaches_the_cases_it_was_made_for() -> None:
    scan, context = varied_result(), CONTEXTS[0]
    cases = ET.fromstring(render("junit", scan, context).encode()).iter("testcase")
    names = [case.get("name", "") for case in cases]
    assert "LS001 port-open (arn:aws:lightsail:us-east-1:111122223333:Thing/8)" in names
    assert "GetInstances aws (aws)" in names  # two sources of one name in a region
    issues = json.loads(render("gitlab", scan, context))
    kept = [f.fingerprint for f in scan.findings if f.suppressed is None and not f.baselined]
    assert len(set(kept)) < len(kept) == len(issues) - len(scan.errors)
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    assert "\\ud800" in json.dumps(issues)  # a lone surrogate, shown escaped


def test_the_streamed_junit_report_is_valid_against_the_schema() -> None:
    schema = xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))
    for context in CONTEXTS:
        text = "".join(render_chunks("junit", varied_result(), context))
        schema.validate(ET.fromstring(text.encode("utf-8")))


def many_checks(count: int) -> ScanResult:
    checks = [
        Check(RULE_IDS[index % 3], "instance", f"arn:{index // 3}", f"web-{index // 3}",
              REGIONS[index // 300], STATUSES[index % 3])
        for index in range(count)
    ]  # fmt: skip
    findings = [
        make_finding(check, index, fingerprint=f"{index:032x}", source_path="")
        for index, check in enumerate(checks)
        if check.status == "fail"
    ]
    result = ScanResult(rules=list(RULES), findings=findings, checks=CheckLog(checks))
    result.sort()
    return result


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_of_many_checks_is_made_in_many_small_pieces(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(junit, "BATCH", 16)
    monkeypatch.setattr(jsontext, "CHUNK", 2000)
    scan, context = many_checks(1200), CONTEXTS[0]
    pieces = list(render_chunks(fmt, scan, context))
    text = "".join(pieces)
    assert len(pieces) > 20
    assert max(len(piece) for piece in pieces) < len(text) / 10
    assert text == WHOLE[fmt](scan, context)


def test_junit_test_cases_exist_one_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(junit, "BATCH", 16)
    made: list[weakref.ref[ET.Element]] = []
    make_cases = junit._CaseMaker.cases

    def recorded(
        maker: junit._CaseMaker, errors: Iterable[ScanError], checks: Iterable[Check]
    ) -> Iterator[ET.Element]:
        for case in make_cases(maker, errors, checks):
            made.append(weakref.ref(case))
            yield case

    monkeypatch.setattr(junit._CaseMaker, "cases", recorded)
    alive: list[int] = []
    for _ in render_chunks("junit", many_checks(1200), CONTEXTS[0]):
        alive.append(sum(1 for case in made if case() is not None))
    assert len(made) == 1200
    assert max(alive) <= 16


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_streamed_report_is_written_into_its_file(fmt: str, tmp_path: Path) -> None:
    scan, context = many_checks(900), CONTEXTS[0]
    target = tmp_path / "reports" / f"lslint.{fmt}"
    write_all([(str(target), render_chunks(fmt, scan, context))])
    assert target.read_text(encoding="utf-8") == WHOLE[fmt](scan, context)
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file


def _remediation_parts(remediation: str, rule: RuleInfo | None) -> tuple[str, list[str]]:
    """``(advice, commands)`` of a finding's remediation text, as the whole-document writer
    split it: the rule's advice, then one entry per command."""
    if rule is not None and remediation.startswith(rule.remediation):
        advice, rendered = rule.remediation, remediation[len(rule.remediation) :].lstrip("\n")
    else:
        advice, _, rendered = remediation.partition("\n")
    return advice, rendered.split("\n") if rendered else []
