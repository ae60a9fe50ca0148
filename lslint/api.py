"""The library entry point: scan snapshots with rules, without the command line.

from lslint.api import scan
from lslint.findings import Severity

result = scan(["examples/fleet.json"])
for finding in result.findings:
    print(finding.rule_id, finding.resource_name, finding.message)
exit_code = result.exit_code(Severity.LOW)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from lslint.config import Config, build_overrides, build_suppressor, configure_rules
from lslint.engine.evaluate import run
from lslint.engine.loader import load_rules
from lslint.engine.rule import Rule
from lslint.findings import ScanResult
from lslint.inventory import Inventory
from lslint.overrides import OverrideTable
from lslint.sources import Source, collect_all
from lslint.sources.snapshot import SnapshotSource
from lslint.suppressions import Suppressor
from lslint.triage import triage


def builtin_rules_dir() -> Path:
    """The built-in rules: inside the installed package, or ``rules/`` in a source checkout."""
    packaged = Path(__file__).parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True)
class Setup:
    """The rules a scan runs, their per-resource overrides, and the suppressions it applies.

    The suppressor and override table remember what matched, for warnings: one per scan.
    """

    rules: list[Rule]
    suppressor: Suppressor
    overrides: OverrideTable = field(default_factory=OverrideTable)


def prepare(
    config: Config | None = None,
    *,
    rule_paths: Sequence[Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    builtin: bool = True,
    today: date | None = None,
) -> Setup:
    """Built-in rules plus extra rule paths (config, then arguments), selected and configured,
    and the config's suppressions and overrides checked against every loaded rule."""
    config = config or Config()
    paths = [builtin_rules_dir()] if builtin else []
    paths += [*config.rule_paths, *rule_paths]
    loaded = load_rules(paths)
    rules = configure_rules(loaded, config, select=select, ignore=ignore)
    today = today or datetime.now(UTC).date()
    suppressor = build_suppressor(config, loaded, today)
    overrides = build_overrides(config, loaded, rules, today)
    return Setup(rules, suppressor, overrides)


def evaluate(
    setup: Setup,
    inventory: Inventory,
    *,
    baseline: Collection[str] | None = None,
    baseline_source: str = "baseline",
) -> ScanResult:
    """Run the rules (with their overrides) on ``inventory``, then triage the findings:
    suppressions, and the fingerprints of a baseline if given."""
    result = run(setup.rules, inventory, setup.overrides)
    triage(
        result, inventory, suppressor=setup.suppressor, overrides=setup.overrides,
        baseline=baseline, baseline_source=baseline_source,
    )  # fmt: skip
    return result


def scan(
    inputs: Sequence[str | Path | Source],
    *,
    config: Config | None = None,
    rule_paths: Sequence[Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    baseline: Collection[str] | None = None,
) -> ScanResult:
    """Scan snapshot files (paths, or ``-`` for stdin) or other sources with the rules.

    ``baseline`` is a set of fingerprints (see ``lslint.baseline.parse_baseline``) whose
    findings do not count."""
    setup = prepare(config, rule_paths=rule_paths, select=select, ignore=ignore)
    sources: list[Source] = [
        SnapshotSource(str(i)) if isinstance(i, (str, Path)) else i for i in inputs
    ]
    return evaluate(setup, collect_all(sources), baseline=baseline)
