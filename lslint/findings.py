"""The records a scan produces: findings, errors, and the result that reporters format."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from operator import itemgetter
from typing import Any, Literal, NamedTuple


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {severity: rank for rank, severity in enumerate(Severity)}  # asked once per finding


Status = Literal["pass", "fail", "error", "skip"]


@dataclass(frozen=True)
class Acceptance:
    """Why a violation was accepted: the suppression that matched it.

    ``source`` is ``config`` (an entry in the config file) or ``tag`` (an ``lslint:ignore``
    tag on the resource); ``fingerprint`` is set when the entry is pinned to one finding.
    """

    source: Literal["config", "tag"]
    reason: str
    expires: date | None = None
    where: str = ""  # file:line:col of the config entry
    fingerprint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "where": self.where,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class AppliedOverride:
    """Rule parameters the config changed for one resource, shown with its findings."""

    params: Mapping[str, Any]
    reason: str
    expires: date | None
    where: str  # file:line:col of the config entry

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": dict(self.params),
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "where": self.where,
        }


@dataclass(frozen=True, slots=True)  # slots: a scan can make hundreds of thousands
class Finding:
    """A rule's verdict on one resource that needs attention: a violation or an error."""

    rule_id: str
    rule_name: str
    severity: Severity
    status: Literal["fail", "error"]
    resource_kind: str  # the kind's name in rules: instance, bucket, ...
    resource_arn: str
    resource_name: str
    region: str
    message: str
    evidence: Mapping[str, Any]
    remediation_text: str  # the rule's advice, shared by its findings
    fingerprint: str
    source_path: str = ""
    source_line: int = 0
    suppressed: Acceptance | None = None  # set by triage when a suppression matched
    baselined: bool = False  # in the baseline given with --baseline
    override: AppliedOverride | None = None  # evaluated with per-resource parameters
    remediation_commands: tuple[str, ...] = ()  # the rule's commands for this resource

    @property
    def remediation(self) -> str:
        """The rule's advice, then its commands for this resource, one a line. Joined when
        read: a scan keeps many findings, and each would otherwise hold a copy of the advice."""
        commands = self.remediation_commands
        if not commands:
            return self.remediation_text
        return "\n".join((self.remediation_text, *commands))

    @property
    def counts(self) -> bool:
        """Whether this finding counts toward --fail-on: a violation nobody accepted."""
        return self.status == "fail" and self.suppressed is None and not self.baselined

    @property
    def sort_key(self) -> tuple[str, ...]:
        return (
            self.region,
            self.resource_kind,
            self.resource_name,
            self.resource_arn,
            self.rule_id,
            self.fingerprint,
        )


class Check(NamedTuple):
    """One rule x resource evaluation, passes included (JUnit reports every check). A tuple:
    a scan makes one per rule and resource, and a tuple is made several times faster than a
    frozen dataclass."""

    rule_id: str
    resource_kind: str
    resource_arn: str
    resource_name: str
    region: str
    status: Status
    overridden: bool = False  # judged with a per-resource override's parameters


# Checks by region, resource kind, name and ARN, then rule id: a key read in C, once per check.
_CHECK_ORDER = itemgetter(*map(Check._fields.index, (
    "region", "resource_kind", "resource_name", "resource_arn", "rule_id",
)))  # fmt: skip


@dataclass(frozen=True)
class ScanError:
    """Something that makes the scan untrustworthy: a source that could not be read fully."""

    source: str
    operation: str
    code: str
    message: str
    region: str = ""
    kind: str = ""  # the resource kind that could not be listed (its name in rules), if one

    def describe(self) -> str:
        """``region operation code: message``, leaving out the parts that are empty; the
        operation names the kind (``GetBuckets``)."""
        where = " ".join(part for part in (self.region, self.operation, self.code) if part)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class RuleInfo:
    """What reporters need to know about a rule that ran."""

    id: str
    name: str
    title: str
    severity: Severity
    description: str
    remediation: str
    remediation_command: str  # the command with stand-ins: "aws lightsail ... <instance-name>"
    references: tuple[str, ...]
    tags: tuple[str, ...]
    # Framework -> the controls the rule maps to, e.g. {"cis-aws-compute-1.0.0": ("3.1",)}
    compliance: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class ScanResult:
    rules: list[RuleInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. expired or unused suppressions
    resource_count: int = 0

    def sort(self) -> None:
        self.rules.sort(key=lambda r: r.id)
        self.findings.sort(key=lambda f: f.sort_key)
        self.checks.sort(key=_CHECK_ORDER)
        self.errors.sort(key=lambda e: (e.region, e.source, e.operation, e.code, e.message))

    def failing(self, threshold: Severity | None) -> list[Finding]:
        """Unsuppressed violations at or above ``threshold`` (``None`` = never fail)."""
        if threshold is None:
            return []
        return [f for f in self.findings if f.counts and f.severity.rank >= threshold.rank]

    @property
    def indeterminate(self) -> bool:
        """True when the scan cannot be trusted: source errors or evaluation errors."""
        return bool(self.errors) or any(f.status == "error" for f in self.findings)


# The text a fingerprint hashes: ``json.dumps(key, sort_keys=True, separators=(",", ":"))``,
# which baselines depend on. ``JSONEncoder.encode`` makes a new C encoder per call; this one
# is made once. It keeps no cycle markers (evidence is plain JSON, never cyclic), so it holds
# no state between calls and may be used by several threads at once.
_KEY_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
_MAKE_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_KEY_CHUNKS = None
if _MAKE_C_ENCODER is not None:
    _KEY_CHUNKS = _MAKE_C_ENCODER(
        None, _KEY_ENCODER.default, json.encoder.encode_basestring_ascii, None,
        ":", ",", True, False, True,
    )  # fmt: skip


def _key_text(key: list[Any]) -> str:
    if _KEY_CHUNKS is None:
        return _KEY_ENCODER.encode(key)
    return "".join(_KEY_CHUNKS(key, 0))


def fingerprint(rule_id: str, arn: str, evidence: Mapping[str, Any]) -> str:
    """A stable hash of (rule, resource, evidence key): same inputs, same fingerprint."""
    key = _key_text([rule_id, arn, evidence])
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
