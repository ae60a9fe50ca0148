"""Triage: after the engine has judged every resource, decide which findings were accepted.

One pass, in one place: suppressions (by rule and resource, pinned to a fingerprint, or by
tag) first, then the baseline. Accepted findings stay in the result, marked with why; they only
stop counting toward ``--fail-on``. Stale acceptances (expired, unused, no longer matching) are
reported as warnings so they get cleaned up.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from lslint.baseline import apply_baseline
from lslint.findings import Finding, ScanResult
from lslint.inventory import Inventory, Resource
from lslint.overrides import OverrideTable
from lslint.suppressions import Suppressor


def triage(
    result: ScanResult,
    inventory: Inventory,
    *,
    suppressor: Suppressor | None = None,
    overrides: OverrideTable | None = None,
    baseline: Collection[str] | None = None,
    baseline_source: str = "baseline",
) -> None:
    """Mark accepted findings in ``result`` and add the warnings about stale acceptances.

    ``overrides`` was applied by the engine; it is given here only for its warnings.
    ``baseline`` holds the fingerprints of a baseline file named ``baseline_source``.
    """
    ran = rules_that_ran(result, inventory)
    if overrides is not None:
        result.warnings.extend(overrides.warnings(ran))
    if suppressor is not None:
        resources = _by_identity(inventory)
        result.findings = [
            _suppressed(finding, suppressor, resources) for finding in result.findings
        ]
        result.warnings.extend(suppressor.warnings(ran))
    if baseline is not None:
        unmatched = apply_baseline(result, baseline)
        # Only entries this scan could have matched: those of rules that ran (an entry that
        # does not name its rule counts), and none at all when part of the estate was unread.
        rule_of = baseline if isinstance(baseline, Mapping) else {}
        relevant = {fp for fp in set(baseline) if rule_of.get(fp, "") in ran | {""}}
        stale = len(unmatched & relevant)
        if stale and not result.errors:
            verb = "matches" if stale == 1 else "match"
            result.warnings.append(
                f"{baseline_source}: {stale} of {len(relevant)} entries no longer {verb} any "
                "finding (fixed, or the evidence changed); refresh it with --write-baseline "
                "(the same path may be given to both) to drop them"
            )


# Which resource a finding is about. The ARN and name alone are not enough: hand-written
# files may leave the ARN out, and two such resources may share a name (in other regions or
# kinds, or in merged inputs), so where each was read tells them apart.
_Identity = tuple[str, str, str, str, str, int]


def rules_that_ran(result: ScanResult, inventory: Inventory) -> set[str]:
    """The ids of the rules that could judge something: a rule of a kind no input listed
    checked nothing, so its suppressions, overrides and baseline entries are neither used nor
    stale in this scan."""
    unlisted = set(inventory.unlisted({rule.resource for rule in result.rules if rule.resource}))
    return {rule.id for rule in result.rules if rule.resource not in unlisted}


def _suppressed(
    finding: Finding, suppressor: Suppressor, resources: Mapping[_Identity, Resource]
) -> Finding:
    """``finding`` marked with the suppression that accepts it, if one does."""
    identity = (finding.resource_kind, finding.region, finding.resource_arn,
                finding.resource_name, finding.source_path, finding.source_line)  # fmt: skip
    acceptance = suppressor.check(finding, resources.get(identity))
    return (
        finding
        if acceptance is None and finding.suppressed is None
        else replace(finding, suppressed=acceptance)
    )


def _by_identity(inventory: Inventory) -> dict[_Identity, Resource]:
    return {_identity(resource): resource for resource in inventory.resources}


def _identity(resource: Resource) -> _Identity:
    path, line = (resource.origin.path, resource.origin.line) if resource.origin else ("", 0)
    return resource.kind.name, resource.region, resource.arn, resource.name, path, line
