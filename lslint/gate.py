"""The CI gate: which findings fail it at a threshold, and the exit code that says so.

One place decides this, so the exit code, the JSON summary's ``failing`` count, the text and
Markdown headlines and the GitHub Action's ``findings`` output can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lslint.errors import ConfigError
from lslint.findings import ScanResult, Severity
from lslint.wording import plural

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON_CHOICES = (*(s.value for s in Severity), "never")
DEFAULT_FAIL_ON = "low"
GateStatus = Literal["passed", "failed", "incomplete", "recorded"]


def parse_threshold(name: str) -> Severity | None:
    """``never`` (no finding fails the gate) is ``None``; names are case-insensitive."""
    lowered = name.lower()
    return None if lowered == "never" else Severity(lowered)


def effective_threshold(option: str | None, configured: str | None) -> Severity | None:
    """The threshold a scan gates at: the option given, else the config's ``fail_on``,
    else ``low``."""
    name = option or configured or DEFAULT_FAIL_ON
    if name.lower() not in FAIL_ON_CHOICES:
        raise ConfigError(
            f"unknown threshold {name!r}: expected one of {', '.join(FAIL_ON_CHOICES)}"
        )
    return parse_threshold(name)


def threshold_name(threshold: Severity | None) -> str:
    return "never" if threshold is None else threshold.value


@dataclass(frozen=True)
class Gate:
    """The verdict of the gate on one result at one threshold."""

    fail_on: Severity | None  # None: never fail on findings
    failing: int  # findings at or above fail_on, neither suppressed nor baselined
    indeterminate: bool  # source errors or indeterminate checks: the scan cannot be trusted
    recording: bool = False  # --write-baseline: the run records findings instead of gating

    @classmethod
    def of(cls, result: ScanResult, fail_on: Severity | None, *, recording: bool = False) -> Gate:
        return cls(fail_on, len(result.failing(fail_on)), result.indeterminate, recording)

    @property
    def status(self) -> GateStatus:
        if self.indeterminate:
            return "incomplete"
        if self.recording:
            return "recorded"
        return "failed" if self.failing else "passed"

    @property
    def exit_code(self) -> int:
        """2 when the scan cannot be trusted (2 wins over 1), 1 when findings fail, else 0.

        A complete run that records a baseline exits 0: it accepts today's findings.
        """
        if self.indeterminate:
            return EXIT_ERROR
        return EXIT_FINDINGS if self.failing and not self.recording else EXIT_OK

    @property
    def fail_on_name(self) -> str:
        return threshold_name(self.fail_on)

    def failing_phrase(self) -> str:
        """``3 findings at or above high``."""
        return f"{plural(self.failing, 'finding')} at or above {self.fail_on_name}"

    def describe(self) -> str:
        """One sentence for people: did the gate pass, at which threshold, with how many."""
        at = f"at fail-on {self.fail_on_name}"
        if self.status == "incomplete":
            return (
                f"gate: incomplete {at}: the scan could not be trusted, "
                f"{self.failing_phrase()} among what was read (exit code 2)"
            )
        if self.status == "recorded":
            return (
                f"gate: not applied, findings recorded as a baseline; "
                f"{self.failing_phrase()} (exit code 0)"
            )
        if self.status == "failed":
            return f"gate: failed {at}: {self.failing_phrase()} (exit code 1)"
        return f"gate: passed {at} (exit code 0)"
