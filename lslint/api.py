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
from pathlib import Path

from lslint.config import Config, configure_rules
from lslint.engine.evaluate import run
from lslint.engine.loader import load_rules
from lslint.engine.rule import Rule
from lslint.findings import ScanResult
from lslint.sources import Source, collect_all
from lslint.sources.snapshot import SnapshotSource


def builtin_rules_dir() -> Path:
    """The built-in rules: inside the installed package, or ``rules/`` in a source checkout."""
    packaged = Path(__file__).parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


def load_configured_rules(
    config: Config | None = None,
    *,
    rule_paths: Sequence[Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    builtin: bool = True,
) -> list[Rule]:
    """Built-in rules plus extra rule paths (config, then arguments), selected and configured."""
    config = config or Config()
    paths = [builtin_rules_dir()] if builtin else []
    paths += [*config.rule_paths, *rule_paths]
    return configure_rules(load_rules(paths), config, select=select, ignore=ignore)


def scan(
    inputs: Sequence[str | Path | Source],
    *,
    config: Config | None = None,
    rule_paths: Sequence[Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> ScanResult:
    """Scan snapshot files (paths, or ``-`` for stdin) or other sources with the rules."""
    rules = load_configured_rules(config, rule_paths=rule_paths, select=select, ignore=ignore)
    sources: list[Source] = [
        SnapshotSource(str(i)) if isinstance(i, (str, Path)) else i for i in inputs
    ]
    return run(rules, collect_all(sources))
