"""The ``github`` format: GitHub Actions workflow commands, one annotation per finding.

Values are escaped as the Actions runner expects (``%``, ``\\r``, ``\\n`` everywhere; ``:``
and ``,`` in properties too), and other control characters are shown escaped, so resource
data can neither end a command early nor start a new one.
"""

from __future__ import annotations

from pathlib import PurePath

from lslint.findings import ScanResult, Severity
from lslint.reporters.escape import printable
from lslint.reporters.locations import finding_location, synthetic_path

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


def render_github(result: ScanResult, *, root: PurePath | None = None) -> str:
    lines = [
        _command("error", f"{e.source}: {e.describe()}", title="lslint source error")
        for e in result.errors
    ]
    lines += [_command("warning", w, title="lslint") for w in result.warnings]
    ordered = sorted(result.findings, key=lambda f: (f.status != "error", -f.severity.rank))
    for finding in ordered:
        if finding.suppressed is not None or finding.baselined:
            continue  # accepted: not worth an annotation
        uri, line = finding_location(finding, root)
        where: dict[str, str | int] = {}
        if uri != synthetic_path(finding.region, finding.resource_name):
            where = {"file": uri, "line": line}
        if finding.status == "error":
            title = f"{finding.rule_id} {finding.rule_name} (indeterminate)"
            lines.append(_command("error", finding.message, title=title, **where))
        else:
            title = f"{finding.rule_id} {finding.rule_name} ({finding.severity.value})"
            lines.append(
                _command(COMMANDS[finding.severity], finding.message, title=title, **where)
            )
    return "\n".join(lines) + ("\n" if lines else "")
