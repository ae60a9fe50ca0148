"""The ``sarif`` format: SARIF 2.1.0 for GitHub code scanning.

GitHub's ingestion rules shape this file: one run with ``automationDetails.id``, every rule
that ran described in ``tool.driver.rules`` (with ``security-severity``, so alerts get a
severity), and every result with exactly one physical location (GitHub rejects the whole file
otherwise), a logical location naming the ARN, and stable ``partialFingerprints``. Suppressed
findings are left out; errors are tool execution notifications.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import PurePath
from typing import Any

from lslint import jsontext
from lslint.escape import printable, without_surrogates
from lslint.findings import Finding, RuleInfo, ScanError, ScanResult, Severity
from lslint.reporters.context import ReportContext
from lslint.reporters.locations import (
    absolute_uri,
    finding_location,
    finding_synthetic_path,
    uri_reference,
)

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
MAX_DESCRIPTION = 1024  # GitHub's limit for fullDescription
MAX_TAGS = 10  # GitHub shows at most ten tags per rule (and rejects files with over twenty)
FINGERPRINT_KEY = "lslintFingerprint/v1"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_Roots = tuple[PurePath | None, PurePath | None]  # (repository root, folder paths start from)


def render_sarif(result: ScanResult, context: ReportContext) -> str:
    """SARIF for ``result``; file locations are made relative to the context's ``root`` (the
    repository)."""
    return "".join(stream_sarif(result, context))


def stream_sarif(result: ScanResult, context: ReportContext) -> Iterator[str]:
    """The SARIF text in pieces, each result written as it is reached."""
    roots = (context.root, context.base)
    rule_index = {rule.id: index for index, rule in enumerate(result.rules)}
    notifications = [_error_notification(e) for e in result.errors]
    notifications += [
        {"level": "warning", "message": {"text": printable(w)}} for w in result.warnings
    ]
    notifications += [
        _indeterminate_notification(finding, rule_index, roots)
        for finding in result.findings
        if finding.suppressed is None and finding.status == "error"
    ]
    results = (
        finding
        for finding in result.findings
        if finding.suppressed is None and finding.status != "error"
    )
    run = {
        "tool": {
            "driver": {
                "name": "lslint",
                "version": context.tool_version,
                "semanticVersion": context.tool_version,
                "rules": [_rule(rule) for rule in result.rules],
            }
        },
        "automationDetails": {"id": "lslint/"},
        "invocations": [_invocation(result, context, notifications)],
        "results": jsontext.Each(results, ResultText(rule_index, roots)),
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    # JSON text escapes every surrogate as \udXXX; only a value whose text holds one can
    # hold a lone one, so only such a value is written again with them shown escaped.
    return jsontext.chunks(document, redo_if=_SURROGATE_ESCAPE, redo=without_surrogates)


def _invocation(
    result: ScanResult, context: ReportContext, notifications: list[dict[str, Any]]
) -> dict[str, Any]:
    invocation: dict[str, Any] = {
        "executionSuccessful": not result.indeterminate,
        "toolExecutionNotifications": notifications,
    }
    if scan_time := context.scan.scan_time():
        invocation["startTimeUtc"] = scan_time  # what rules about time compared with
    return invocation


def _rule(rule: RuleInfo) -> dict[str, Any]:
    description = rule.description
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1] + "…"
    help_text = f"{rule.description}\n\nRemediation: {rule.remediation}"
    help_markdown = f"{rule.description}\n\n**Remediation:** {rule.remediation}"
    if rule.remediation_command:
        help_text += f"\n\n{rule.remediation_command}"
        help_markdown += f"\n\n```sh\n{rule.remediation_command}\n```"
    if rule.references:
        help_markdown += "\n\n" + "\n".join(f"- <{ref}>" for ref in rule.references)
    tags = list(dict.fromkeys(["security", *rule.tags, *compliance_tags(rule)]))[:MAX_TAGS]
    described: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": description},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": tags,
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            # Framework -> controls; only for rules that map to one (SARIF's property bag).
            **(
                {"compliance": {k: list(v) for k, v in rule.compliance.items()}}
                if rule.compliance
                else {}
            ),
        },
    }
    help_uri = absolute_uri(rule.references[0]) if rule.references else None
    if help_uri is not None:
        described["helpUri"] = help_uri
    return described


def compliance_tags(rule: RuleInfo) -> list[str]:
    """``FRAMEWORK:CONTROL`` for each control the rule maps to: GitHub filters alerts by tag,
    and the same words select the rules (``--select cis-aws-compute-1.0.0:3.4``)."""
    return [
        f"{framework}:{control}"
        for framework, controls in sorted(rule.compliance.items())
        for control in controls
    ]


def _locations(finding: Finding, roots: _Roots) -> list[dict[str, Any]]:
    path, line = finding_location(finding, *roots)
    qualified_name = finding.resource_arn or finding_synthetic_path(finding)
    return _location_shape(
        uri_reference(path), line, finding.resource_name, qualified_name, finding.resource_kind
    )


def _location_shape(
    uri: Any, line: Any, name: Any, qualified_name: Any, kind: Any
) -> list[dict[str, Any]]:
    """A result's locations: the file and line, and the resource as a logical location (the
    values, or stand-ins for them)."""
    return [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": uri},
                "region": {"startLine": line},
            },
            "logicalLocations": [
                {
                    "name": name,
                    "fullyQualifiedName": qualified_name,
                    "kind": "resource",
                    "properties": {"resourceType": kind},
                }
            ],
        }
    ]


def _result(finding: Finding, rule_index: dict[str, int], roots: _Roots) -> dict[str, Any]:
    return _result_shape(finding.baselined, _result_values(finding, rule_index, roots))


def _result_values(finding: Finding, rule_index: dict[str, int], roots: _Roots) -> tuple[Any, ...]:
    """What a result says about its finding, in the order :func:`_result_shape` takes."""
    path, line = finding_location(finding, *roots)
    values = (
        finding.rule_id,
        rule_index[finding.rule_id],
        LEVELS[finding.severity],
        printable(finding.message),
        uri_reference(path),
        line,
        finding.resource_name,
        finding.resource_arn or finding_synthetic_path(finding),
        finding.resource_kind,
        finding.fingerprint,
        finding.region,
        finding.severity.value,
        finding.evidence,
    )
    return (*values, finding.override.to_dict()) if finding.override else values


def _result_shape(baselined: bool, values: Sequence[Any]) -> dict[str, Any]:
    """A result: ``values`` from :func:`_result_values` in their places (the last, if there
    is one more, is the override)."""
    (rule_id, index, level, message, uri, line, name, qualified_name, kind, fingerprint,
     region, severity, evidence, *override) = values  # fmt: skip
    return {
        "ruleId": rule_id,
        "ruleIndex": index,
        "level": level,
        "message": {"text": message},
        "locations": _location_shape(uri, line, name, qualified_name, kind),
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        **({"baselineState": "unchanged"} if baselined else {}),
        "properties": {
            "region": region,
            "severity": severity,
            "evidence": evidence,
            **({"override": override[0]} if override else {}),
        },
    }


_HOLE = re.compile(r'"\\u0000(\d+)\\u0000"')  # a stand-in's text: "\u0000<index>\u0000"


class ResultText:
    """A result's text, exactly ``jsontext`` of :func:`_result`, made without that dictionary:
    the text of the result's shape with stand-ins for its values is worked out once (per
    indentation level, and with or without a baseline state and an override); each result
    then fills in its values' texts. A result whose text holds a surrogate escape is written
    from its dictionary with lone surrogates shown escaped, as the rest of the document is."""

    def __init__(self, rule_index: dict[str, int], roots: _Roots) -> None:
        self._rule_index = rule_index
        self._roots = roots
        self._encode = jsontext.encoder()
        self._skeletons: dict[tuple[bool, int, int], tuple[list[str], list[tuple[int, int]]]] = {}

    def __call__(self, finding: Finding, level: int) -> str:
        values = _result_values(finding, self._rule_index, self._roots)
        texts, holes = self._skeleton(finding.baselined, len(values), level)
        encode = self._encode
        pieces = [texts[0]]
        for (index, depth), text in zip(holes, texts[1:], strict=True):
            value = values[index]
            pieces.append(_quote(value) if type(value) is str else encode(value, depth))
            pieces.append(text)
        result = "".join(pieces)
        if _SURROGATE_ESCAPE.search(result) is None:
            return result
        return encode(without_surrogates(_result(finding, self._rule_index, self._roots)), level)

    def _skeleton(
        self, baselined: bool, count: int, level: int
    ) -> tuple[list[str], list[tuple[int, int]]]:
        """The shape's text split at its stand-ins, and each stand-in's value (index, level)."""
        key = (baselined, count, level)
        known = self._skeletons.get(key)
        if known is None:
            stand_ins = [f"\0{index}\0" for index in range(count)]
            text = self._encode(_result_shape(baselined, stand_ins), level)
            texts: list[str] = []
            holes: list[tuple[int, int]] = []
            position = 0
            for found in _HOLE.finditer(text):
                texts.append(text[position : found.start()])
                line_start = text.rfind("\n", 0, found.start()) + 1
                indent = len(text) - len(text[line_start:].lstrip(" "))
                holes.append((int(found[1]), (indent - line_start) // len(jsontext.INDENT)))
                position = found.end()
            texts.append(text[position:])
            known = self._skeletons[key] = (texts, holes)
        return known


_quote = json.encoder.encode_basestring_ascii


def _indeterminate_notification(
    finding: Finding, rule_index: dict[str, int], roots: _Roots
) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": printable(finding.message)},
        "locations": _locations(finding, roots),
        "associatedRule": {"id": finding.rule_id, "index": rule_index[finding.rule_id]},
        "properties": {
            "region": finding.region,
            "resourceType": finding.resource_kind,
            "resourceArn": finding.resource_arn,
        },
    }


def _error_notification(error: ScanError) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": printable(f"{error.source}: {error.describe()}")},
        "properties": {
            "source": error.source,
            "region": error.region,
            "kind": error.kind,
            "operation": error.operation,
            "code": error.code,
        },
    }
