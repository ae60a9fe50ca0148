"""Suppressions and overrides expire as of the scan time (``--now``, SOURCE_DATE_EPOCH, or the
library's ``now``): the same moment that rules about time compare with, so that a report can
be reproduced after an expiry date has passed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from lslint.api import ScanRequest, evaluate, prepare, read_config, run_scan
from lslint.engine.evaluate import run
from lslint.errors import ConfigError
from lslint.findings import ScanResult
from lslint.sources import collect_all
from lslint.sources.snapshot import SnapshotSource

from conftest import EXAMPLES, CliResult, write_fleet

Cli = Callable[..., CliResult]
FLEET = EXAMPLES / "fleet.json"
# Its two suppressions expire on 2027-01-15, its bastion override on 2027-03-31 (its
# other override has no expiry).
CONFIG = EXAMPLES / "lslint-with-suppressions.yaml"
SUPPRESSIONS_EXPIRE = "expired on 2027-01-15: 1 finding counts again"
OVERRIDE_EXPIRES = "expired on 2027-03-31: 1 resource is checked with the rule's own parameters"


def epoch(day: str) -> str:
    return str(int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()))


def scan_as_of(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, how: str, day: str
) -> tuple[int, dict[str, Any], str]:
    """The example scan as of ``day``, given by ``--now`` or by SOURCE_DATE_EPOCH."""
    args = ["scan", "--input", str(FLEET), "--config", str(CONFIG), "-f", "json"]
    if how == "--now":
        args += ["--now", day]
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(day))
    result = cli(args)
    return result.exit_code, json.loads(result.stdout), result.stderr


def suppressed(result: ScanResult) -> int:
    return sum(f.suppressed is not None for f in result.findings)


def accepted(report: dict[str, Any]) -> tuple[int, int]:
    """How many findings were suppressed, and how many checks ran with an override."""
    return report["summary"]["suppressed"], report["summary"]["overridden"]


BOTH = pytest.mark.parametrize("how", ["--now", "SOURCE_DATE_EPOCH"])


@BOTH
def test_before_their_expiry_suppressions_and_overrides_apply(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    _, report, stderr = scan_as_of(cli, monkeypatch, how, "2026-06-01")
    assert report["scan"]["started_at"] == "2026-06-01T00:00:00+00:00"
    assert accepted(report) == (2, 2)
    assert report["warnings"] == [] and "warning" not in stderr


@BOTH
def test_after_their_expiry_they_stop_applying_and_say_so(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    _, before, _ = scan_as_of(cli, monkeypatch, how, "2026-06-01")
    code, report, stderr = scan_as_of(cli, monkeypatch, how, "2028-06-01")
    assert code == 1
    assert accepted(report) == (0, 1)  # the override without an expiry still applies
    # The two suppressed findings count again, and so does the bastion's SSH port.
    assert report["summary"]["failing"] == before["summary"]["failing"] + 3
    warnings = report["warnings"]
    assert len(warnings) == 3
    assert sum(SUPPRESSIONS_EXPIRE in w for w in warnings) == 2
    assert sum(OVERRIDE_EXPIRES in w for w in warnings) == 1
    assert stderr.count("lslint: warning:") == 3


def test_between_the_two_expiry_dates_only_the_suppressions_have_expired(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, report, _ = scan_as_of(cli, monkeypatch, "--now", "2027-02-01")
    assert accepted(report) == (0, 2)
    assert len(report["warnings"]) == 2
    assert all(SUPPRESSIONS_EXPIRE in w for w in report["warnings"])


@pytest.mark.parametrize(
    ("now", "expired"),
    [
        ("2027-01-15T23:59:59Z", False),  # the last day still accepts
        ("2027-01-16T00:00:00Z", True),
        ("2027-01-15T23:30:00-05:00", True),  # 04:30 on the 16th in UTC
        ("2027-01-16T00:30:00+02:00", False),  # 22:30 on the 15th in UTC
    ],
)
def test_expiry_is_judged_on_the_scan_times_date_in_utc(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, now: str, expired: bool
) -> None:
    _, report, _ = scan_as_of(cli, monkeypatch, "--now", now)
    assert accepted(report)[0] == (0 if expired else 2)


def test_library_scan_time_moves_expiry_too() -> None:
    def scanned(started_at: datetime) -> ScanResult:
        request = ScanRequest(inputs=(FLEET,), config=CONFIG, started_at=started_at)
        return run_scan(request).result

    assert suppressed(scanned(datetime(2026, 6, 1, tzinfo=UTC))) == 2
    assert suppressed(scanned(datetime(2028, 6, 1, tzinfo=UTC))) == 0


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles", "UTC"])
def test_a_library_scan_time_without_a_zone_is_utc_on_every_machine(
    monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    # As `--now 2027-01-16T05:00:00` reads it: the day after the suppressions' last day, in
    # UTC, whatever zone the machine is set to.
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        request = ScanRequest(inputs=(FLEET,), config=CONFIG,
                              started_at=datetime(2027, 1, 16, 5, 0))  # fmt: skip
        outcome = run_scan(request)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert suppressed(outcome.result) == 0
    assert outcome.context.scan.scan_time() == "2027-01-16T05:00:00Z"


def test_one_setup_is_judged_at_each_evaluations_own_time() -> None:
    setup = prepare(read_config(CONFIG))
    inventory = collect_all([SnapshotSource(str(FLEET))])
    late = evaluate(setup, inventory, now=datetime(2028, 6, 1, tzinfo=UTC))
    early = evaluate(setup, inventory, now=datetime(2026, 6, 1, tzinfo=UTC))
    assert suppressed(late) == 0 and len(late.warnings) == 3
    # What the late evaluation saw expire is not remembered by the early one.
    assert suppressed(early) == 2
    assert early.warnings == []


def test_a_library_scan_time_out_of_utc_range_is_a_config_error(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, {"name": "a"})
    year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    with pytest.raises(ConfigError, match="out of range: in UTC it falls before year 1"):
        run_scan(ScanRequest(inputs=(fleet,), started_at=year_one))


def test_an_unknown_day_never_decides_expiry() -> None:
    # An override table never dated for a scan cannot judge an entry with an expiry date.
    setup = prepare(read_config(CONFIG))
    inventory = collect_all([SnapshotSource(str(FLEET))])
    with pytest.raises(ValueError, match="judged only as of a scan's date"):
        run(setup.rules, inventory, setup.overrides, now=datetime(2026, 6, 1, tzinfo=UTC))
