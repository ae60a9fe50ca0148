"""Rules of kinds no input listed judged nothing: a scan whose selected rules all are of such
kinds is an error, never a pass; an explicit selection left partly idle says so; a kind that
was listed with no resources is a true "none"."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lslint.api import ScanRequest, evaluate, prepare, run_scan
from lslint.engine.loader import load_rules
from lslint.errors import ConfigError
from lslint.findings import ScanError
from lslint.inventory import Inventory
from lslint.models import RESOURCE_KINDS
from lslint.sources.snapshot import parse_snapshot

from conftest import (
    BUILTIN_RULES,
    EXAMPLES,
    CliResult,
    assert_one_error,
    scan_report,
    write_config,
)

Cli = Callable[..., CliResult]
FLEET = EXAMPLES / "fleet.json"
ESTATE = EXAMPLES / "estate.json"
UNLISTED = "which no input lists"


def estate_without_databases(folder: Path, *, listed: bool) -> Path:
    """The example estate without its databases: not listed at all, or listed with none."""
    document: dict[str, Any] = json.loads(ESTATE.read_text(encoding="utf-8"))
    if listed:
        document["relationalDatabases"] = []
    else:
        document["kinds"].remove("relational_database")
        del document["relationalDatabases"]
    path = folder / "estate.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def write_json(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def rules_of(*kinds: str) -> int:
    return sum(rule.resource in kinds for rule in load_rules([BUILTIN_RULES]))


# ---------------------------------------------------------------- nothing selected was listed


def test_rules_of_a_kind_the_aws_cli_file_does_not_list_are_an_error(cli: Cli) -> None:
    result = cli(["scan", "-i", str(FLEET), "--select", "LS100"])
    assert_one_error(
        result,
        f"the selected rules judge relational_database, {UNLISTED}",
        "fleet.json lists only instance",
    )
    assert "aws lightsail get-relational-databases" in result.stderr  # the hint


def test_a_snapshot_without_the_kind_in_kinds_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = estate_without_databases(tmp_path, listed=False)
    result = cli(["scan", "-i", str(path), "--select", "tag:database", "-f", "json"])
    line = assert_one_error(result, "relational_database", UNLISTED)
    assert "estate.json lists bucket, load_balancer" in line


def test_a_version_1_snapshot_lists_only_the_lists_it_has(cli: Cli, tmp_path: Path) -> None:
    fleet = json.loads(FLEET.read_text(encoding="utf-8"))
    path = write_json(tmp_path / "old.json", {
        "format": "lslint-snapshot", "version": 1, "lslint_version": "0.1.0",
        "created_at": "2026-01-01T00:00:00+00:00", "regions": [], "errors": [],
        "instances": fleet["instances"],
    })  # fmt: skip
    assert_one_error(cli(["scan", "-i", str(path), "--select", "LS100"]), UNLISTED)


def test_the_config_selection_is_checked_too(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  select: [database-publicly-accessible]\n")
    assert_one_error(cli(["scan", "-i", str(FLEET)]), "judge relational_database", UNLISTED)


def test_the_library_raises_the_same_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=UNLISTED):
        run_scan(ScanRequest(inputs=(FLEET,), select=("LS100",)))


# ---------------------------------------------------------------- listed with none


def test_the_library_evaluate_raises_it_too() -> None:
    setup = prepare(select=["LS100"])
    inventory = parse_snapshot(FLEET.read_text(encoding="utf-8"), str(FLEET))
    with pytest.raises(ConfigError, match="relational_database, which no input lists"):
        evaluate(setup, inventory)


def test_a_kind_listed_with_no_resources_passes(cli: Cli, tmp_path: Path) -> None:
    path = estate_without_databases(tmp_path, listed=True)
    code, report, stderr = scan_report(cli, path, "--select", "LS100")
    assert code == 0, stderr
    assert report["summary"]["checks"] == 0 and report["summary"]["gate"] == "passed"
    assert report["warnings"] == [] and stderr == ""


def test_an_empty_aws_cli_answer_lists_its_kind(cli: Cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "databases.json", {"relationalDatabases": []})
    code, report, _ = scan_report(cli, path, "--select", "LS100")
    assert code == 0 and report["warnings"] == []


def test_merged_inputs_list_what_any_of_them_lists(cli: Cli, tmp_path: Path) -> None:
    databases = write_json(tmp_path / "databases.json", {"relationalDatabases": []})
    result = cli(["scan", "-i", str(FLEET), "-i", str(databases), "--select", "LS100"])
    assert result.exit_code == 0, result.stderr
    assert "0 findings on 0 of 9 resources; 1 rule ran as of" in result.stdout
    every = cli(["scan", "-i", str(FLEET), "-i", str(databases)]).stdout
    assert f"; {rules_of('instance', 'relational_database')} rules ran as of" in every
    # Two inputs that both leave the kind out are still an error, naming each.
    other = estate_without_databases(tmp_path, listed=False)
    line = assert_one_error(
        cli(["scan", "-i", str(FLEET), "-i", str(other), "--select", "LS100"]), UNLISTED
    )
    assert "fleet.json lists only instance; " in line and "estate.json lists bucket" in line


# ---------------------------------------------------------------- partly idle selections


def test_an_explicit_selection_partly_idle_is_a_warning(cli: Cli) -> None:
    code, report, stderr = scan_report(cli, FLEET, "--select", "LS001,LS100")
    assert code == 1  # LS001 ran and found open ports
    warning = (
        "selected rule LS100 judges relational_database, which no input lists: it checked nothing"
    )
    assert report["warnings"] == [warning]
    assert warning in stderr


def test_a_partly_idle_config_selection_names_the_kinds(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  select: [tag:database, LS110]\n")
    path = estate_without_databases(tmp_path, listed=False)
    _, report, _ = scan_report(cli, path)
    [warning] = report["warnings"]
    assert warning.startswith("4 selected rules (LS006, LS100, LS101, …) judge instance and ")
    assert warning.endswith(f"relational_database, {UNLISTED}: they checked nothing")


def test_the_default_selection_scans_one_kind_without_a_warning(cli: Cli) -> None:
    code, report, stderr = scan_report(cli, FLEET)
    assert code == 1
    assert report["warnings"] == [] and "warning" not in stderr
    # JSON counts the rules selected; the text summary, those that judged a listed kind.
    assert report["summary"]["rules"] == rules_of(*RESOURCE_KINDS)
    text = cli(["scan", "-i", str(FLEET)]).stdout
    assert f"on 9 of 9 resources; {rules_of('instance')} rules ran as of" in text


# ---------------------------------------------------------------- the inventory


def test_each_input_says_what_it_listed(tmp_path: Path) -> None:
    fleet = parse_snapshot(FLEET.read_text(encoding="utf-8"), "fleet.json")
    estate = parse_snapshot(ESTATE.read_text(encoding="utf-8"), "estate.json")
    assert fleet.listed == {"fleet.json": frozenset({"instance"})}
    merged = Inventory()
    merged.extend(fleet)
    merged.extend(estate)
    assert merged.unlisted(["instance", "bucket", "relational_database"]) == []
    assert fleet.unlisted(["certificate", "instance", "bucket"]) == ["bucket", "certificate"]


def test_a_kind_that_could_not_be_listed_is_left_to_its_error() -> None:
    failed = ScanError(
        source="aws", operation="GetBuckets", code="AccessDenied", message="no", kind="bucket"
    )
    assert Inventory(errors=[failed]).unlisted(["bucket", "disk"]) == ["disk"]


def test_resources_of_a_source_that_does_not_say_what_it_listed_count(tmp_path: Path) -> None:
    fleet = parse_snapshot(FLEET.read_text(encoding="utf-8"), "fleet.json")
    unsaid = Inventory(resources=fleet.resources)
    assert unsaid.unlisted(["instance", "disk"]) == ["disk"]
