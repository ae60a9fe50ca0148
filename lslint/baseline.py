"""Baselines: adopt lslint on an existing fleet without failing on every finding at once.

``--write-baseline`` records the fingerprints of today's violations; ``--baseline`` makes
only violations that are not in it count. A fingerprint hashes the rule, the resource's ARN
and the evidence, so it is the same across runs and across offline and live scans of the same
resources, and changes when the violation changes (for example, another port is opened).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
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
ENTRY_FIELDS = ("fingerprint", "rule_id", "resource_arn", "resource_name")

Entry = dict[str, str]  # the ENTRY_FIELDS of one baseline entry


class Baseline(dict[str, str]):
    """A baseline file's fingerprints, each with the rule it was recorded for (``""`` if the
    entry does not say), and its entries as written (for keeping some when it is refreshed)."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries = {entry["fingerprint"]: entry for entry in entries}
        super().__init__((fp, entry["rule_id"]) for fp, entry in self.entries.items())

    def entries_not_of(self, ran: Collection[str]) -> list[Entry]:
        """The entries of rules not in ``ran``: a scan that did not run their rule could not
        have matched them, so refreshing the baseline in place keeps them. An entry that does
        not name its rule is not among them."""
        return [e for e in self.entries.values() if e["rule_id"] and e["rule_id"] not in ran]


def render_baseline(
    result: ScanResult,
    *,
    lslint_version: str,
    created_at: datetime,
    kept: Iterable[Entry] = (),
) -> str:
    """Every violation of ``result`` that no suppression accepts, and the ``kept`` entries of
    an earlier baseline, sorted, as a baseline file.

    Suppressed findings are left out: a suppression that expires must make its finding count
    again, not leave it hidden in a baseline."""
    found = (
        {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "resource_arn": f.resource_arn,
         "resource_name": f.resource_name}
        for f in result.findings
        if f.status == "fail" and f.suppressed is None  # suppressions keep their expiry
    )  # fmt: skip
    unique = {e["fingerprint"]: e for e in (*kept, *found)}  # a fingerprint is written once
    entries = sorted(
        unique.values(),
        key=lambda e: (e["rule_id"], e["resource_arn"], e["resource_name"], e["fingerprint"]),
    )
    document = {
        "format": BASELINE_FORMAT,
        "version": BASELINE_VERSION,
        "lslint_version": lslint_version,
        "created_at": created_at.isoformat(),
        "findings": entries,
    }
    return jsontext.dumps(document)


def load_baseline(path: Path) -> Baseline:
    """The entries of the baseline file at ``path`` (see :func:`parse_baseline`)."""
    text = read_text_file(path, what="baseline", error=InputError, limit=BASELINE_LIMIT)
    return parse_baseline(text, str(path))


def parse_baseline(text: str, label: str) -> Baseline:
    """The entries of a baseline file (see :class:`Baseline`); anything else is an error,
    never an empty baseline."""
    entries: list[Entry] = []
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
            fields = {key: entry.get(key) for key in ENTRY_FIELDS}
            entries.append({k: v if isinstance(v, str) else "" for k, v in fields.items()})

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
    return Baseline(entries)


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
