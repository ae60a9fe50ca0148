"""The records a scan produces: findings, errors, and the result that reporters format."""

from __future__ import annotations

import hashlib
import json
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from operator import itemgetter
from typing import Any, Literal, NamedTuple, overload


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

_Subject = tuple[str, str, str, str]  # resource kind, ARN, name, region
_IN_CHECK_ORDER = itemgetter(3, 0, 2, 1)  # a subject's region, kind, name and ARN
_STATUSES: tuple[Status, ...] = ("pass", "fail", "error", "skip")
_CODES = {status: code for code, status in enumerate(_STATUSES)}
_OVERRIDDEN = len(_STATUSES)  # added to a status's code
_DECODED = tuple((status, overridden) for overridden in (False, True) for status in _STATUSES)


class CheckLog(Sequence[Check]):
    """The checks of a scan, in the order they were added, as :class:`Check` records.

    A scan makes one check per rule and resource (hundreds of thousands for a large fleet),
    and the checks of one resource differ only in rule and status. So a check is kept as
    three small numbers (its resource, its rule, its status) in arrays, and its record is
    made again when it is read: a tenth of the memory of a tuple per check.
    """

    __slots__ = (
        "_codes",
        "_in_order",
        "_rule_at",
        "_rule_index",
        "_rules",
        "_subject_at",
        "_subjects",
    )

    def __init__(self, checks: Iterable[Check] = ()) -> None:
        self._clear()
        self.extend(checks)

    def _clear(self) -> None:
        self._subjects: list[_Subject] = []
        self._subject_at = array("I")
        self._rules: list[str] = []
        self._rule_index: dict[str, int] = {}
        self._rule_at = array("I")
        self._codes = bytearray()
        self._in_order = True  # added in the order of sort(): sorting has nothing to do

    def append(self, check: Check) -> None:
        rule_id, kind, arn, name, region, status, overridden = check
        subject = (kind, arn, name, region)
        subjects = self._subjects
        if not subjects or subjects[-1] != subject:
            if (
                self._in_order
                and subjects
                and _IN_CHECK_ORDER(subjects[-1]) > _IN_CHECK_ORDER(subject)
            ):
                self._in_order = False
            subjects.append(subject)
        elif self._in_order and rule_id < self._rules[self._rule_at[-1]]:
            self._in_order = False
        self._subject_at.append(len(subjects) - 1)
        rule = self._rule_index.get(rule_id)
        if rule is None:
            rule = self._rule_index[rule_id] = len(self._rules)
            self._rules.append(rule_id)
        self._rule_at.append(rule)
        self._codes.append(_CODES[status] + (_OVERRIDDEN if overridden else 0))

    def extend(self, checks: Iterable[Check]) -> None:
        for check in checks:
            self.append(check)

    def sort(self) -> None:
        """Order the checks by region, resource kind, name and ARN, then rule id (stable)."""
        if not self._in_order:
            checks = sorted(self, key=_CHECK_ORDER)
            self._clear()
            self.extend(checks)

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[Check]:
        subjects, rules, make = self._subjects, self._rules, tuple.__new__
        for subject, rule, code in zip(self._subject_at, self._rule_at, self._codes, strict=True):
            kind, arn, name, region = subjects[subject]
            status, overridden = _DECODED[code]
            yield make(Check, (rules[rule], kind, arn, name, region, status, overridden))

    @overload
    def __getitem__(self, index: int) -> Check: ...
    @overload
    def __getitem__(self, index: slice) -> list[Check]: ...
    def __getitem__(self, index: int | slice) -> Check | list[Check]:
        if isinstance(index, slice):
            return list(self)[index]
        code = self._codes[index]  # IndexError as a list's
        kind, arn, name, region = self._subjects[self._subject_at[index]]
        status, overridden = _DECODED[code]
        return Check(self._rules[self._rule_at[index]], kind, arn, name, region, status, overridden)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CheckLog | list):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"CheckLog({list(self)!r})"

    def status_counts(self) -> tuple[Counter[Status], int]:
        """How many checks have each status, and how many were judged with a per-resource
        override's parameters: one count of the status bytes, without making records."""
        counts: Counter[Status] = Counter()
        overridden = 0
        for code, count in Counter(self._codes).items():
            status, with_override = _DECODED[code]
            counts[status] += count
            overridden += count if with_override else 0
        return counts, overridden


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
    resource: str = ""  # the kind of resource it judges, as rules name it; "" when not known


@dataclass
class ScanResult:
    rules: list[RuleInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    checks: CheckLog = field(default_factory=CheckLog)
    errors: list[ScanError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. expired or unused suppressions
    resource_count: int = 0

    def __setattr__(self, name: str, value: Any) -> None:
        # A list of checks from a Python caller, given or assigned later, becomes a log:
        # reporters count statuses through the log's own methods.
        if name == "checks" and not isinstance(value, CheckLog):
            value = CheckLog(value)
        super().__setattr__(name, value)

    def sort(self) -> None:
        self.rules.sort(key=lambda r: r.id)
        self.findings.sort(key=lambda f: f.sort_key)
        self.checks.sort()
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
