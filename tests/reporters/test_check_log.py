"""The checks of a scan, kept compactly: read back as the same records, sorted as a list of
them would be, counted without making them, and a fraction of their memory."""

from __future__ import annotations

import tracemalloc
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lslint.findings import Check, CheckLog, ScanResult

_ORDER = ("region", "resource_kind", "resource_name", "resource_arn", "rule_id")


def _key(check: Check) -> tuple[str, ...]:
    return tuple(getattr(check, name) for name in _ORDER)


_CHECKS = st.builds(
    Check,
    rule_id=st.sampled_from(["LS001", "LS002", "LS010"]),
    resource_kind=st.sampled_from(["instance", "bucket"]),
    resource_arn=st.sampled_from(["arn:a", "arn:b", ""]),
    resource_name=st.sampled_from(["web", "db"]),
    region=st.sampled_from(["us-east-1", "eu-west-2"]),
    status=st.sampled_from(["pass", "fail", "error", "skip"]),
    overridden=st.booleans(),
)


@given(st.lists(_CHECKS, max_size=30))
def test_checks_read_back_as_added_and_sort_as_a_list_does(checks: list[Check]) -> None:
    log = CheckLog(checks)
    assert list(log) == checks and len(log) == len(checks)
    assert [log[i] for i in range(len(checks))] == checks
    assert all(type(check) is Check for check in log)
    log.sort()
    assert list(log) == sorted(checks, key=_key)  # stable, as list.sort


@given(st.lists(_CHECKS, max_size=30))
def test_counts_are_those_of_the_records(checks: list[Check]) -> None:
    statuses, overridden = CheckLog(checks).status_counts()
    assert statuses == Counter(check.status for check in checks)
    assert overridden == sum(1 for check in checks if check.overridden)


def test_indexing_and_comparison_behave_as_a_list() -> None:
    checks = [Check("LS001", "instance", "arn:a", "a", "us-east-1", "pass"),
              Check("LS002", "instance", "arn:a", "a", "us-east-1", "fail", True)]  # fmt: skip
    log = CheckLog(checks)
    assert log[-1] == checks[-1] and log[0:1] == checks[0:1]
    with pytest.raises(IndexError):
        log[2]
    assert log == checks and log == CheckLog(checks) and log != checks[:1]
    assert log[1].overridden is True and log[0].overridden is False


def test_a_scan_result_keeps_a_list_of_checks_as_a_log() -> None:
    check = Check("LS001", "instance", "arn:a", "a", "us-east-1", "error")
    result = ScanResult(checks=[check])  # type: ignore[arg-type]  # as a Python caller may
    assert isinstance(result.checks, CheckLog) and list(result.checks) == [check]
    assert result.checks.status_counts()[0]["error"] == 1


def test_a_list_of_checks_assigned_later_is_kept_as_a_log() -> None:
    result = ScanResult()
    checks = [Check("LS001", "instance", "arn:a", "a", "us-east-1", "fail")]
    result.checks = checks  # type: ignore[assignment]  # as a Python caller may
    assert isinstance(result.checks, CheckLog) and list(result.checks) == checks
    assert result.checks.status_counts()[0]["fail"] == 1


def test_a_log_holds_a_fraction_of_the_memory_of_its_records() -> None:
    rules = [f"LS{number:03d}" for number in range(20)]
    resources = [(f"arn:aws:lightsail:us-east-1:1:Instance/{n:05d}", f"web-{n:05d}")
                 for n in range(1000)]  # fmt: skip

    def made(keep: list[Check] | CheckLog) -> int:
        tracemalloc.start()
        for arn, name in resources:
            for rule in rules:
                keep.append(Check(rule, "instance", arn, name, "us-east-1", "pass"))
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return size

    as_records = made([])
    as_log = made(CheckLog())
    assert as_log * 4 < as_records, (as_log, as_records)
