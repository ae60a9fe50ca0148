"""Triage: after the engine has judged every resource, decide which findings were accepted.

One pass, in one place: suppressions (by rule and resource, pinned to a fingerprint, or by
tag) first, then the baseline. Accepted findings stay in the result, marked with why; they only
stop counting toward ``--fail-on``. Stale acceptances (expired, unused, no longer matching) are
reported as warnings so they get cleaned up.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from lslint.baseline import apply_baseline
from lslint.findings import ScanResult
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
    ran = {rule.id for rule in result.rules}
    if overrides is not None:
        result.warnings.extend(overrides.warnings(ran))
    if suppressor is not None:
        resources = _by_identity(inventory)
        result.findings = [
            replace(
                finding,
                suppressed=suppressor.check(
                    finding, resources.get((finding.resource_arn, finding.resource_name))
                ),
            )
            for finding in result.findings
        ]
        result.warnings.extend(suppressor.warnings(ran))
    if baseline is not None:
        stale = apply_baseline(result, set(baseline))
        if stale:
            total = len(set(baseline))
            verb = "matches" if stale == 1 else "match"
            result.warnings.append(
                f"{baseline_source}: {stale} of {total} entries no longer {verb} any finding "
                "(fixed, or the evidence changed); rewrite it with --write-baseline to drop them"
            )


def _by_identity(inventory: Inventory) -> dict[tuple[str, str], Resource]:
    return {(resource.arn, resource.name): resource for resource in inventory.resources}
