"""The ``markdown`` format: a summary for ``$GITHUB_STEP_SUMMARY`` and pull request comments.

Errors come first, then totals by severity, then a table of findings capped at
``MAX_ROWS`` rows of at most ``MAX_CELL`` characters, so the summary stays far below
GitHub's 1 MiB limit for any fleet. Resource data is escaped: it cannot add markup or HTML.
"""

from __future__ import annotations

import re

from lslint.escape import printable
from lslint.findings import Finding, ScanResult, Severity
from lslint.reporters.context import ReportContext
from lslint.reporters.json import summary
from lslint.reporters.locations import kind_label
from lslint.wording import plural

MAX_ROWS = 200
MAX_CELL = 300
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")  # what can start markup inside a table cell


def cell(text: str, limit: int = MAX_CELL) -> str:
    """``text`` safe inside a Markdown table cell: one line, escaped, at most ``limit`` chars."""
    flat = printable(text)  # escapes newlines and other controls; spaces stay as they are
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    escaped = flat.replace("&", "&amp;").replace("<", "&lt;")
    return _MARKDOWN.sub(r"\\\1", escaped)


def render_markdown(result: ScanResult, context: ReportContext) -> str:
    counts = summary(result, context)
    gate = context.gate(result)
    counted = counts["counted"]
    lines: list[str] = []
    if gate.status == "incomplete":
        headline = f"results incomplete, gate not passed ({gate.failing_phrase()} so far)"
    elif gate.status == "recorded":
        headline = f"baseline recorded, {plural(counted, 'finding')}"
    elif gate.status == "failed":
        headline = f"gate failed, {gate.failing_phrase()}"
    else:
        found = plural(counted, "finding") if counted else "no findings"
        headline = f"gate passed at fail-on {gate.fail_on_name}, {found}"
        if counted:
            headline += " below it" if gate.fail_on is not None else ""
    lines += [f"## lslint: {headline}", ""]
    if scan_time := context.scan.scan_time():
        lines += [f"Scan time: {scan_time}", ""]

    problems = [f for f in result.findings if f.status == "error"]
    if result.errors or problems:
        lines += [
            f"**{len(result.errors) + len(problems)} error(s): these results cannot be trusted.**",
            "",
            "| Where | Error |",
            "| --- | --- |",
        ]
        rows = [f"| {cell(e.source)} | {cell(e.describe())} |" for e in result.errors]
        rows += [
            f"| {cell(f.rule_id)} {cell(f.resource_name)} | {cell(f.message)} |" for f in problems
        ]
        lines += _capped(rows, "error")
        lines.append("")

    if result.warnings:
        warnings = [f"- warning: {cell(w, limit=1000)}" for w in result.warnings]
        lines += [*_capped(warnings, "warning"), ""]

    lines += ["| Severity | Findings |", "| --- | ---: |"]
    lines += [f"| {s.value} | {counts['by_severity'][s.value]} |" for s in reversed(Severity)]
    lines += [
        "",
        f"{counts['resources']} resources, {counts['rules']} rules, {counts['checks']} checks: "
        f"{counts['passed']} passed, {counts['failed']} failed "
        f"({counts['suppressed']} suppressed, {counts['baselined']} baselined), "
        f"{counts['indeterminate']} indeterminate, {counts['not_applicable']} not applicable"
        + (
            f"; {counts['overridden']} with overridden parameters." if counts["overridden"] else "."
        ),
        "",
        f"{gate.describe()[:1].upper()}{gate.describe()[1:]}.",
        "",
    ]

    failures = sorted(
        (f for f in result.findings if f.status == "fail"),
        key=lambda f: (not f.counts, -f.severity.rank, *f.sort_key),
    )
    if failures:
        lines += [
            "| Severity | Rule | Kind | Resource | Region | Message |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [_row(f) for f in failures[:MAX_ROWS]]
        if len(failures) > MAX_ROWS:
            rest = len(failures) - MAX_ROWS
            lines += ["", f"… and {plural(rest, 'more finding')} (see the JSON "
                      "or SARIF report)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _capped(rows: list[str], what: str) -> list[str]:
    """At most ``MAX_ROWS`` rows, then how many more there are: the summary stays small."""
    if len(rows) <= MAX_ROWS:
        return rows
    rest = len(rows) - MAX_ROWS
    return [*rows[:MAX_ROWS], "", f"… and {plural(rest, 'more ' + what)} (see the "
            "JSON or SARIF report)."]  # fmt: skip


def _row(finding: Finding) -> str:
    suppressed = " (suppressed)" if finding.suppressed is not None else ""
    suppressed = " (baselined)" if finding.baselined else suppressed
    rule = f"{finding.rule_id} {finding.rule_name}"
    return (
        f"| {finding.severity.value}{suppressed} | {cell(rule)} "
        f"| {cell(kind_label(finding.resource_kind))} | {cell(finding.resource_name)} "
        f"| {cell(finding.region)} | {cell(finding.message)} |"
    )
