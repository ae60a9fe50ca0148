"""A listing's pages must add up to one listing of that kind: a resource on two pages, a
resource of another kind and an answer too large to read each fail the kind in its region, as
any other incomplete listing does, and the saved snapshot says so.

Over real HTTP against the local Lightsail stand-in (tests/standin.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from standin import LightsailStandIn, RegionPlan, make_instances, make_resources

from lslint.sources import aws

from conftest import CliResult, assert_one_error

Cli = Callable[..., CliResult]
StandIn = Callable[..., LightsailStandIn]

pytestmark = [pytest.mark.usefixtures("aws_env"), pytest.mark.slow]

GOOD, BAD = "us-east-1", "eu-west-2"
FINDINGS_EACH = 3  # make_instances: each instance fails LS002-LS004


def scan_json(cli: Cli, *args: str) -> tuple[CliResult, dict[str, Any]]:
    result = cli(["scan", "--format", "json", *args])
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    return result, json.loads(result.stdout) if result.stdout else {}


def only_error(report: dict[str, Any]) -> dict[str, Any]:
    [error] = report["errors"]
    assert isinstance(error, dict)
    return error


def saved(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def fingerprints(report: dict[str, Any]) -> Counter[str]:
    return Counter(f["fingerprint"] for f in report["findings"])


def assert_rescan_agrees(cli: Cli, snapshot: Path, live: dict[str, Any]) -> None:
    """Scanning the saved snapshot gives what the live scan gave: no refusal, no warning."""
    result, report = scan_json(cli, "--input", str(snapshot))
    assert result.stdout, result.stderr
    assert result.exit_code == 2, result.stderr
    assert "appears" not in result.stderr and report["summary"]["warnings"] == 0
    assert fingerprints(report) == fingerprints(live)
    assert [e["message"] for e in report["errors"]] == [e["message"] for e in live["errors"]]


# ---------------------------------------------------------------- one resource on two pages


@pytest.mark.parametrize("changed", [False, True], ids=["same-copy", "changed-copy"])
def test_a_resource_on_two_pages_of_one_listing_fails_the_kind_in_its_region(
    cli: Cli, standin: StandIn, tmp_path: Path, changed: bool
) -> None:
    # The list shifted while it was paged: the first instance comes round again on page 2
    # (so some other instance may have slipped past the page boundary unseen).
    listed = make_instances(BAD, 3)
    again = dict(listed[0], sshKeyName="LightsailDefaultKeyPair") if changed else listed[0]
    standin(
        {GOOD: RegionPlan(make_instances(GOOD, 1)), BAD: RegionPlan([*listed, again], page_size=2)}
    )
    snapshot = tmp_path / "snap.json"
    result, report = scan_json(
        cli, "--kind", "instance", "--region", f"{GOOD},{BAD}", "--snapshot", str(snapshot)
    )
    assert result.exit_code == 2, result.stderr
    error = only_error(report)
    assert (error["region"], error["kind"], error["operation"], error["code"]) == (
        BAD,
        "instance",
        "GetInstances",
        "RepeatedResource",
    )
    arn = listed[0]["arn"]
    assert error["message"] == (
        f"instance 3 '{arn}' was listed before, as instance 0: the list changed while it was "
        "paged, so other instances may have been missed "
        "(after 2 pages; the 3 instances listed so far were not scanned)"
    )
    assert f"{BAD} GetInstances RepeatedResource: instance 3 '{arn}'" in result.stderr
    # none of the region's instances is presented as listed; the other region's are
    assert {f["region"] for f in report["findings"]} == {GOOD}
    assert report["summary"]["resources"] == 1
    assert max(fingerprints(report).values()) == 1
    document = saved(snapshot)
    assert [i["arn"] for i in document["instances"]] == [make_instances(GOOD, 1)[0]["arn"]]
    assert [e["code"] for e in document["errors"]] == ["RepeatedResource"]
    assert_rescan_agrees(cli, snapshot, report)


def test_a_resource_on_two_pages_fails_only_its_own_kind(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    disks = make_resources("disk", BAD, 3)
    plan = RegionPlan(make_instances(BAD, 2), page_size=2, resources={"disk": [*disks, disks[1]]})
    standin({BAD: plan})
    result = cli(["fetch", "--region", BAD, "--kind", "instance,disk", "-o", "snap.json"])
    assert result.exit_code == 2
    document = saved(tmp_path / "snap.json")
    assert len(document["instances"]) == 2 and document["disks"] == []
    [error] = document["errors"]
    assert (error["region"], error["kind"], error["code"]) == (BAD, "disk", "RepeatedResource")
    assert f"disk 3 '{disks[1]['arn']}' was listed before, as disk 1" in error["message"]


def test_a_resource_listed_in_two_regions_is_scanned_once_and_fails_the_later_region(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    # ARNs name their region, so one in two regions' answers cannot be true: the region
    # listed second is not scanned, and no resource is scanned or saved twice.
    shared = make_instances(GOOD, 1)[0]
    standin(
        {
            GOOD: RegionPlan(make_instances(GOOD, 2)),
            BAD: RegionPlan([*make_instances(BAD, 2), shared]),
        }
    )
    snapshot = tmp_path / "snap.json"
    result, report = scan_json(
        cli, "--kind", "instance", "--region", f"{GOOD},{BAD}", "--snapshot", str(snapshot)
    )
    assert result.exit_code == 2, result.stderr
    error = only_error(report)
    assert (error["region"], error["kind"], error["code"]) == (BAD, "instance", "RepeatedResource")
    assert error["message"].startswith(
        f"instance 2 '{shared['arn']}' was listed already, by GetInstances in {GOOD} "
    )
    assert {f["region"] for f in report["findings"]} == {GOOD}
    assert len(report["findings"]) == 2 * FINDINGS_EACH
    assert max(fingerprints(report).values()) == 1
    assert len(saved(snapshot)["instances"]) == 2
    assert_rescan_agrees(cli, snapshot, report)


# ---------------------------------------------------------------- a resource of another kind


def test_a_resource_of_another_kind_in_a_listing_is_a_malformed_answer(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    ip = make_resources("static_ip", BAD, 1)[0]
    standin(
        {
            GOOD: RegionPlan(make_instances(GOOD, 1)),
            BAD: RegionPlan([*make_instances(BAD, 2), ip], page_size=2),
        }
    )
    snapshot = tmp_path / "s2.json"
    result, report = scan_json(
        cli, "--kind", "instance", "--region", f"{GOOD},{BAD}", "--snapshot", str(snapshot)
    )
    assert result.exit_code == 2, result.stderr
    error = only_error(report)
    assert (error["region"], error["operation"], error["code"]) == (
        BAD,
        "GetInstances",
        "MalformedResponse",
    )
    assert error["message"] == (
        f"instance 2 '{ip['arn']}' is a static ip (resourceType 'StaticIp'), not an instance: "
        "GetInstances lists only instances "
        "(after 2 pages; the 2 instances listed so far were not scanned)"
    )
    # judged by no rule, and the saved snapshot (which the scan reads back) is sound
    assert {f["region"] for f in report["findings"]} == {GOOD}
    assert "s2.json:" not in result.stderr
    assert [e["code"] for e in saved(snapshot)["errors"]] == ["MalformedResponse"]
    assert_rescan_agrees(cli, snapshot, report)


def test_a_resource_of_an_unknown_type_is_still_listed(cli: Cli, standin: StandIn) -> None:
    # AWS may add a resourceType lslint does not know yet: only another kind's is refused.
    instance = dict(make_instances(BAD, 1)[0], resourceType="InstanceV2")
    standin({BAD: RegionPlan([instance])})
    result, report = scan_json(cli, "--kind", "instance", "--region", BAD)
    assert result.exit_code == 1 and report["errors"] == []
    assert len(report["findings"]) == FINDINGS_EACH


# ---------------------------------------------------------------- an answer too large


def test_an_answer_larger_than_the_limit_is_refused(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws, "MAX_ANSWER_BYTES", 4096)
    standin({GOOD: RegionPlan(make_instances(GOOD, 1)), BAD: RegionPlan(make_instances(BAD, 10))})
    result, report = scan_json(cli, "--kind", "instance", "--region", f"{GOOD},{BAD}")
    assert result.exit_code == 2, result.stderr
    error = only_error(report)
    assert (error["region"], error["kind"], error["code"]) == (BAD, "instance", "ResponseTooLarge")
    size = int(error["message"].split()[2])
    assert size > 4096
    assert error["message"] == (
        f"response is {size} bytes, more than the 4 KiB lslint reads from one answer "
        "(set LSLINT_MAX_INPUT_BYTES to change the limit)"
    )
    assert {f["region"] for f in report["findings"]} == {GOOD}


def test_the_input_size_variable_sets_the_answer_limit(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 100 instances of about 700 bytes each on one page; the built-in rule files are smaller.
    standin({BAD: RegionPlan(make_instances(BAD, 100), page_size=100)})
    monkeypatch.setenv("LSLINT_MAX_INPUT_BYTES", "64KiB")
    result, report = scan_json(cli, "--kind", "instance", "--region", BAD)
    assert result.exit_code == 2
    assert only_error(report)["code"] == "ResponseTooLarge"
    monkeypatch.setenv("LSLINT_MAX_INPUT_BYTES", "1MiB")
    result, report = scan_json(cli, "--kind", "instance", "--region", BAD)
    assert result.exit_code == 1 and report["errors"] == []
    monkeypatch.setenv("LSLINT_MAX_INPUT_BYTES", "lots")
    assert_one_error(cli(["scan", "--region", BAD]), "LSLINT_MAX_INPUT_BYTES must be a size")
