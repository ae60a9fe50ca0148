"""The example estate (examples/estate.json) is a realistic snapshot of every resource kind
beside instances, and the examples between them exercise every built-in rule for those kinds:
each one fails on some resource and passes on another, so the README's scan of the estate
shows each rule at work and a rule that stops matching its own example is caught here."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from lslint.engine.evaluate import run
from lslint.engine.loader import load_rules
from lslint.engine.rule import Rule
from lslint.inventory import Inventory
from lslint.models import RESOURCE_KINDS
from lslint.sources.snapshot import SNAPSHOT_FORMAT, SNAPSHOT_VERSION, parse_snapshot

from conftest import BUILTIN_RULES, EXAMPLES, ROOT, SCAN_TIME, run_lslint

ESTATE = EXAMPLES / "estate.json"
KIND_RULES = [rule for rule in load_rules([BUILTIN_RULES]) if rule.resource != "instance"]


def example_inventories() -> list[Inventory]:
    """Every saved inventory in examples/ (the fleet, the estate, and any added later)."""
    paths = sorted(EXAMPLES.glob("*.json"))
    return [parse_snapshot(path.read_text(encoding="utf-8"), str(path)) for path in paths]


def statuses_by_rule(rules: list[Rule]) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for inventory in example_inventories():
        for check in run(rules, inventory, now=SCAN_TIME).checks:  # the reports' scan time
            seen[check.rule_id].add(check.status)
    return seen


STATUSES = statuses_by_rule(KIND_RULES)


def test_there_are_rules_for_every_kind_beside_instances() -> None:
    assert {rule.resource for rule in KIND_RULES} == set(RESOURCE_KINDS) - {"instance"}


@pytest.mark.parametrize("rule", KIND_RULES, ids=[rule.id for rule in KIND_RULES])
def test_each_rule_fails_and_passes_somewhere_in_the_examples(rule: Rule) -> None:
    seen = STATUSES.get(rule.id, set())
    assert "fail" in seen, f"{rule.id} {rule.name} fails on no resource in examples/*.json"
    assert "pass" in seen, f"{rule.id} {rule.name} passes on no resource in examples/*.json"


@pytest.mark.parametrize("rule", KIND_RULES, ids=[rule.id for rule in KIND_RULES])
def test_no_example_resource_is_indeterminate(rule: Rule) -> None:
    # The examples are complete answers: an error here means a rule misreads real data.
    assert "error" not in STATUSES.get(rule.id, set())


def test_the_estate_is_a_current_snapshot_of_every_kind_in_two_regions() -> None:
    document = json.loads(ESTATE.read_text(encoding="utf-8"))
    assert document["format"] == SNAPSHOT_FORMAT and document["version"] == SNAPSHOT_VERSION
    assert document["errors"] == []
    kinds = [kind for name, kind in RESOURCE_KINDS.items() if name != "instance"]
    assert document["kinds"] == [kind.name for kind in kinds]
    inventory = parse_snapshot(ESTATE.read_text(encoding="utf-8"), str(ESTATE))
    assert not inventory.errors and not inventory.warnings
    for kind in kinds:
        assert document[kind.response_key], f"the estate holds no {kind.plural}"
    regions = {resource.model.region for resource in inventory.resources}
    assert regions == set(document["regions"]) and len(regions) == 2
    accounts = {(resource.model.arn or "").split(":")[4] for resource in inventory.resources}
    assert accounts == {"111122223333"}


def test_the_readme_shows_the_estate_scan_as_lslint_prints_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "$ lslint scan --input examples/estate.json\n"
    assert command in readme
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    result = run_lslint(["scan", "--input", "examples/estate.json"])
    assert result.exit_code == 1
    printed = result.stdout
    # The README may shorten a long ARN with an ellipsis; every other line is verbatim.
    for line in shown.splitlines():
        if line == "…":
            continue
        head, _, tail = line.partition("…")
        assert any(out.startswith(head) and out.endswith(tail) for out in printed.splitlines()), (
            f"README line not in the scan's output: {line!r}"
        )
