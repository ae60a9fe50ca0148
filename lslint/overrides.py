"""Per-resource overrides: a rule's parameters changed for the resources an entry selects.

An override narrows what is accepted to what was reviewed: "bastions may expose SSH" becomes
LS001 with port 22 allowed on the bastions only, so any other port opened on them still fails.
Entries are tried in file order and the first one that selects a resource wins for that rule;
an expired entry stops applying (and says so), and one that applied to no resource is reported
as unused.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fnmatch import fnmatchcase
from typing import Self

from lslint.engine.evaluate import RuleVariant
from lslint.engine.rule import Rule
from lslint.inventory import Resource
from lslint.suppressions import has_expired, resource_matches


@dataclass(frozen=True)
class ResourceOverride:
    """One ``overrides`` entry, with its rule already bound to the new parameters."""

    variant: RuleVariant
    resources: tuple[str, ...]  # name globs or ARN patterns; empty: any resource
    tags: Mapping[str, str]  # every key present with a value matching the glob; empty: any

    @property
    def rule_id(self) -> str:
        return self.variant.rule.id

    @property
    def expires(self) -> date | None:
        return self.variant.override.expires

    def selects(self, resource: Resource) -> bool:
        if self.resources and not any(
            resource_matches(p, resource.arn, resource.name) for p in self.resources
        ):
            return False
        if not self.tags:
            return True
        values = {tag.key: tag.value or "" for tag in resource.model.tags or [] if tag.key}
        return all(k in values and fnmatchcase(values[k], v) for k, v in self.tags.items())

    def describe(self) -> str:
        targets = [f"'{p}'" for p in self.resources]
        targets += [f"tag {k}={v}" for k, v in sorted(self.tags.items())]
        return (
            f"override of {self.rule_id} for {' and '.join(targets)} "
            f"({self.variant.override.where})"
        )


@dataclass
class OverrideTable:
    """The engine's per-resource rule variants, remembering what applied for warnings.

    ``today`` is the scan's date (UTC), which expiry is judged on: :meth:`on` gives a table
    for one scan, with that date and nothing applied yet.
    """

    overrides: Sequence[ResourceOverride] = ()
    today: date | None = None
    _by_rule: dict[str, list[int]] = field(default_factory=dict, init=False)
    _applied: dict[int, set[str]] = field(default_factory=dict, init=False)  # entry -> resources
    _expired: dict[int, set[str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for index, override in enumerate(self.overrides):
            self._by_rule.setdefault(override.rule_id, []).append(index)

    def on(self, today: date) -> Self:
        """The same entries for a scan on ``today``, with nothing applied yet."""
        return replace(self, today=today)

    def __call__(self, rule: Rule, resource: Resource) -> RuleVariant | None:
        for index in self._by_rule.get(rule.id, ()):
            override = self.overrides[index]
            if not override.selects(resource):
                continue
            key = resource.arn or resource.name
            if has_expired(override.expires, self.today):
                self._expired.setdefault(index, set()).add(key)
                continue
            self._applied.setdefault(index, set()).add(key)
            return override.variant
        return None

    def varies(self, rule: Rule) -> bool:
        """Whether an entry may give ``rule`` other parameters (the engine asks once per rule,
        then only for the rules that have entries)."""
        return rule.id in self._by_rule

    def warnings(self, ran: Collection[str] | None = None) -> list[str]:
        """Expired and unused entries, for rules that ran."""
        messages = []
        for index, override in enumerate(self.overrides):
            if ran is not None and override.rule_id not in ran:
                continue
            if index in self._expired:
                count = len(self._expired[index])
                resources = "1 resource is" if count == 1 else f"{count} resources are"
                messages.append(
                    f"{override.describe()} expired on {override.expires}: {resources} checked "
                    "with the rule's own parameters again"
                )
            elif index not in self._applied:
                messages.append(f"{override.describe()} is unused: it applied to no resource")
        return messages
