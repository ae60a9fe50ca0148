"""A live scan lists the kinds it was asked for: rules of the others judged nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from standin import LightsailStandIn, RegionPlan, make_resources

from conftest import CliResult, assert_one_error, write_config

Cli = Callable[..., CliResult]
StandIn = Callable[..., LightsailStandIn]

pytestmark = [pytest.mark.usefixtures("aws_env"), pytest.mark.slow]


def databases_and_instances() -> dict[str, RegionPlan]:
    return {
        "us-east-1": RegionPlan(
            make_resources("instance", "us-east-1", 2),
            resources={
                "relational_database": make_resources("relational_database", "us-east-1", 2)
            },
        )
    }


def test_rules_of_a_kind_left_out_with_kind_are_an_error(cli: Cli, standin: StandIn) -> None:
    standin(databases_and_instances())
    result = cli(["scan", "--kind", "instance", "--select", "LS100"])
    assert_one_error(
        result,
        "the selected rules judge relational_database, which no input lists: "
        "the live scan lists only instance",
    )
    assert "--kind relational_database" in result.stderr  # the hint


def test_a_selection_of_kinds_not_asked_for_is_refused_before_fetching(
    cli: Cli, standin: StandIn
) -> None:
    server = standin(databases_and_instances())
    result = cli(["scan", "--kind", "instance", "--select", "LS100", "--snapshot", "s.json"])
    assert_one_error(result, "which no input lists: the live scan lists only instance")
    assert server.requests == []  # nothing listed, so nothing thrown away


def test_rules_of_a_kind_left_out_by_the_config_are_an_error(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    standin(databases_and_instances())
    write_config(tmp_path, "aws:\n  kinds: [instance]\n")
    assert_one_error(cli(["scan", "--select", "LS100"]), "which no input lists")


def test_every_kind_listed_lets_the_rules_judge(cli: Cli, standin: StandIn) -> None:
    standin(databases_and_instances())
    result = cli(["scan", "--select", "LS100", "-f", "json"])
    assert "which no input lists" not in result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["checks"] == 2 and report["warnings"] == []


def test_an_explicit_selection_partly_listed_warns(cli: Cli, standin: StandIn) -> None:
    standin(databases_and_instances())
    result = cli(["scan", "--kind", "instance", "--select", "LS001,LS100", "-f", "json"])
    assert json.loads(result.stdout)["warnings"] == [
        "selected rule LS100 judges relational_database, which no input lists: it checked nothing"
    ]
