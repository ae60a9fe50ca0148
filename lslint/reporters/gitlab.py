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
import re
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
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
    return "".join(stream_gitlab(result, context))


def stream_gitlab(result: ScanResult, context: ReportContext) -> Iterator[str]:
    """The report in pieces, each issue made and written as it is reached in the report's
    order: only each issue's place (path, line, check) is kept to sort them."""
    issues = _Issues(result, context.root, context.base)
    # ASCII escapes keep the output valid UTF-8 even for lone surrogates in resource data.
    return jsontext.chunks(jsontext.Each(issues.in_order(), IssueText()))


_Place = tuple[str, int, str, int]  # path, line, check, and the issue's position: its order
# An issue's check, description, fingerprint, severity, path and line.
_Values = tuple[str, str, str, str, str, int]
_VALUE_COUNT = 6


class _Issues:
    """The issues of a result, in the report's order: by path, line, check, description and
    fingerprint, then as they come (sources that could not be read, then findings); a
    fingerprint seen before is re-derived, since GitLab keeps one issue per fingerprint.

    Only each issue's place is kept to sort them, with its position: a source error's index,
    or the number of errors plus its finding's index. The rest of an issue is made when it is
    written, and to order the issues that share a place (rare: one check on one line twice)."""

    def __init__(self, result: ScanResult, root: PurePath | None, base: PurePath | None):
        self._errors = result.errors
        self._findings = result.findings
        self._root, self._base = root, base

    def in_order(self) -> Iterator[_Values]:
        fingerprints = _Fingerprints()
        for path, line, check, position in self._places_in_order():
            description, fingerprint, severity = self._rest(position)
            yield check, description, fingerprints.unique(fingerprint), severity, path, line

    def _places_in_order(self) -> Iterator[_Place]:
        places = self._places()
        places.sort()
        for _, same_place in groupby(places, key=itemgetter(0, 1, 2)):
            tied = list(same_place)
            if len(tied) > 1:
                tied.sort(key=self._tie_order)
            yield from tied

    def _places(self) -> list[_Place]:
        places = [(_error_path(error), 1, SCAN_ERROR_CHECK, position)
                  for position, error in enumerate(self._errors)]  # fmt: skip
        offset = len(places)
        root, base = self._root, self._base
        for index, finding in enumerate(self._findings):
            if finding.suppressed is None and not finding.baselined:
                path, line = finding_location(finding, root, base)
                places.append((path, line, finding.rule_id, offset + index))
        return places

    def _tie_order(self, place: _Place) -> tuple[str, str, int]:
        position = place[3]
        description, fingerprint, _ = self._rest(position)
        return description, fingerprint, position

    def _rest(self, position: int) -> tuple[str, str, str]:
        """The description, fingerprint and severity of the issue at ``position``."""
        if position < len(self._errors):
            return _error_rest(self._errors[position])
        return _finding_rest(self._findings[position - len(self._errors)])


class _Fingerprints:
    """Findings share a fingerprint only when the same rule saw the same evidence on
    resources with the same ARN or name (copies of an unnamed resource, say); the first
    keeps the original."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def unique(self, fingerprint: str) -> str:
        unique, copy = fingerprint, 1
        while unique in self._seen:
            copy += 1
            unique = _digest(f"{fingerprint}/{copy}")
        self._seen.add(unique)
        return unique


def _issue(
    check: str, description: str, fingerprint: str, severity: str, path: str, line: int
) -> dict[str, Any]:
    """An issue; ``description`` is shown escaped already."""
    return {
        "type": "issue",
        "engine_name": "lslint",
        "check_name": check,
        "categories": ["Security"],
        "description": description,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line}},
    }


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_HOLE = re.compile(r'"\\u0000(\d)\\u0000"')  # a stand-in's text: "\u0000<index>\u0000"
_quote = json.encoder.encode_basestring_ascii


class IssueText:
    """An issue's text, exactly ``jsontext`` of :func:`_issue` with lone surrogates shown
    escaped, made without the dictionary: the text of the issue's shape with stand-ins for
    its values is worked out once per indentation level, and each issue fills in its values.
    An issue whose text holds a surrogate escape is written from its dictionary instead."""

    def __init__(self) -> None:
        self._encode = jsontext.encoder()
        self._skeletons: dict[int, tuple[list[str], list[int]]] = {}

    def __call__(self, values: _Values, level: int) -> str:
        texts, holes = self._skeleton(level)
        pieces = [texts[0]]
        for index, text in zip(holes, texts[1:], strict=True):
            value = values[index]
            if isinstance(value, str):
                pieces.append(_quote(value))
            elif type(value) is int:  # not a bool
                pieces.append(int.__repr__(value))
            else:
                pieces.append(self._encode(value, level))
            pieces.append(text)
        issue = "".join(pieces)
        if _SURROGATE_ESCAPE.search(issue) is None:
            return issue
        return self._encode(without_surrogates(_issue(*values)), level)

    def _skeleton(self, level: int) -> tuple[list[str], list[int]]:
        """The shape's text split at its stand-ins, and the index of each stand-in's value."""
        known = self._skeletons.get(level)
        if known is None:
            stand_ins: list[Any] = [f"\0{index}\0" for index in range(_VALUE_COUNT)]
            text = self._encode(_issue(*stand_ins), level)
            texts: list[str] = []
            holes: list[int] = []
            position = 0
            for found in _HOLE.finditer(text):
                texts.append(text[position : found.start()])
                holes.append(int(found[1]))
                position = found.end()
            texts.append(text[position:])
            known = self._skeletons[level] = (texts, holes)
        return known


def _finding_rest(finding: Finding) -> tuple[str, str, str]:
    rule = f"{finding.rule_id} {finding.rule_name}"
    if finding.status == "error":
        description = f"Scan incomplete: {rule}: {finding.resource_name}: {finding.message}"
        return printable(description), finding.fingerprint, INCOMPLETE_LEVEL
    return printable(f"{rule}: {finding.message}"), finding.fingerprint, LEVELS[finding.severity]


def _error_rest(error: ScanError) -> tuple[str, str, str]:
    # Not the message: it may carry a request id, and the fingerprint must survive reruns.
    key = [SCAN_ERROR_CHECK, error.source, error.region, error.operation, error.code]
    description = printable(f"Scan incomplete: {error.source}: {error.describe()}")
    return description, _digest(json.dumps(key)), INCOMPLETE_LEVEL


def _error_path(error: ScanError) -> str:
    return f"lightsail/{_path_part(error.region) or 'unknown'}"


def _path_part(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
