"""Baselines: adopt lslint on an existing fleet without failing on every finding at once.

``--write-baseline`` records the fingerprints of today's violations; ``--baseline`` makes
only violations that are not in it count. A fingerprint hashes the rule, the resource's ARN
and the evidence, so it is the same across runs and across offline and live scans of the same
resources, and changes when the violation changes (for example, another port is opened).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from lslint import jsontext
from lslint.errors import InputError
from lslint.findings import ScanResult
from lslint.inputs import BASELINE_LIMIT, read_text_file
from lslint.jsoninput import Streamed, read_document

BASELINE_FORMAT = "lslint-baseline"
BASELINE_VERSION = 1


def render_baseline(result: ScanResult, *, lslint_version: str, created_at: datetime) -> str:
    """Every violation of ``result`` that no suppression accepts, sorted, as a baseline file.

    Suppressed findings are left out: a suppression that expires must make its finding count
    again, not leave it hidden in a baseline."""
    entries = sorted(
        (
            {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "resource_arn": f.resource_arn,
             "resource_name": f.resource_name}
            for f in result.findings
            if f.status == "fail" and f.suppressed is None  # suppressions keep their expiry
        ),
        key=lambda e: (e["rule_id"], e["resource_arn"], e["resource_name"], e["fingerprint"]),
    )  # fmt: skip
    document = {
        "format": BASELINE_FORMAT,
        "version": BASELINE_VERSION,
        "lslint_version": lslint_version,
        "created_at": created_at.isoformat(),
        "findings": entries,
    }
    return jsontext.dumps(document)


def load_baseline(path: Path) -> dict[str, str]:
    """The entries of the baseline file at ``path`` (see :func:`parse_baseline`)."""
    text = read_text_file(path, what="baseline", error=InputError, limit=BASELINE_LIMIT)
    return parse_baseline(text, str(path))


def parse_baseline(text: str, label: str) -> dict[str, str]:
    """The fingerprints in a baseline file, each with the rule it was recorded for (``""`` if
    the entry does not say); anything else is an error, never an empty baseline."""
    fingerprints: dict[str, str] = {}
    problems: list[InputError] = []

    def add(index: int, entry: Any, line: int) -> None:
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fingerprint, str) or not fingerprint:
            problems.append(
                InputError(
                    f"baseline findings[{index}] has no fingerprint", where=f"{label}:{line}"
                )
            )
        elif not problems:
            rule_id = entry.get("rule_id")
            fingerprints[fingerprint] = rule_id if isinstance(rule_id, str) else ""

    document = read_document(
        text, label, streams={"findings": add}, invalid="baseline is not valid JSON"
    )
    if not isinstance(document, dict) or document.get("format") != BASELINE_FORMAT:
        raise InputError(
            'not an lslint baseline (no "format": "lslint-baseline")',
            where=label,
            hint="create one with 'lslint scan --write-baseline PATH'",
        )
    version = document.get("version")
    if type(version) is not int or version != BASELINE_VERSION:
        raise InputError(f"unsupported baseline version {version!r}", where=label)
    if not isinstance(document.get("findings"), Streamed):
        raise InputError("baseline 'findings' must be a list", where=label)
    if problems:
        raise problems[0]
    return fingerprints


def apply_baseline(result: ScanResult, fingerprints: Collection[str]) -> set[str]:
    """Mark violations whose fingerprint is in the baseline; they stop counting.

    Returns the baseline's fingerprints that matched no violation (fixed, or changed since).
    """
    result.findings = [
        replace(f, baselined=True) if f.status == "fail" and f.fingerprint in fingerprints else f
        for f in result.findings
    ]
    matched = {f.fingerprint for f in result.findings if f.baselined}
    return set(fingerprints) - matched
