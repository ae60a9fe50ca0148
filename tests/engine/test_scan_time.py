"""Time relative to the scan: the scan time is given to the engine (never read from the clock
there), fixed in rule tests, set by ``--now`` or SOURCE_DATE_EPOCH, and shown in reports; date
parameters are checked where they are written."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lslint.api import ScanRequest, run_scan
from lslint.engine.evaluate import case_failure, judge, run
from lslint.engine.rule import DEFAULT_TEST_NOW, Rule
from lslint.errors import RuleError
from lslint.inventory import Inventory, Resource
from lslint.models import Instance

from conftest import (
    MINIMAL_RULE,
    CliResult,
    assert_one_error,
    rule_from_text,
    write_config,
    write_fleet,
)

Cli = Callable[..., CliResult]
OLD = "{path: createdAt, older_than_days: 90}"
LOCATED = re.compile(r"^t\.yaml:\d+:\d+: ")

AGE_RULE = """\
lslint: 1
id: T090
name: old-instance
title: Old instance
severity: low
resource: instance
description: d
remediation: {text: r}
fail_if: {path: createdAt, older_than_days: 90}
message: '{{ resource.name }} created {{ createdAt }}'
tests:
  - {name: old at the default time, expect: fail, resource: {createdAt: '2024-09-01'}}
  - {name: new at the default time, expect: pass, resource: {createdAt: '2024-12-01'}}
  - {name: new at its own time, expect: pass, now: 2024-09-15, resource: {createdAt: '2024-09-01'}}
  - {name: old by epoch time, expect: fail, now: 1735689600, resource: {createdAt: '2024-09-01'}}
"""


def load(fail_if: str, extra: str = "") -> Rule:
    return rule_from_text(f"{MINIMAL_RULE}{extra}message: m\nfail_if: {fail_if}\n")


def refused(text: str) -> str:
    with pytest.raises(RuleError) as info:
        rule_from_text(text)
    message = str(info.value)
    assert LOCATED.match(message), message
    return message


# ---------------------------------------------------------------- the engine


def test_without_a_scan_time_time_conditions_are_indeterminate() -> None:
    verdict = judge(load(OLD), Instance.model_validate({"createdAt": "2020-01-01"}))
    assert verdict.status == "error"
    assert verdict.message == "indeterminate: the scan time is not known"


def test_run_compares_with_the_time_it_is_given() -> None:
    rule = load(OLD)
    inventory = Inventory(
        [Resource(Instance.model_validate({"name": "a", "createdAt": "2024-01-01"}))]
    )
    early = run([rule], inventory, now=datetime(2024, 2, 1, tzinfo=UTC))
    late = run([rule], inventory, now=datetime(2024, 6, 1, tzinfo=UTC))
    assert [c.status for c in early.checks] == ["pass"]
    assert [c.status for c in late.checks] == ["fail"]


def test_absent_timestamp_is_indeterminate_even_with_a_scan_time() -> None:
    verdict = judge(load(OLD), Instance.model_validate({}), DEFAULT_TEST_NOW)
    assert verdict.message == "indeterminate: createdAt absent"


# ---------------------------------------------------------------- rule tests


def test_rule_tests_use_a_fixed_default_time_or_their_own() -> None:
    rule = rule_from_text(AGE_RULE)
    assert datetime(2025, 1, 1, tzinfo=UTC) == DEFAULT_TEST_NOW
    assert [case.now for case in rule.tests] == [
        DEFAULT_TEST_NOW,
        DEFAULT_TEST_NOW,
        datetime(2024, 9, 15, tzinfo=UTC),
        datetime(2025, 1, 1, tzinfo=UTC),
    ]
    assert [case_failure(rule, case) for case in rule.tests] == [None] * 4


def test_a_case_at_the_wrong_time_fails() -> None:
    text = AGE_RULE.replace("now: 2024-09-15", "now: 2024-12-15")
    rule = rule_from_text(text)
    assert case_failure(rule, rule.tests[2]) == (
        "expected pass, got fail: (absent) created 2024-09-01T00:00:00+00:00"
    )


@pytest.mark.parametrize(
    ("now", "fragment"),
    [
        ("yesterday", "now: expected an ISO 8601 time or seconds since 1970, got str 'yesterday'"),
        ("'2024-13-01'", "got str '2024-13-01'"),
        ("true", "got true"),
        ("[1]", "got a list"),
        ("1e30", "out of range"),
        ("'0001-01-01T00:00:00+01:00'", "now: out of range: in UTC it falls before year 1"),
        ("9999-12-31T23:59:59-01:00", "now: out of range: in UTC it falls before year 1"),
    ],
)
def test_bad_test_now_is_a_located_error(now: str, fragment: str) -> None:
    text = AGE_RULE.replace("now: 2024-09-15", f"now: {now}")
    message = refused(text)
    assert "test 'new at its own time'" in message
    assert fragment in message
    line = next(i for i, row in enumerate(text.splitlines(), 1) if f"now: {now}" in row)
    assert message.startswith(f"t.yaml:{line}:")


@pytest.mark.parametrize(
    ("operand", "fragment"),
    [
        ("-1", "expected a number of at least 0, got int -1"),
        ("'90'", "expected a number of at least 0, got str '90'"),
        ("true", "got true"),
        ("{param: nope}", "unknown parameter 'nope'"),
    ],
)
def test_bad_durations_are_located(operand: str, fragment: str) -> None:
    message = refused(
        f"{MINIMAL_RULE}message: m\nfail_if: {{path: createdAt, older_than_days: {operand}}}\n"
    )
    assert fragment in message


@pytest.mark.parametrize(
    ("operator", "operand", "fragment"),
    [
        ("older_than_days", "1000000000", "expected a number of days of at most 999999999, "
         "got int 1000000000"),
        ("within_next_days", "1.0e+300", "of days of at most 999999999, got float 1e+300"),
        ("newer_than_hours", "24000000000", "expected a number of hours of at most "
         "23999999999, got int 24000000000"),
        ("older_than_days", ".inf", "'.inf' is not a finite number"),
    ],
)  # fmt: skip
def test_a_duration_longer_than_a_timedelta_is_refused_at_load(
    operator: str, operand: str, fragment: str
) -> None:
    fail_if = f"fail_if: {{path: createdAt, {operator}: {operand}}}"
    message = refused(f"{MINIMAL_RULE}message: m\n{fail_if}\n")
    assert fragment in message
    line = MINIMAL_RULE.count("\n") + 2
    assert message.startswith(f"t.yaml:{line}:")


@pytest.mark.parametrize(
    ("operator", "longest", "created", "status"),
    [
        ("older_than_days", 999999999, "0001-01-01T00:00:00Z", "pass"),
        ("newer_than_hours", 23999999999, "0001-01-01T00:00:00Z", "fail"),
        ("within_next_days", 999999999, "9999-12-31T23:59:59Z", "fail"),
    ],
)
def test_the_longest_duration_still_compares_at_the_ends_of_the_calendar(
    operator: str, longest: int, created: str, status: str
) -> None:
    rule = load(f"{{path: createdAt, {operator}: {longest}}}")
    model = Instance.model_validate({"createdAt": created})
    for now in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)):
        assert judge(rule, model, now).status == status


def test_a_duration_parameter_too_long_is_located_in_the_config(cli: Cli, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    params = "params: {max_age: {type: number, default: 90, description: d}}\n"
    (rules / "age.yaml").write_text(
        f"{MINIMAL_RULE}{params}message: m\n"
        "fail_if: {path: createdAt, older_than_hours: {param: max_age}}\n",
        encoding="utf-8",
    )
    config = write_config(
        tmp_path, f"rules:\n  paths: [{rules}]\n  T001:\n    params: {{max_age: 1.0e+11}}\n"
    )
    fleet = write_fleet(tmp_path, {"name": "a", "createdAt": "2024-01-01T00:00:00Z"})
    result = cli(["scan", "--input", str(fleet), "--select", "T001"])
    assert_one_error(
        result,
        "parameter 'max_age' (compared with 'createdAt' by 'older_than_hours'): expected a "
        "number of hours of at most 23999999999, got float 100000000000.0",
        where=f"{config}:4:14: ",
    )


# The rule a review found: it loaded, then every scan and rule test of it crashed.
HUGE_AGE_RULE = """\
lslint: 1
id: T001
name: very-old
title: Very old
severity: high
resource: instance
description: d
remediation: {text: r}
fail_if: {path: createdAt, older_than_days: 1000000000}
message: "{{ resource.name }}: old"
tests:
  - {name: old, expect: fail, resource: {createdAt: 2000-01-01T00:00:00Z}}
  - {name: new, expect: pass, resource: {createdAt: 2024-12-31T00:00:00Z}}
"""


@pytest.mark.parametrize("command", ["validate", "test", "scan"])
def test_a_rule_with_a_huge_duration_is_one_error_in_every_command(
    cli: Cli, tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "T001.yaml").write_text(HUGE_AGE_RULE, encoding="utf-8")
    fleet = write_fleet(tmp_path, {"name": "web", "createdAt": "2020-01-01T00:00:00Z"})
    args = {
        "validate": ["rules", "validate", str(folder)],
        "test": ["rules", "test", str(folder)],
        "scan": ["scan", "--input", str(fleet), "--rules", str(folder), "--select", "T001"],
    }[command]
    result = cli(args)
    assert result.exit_code == 2
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("lslint: error:")]
    assert errors == [
        f"lslint: error: {folder / 'T001.yaml'}:9:28: 'older_than_days': expected a number of "
        "days of at most 999999999, got int 1000000000"
    ]


def test_a_test_resource_out_of_utc_range_is_a_located_error() -> None:
    text = AGE_RULE.replace("createdAt: '2024-12-01'", "createdAt: '9999-12-31T23:59:59-01:00'")
    message = refused(text)
    assert "test 'new at the default time': resource: Input should be a valid datetime, " in (
        message
    )
    assert "is out of range: in UTC it falls before year 1 or after year 9999" in message


def test_time_operator_on_a_non_timestamp_is_refused() -> None:
    message = refused(f"{MINIMAL_RULE}message: m\nfail_if: {{path: name, older_than_days: 1}}\n")
    assert "'older_than_days' applies to a timestamp, but 'name' is a string" in message


def test_misspelt_time_operator_suggests_the_right_one() -> None:
    message = refused(
        f"{MINIMAL_RULE}message: m\nfail_if: {{path: createdAt, older_then_days: 1}}\n"
    )
    assert "did you mean 'older_than_days'?" in message


# ---------------------------------------------------------------- date parameters


def test_date_parameter_compares_with_timestamps() -> None:
    params = "params: {cutoff: {type: date, default: 2024-01-01, description: d}}\n"
    rule = load("{path: createdAt, lt: {param: cutoff}}", params)
    before = Instance.model_validate({"createdAt": "2023-12-31T23:00:00Z"})
    assert judge(rule, before).status == "fail"
    assert judge(rule.bind({"cutoff": "2023-06-01"}), before).status == "pass"


@pytest.mark.parametrize(
    ("default", "fragment"),
    [
        ("'2024-02-30'", "parameter 'cutoff': expected a date (YYYY-MM-DD), got str '2024-02-30'"),
        ("2024-02-30", "invalid date '2024-02-30'"),
        ("'2024-01-01T10:00:00'", "expected a date (YYYY-MM-DD)"),
        ("20240101", "expected a date (YYYY-MM-DD), got int 20240101"),
    ],
)
def test_bad_date_parameter_is_located(default: str, fragment: str) -> None:
    params = f"params: {{cutoff: {{type: date, default: {default}, description: d}}}}\n"
    message = refused(
        f"{MINIMAL_RULE}{params}message: m\nfail_if: {{path: createdAt, lt: {{param: cutoff}}}}\n"
    )
    assert fragment in message


EOL_PARAMS = """\
params:
  ended:
    type: dated_pattern_list
    default:
      - {pattern: '^ubuntu_18_04(_|$)', date: 2023-05-31}
      - {pattern: '^centos_7(_|$)', date: '2024-06-30'}
    description: d
"""
EOL_FAIL_IF = "{path: blueprintId, matches_past_date: {param: ended}, capture: eol}"


def test_dated_patterns_parameter_and_override() -> None:
    rule = load(EOL_FAIL_IF, EOL_PARAMS)
    centos = Instance.model_validate({"blueprintId": "centos_7_2009_01"})
    assert judge(rule, centos, datetime(2024, 6, 30, 23, tzinfo=UTC)).status == "pass"
    assert judge(rule, centos, datetime(2024, 7, 1, tzinfo=UTC)).status == "fail"
    later = rule.bind({"ended": [{"pattern": "^centos_7", "date": "2030-01-01"}]})
    assert judge(later, centos, datetime(2024, 7, 1, tzinfo=UTC)).status == "pass"


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        (
            "{pattern: '^x', dat: 2024-01-01}",
            "unknown key 'dat' (expected pattern and date) (did you mean 'date'?)",
        ),
        ("{pattern: '^x'}", "missing 'date'"),
        ("{date: 2024-01-01}", "missing 'pattern'"),
        ("{pattern: '(x', date: 2024-01-01}", "invalid regular expression '(x'"),
        ("{pattern: '^x', date: '2024-02-30'}", "expected a date (YYYY-MM-DD)"),
        ("{pattern: 3, date: 2024-01-01}", "expected a regular expression string"),
        ("'^x'", "expected a mapping {pattern: REGEX, date: YYYY-MM-DD}"),
    ],
)
def test_bad_dated_pattern_is_located_at_its_item(item: str, fragment: str) -> None:
    params = EOL_PARAMS.replace("- {pattern: '^centos_7(_|$)', date: '2024-06-30'}", f"- {item}")
    text = f"{MINIMAL_RULE}{params}message: m\nfail_if: {EOL_FAIL_IF}\n"
    message = refused(text)
    assert fragment in message, message
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip() == f"- {item}")
    assert message.startswith(f"t.yaml:{line}:"), message


def test_empty_dated_pattern_list_is_refused() -> None:
    head = EOL_PARAMS.split("    default:", maxsplit=1)[0]
    params = head + "    default: []\n    description: d\n"
    message = refused(f"{MINIMAL_RULE}{params}message: m\nfail_if: {EOL_FAIL_IF}\n")
    assert "expected a non-empty list of {pattern, date} mappings, got an empty list" in message


def test_dated_pattern_override_in_config_is_checked(cli: Cli, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "eol.yaml").write_text(
        MINIMAL_RULE.replace("resource: {}}\n", "resource: {blueprintId: x}}\n")
        + EOL_PARAMS
        + f"message: m\nfail_if: {EOL_FAIL_IF}\n",
        encoding="utf-8",
    )
    write_config(
        tmp_path,
        f"rules:\n  paths: [{rules}]\n  T001:\n    params:\n      ended:\n"
        "        - {pattern: '^x', date: not-a-date}\n",
    )
    fleet = write_fleet(tmp_path, {"name": "a", "blueprintId": "x"})
    result = cli(["scan", "--input", str(fleet), "--select", "T001"])
    line = assert_one_error(result, "parameter 'ended': expected a date (YYYY-MM-DD)")
    assert ".lslint.yaml:6:" in line  # the item at fault


# ---------------------------------------------------------------- the scan time of a run


def age_rule_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "age"
    folder.mkdir()
    (folder / "age.yaml").write_text(AGE_RULE, encoding="utf-8")
    return folder


def test_library_scan_time_is_what_rules_compare_with(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, {"name": "a", "createdAt": "2024-01-01T00:00:00Z"})
    folder = age_rule_folder(tmp_path)

    def status(started_at: datetime) -> list[str]:
        request = ScanRequest(
            inputs=(fleet,), rule_paths=(folder,), select=("T090",), started_at=started_at,
            config=write_config(tmp_path, ""),
        )  # fmt: skip
        return [c.status for c in run_scan(request).result.checks]

    assert status(datetime(2024, 3, 1, tzinfo=UTC)) == ["pass"]
    assert status(datetime(2024, 4, 1, tzinfo=UTC)) == ["fail"]


def scan_json(cli: Cli, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    fleet = write_fleet(tmp_path, {"name": "a", "createdAt": 1704067200})  # 2024-01-01
    result = cli(["scan", "--input", str(fleet), "--rules", str(age_rule_folder(tmp_path)),
                  "--select", "T090", "-f", "json", *args])  # fmt: skip
    report = json.loads(result.stdout) if result.stdout else {}
    return result.exit_code, report, result.stderr


@pytest.mark.parametrize(
    ("now", "started_at", "exit_code"),
    [
        ("2024-03-01", "2024-03-01T00:00:00+00:00", 0),
        ("2024-04-01T12:30:00+02:00", "2024-04-01T10:30:00+00:00", 1),
        ("1711929600", "2024-04-01T00:00:00+00:00", 1),
        ("1709251200.75", "2024-03-01T00:00:00+00:00", 0),
    ],
)
def test_now_option_fixes_the_scan_time(
    cli: Cli, tmp_path: Path, now: str, started_at: str, exit_code: int
) -> None:
    code, report, _ = scan_json(cli, tmp_path, "--now", now)
    assert code == exit_code
    assert report["scan"]["started_at"] == started_at


def test_without_now_the_scan_time_is_source_date_epoch(cli: Cli, tmp_path: Path) -> None:
    code, report, _ = scan_json(cli, tmp_path)  # the tests' SOURCE_DATE_EPOCH: 2026-11-18
    assert report["scan"]["started_at"] == "2026-11-18T11:06:40+00:00"
    assert code == 1


@pytest.mark.parametrize("now", ["yesterday", "", "2024-02-30", "99999999999999999999"])
def test_bad_now_is_one_error(cli: Cli, tmp_path: Path, now: str) -> None:
    fleet = write_fleet(tmp_path, {"name": "a"})
    result = cli(["scan", "--input", str(fleet), "--now", now])
    assert_one_error(result, "--now", "expected an ISO 8601 time or seconds since 1970"
                     if now != "99999999999999999999" else "out of range")  # fmt: skip


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_now_that_utc_cannot_express_is_a_usage_error(cli: Cli, tmp_path: Path, now: str) -> None:
    fleet = write_fleet(tmp_path, {"name": "a"})
    result = cli(["scan", "--input", str(fleet), "--now", now])
    assert_one_error(
        result,
        f"--now '{now}': out of range: in UTC it falls before year 1 or after year 9999",
        where="--now",
    )


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("text", "rules ran as of 0001-01-01T00:00:00Z"),
        ("markdown", "Scan time: 0001-01-01T00:00:00Z"),
        ("sarif", '"startTimeUtc": "0001-01-01T00:00:00Z"'),
        ("junit", 'timestamp="0001-01-01T00:00:00"'),
        ("json", '"started_at": "0001-01-01T00:00:00+00:00"'),
    ],
)
def test_the_scan_time_has_a_four_digit_year_in_every_report(
    cli: Cli, tmp_path: Path, fmt: str, shown: str
) -> None:
    fleet = write_fleet(tmp_path, {"name": "a", "createdAt": 1704067200})
    result = cli(["scan", "--input", str(fleet), "--now", "0001-01-01T00:00:00Z", "-f", fmt])
    assert shown in result.stdout


@pytest.mark.parametrize(
    ("epoch", "started_at"),
    [("0", "1970-01-01T00:00:00+00:00"), ("253402300799", "9999-12-31T23:59:59+00:00")],
)
def test_source_date_epoch_from_1970_to_the_last_second_of_9999(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: str, started_at: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    _, report, _ = scan_json(cli, tmp_path)
    assert report["scan"]["started_at"] == started_at


@pytest.mark.parametrize(
    ("epoch", "fragment"),
    [
        ("-5", "must be whole seconds since 1970 (an integer of at least 0), not '-5'"),
        ("+5", "not '+5'"),
        ("1_000", "not '1_000'"),
        ("1.5", "not '1.5'"),
        ("\u0661\u0662", "an integer of at least 0"),  # digits, but not ASCII ones
        ("253402300800", "SOURCE_DATE_EPOCH '253402300800' is out of range: after the year 9999"),
        ("9" * 5000, "is out of range: after the year 9999"),
    ],
)
def test_bad_source_date_epoch_is_one_error_naming_it(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: str, fragment: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    fleet = write_fleet(tmp_path, {"name": "a"})
    result = cli(["scan", "--input", str(fleet)])
    assert_one_error(result, "SOURCE_DATE_EPOCH", fragment)


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("text", "rules ran as of 2024-03-01T00:00:00Z"),
        ("markdown", "Scan time: 2024-03-01T00:00:00Z"),
        ("sarif", '"startTimeUtc": "2024-03-01T00:00:00Z"'),
        ("junit", 'timestamp="2024-03-01T00:00:00"'),
        ("json", '"started_at": "2024-03-01T00:00:00+00:00"'),
    ],
)
def test_reports_show_the_scan_time(cli: Cli, tmp_path: Path, fmt: str, shown: str) -> None:
    fleet = write_fleet(tmp_path, {"name": "a", "createdAt": 1704067200})
    result = cli(["scan", "--input", str(fleet), "--now", "2024-03-01", "-f", fmt])
    assert shown in result.stdout


def test_rules_test_judges_each_case_at_its_own_time(cli: Cli, tmp_path: Path) -> None:
    folder = age_rule_folder(tmp_path)
    result = cli(["rules", "test", str(folder), "-v"])
    assert result.exit_code == 0, result.stdout
    assert "4 passed, 0 failed" in result.stdout
    late = AGE_RULE.replace("now: 2024-09-15", "now: 2024-12-15")
    (folder / "age.yaml").write_text(late, encoding="utf-8")
    result = cli(["rules", "test", str(folder)])
    assert result.exit_code == 1
    assert "T090 'new at its own time': expected pass, got fail" in result.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "text"])
def test_unquoted_dates_in_overrides_reach_every_report(cli: Cli, tmp_path: Path, fmt: str) -> None:
    write_config(
        tmp_path,
        "overrides:\n  - rule: LS030\n    resources: [web]\n    params:\n      end_of_support:\n"
        "        - {pattern: '^debian_12', date: 2024-01-01}\n    reason: retired early\n",
    )
    fleet = write_fleet(tmp_path, {"name": "web", "blueprintId": "debian_12"})
    result = cli(["scan", "--input", str(fleet), "--select", "LS030", "-f", fmt])
    assert result.exit_code == 1, result.stderr
    assert "debian_12 (ended 2024-01-01)" in result.stdout
    if fmt == "json":
        (finding,) = json.loads(result.stdout)["findings"]
        assert finding["override"]["params"] == {
            "end_of_support": [{"pattern": "^debian_12", "date": "2024-01-01"}]
        }
