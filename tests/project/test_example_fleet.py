"""The example fleet shows every built-in rule at work: each fails somewhere and passes
somewhere, and nothing in it is indeterminate, so the README's first scan is a real tour."""

from __future__ import annotations

from collections import defaultdict

from lslint.api import ScanRequest, run_scan
from lslint.config import Config
from lslint.engine.loader import load_rules
from lslint.findings import Check
from lslint.gate import EXIT_FINDINGS

from conftest import BUILTIN_RULES, EXAMPLES

FLEET = EXAMPLES / "fleet.json"


def example_checks() -> list[Check]:
    # Config() keeps any .lslint.yaml around the test run out of it: built-in rules, defaults.
    outcome = run_scan(ScanRequest(inputs=(str(FLEET),), config=Config()))
    assert outcome.exit_code == EXIT_FINDINGS
    return outcome.result.checks


def statuses_by_rule() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for check in example_checks():
        seen[check.rule_id].add(check.status)
    return seen


def test_every_built_in_rule_fails_and_passes_on_the_example_fleet() -> None:
    seen = statuses_by_rule()
    built_in = sorted(
        rule.id for rule in load_rules([BUILTIN_RULES]) if rule.resource == "instance"
    )
    assert built_in and sorted(seen) == built_in
    never_fails = [rule for rule in built_in if "fail" not in seen[rule]]
    never_passes = [rule for rule in built_in if "pass" not in seen[rule]]
    assert (never_fails, never_passes) == ([], [])


def test_nothing_in_the_example_fleet_is_indeterminate() -> None:
    errors = [(c.rule_id, c.resource_name) for c in example_checks() if c.status == "error"]
    assert errors == []
