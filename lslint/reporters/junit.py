"""The ``junit`` format: one test suite per region, one test case per rule x resource.

Written with the standard library's ElementTree; valid against junit-10.xsd (the Jenkins and
Surefire schema most CI dashboards follow). Text from resource data is escaped as in every
other format (``printable``): control characters, ANSI escapes, line breaks, bidirectional
overrides and invisible characters are shown as ``\\x1b``, ``\\x0a``, ``\\u202e``. That also
leaves only legal XML 1.0 characters, since one bad character makes most readers drop the
whole report. The only raw line breaks are lslint's own, between the lines of a failure's
details.

The report is written in pieces as it is made (:func:`stream_junit`): the counts each suite
carries are tallied first, then the test cases are made and serialised a batch at a time, so
a report of hundreds of thousands of checks never exists as one tree or one string.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby, islice
from operator import attrgetter
from typing import Literal

from lslint.escape import printable
from lslint.findings import Check, CheckLog, Finding, RuleInfo, ScanError, ScanResult
from lslint.reporters.context import ReportContext

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
BATCH = 64  # test cases serialised together: as fast as one whole tree, in tens of kilobytes
INDENT = "  "  # what ``ET.indent`` writes per level

_Outcome = Literal["failure", "error", "skipped"] | None
_FindingKey = tuple[str, str, str, str, str, str]  # rule id, kind, region, ARN, name, status
_Names = set[tuple[str, str]]  # (classname, name) of the cases of one suite


def xml_text(text: str) -> str:
    """``text`` on one line, with every control, escape and invisible character shown escaped.

    ``printable`` escapes everything XML 1.0 forbids (C0 controls, lone surrogates,
    U+FFFE/U+FFFF), so the result is always legal XML text.
    """
    return printable(text)


def render_junit(result: ScanResult, context: ReportContext) -> str:
    return "".join(stream_junit(result, context))


def stream_junit(result: ScanResult, context: ReportContext) -> Iterator[str]:
    """The report in pieces: the text ``ET.indent`` and ``ET.tostring`` give one tree of
    every suite and case. Each suite's counts are tallied first (its start tag carries them),
    then its cases are made and serialised a batch at a time."""
    findings: dict[_FindingKey, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        findings[_finding_key(finding)].append(finding)
    tallies, in_order = _tally(result, _FindingOfCheck(findings))
    root = ET.Element("testsuites", name="lslint")
    root.set("tests", str(sum(tally["tests"] for tally in tallies.values())))
    root.set("failures", str(sum(tally["failures"] for tally in tallies.values())))
    root.set("errors", str(sum(tally["errors"] for tally in tallies.values())))
    root.set("time", "0")
    if not tallies:
        yield XML_DECLARATION + ET.tostring(root, "unicode") + "\n"
        return
    yield f"{XML_DECLARATION}{_start_tag(root)}\n{INDENT}"  # indented as ET.indent does
    maker = _CaseMaker({rule.id: rule for rule in result.rules}, _FindingOfCheck(findings))
    errors: dict[str, list[ScanError]] = defaultdict(list)
    for error in result.errors:
        errors[error.region or "unknown"].append(error)
    # JUnit readers take a time without a zone (the Ant schema's pattern); lslint's is UTC.
    timestamp = context.scan.scan_time().removesuffix("Z")
    regions = sorted(tallies)
    for region, checks in _checks_by_region(result.checks, regions, in_order):
        tally = tallies[region]
        suite = ET.Element(
            "testsuite",
            name=xml_text(f"lightsail.{region}"),
            tests=str(tally["tests"]),
            failures=str(tally["failures"]),
            errors=str(tally["errors"]),
            skipped=str(tally["skipped"]),
            time="0",
        )
        if timestamp:
            suite.set("timestamp", timestamp)
        yield _start_tag(suite)
        yield from _case_texts(maker.cases(errors[region], checks))
        # The last case closes its suite a level up, and the last suite the root at none.
        yield f"\n{INDENT}</testsuite>" + ("\n" if region == regions[-1] else "\n" + INDENT)
    yield "</testsuites>\n"


def _finding_key(finding: Finding) -> _FindingKey:
    return (finding.rule_id, finding.resource_kind, finding.region, finding.resource_arn,
            finding.resource_name, finding.status)  # fmt: skip


class _FindingOfCheck:
    """The finding of each failed or indeterminate check, asked in the checks' order. Two
    resources without an ARN may share a kind, region and name (hand-written or merged
    files): their findings of one rule and status are handed out one per check, so each is
    shown once, with its own acceptance, and none twice."""

    def __init__(self, findings: Mapping[_FindingKey, list[Finding]]) -> None:
        self._findings = findings
        self._given: Counter[_FindingKey] = Counter()

    def __call__(self, check: Check) -> Finding | None:
        if check.status not in ("fail", "error"):
            return None
        key = (check.rule_id, check.resource_kind, check.region, check.resource_arn,
               check.resource_name, check.status)  # fmt: skip
        found = self._findings.get(key)
        if not found:
            return None
        given = self._given[key]
        self._given[key] = given + 1
        return found[given] if given < len(found) else None


def _tally(result: ScanResult, finding_of: _FindingOfCheck) -> tuple[dict[str, Counter[str]], bool]:
    """Each suite's counts (``tests``, ``failures``, ``errors``, ``skipped``), and whether the
    checks come region by region in order (as a sorted result's do)."""
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    for error in result.errors:
        tally = tallies[error.region or "unknown"]
        tally["tests"] += 1
        tally["errors"] += 1
    in_order = True
    previous = ""
    for region, checks in groupby(result.checks, key=attrgetter("region")):
        if region < previous:
            in_order = False
        previous = region
        tally = tallies[region]
        for check in checks:
            tally["tests"] += 1
            outcome = _outcome(check, finding_of(check))
            if outcome is not None:
                tally["skipped" if outcome == "skipped" else f"{outcome}s"] += 1
    return tallies, in_order


def _checks_by_region(
    checks: CheckLog, regions: list[str], in_order: bool
) -> Iterator[tuple[str, Iterable[Check]]]:
    """Each of ``regions`` (sorted) with its checks, in the order they were added; a region
    with only sources that could not be read has none. Each region's checks must be read
    before the next region is asked for."""
    grouped: Iterator[tuple[str, Iterable[Check]]]
    if in_order:
        grouped = groupby(checks, key=attrgetter("region"))
    else:
        positions: dict[str, array[int]] = defaultdict(lambda: array("L"))
        for position, check in enumerate(checks):
            positions[check.region].append(position)
        grouped = (
            (region, (checks[position] for position in positions[region]))
            for region in sorted(positions)
        )
    pending = next(grouped, None)
    for region in regions:
        if pending is not None and pending[0] == region:
            yield pending
            pending = next(grouped, None)
        else:
            yield region, ()


def _start_tag(element: ET.Element) -> str:
    """``element``'s start tag as ElementTree writes it (its attributes in their order,
    escaped): the text of the element holding one character, up to that character."""
    element.text = "."
    return ET.tostring(element, "unicode").removesuffix(f".</{element.tag}>")


def _case_texts(cases: Iterator[ET.Element]) -> Iterator[str]:
    """The cases of one suite as ``ET.tostring`` writes them in their suite indented by
    ``ET.indent``, from the end of the suite's start tag to its last case: each batch is
    serialised in a stand-in suite, whose own tags are cut off."""
    opening, closing = "<testsuite>", f"{_CASE_INDENT}</testsuite>"
    while batch := list(islice(cases, BATCH)):
        suite = ET.Element("testsuite")
        suite.text = _CASE_INDENT
        for case in batch:
            _indent(case)
            case.tail = _CASE_INDENT
        suite.extend(batch)
        text = ET.tostring(suite, "unicode")
        yield text[len(opening) : -len(closing)]


# What ``ET.indent`` puts before each case of a suite and before each element in a case. It is
# not called per batch: each call leaves a reference cycle (its recursive inner function), and
# the command line runs without cyclic garbage collection.
_CASE_INDENT = "\n" + INDENT * 2
_IN_CASE_INDENT = "\n" + INDENT * 3


def _indent(case: ET.Element) -> None:
    """Indent ``case`` as ``ET.indent`` does in its suite: the elements a case holds hold
    none themselves."""
    if len(case):
        case.text = _IN_CASE_INDENT
        for element in case:
            element.tail = _IN_CASE_INDENT
        element.tail = _CASE_INDENT  # the last one closes the case a level up


class _CaseMaker:
    """Makes a suite's test cases. Text that repeats from case to case (class names, rule
    names, a rule's advice) is escaped once."""

    def __init__(self, rules: Mapping[str, RuleInfo], finding_of: _FindingOfCheck) -> None:
        self._rules = rules
        self._finding_of = finding_of
        self._escaped: dict[str, str] = {}
        self._rule_names: dict[str, str] = {}
        self._subject: tuple[str, str, str] | None = None  # the last check's kind, region, name
        self._classname = ""  # and its class name

    def cases(self, errors: Iterable[ScanError], checks: Iterable[Check]) -> Iterator[ET.Element]:
        """A suite's cases: its sources that could not be read, then its checks."""
        names: _Names = set()  # a case's name is unique in its suite
        for error in errors:
            yield self._source_error_case(names, error)
        for check in checks:
            yield self._check_case(names, check, self._finding_of(check))

    def _shown(self, text: str) -> str:
        """``xml_text(text)``, for text that repeats."""
        shown = self._escaped.get(text)
        if shown is None:
            shown = self._escaped[text] = xml_text(text)
        return shown

    def _case(self, names: _Names, classname: str, name: str, arn: str) -> ET.Element:
        key = (classname, name)
        if key in names:  # two resources of the same name in one region (merged inputs)
            name = f"{name} ({arn})"
        names.add((classname, name))
        shown = self._shown
        return ET.Element("testcase", classname=shown(classname), name=shown(name), time="0")

    def _check_case(self, names: _Names, check: Check, finding: Finding | None) -> ET.Element:
        name = self._rule_name(check.rule_id)
        case = self._case(names, self._class_of(check), name, check.resource_arn)
        outcome = _outcome(check, finding)
        if outcome == "skipped":
            ET.SubElement(case, "skipped", message=_skipped_message(finding))
        elif outcome is not None and finding is not None:
            kind = finding.severity.value if outcome == "failure" else "IndeterminateEvaluation"
            message = xml_text(finding.message)
            element = ET.SubElement(case, outcome, message=message, type=kind)
            element.text = self._details(message, finding)
        return case

    def _rule_name(self, rule_id: str) -> str:
        """The name of a rule's cases: its id and, if it is described, its name."""
        known = self._rule_names.get(rule_id)
        if known is None:
            rule = self._rules.get(rule_id)
            known = self._rule_names[rule_id] = f"{rule_id} {rule.name if rule else ''}".strip()
        return known

    def _class_of(self, check: Check) -> str:
        """The class name of a check's case: the same for a resource's checks, which come
        one after the other."""
        subject = (check.resource_kind, check.region, check.resource_name)
        if subject != self._subject:
            resource = (check.resource_name or "unnamed").replace(".", "_")
            # The kind keeps an instance and a bucket of the same name apart.
            self._classname = f"lightsail.{check.resource_kind}.{check.region}.{resource}"
            self._subject = subject
        return self._classname

    def _source_error_case(self, names: _Names, error: ScanError) -> ET.Element:
        classname = ".".join(["lightsail", *([error.kind] if error.kind else []),
                              error.region or "unknown"])  # fmt: skip
        name = f"{error.operation or 'read'} {error.source}"
        case = self._case(names, classname, name, error.source)
        element = ET.SubElement(
            case, "error", message=xml_text(error.describe()), type=xml_text(error.code or "Error")
        )
        element.text = xml_text(f"{error.source}: {error.describe()}")
        return case

    def _details(self, message: str, finding: Finding) -> str:
        """The failure's body, one escaped field per line (``message`` escaped already);
        remediation commands indented."""
        shown = self._shown
        lines = [
            message,
            shown(f"Rule: {finding.rule_id} {finding.rule_name} ({finding.severity.value})"),
            xml_text(f"Resource: {finding.resource_arn or finding.resource_name}"),
            shown(f"Region: {finding.region}"),
        ]
        if finding.remediation_text or finding.remediation_commands:
            # The rule's advice, then one line per command lslint rendered (a command never
            # holds a line break: a value with control characters is shown as a stand-in).
            lines.append(shown(f"Remediation: {finding.remediation_text}"))
            lines += [xml_text(f"  {command}") for command in finding.remediation_commands]
        return "\n".join(lines)


def _outcome(check: Check, finding: Finding | None) -> _Outcome:
    """What a check's case holds besides its name: the element counted in its suite."""
    if finding is not None:
        if finding.suppressed is not None or finding.baselined:
            return "skipped"
        if check.status == "fail":
            return "failure"
        if check.status == "error":
            return "error"
    return "skipped" if check.status == "skip" else None


def _skipped_message(finding: Finding | None) -> str:
    if finding is not None and finding.suppressed is not None:
        return xml_text(f"suppressed: {finding.suppressed.reason}")
    if finding is not None and finding.baselined:
        return xml_text(f"baselined: {finding.message}")
    return "not applicable"
