"""Hostile YAML in rule and config files: refused at file:line:col, quickly, before expansion."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from lslint.engine.conditions import MAX_CONDITION_DEPTH
from lslint.errors import RuleError
from lslint.yamlsafety import MAX_DEPTH

from conftest import EXAMPLES, MINIMAL_RULE, ROOT, CliResult, assert_one_error, rule_from_text

Cli = Callable[..., CliResult]
FLEET = str(EXAMPLES / "fleet.json")
GOOD_CONDITION = "{path: name, equals: web}"
GOOD_RULE = MINIMAL_RULE + f"fail_if: {GOOD_CONDITION}\nmessage: m\n"


def alias_bomb(levels: int, width: int = 10) -> str:
    """Each level is a list of ``width`` aliases to the level before: ``width**levels`` leaves."""
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail (rather than hang the test run) if the block takes longer than ``seconds``."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def refused(text: str) -> RuleError:
    with time_limit(30), pytest.raises(RuleError) as info:
        rule_from_text(text)
    return info.value


def position(text: str, needle: str, occurrence: int = 1) -> str:
    """``line:col`` (1-based) of the ``occurrence``-th ``needle`` in ``text``."""
    offset = -1
    for _ in range(occurrence):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def error_line(result: CliResult) -> str:
    """The one error of a refused run: exit 2, no traceback, never 'internal error'."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("lslint: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


# ---------------------------------------------------------------- anchors, aliases, merge keys


def test_an_alias_bomb_is_refused_in_a_fraction_of_its_expansion_time(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(levels=7), encoding="utf-8")
    assert bomb.stat().st_size < 400
    limit_memory = None
    if sys.platform.startswith("linux"):
        import resource  # noqa: PLC0415 - Unix only

        def limit_memory() -> None:  # 1 GiB of address space: the expansion needs gigabytes
            resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    proc = subprocess.run(
        [sys.executable, "-m", "lslint.cli", "rules", "validate", str(bomb)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=limit_memory,  # sets a limit only; the test starts no threads
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2, proc.stderr
    assert f"lslint: error: {bomb}:1:5: YAML anchor &l0 is not allowed" in proc.stderr
    assert "Traceback" not in proc.stderr


ENTRY_POINTS = {
    "rules validate": lambda path: ["rules", "validate", str(path)],
    "rules test": lambda path: ["rules", "test", str(path)],
    "scan --rules": lambda path: ["scan", "--input", FLEET, "--rules", str(path)],
    "rules list --rules": lambda path: ["rules", "list", "--rules", str(path)],
}


@pytest.mark.parametrize("command", ENTRY_POINTS.values(), ids=ENTRY_POINTS.keys())
def test_an_alias_bomb_rule_file_is_refused_everywhere(
    cli: Cli, tmp_path: Path, command: Callable[[Path], list[str]]
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(GOOD_RULE + alias_bomb(levels=7), encoding="utf-8")
    with time_limit(30):
        line = error_line(cli(command(path)))
    where = position(path.read_text(), "&l0")
    assert line.startswith(f"lslint: error: {path}:{where}: YAML anchor &l0 is not allowed")


@pytest.mark.parametrize("discovered", [False, True], ids=["--config", "discovered"])
def test_an_alias_bomb_config_is_refused(cli: Cli, tmp_path: Path, discovered: bool) -> None:
    path = tmp_path / ".lslint.yaml"
    path.write_text("fail_on: high\n" + alias_bomb(levels=7), encoding="utf-8")
    options = [] if discovered else ["--config", str(path)]
    with time_limit(30):
        result = cli(["scan", "--input", FLEET, *options])
    assert_one_error(result, "YAML anchor &l0 is not allowed", where=f"{path}:2:5")


def test_an_alias_is_refused_where_it_stands() -> None:
    text = GOOD_RULE + "extra: *nowhere\n"
    assert str(refused(text)).startswith(
        f"t.yaml:{position(text, '*nowhere')}: YAML alias *nowhere is not allowed"
    )


@pytest.mark.parametrize(
    ("key", "needle"),
    [("{x: [1]}: 2\n", "{x:"), ("? [a, b]\n: 2\n", "[a,"), ("[tags]: 2\n", "[tags]")],
)
def test_a_list_or_mapping_as_a_key_is_refused_where_it_stands(key: str, needle: str) -> None:
    # A key holding a list cannot even be built into a dictionary: refused before it is.
    text = GOOD_RULE + key
    assert str(refused(text)) == (
        f"t.yaml:{position(text, needle)}: a mapping key must be a string, not a list or mapping"
    )


def test_a_list_as_a_key_in_a_config_is_a_located_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("rules:\n  ? [LS004, LS001]\n  : {severity: low}\n", encoding="utf-8")
    assert_one_error(
        cli(["scan", "--input", FLEET, "--config", str(path)]),
        "a mapping key must be a string, not a list or mapping",
        where=f"{path}:2:5",
    )


def test_an_anchor_on_a_single_value_is_refused() -> None:
    text = GOOD_RULE.replace("title: T", "title: &t T")
    assert str(refused(text)) == (
        f"t.yaml:{position(text, '&t')}: YAML anchor &t is not allowed: anchors, aliases and "
        "merge keys are not supported; write the value out in full"
    )


MERGES = {
    "alias": ("base: &b {path: name, equals: web}\n", "fail_if: {<<: *b}", "&b"),
    "inline": ("", "fail_if: {<<: {path: name}, equals: web}", "<<"),
    "block": ("", "fail_if:\n  <<: {path: name}\n  equals: web", "<<"),
}


@pytest.mark.parametrize(("before", "condition", "needle"), MERGES.values(), ids=MERGES.keys())
def test_merge_keys_are_refused_with_their_position(
    before: str, condition: str, needle: str
) -> None:
    text = before + GOOD_RULE.replace(f"fail_if: {GOOD_CONDITION}", condition)
    error = refused(text)
    assert str(error).startswith(f"t.yaml:{position(text, needle)}: YAML ")
    assert "not allowed" in error.message


def test_a_merge_key_in_a_config_is_a_located_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("rules:\n  LS004:\n    <<: {severity: low}\n", encoding="utf-8")
    assert_one_error(
        cli(["scan", "--input", FLEET, "--config", str(path)]),
        "YAML merge key '<<' is not allowed",
        where=f"{path}:3:5",
    )


def test_a_quoted_merge_key_is_an_ordinary_string() -> None:
    text = GOOD_RULE.replace("tests:", "tags: ['<<']\ntests:")
    assert rule_from_text(text).tags == ("<<",)


# ---------------------------------------------------------------- nesting depth


def nested_not(levels: int) -> str:
    return "{not: " * levels + GOOD_CONDITION + "}" * levels


def test_deeply_nested_yaml_is_refused_before_it_is_built() -> None:
    text = GOOD_RULE + "extra: " + "[" * 5000 + "]" * 5000 + "\n"
    error = refused(text)
    assert error.message == f"YAML nesting is deeper than {MAX_DEPTH} levels"
    # The list that opens one level too many: the document is level 1, `extra` level 2.
    assert str(error).startswith(f"t.yaml:{text.count(chr(10))}:{len('extra: ') + MAX_DEPTH}:")


def test_a_deeply_nested_condition_is_a_located_error_not_a_recursion_error() -> None:
    text = GOOD_RULE.replace(f"fail_if: {GOOD_CONDITION}", f"fail_if: {nested_not(2000)}")
    error = refused(text)
    assert f"nesting is deeper than {MAX_DEPTH} levels" in error.message
    assert str(error).startswith("t.yaml:")
    assert str(error).split(":")[1] != ""


def test_conditions_deeper_than_the_limit_are_refused_at_the_first_one_too_deep() -> None:
    condition = nested_not(MAX_CONDITION_DEPTH)  # with the leaf: one level too many
    text = GOOD_RULE.replace(f"fail_if: {GOOD_CONDITION}", f"fail_if: {condition}")
    error = refused(text)
    assert error.message == (
        f"conditions nest deeper than {MAX_CONDITION_DEPTH} levels; simplify them"
    )
    assert str(error).startswith(f"t.yaml:{position(text, 'not: ', MAX_CONDITION_DEPTH)}:")


def test_conditions_at_the_limit_load_and_evaluate(cli: Cli, tmp_path: Path) -> None:
    # `and`, an even number of `not`s and the leaf: exactly the limit, and the rule fails
    # exactly where the plain condition would.
    condition = "{and: [" + nested_not(MAX_CONDITION_DEPTH - 2) + "]}"
    text = GOOD_RULE.replace(f"fail_if: {GOOD_CONDITION}", f"fail_if: {condition}")
    text = text.replace("resource: {}}\n  - {name: b", "resource: {name: db}}\n  - {name: b")
    text = text.replace("expect: fail, resource: {}", "expect: fail, resource: {name: web}")
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli(["rules", "test", str(path)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "2 passed, 0 failed" in result.stdout


def test_a_deeply_nested_config_is_a_located_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("rules:\n  paths: " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    assert_one_error(
        cli(["scan", "--input", FLEET, "--config", str(path)]),
        f"YAML nesting is deeper than {MAX_DEPTH} levels",
        where=f"{path}:2:",
    )


# ---------------------------------------------------------------- implicit scalar types


def test_an_impossible_expiry_date_in_a_config_is_one_located_error(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / ".lslint.yaml"
    path.write_text(
        "suppressions:\n"
        "  - rule: LS001\n"
        "    resource: web-*\n"
        "    reason: reviewed\n"
        "    expires: 2020-02-30\n",
        encoding="utf-8",
    )
    assert_one_error(
        cli(["scan", "--input", FLEET]),
        "invalid date '2020-02-30': day is out of range for month",
        where=f"{path}:5:14",
    )


BAD_SCALARS = {
    "day": ("2021-02-29", "invalid date '2021-02-29': day is out of range for month"),
    "month": ("2020-13-01", "invalid date '2020-13-01': month must be in 1..12"),
    "hour": ("2020-01-01T24:30:00Z", "invalid date '2020-01-01T24:30:00Z': hour must be in"),
    "offset": ("2020-01-01 10:00:00 +30:00", "time zone offset out of range"),
    "infinity": (".inf", "'.inf' is not a finite number"),
    "not a number": (".NaN", "'.NaN' is not a finite number"),
    "overflow": ("1e400", "'1e400' is not a finite number"),
    "long integer": ("9" * 5000, "too many digits"),
    "value indicator": ("=", "'=' is a YAML value indicator; quote it"),
}


@pytest.mark.parametrize(("scalar", "message"), BAD_SCALARS.values(), ids=BAD_SCALARS.keys())
def test_implicit_scalars_that_hold_no_value_are_located_errors(scalar: str, message: str) -> None:
    text = GOOD_RULE.replace("description: d", f"description: d\nextra: [ok, {scalar}]")
    error = refused(text)
    assert message in error.message
    assert str(error).startswith(f"t.yaml:{position(text, scalar, 1)}:")


def test_an_impossible_date_under_an_explicit_tag_is_refused_for_the_tag() -> None:
    text = GOOD_RULE.replace("description: d", "description: !!timestamp 2020-02-30")
    assert str(refused(text)).endswith("YAML tag tag:yaml.org,2002:timestamp is not allowed")


def test_valid_dates_and_numbers_still_load(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / ".lslint.yaml"
    path.write_text(
        "suppressions:\n"
        "  - {rule: LS001, resource: web-*, reason: reviewed, expires: 2999-02-28}\n",
        encoding="utf-8",
    )
    result = cli(["scan", "--input", FLEET, "-f", "json"])
    assert result.exit_code in (0, 1), result.stderr
    assert "error" not in result.stderr
