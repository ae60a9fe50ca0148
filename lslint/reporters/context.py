"""What a report needs to know beyond the result: the gate, and the scan's own context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath

from lslint import __version__
from lslint.findings import ScanResult, Severity
from lslint.gate import Gate


@dataclass(frozen=True)
class ScanContext:
    """Where the resources came from, and when: recorded in reports for later reading."""

    started_at: datetime | None = None
    inputs: tuple[str, ...] = ()  # snapshot files (offline scans)
    regions: tuple[str, ...] = ()  # regions listed (live) or seen in the inputs (offline)
    accounts: tuple[str, ...] = ()  # AWS account ids seen in the resources' ARNs
    # The resource kinds the inputs (or the live scan) listed; None when not known. Rules of
    # other kinds judged nothing.
    kinds: tuple[str, ...] | None = None

    def scan_time(self) -> str:
        """The scan time in UTC as ``2025-01-01T00:00:00Z``, or "" when not known."""
        if self.started_at is None:
            return ""
        # Not strftime: its %Y does not pad years before 1000 to four digits.
        stamp = self.started_at.astimezone(UTC).replace(tzinfo=None)
        return f"{stamp.isoformat(timespec='seconds')}Z"


@dataclass(frozen=True)
class ReportContext:
    """Everything a reporter may use besides the ``ScanResult`` itself: the gate's threshold,
    where report paths start, colour, the scan's own context and the tool's version."""

    fail_on: Severity | None = Severity.LOW
    root: PurePath | None = None  # repository root: report paths are relative to it
    base: PurePath | None = None  # where relative input paths start (default: root)
    color: bool = False
    scan: ScanContext = field(default_factory=ScanContext)
    recording_baseline: bool = False  # --write-baseline: the run does not gate
    tool_version: str = __version__

    def gate(self, result: ScanResult) -> Gate:
        return Gate.of(result, self.fail_on, recording=self.recording_baseline)
