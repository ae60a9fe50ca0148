"""The ``github`` format: GitHub Actions workflow commands, one annotation per finding.

Values are escaped as the Actions runner expects (``%``, ``\\r``, ``\\n`` everywhere; ``:``
and ``,`` in properties too), and other control characters are shown escaped, so resource
data can neither end a command early nor start a new one.

GitHub shows at most ten annotations of each level per step and drops the rest silently, so
each level is capped at ``MAX_PER_LEVEL`` and one more line says how many were left out and
where to find them.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePath

from lslint.escape import printable
from lslint.findings import ScanResult, Severity
from lslint.reporters.context import ReportContext
from lslint.reporters.locations import finding_location, finding_synthetic_path

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, message: str, **properties: str | int) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(message)}"


MAX_PER_LEVEL = 10  # GitHub displays ten annotations of each level per step
_WHERE = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?$")


def error_annotation(
    message: str, where: str, *, root: PurePath | None = None, base: PurePath | None = None
) -> str:
    """An ``::error`` command for a config, rule or input error at ``where`` (``file:line:col``),
    pointing at the file relative to ``root`` (the repository) when it lies inside it; a
    relative ``file`` is relative to ``base`` (where lslint ran; default ``root``)."""
    properties: dict[str, str | int] = {}
    match = _WHERE.match(where) if where else None
    if match and not where.startswith("-") and match["file"] != "<stdin>":
        path = PurePath(match["file"])
        start = base or root
        if start is not None and not path.is_absolute():
            path = PurePath(os.path.normpath(start / path))
        if root is not None and path.is_absolute() and path.is_relative_to(root):
            path = path.relative_to(root)
        if not path.is_absolute() and ".." not in path.parts:
            properties["file"] = path.as_posix()
            if match["line"]:
                properties["line"] = int(match["line"])
            if match["col"]:
                properties["col"] = int(match["col"])
    text = f"{where}: {message}" if where and "file" not in properties else message
    return _command("error", text, title="lslint", **properties)


def render_github(result: ScanResult, context: ReportContext) -> str:
    root, base = context.root, context.base
    commands: list[tuple[str, str]] = [
        ("error", _command("error", f"{e.source}: {e.describe()}", title="lslint source error"))
        for e in result.errors
    ]
    commands += [("warning", _command("warning", w, title="lslint")) for w in result.warnings]
    ordered = sorted(result.findings, key=lambda f: (f.status != "error", -f.severity.rank))
    for finding in ordered:
        if finding.suppressed is not None or finding.baselined:
            continue  # accepted: not worth an annotation
        uri, line = finding_location(finding, root, base)
        where: dict[str, str | int] = {}
        if uri != finding_synthetic_path(finding):
            where = {"file": uri, "line": line}
        if finding.status == "error":
            title = f"{finding.rule_id} {finding.rule_name} (indeterminate)"
            commands.append(("error", _command("error", finding.message, title=title, **where)))
        else:
            level = COMMANDS[finding.severity]
            title = f"{finding.rule_id} {finding.rule_name} ({finding.severity.value})"
            commands.append((level, _command(level, finding.message, title=title, **where)))
    return "".join(f"{line}\n" for line in _capped(commands))


def _capped(commands: list[tuple[str, str]]) -> list[str]:
    """At most ``MAX_PER_LEVEL`` annotations per level; a level with more shows one fewer and
    a roll-up line in the last place, so the roll-up itself is never the one dropped."""
    totals: dict[str, int] = {}
    for level, _ in commands:
        totals[level] = totals.get(level, 0) + 1
    shown: list[str] = []
    counts: dict[str, int] = {}
    for level, line in commands:
        counts[level] = counts.get(level, 0) + 1
        if totals[level] <= MAX_PER_LEVEL or counts[level] < MAX_PER_LEVEL:
            shown.append(line)
    for level in ("error", "warning", "notice"):
        if totals.get(level, 0) > MAX_PER_LEVEL:
            rest = totals[level] - (MAX_PER_LEVEL - 1)
            message = (
                f"{rest} more {level} annotations not shown (GitHub shows {MAX_PER_LEVEL} per "
                "level); see the job summary or the full report"
            )
            shown.append(_command(level, message, title="lslint"))
    return shown
