"""Accepted risks: suppressions from the config file (with expiry) and, if allowed, from tags.

A suppression takes a violation out of the exit code but never out of sight: suppressed
findings are still reported as suppressed. An expired suppression stops working and says so;
one that matched nothing is reported as unused, so stale entries get cleaned up. Indeterminate
results are never suppressed: they mean the scan could not be trusted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from lslint.engine.rule import Rule
from lslint.inventory import Resource

IGNORE_TAG = "lslint:ignore"


@dataclass(frozen=True)
class Suppression:
    rule_id: str  # resolved from the id or name the config gave
    resource: str  # an ARN (pattern) or a name glob
    reason: str
    expires: date | None
    where: str  # file:line:col of the entry, for messages

    def matches(self, resource: Resource) -> bool:
        if self.resource.startswith("arn:"):
            return fnmatchcase(resource.arn, self.resource)
        return fnmatchcase(resource.name, self.resource)

    def describe(self) -> str:
        return f"suppression of {self.rule_id} for '{self.resource}' ({self.where})"


@dataclass
class Suppressor:
    """Decides whether a violation is suppressed, and remembers what it saw for warnings."""

    suppressions: Sequence[Suppression] = ()
    allow_tags: bool = False
    rule_keys: Mapping[str, str] = field(default_factory=dict)  # id or name -> id
    today: date = field(default_factory=date.today)
    _used: set[int] = field(default_factory=set)
    _expired: dict[int, int] = field(default_factory=dict)  # suppression -> findings it missed
    _tag_warnings: set[str] = field(default_factory=set)

    def check(self, rule: Rule, resource: Resource) -> dict[str, Any] | None:
        """The suppression record for this violation, or ``None`` if it counts."""
        for index, suppression in enumerate(self.suppressions):
            if suppression.rule_id != rule.id or not suppression.matches(resource):
                continue
            self._used.add(index)
            if suppression.expires is not None and suppression.expires < self.today:
                self._expired[index] = self._expired.get(index, 0) + 1
                continue
            return {
                "source": "config",
                "reason": suppression.reason,
                "expires": suppression.expires.isoformat() if suppression.expires else None,
                "where": suppression.where,
            }
        if self.allow_tags and rule.id in self._tagged_rules(resource):
            return {"source": "tag", "reason": f"tag {IGNORE_TAG}", "expires": None, "where": ""}
        return None

    def _tagged_rules(self, resource: Resource) -> set[str]:
        found: set[str] = set()
        for tag in resource.model.tags or []:
            if tag.key != IGNORE_TAG:
                continue
            for key in re.split(r"[\s,]+", tag.value or ""):
                if not key:
                    continue
                if key in self.rule_keys:
                    found.add(self.rule_keys[key])
                else:
                    self._tag_warnings.add(
                        f"tag {IGNORE_TAG} on {resource.name or resource.arn} names unknown rule "
                        f"'{key}'"
                    )
        return found

    def warnings(self) -> list[str]:
        messages = []
        for index, suppression in enumerate(self.suppressions):
            if index in self._expired:
                count = self._expired[index]
                messages.append(
                    f"{suppression.describe()} expired on {suppression.expires}: "
                    + ("1 finding counts again" if count == 1 else f"{count} findings count again")
                )
            elif index not in self._used:
                messages.append(f"{suppression.describe()} is unused: it matched no finding")
        return messages + sorted(self._tag_warnings)
