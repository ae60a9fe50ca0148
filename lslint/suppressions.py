"""Accepted risks: suppressions from the config file (with expiry) and, if allowed, from tags.

A suppression takes a violation out of the exit code but never out of sight: suppressed
findings are still reported as suppressed. An expired suppression stops working and says so;
one that matched nothing is reported as unused, so stale entries get cleaned up. A suppression
pinned to a fingerprint accepts exactly one finding: when its evidence changes (another port
opened, another tag missing), the fingerprint changes, the finding counts again and the pin is
reported as stale. Indeterminate results are never suppressed: they mean the scan could not be
trusted (a suppression that matched only those says so instead of being called unused).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fnmatch import fnmatchcase
from typing import Self

from lslint.findings import Acceptance, Finding
from lslint.inventory import Resource
from lslint.wording import plural

IGNORE_TAG = "lslint:ignore"


def has_expired(expires: date | None, today: date | None) -> bool:
    """Whether an entry that ``expires`` (its last day) has expired on the scan's date.

    ``today`` comes from the scan time, never from the clock, so that ``--now`` and
    SOURCE_DATE_EPOCH judge acceptances as of the same moment as the rules about time.
    """
    if expires is None:
        return False
    if today is None:  # judged as of an unknown day, an entry would apply or not by chance
        raise ValueError("an entry with an expiry date is judged only as of a scan's date")
    return expires < today


def resource_matches(pattern: str, arn: str, name: str) -> bool:
    """An ARN pattern (``arn:...``, globs allowed) matches the ARN, anything else the name."""
    if pattern.startswith("arn:"):
        return fnmatchcase(arn, pattern)
    return fnmatchcase(name, pattern)


@dataclass(frozen=True)
class Suppression:
    rule_id: str  # resolved from the id or name the config gave
    resource: str  # an ARN (pattern) or a name glob
    reason: str
    expires: date | None
    where: str  # file:line:col of the entry, for messages
    fingerprint: str | None = None  # pinned to the one finding with this fingerprint

    def covers(self, finding: Finding) -> bool:
        """Whether the rule and resource match, whatever the evidence."""
        return self.rule_id == finding.rule_id and resource_matches(
            self.resource, finding.resource_arn, finding.resource_name
        )

    def matches(self, finding: Finding) -> bool:
        if self.fingerprint is not None and self.fingerprint != finding.fingerprint:
            return False
        return self.covers(finding)

    def describe(self) -> str:
        pin = f" pinned to fingerprint {self.fingerprint}" if self.fingerprint else ""
        return f"suppression of {self.rule_id} for '{self.resource}'{pin} ({self.where})"


@dataclass
class Suppressor:
    """Decides whether a violation is suppressed, and remembers what it saw for warnings.

    ``today`` is the scan's date (UTC), which expiry is judged on: :meth:`on` gives a
    suppressor for one scan, with that date and nothing seen yet.
    """

    suppressions: Sequence[Suppression] = ()
    allow_tags: bool = False
    rule_keys: Mapping[str, str] = field(default_factory=dict)  # id or name, lowered -> id
    today: date | None = None
    _used: set[int] = field(default_factory=set, init=False)
    # suppression -> findings it missed
    _expired: dict[int, int] = field(default_factory=dict, init=False)
    # pin -> (name, fingerprint)
    _drifted: dict[int, set[tuple[str, str]]] = field(default_factory=dict, init=False)
    _tag_warnings: set[str] = field(default_factory=set, init=False)
    # suppression -> indeterminate findings it would have covered (never suppressed)
    _indeterminate: dict[int, int] = field(default_factory=dict, init=False)

    def on(self, today: date) -> Self:
        """The same suppressions for a scan on ``today``, with nothing seen yet."""
        return replace(self, today=today)

    def check(self, finding: Finding, resource: Resource | None) -> Acceptance | None:
        """Why this violation is accepted, or ``None`` if it counts.

        ``resource`` is the resource the finding is about (its tags may suppress it).
        """
        if finding.status != "fail":
            self._note_indeterminate(finding)
            return None
        for index, suppression in enumerate(self.suppressions):
            if not suppression.matches(finding):
                if suppression.fingerprint is not None and suppression.covers(finding):
                    shown = finding.resource_name or finding.resource_arn
                    self._drifted.setdefault(index, set()).add((shown, finding.fingerprint))
                continue
            self._used.add(index)
            if has_expired(suppression.expires, self.today):
                self._expired[index] = self._expired.get(index, 0) + 1
                continue
            return Acceptance(
                "config", suppression.reason, suppression.expires, suppression.where,
                suppression.fingerprint,
            )  # fmt: skip
        if self.allow_tags and resource is not None:
            return self._tag_acceptance(finding, resource)
        return None

    def _note_indeterminate(self, finding: Finding) -> None:
        for index, suppression in enumerate(self.suppressions):
            if suppression.matches(finding):
                self._indeterminate[index] = self._indeterminate.get(index, 0) + 1

    def _tag_acceptance(self, finding: Finding, resource: Resource) -> Acceptance | None:
        if finding.rule_id in self._tagged_rules(resource):
            return Acceptance("tag", f"tag {IGNORE_TAG}")
        return None

    def _tagged_rules(self, resource: Resource) -> set[str]:
        found: set[str] = set()
        for tag in resource.model.tags or []:
            if tag.key != IGNORE_TAG:
                continue
            for key in re.split(r"[\s,]+", tag.value or ""):
                if not key:
                    continue
                if key.lower() in self.rule_keys:
                    found.add(self.rule_keys[key.lower()])
                else:
                    self._tag_warnings.add(
                        f"tag {IGNORE_TAG} on {resource.name or resource.arn} names unknown rule "
                        f"'{key}'"
                    )
        return found

    def warnings(self, ran: Collection[str] | None = None) -> list[str]:
        """Expired, unused and stale entries. An entry for a rule that did not run (not
        selected, or ignored) had no chance to match and is not reported as unused."""
        messages = []
        for index, suppression in enumerate(self.suppressions):
            if index in self._expired:
                count = self._expired[index]
                messages.append(
                    f"{suppression.describe()} expired on {suppression.expires}: "
                    + ("1 finding counts again" if count == 1 else f"{count} findings count again")
                )
            elif index in self._used or (ran is not None and suppression.rule_id not in ran):
                continue
            elif index in self._indeterminate:
                count = self._indeterminate[index]
                messages.append(
                    f"{suppression.describe()} matched only "
                    f"{plural(count, 'indeterminate finding')}, and indeterminate results "
                    "cannot be suppressed: fix the data or the permissions so that the rule can "
                    "judge the resource"
                )
            elif index in self._drifted:
                now = ", ".join(f"{name} has {fp}" for name, fp in sorted(self._drifted[index]))
                messages.append(
                    f"{suppression.describe()} is stale: the finding's evidence changed, so its "
                    f"fingerprint did ({now})"
                )
            elif suppression.fingerprint is not None:
                messages.append(
                    f"{suppression.describe()} is unused: no finding has this fingerprint "
                    "(fixed, or its evidence changed)"
                )
            else:
                messages.append(f"{suppression.describe()} is unused: it matched no finding")
        return messages + sorted(self._tag_warnings)
