"""The library entry point: scan snapshots with rules, without the command line.

from lslint.api import scan
from lslint.findings import Severity
from lslint.gate import Gate

result = scan(["examples/fleet.json"])
for finding in result.findings:
    print(finding.rule_id, finding.resource_name, finding.message)
gate = Gate.of(result, Severity.LOW)  # the CLI's verdict at --fail-on low
print(gate.describe(), gate.failing, gate.exit_code)
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
from lslint.errors import ConfigError, ConfigErrors, LslintError
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
    rule_files: tuple[Path, ...] = ()  # every rule file read, selected or not
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
    and the config's suppressions and overrides checked against every loaded rule.

    Raises :class:`ConfigErrors` with every problem of the config (those found when it was
    read, and those that need the rules) and of ``select``/``ignore`` at once.
    """
    config = config or Config()
    problems: list[LslintError] = list(config.problems)
    paths = [builtin_rules_dir()] if builtin else []
    paths += [*config.rule_paths, *rule_paths]
    try:
        loaded = load_rules(paths)
    except LslintError as exc:
        if problems:
            raise ConfigErrors([*problems, exc]) from None
        raise
    rules = loaded  # until configured; on a problem, only used to find more problems
    try:
        rules = configure_rules(loaded, config, select=select, ignore=ignore)
    except LslintError as exc:
        problems.append(exc)
    today = today or datetime.now(UTC).date()
    try:
        suppressor = build_suppressor(config, loaded, today)
    except LslintError as exc:
        problems.append(exc)
    try:
        overrides = build_overrides(config, loaded, rules, today)
    except LslintError as exc:
        problems.append(exc)
    if problems:
        raise ConfigErrors(problems)
    if not rules:  # an empty selection would pass every gate: never a silent pass
        raise ConfigError(
            "no rules to run: the selection leaves none",
            hint="check --select/--ignore and rules.select/rules.ignore in the config",
        )
    return Setup(rules, suppressor, tuple(Path(rule.source) for rule in loaded), overrides)


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
