"""The ``text`` format: findings grouped by resource, for people at a terminal."""

from __future__ import annotations

from itertools import groupby

from lslint.escape import printable
from lslint.findings import Finding, ScanResult, Severity
from lslint.reporters.context import ReportContext
from lslint.reporters.json import summary
from lslint.reporters.locations import kind_label
from lslint.wording import plural

_COLORS = {
    Severity.CRITICAL: "\x1b[1;35m",
    Severity.HIGH: "\x1b[1;31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
    Severity.INFO: "\x1b[2m",
}
_BOLD, _RED, _YELLOW, _RESET = "\x1b[1m", "\x1b[1;31m", "\x1b[33m", "\x1b[0m"


def render_text(result: ScanResult, context: ReportContext) -> str:
    color = context.color

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines: list[str] = []
    for error in result.errors:
        lines.append(
            f"{paint('error', _RED)}: {printable(error.source)}: {printable(error.describe())}"
        )
    lines += [f"{paint('warning', _YELLOW)}: {printable(w)}" for w in result.warnings]
    if lines:
        lines.append("")

    def resource_key(f: Finding) -> tuple[str, str, str, str]:
        return (f.region, f.resource_kind, f.resource_name, f.resource_arn)

    width = max((len(f.rule_name) for f in result.findings), default=0)
    id_width = max((len(f.rule_id) for f in result.findings), default=0)
    for (region, kind, name, arn), group in groupby(result.findings, key=resource_key):
        findings = list(group)
        location = findings[0].source_path
        if location:
            location = f"  {location}:{findings[0].source_line}"
        title = printable(name or "(unnamed)")
        lines.append(
            f"{paint(title, _BOLD)}  {printable(region)}  {kind_label(kind)}  "
            f"{printable(arn)}{printable(location)}"
        )
        for f in findings:
            label = "error" if f.status == "error" else f.severity.value
            tag = paint(f"{label:<8}", _RED if f.status == "error" else _COLORS[f.severity])
            lines.append(
                f"  {tag} {f.rule_id:<{id_width}} {f.rule_name:<{width}}  {printable(f.message)}"
                + _accepted(f)
            )
        lines.append("")

    lines.append(_summary_line(result, context))
    gate = context.gate(result)
    failed = gate.status in ("failed", "incomplete")
    lines.append(paint(gate.describe(), _RED) if failed else gate.describe())
    return "\n".join(lines) + "\n"


def _accepted(finding: Finding) -> str:
    shown = ""
    if finding.override is not None:
        shown = f"  [override: {printable(finding.override.reason)}]"
    if finding.suppressed is not None:
        return f"{shown}  [suppressed: {printable(finding.suppressed.reason)}]"
    return f"{shown}  [baselined]" if finding.baselined else shown


def _rules_ran(result: ScanResult, context: ReportContext) -> int:
    """The rules that judged a kind the inputs listed (even with no resources of it): a rule
    of a kind never listed did not run on anything, so it is not counted as having run."""
    listed = context.scan.kinds
    if listed is None:
        return len(result.rules)
    return sum(1 for rule in result.rules if not rule.resource or rule.resource in listed)


def _summary_line(result: ScanResult, context: ReportContext) -> str:
    counts = summary(result, context)
    active = counts["counted"]
    parts = [f"{n} {s}" for s, n in counts["by_severity"].items() if n]
    detail = f" ({', '.join(parts)})" if parts else ""
    counting = (f for f in result.findings if f.counts)
    resources_hit = len({f.resource_arn or f.resource_name for f in counting})
    text = (
        f"{plural(active, 'finding')}{detail} on {resources_hit} of "
        f"{plural(counts['resources'], 'resource')}; "
        f"{plural(_rules_ran(result, context), 'rule')} ran"
    )
    if scan_time := context.scan.scan_time():
        text += f" as of {scan_time}"
    accepted = [f"{counts[k]} {k}" for k in ("suppressed", "baselined") if counts[k]]
    if counts["overridden"]:
        n = counts["overridden"]
        accepted.append(f"{plural(n, 'check')} with overridden parameters")
    if accepted:
        text += f"; {', '.join(accepted)}"
    problems = []
    if counts["indeterminate"]:
        problems.append(f"{counts['indeterminate']} indeterminate")
    if counts["errors"]:
        problems.append(plural(counts["errors"], "source error"))
    if problems:
        text += f"; {', '.join(problems)}: results incomplete"
    return text + "."
