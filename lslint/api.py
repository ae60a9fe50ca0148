"""The library entry point: scan snapshots with rules, without the command line.

from lslint.api import scan
from lslint.findings import Severity

result = scan(["examples/fleet.json"])
for finding in result.findings:
    print(finding.rule_id, finding.resource_name, finding.message)
exit_code = result.exit_code(Severity.LOW)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from lslint.config import Config, build_suppressor, configure_rules
from lslint.engine.evaluate import run
from lslint.engine.loader import load_rules
from lslint.engine.rule import Rule
from lslint.errors import ConfigErrors, LslintError
from lslint.findings import ScanResult
from lslint.sources import Source, collect_all
from lslint.sources.snapshot import SnapshotSource
from lslint.suppressions import Suppressor


def builtin_rules_dir() -> Path:
    """The built-in rules: inside the installed package, or ``rules/`` in a source checkout."""
    packaged = Path(__file__).parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True)
class Setup:
    """The rules a scan runs, and the suppressions it applies."""

    rules: list[Rule]
    suppressor: Suppressor
    rule_files: tuple[Path, ...] = ()  # every rule file read, selected or not


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
    and the config's suppressions checked against every loaded rule.

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
    try:
        rules = configure_rules(loaded, config, select=select, ignore=ignore)
    except LslintError as exc:
        problems.append(exc)
    try:
        suppressor = build_suppressor(config, loaded, today or datetime.now(UTC).date())
    except LslintError as exc:
        problems.append(exc)
    if problems:
        raise ConfigErrors(problems)
    return Setup(rules, suppressor, tuple(Path(rule.source) for rule in loaded))


def scan(
    inputs: Sequence[str | Path | Source],
    *,
    config: Config | None = None,
    rule_paths: Sequence[Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> ScanResult:
    """Scan snapshot files (paths, or ``-`` for stdin) or other sources with the rules."""
    setup = prepare(config, rule_paths=rule_paths, select=select, ignore=ignore)
    sources: list[Source] = [
        SnapshotSource(str(i)) if isinstance(i, (str, Path)) else i for i in inputs
    ]
    return run(setup.rules, collect_all(sources), setup.suppressor)
