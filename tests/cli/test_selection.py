"""Selecting rules by tag and compliance control, on the command line and in the config, and
which of select and ignore wins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lslint.config import Config, configure_rules
from lslint.engine.loader import load_rules
from lslint.engine.rule import Rule
from lslint.errors import ConfigErrors

from conftest import (
    BUILTIN_RULES,
    MINIMAL_RULE,
    CliResult,
    assert_one_error,
    passing_instance,
    rule_from_text,
    scan_report,
    write_config,
    write_fleet,
)

Cli = Callable[..., CliResult]
CIS = "cis-aws-compute-1.0.0"


def make_rule(rule_id: str, tags: str = "[]", compliance: str = "{}") -> Rule:
    text = MINIMAL_RULE.replace("id: T001", f"id: {rule_id}").replace(
        "name: t-rule", f"name: rule-{rule_id.lower()}"
    )
    return rule_from_text(
        text.replace(
            "tests:\n",
            f"tags: {tags}\ncompliance: {compliance}\n"
            "fail_if: {path: name, exists: true}\nmessage: m\ntests:\n",
        )
    )


RULES = [
    make_rule("A001", "[network, exposure]", f"{{{CIS}: ['3.3', '3.4']}}"),
    make_rule("A002", "[network]", f"{{{CIS}: ['3.5'], nist-800-53: [AC-17]}}"),
    make_rule("A003", "[tagging]", "{nist-800-53: [CM-8]}"),
    make_rule("A004", "[Backup]"),
]


def chosen(
    select: tuple[str, ...] = (), ignore: tuple[str, ...] = (), config: Config | None = None
) -> set[str]:
    rules = configure_rules(RULES, config or Config(), select=select, ignore=ignore)
    return {rule.id for rule in rules}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tag:network", {"A001", "A002"}),
        ("TAG:Exposure", {"A001"}),
        ("tag:backup", {"A004"}),  # tags compare in any case too
        (f"{CIS}:3.4", {"A001"}),
        (f"{CIS.upper()}:3.5", {"A002"}),
        (f"{CIS}:3", {"A001", "A002"}),  # a control takes its sub-controls
        (CIS, {"A001", "A002"}),
        ("nist-800-53", {"A002", "A003"}),
        ("nist-800-53:ac-17", {"A002"}),
        ("rule-a003", {"A003"}),
        ("a004", {"A004"}),
    ],
)
def test_select_by_tag_control_framework_id_or_name(selector: str, expected: set[str]) -> None:
    assert chosen(select=(selector,)) == expected
    assert chosen(ignore=(selector,)) == {r.id for r in RULES} - expected


def test_a_control_does_not_take_a_control_it_only_starts_like() -> None:
    rules = [*RULES, make_rule("A005", compliance=f"{{{CIS}: ['3.40']}}")]
    assert {r.id for r in configure_rules(rules, Config(), select=[f"{CIS}:3.4"])} == {"A001"}


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        # A rule named by id or name beats a group, whichever side it is on.
        (["tag:network"], ["A001"], {"A002"}),
        (["A001"], ["tag:network"], {"A001"}),
        (["rule-a002", "tag:tagging"], [CIS], {"A002", "A003"}),
        # At the same level, ignore wins.
        (["tag:network"], [f"{CIS}:3.5"], {"A001"}),
        ([CIS], ["tag:exposure"], {"A002"}),
        (["A001", "A002"], ["A002"], {"A001"}),
        # No select: every rule, less what is ignored.
        ([], ["tag:network", "A003"], {"A004"}),
    ],
)
def test_the_more_specific_selector_wins(
    select: list[str], ignore: list[str], expected: set[str]
) -> None:
    assert chosen(select=tuple(select), ignore=tuple(ignore)) == expected


def test_a_rule_the_command_line_names_runs_though_the_config_ignores_its_tag() -> None:
    config = Config(ignore=["tag:network"], select=["tag:tagging"])
    assert chosen(config=config) == {"A003"}
    assert chosen(select=("A001",), config=config) == {"A001"}
    assert chosen(select=("tag:exposure",), config=config) == set()


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("tag:netwrk", "unknown tag 'netwrk' in --select (did you mean 'tag:network'?)"),
        ("tag:", "unknown tag '' in --select"),
        (
            f"{CIS}:3.44",
            f"unknown compliance control '{CIS}:3.44' in --select (did you mean '{CIS}:3.4'?)",
        ),
        (
            f"{CIS}:9",
            f"unknown compliance control '{CIS}:9' in --select; known: {CIS}:3.3, {CIS}:3.4, "
            f"{CIS}:3.5",
        ),
        (
            f"{CIS}:",
            f"empty compliance control '{CIS}:' in --select; give '{CIS}' for the whole "
            f"framework, or one of its controls: {CIS}:3.3, {CIS}:3.4, {CIS}:3.5",
        ),
        (
            "cis-aws-compute-service-1.0.0:3.4",
            f"unknown compliance framework 'cis-aws-compute-service-1.0.0' in --select "
            f"(did you mean '{CIS}'?)",
        ),
        ("nist-800-5", "unknown rule 'nist-800-5' in --select (did you mean 'nist-800-53'?)"),
        ("network", "unknown rule 'network' in --select (did you mean 'tag:network'?)"),
        ("A01", "unknown rule 'A01' in --select (did you mean 'A001'?)"),
    ],
)
def test_an_unknown_selector_is_an_error_with_a_suggestion(selector: str, message: str) -> None:
    with pytest.raises(ConfigErrors) as caught:
        chosen(select=(selector,))
    assert [str(p) for p in caught.value.problems] == [f"--select: {message}"]


# ---------------------------------------------------------------- end to end


def test_scan_selects_by_tag_and_ignores_by_tag(cli: Cli, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, passing_instance("a", tags=[]))
    tagging = {rule.id for rule in load_rules([BUILTIN_RULES]) if "tagging" in rule.tags}
    _, report, _ = scan_report(cli, fleet, "--select", "TAG:tagging")
    assert {f["rule_id"] for f in report["findings"]} == {"LS004"}  # the instance has no tags
    assert report["summary"]["rules"] == len(tagging) and "LS004" in tagging
    _, report, _ = scan_report(cli, fleet, "--ignore", "tag:tagging,tag:network")
    untagged = [
        rule for rule in load_rules([BUILTIN_RULES]) if not {"tagging", "network"} & set(rule.tags)
    ]
    assert report["summary"]["rules"] == len(untagged) >= 2  # LS002, LS003, ...


def test_scan_reports_an_unknown_tag_as_one_error(cli: Cli, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, passing_instance("a"))
    result = cli(["scan", "--input", str(fleet), "--ignore", "tag:taging"])
    assert_one_error(result, "unknown tag 'taging' in --ignore (did you mean 'tag:tagging'?)")


def test_config_selects_by_tag_and_reports_an_unknown_control_at_its_line(
    cli: Cli, tmp_path: Path
) -> None:
    fleet = write_fleet(tmp_path, passing_instance("a", tags=[]))
    write_config(tmp_path, "rules:\n  select: [tag:tagging, tag:imds]\n  ignore: [LS002]\n")
    _, report, _ = scan_report(cli, fleet)
    chosen = {
        rule.id
        for rule in load_rules([BUILTIN_RULES])
        if {"tagging", "imds"} & set(rule.tags) and rule.id != "LS002"
    }
    assert report["summary"]["rules"] == len(chosen) and "LS002" not in chosen
    assert {f["rule_id"] for f in report["findings"]} == {"LS004"}
    config = write_config(tmp_path, "rules:\n  ignore:\n    - LS001\n    - tag:nope\n")
    result = cli(["scan", "--input", str(fleet)])
    assert_one_error(result, "unknown tag 'nope' in rules.ignore", where=f"{config}:4:7")


def test_an_empty_control_is_an_error_on_the_command_line_and_in_the_config(
    cli: Cli, tmp_path: Path
) -> None:
    fleet = write_fleet(tmp_path, passing_instance("a"))
    for option in ("--select", "--ignore"):
        result = cli(["scan", "--input", str(fleet), option, f"{CIS}:"])
        assert_one_error(
            result, f"empty compliance control '{CIS}:' in {option}; give '{CIS}' for the whole",
            f"{CIS}:3.4",
        )  # fmt: skip
    config = write_config(tmp_path, f"rules:\n  ignore:\n    - LS001\n    - '{CIS}:'\n")
    result = cli(["scan", "--input", str(fleet)])
    assert_one_error(
        result, f"empty compliance control '{CIS}:' in rules.ignore", where=f"{config}:4:7"
    )


def test_rules_list_previews_a_selection(cli: Cli) -> None:
    result = cli(["rules", "list", "--select", "tag:network,imdsv1-allowed"])
    assert result.exit_code == 0, result.stderr
    expected = sorted(
        rule.id
        for rule in load_rules([BUILTIN_RULES])
        if "network" in rule.tags or rule.name == "imdsv1-allowed"
    )
    assert [row.split()[0] for row in result.stdout.splitlines()[1:]] == expected
    assert {"LS001", "LS002"} <= set(expected)


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "--select", ""],
        ["scan", "--select", ","],
        ["scan", "--ignore", " "],
        ["rules", "list", "--ignore", ""],
    ],
)
def test_a_value_that_names_nothing_is_an_error_not_the_default(
    cli: Cli, tmp_path: Path, args: list[str]
) -> None:
    # An unset CI variable (`--select "$RULES"`) must not quietly run every rule.
    fleet = write_fleet(tmp_path, passing_instance("a"))
    command = [*args, "--input", str(fleet)] if args[0] == "scan" else args
    option, value = args[-2], args[-1]
    assert_one_error(cli(command), f"{option} {value!r} names nothing")
