"""Live scans over real HTTP against the local Lightsail stand-in (tests/standin.py)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from standin import LightsailStandIn, RegionPlan, closed_port, make_instances

from lslint.models import RESOURCE_KINDS
from lslint.progress import Progress, ProgressLine
from lslint.sources import aws

from conftest import EXAMPLES, CliResult

Cli = Callable[..., CliResult]


pytestmark = [pytest.mark.usefixtures("aws_env"), pytest.mark.slow]


def scan_json(cli: Cli, *args: str) -> tuple[int, dict[str, object], str]:
    result = cli(["scan", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


def names(report: dict[str, object]) -> set[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["resource_name"] for f in findings}


def errors(report: dict[str, object]) -> list[tuple[str, str]]:
    listed = report["errors"]
    assert isinstance(listed, list)
    return [(e["region"], e["code"]) for e in listed]


def test_every_page_is_followed(cli: Cli, standin: Callable[..., LightsailStandIn]) -> None:
    server = standin({"us-east-1": RegionPlan(make_instances("us-east-1", 103), page_size=10)})
    code, report, _ = scan_json(cli)
    assert code == 1
    assert len(names(report)) == 103
    assert len(server.calls("us-east-1")) == 11
    tokens = [c.body.get("pageToken") for c in server.calls("us-east-1")]
    assert tokens[0] is None and tokens[1] == "page-10"


def test_several_regions_are_fetched_in_parallel(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    regions = ["us-east-1", "us-west-2", "eu-west-2", "ap-south-1"]
    plans = {r: RegionPlan(make_instances(r, 4), page_size=2, latency=0.2) for r in regions}
    server = standin(plans)
    code, report, _ = scan_json(cli, *(f"--region={r}" for r in regions))
    assert code == 1
    assert len(names(report)) == 16
    # the kinds of each region overlapped too, not only the regions (as many as a busy
    # machine lets start within the latency)
    assert server.max_in_flight > len(regions)


def test_concurrency_option_bounds_the_pool(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    regions = ["us-east-1", "us-west-2", "eu-west-2"]
    server = standin({r: RegionPlan(make_instances(r, 1), latency=0.1) for r in regions})
    code, _, _ = scan_json(cli, "--region", ",".join(regions), "--concurrency", "1")
    assert code == 1
    assert server.max_in_flight == 1


def test_all_regions_asks_get_regions(cli: Cli, standin: Callable[..., LightsailStandIn]) -> None:
    plans = {
        "us-east-1": RegionPlan(make_instances("us-east-1", 2)),
        "eu-north-1": RegionPlan(make_instances("eu-north-1", 1)),
        "ca-central-1": RegionPlan([]),
    }
    server = standin(plans)
    code, report, _ = scan_json(cli, "--all-regions")
    assert code == 1
    assert names(report) == {"vm-us-east-1-000", "vm-us-east-1-001", "vm-eu-north-1-000"}
    assert len(server.calls("us-east-1", "GetRegions")) == 1
    assert all(len(server.calls(r)) == 1 for r in plans)


def test_all_regions_lists_only_the_regions_get_regions_names(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    # A slow GetRegions, so lslint prepares clients for the regions botocore knows meanwhile;
    # only the regions named in the answer are listed, a region botocore does not know too.
    plans = {
        "us-east-1": RegionPlan(make_instances("us-east-1", 1), latency=0.3),
        "eu-west-2": RegionPlan(make_instances("eu-west-2", 1)),
        "xx-future-1": RegionPlan(make_instances("xx-future-1", 1)),
        "ap-south-1": RegionPlan(make_instances("ap-south-1", 1)),  # not named: not listed
    }
    server = standin(plans, ["eu-west-2", "us-east-1", "xx-future-1"])
    code, report, _ = scan_json(cli, "--all-regions")
    assert code == 1
    assert names(report) == {"vm-us-east-1-000", "vm-eu-west-2-000", "vm-xx-future-1-000"}
    assert {r.region for r in server.requests} == {"us-east-1", "eu-west-2", "xx-future-1"}
    assert len(server.calls("us-east-1")) == 1 and len(server.calls("ap-south-1")) == 0


@pytest.mark.parametrize(
    ("fault", "code", "attempts"),
    [("access_denied", "AccessDeniedException", 1), ("throttle", "ThrottlingException", 6)],
)
def test_get_regions_failing_is_an_error_not_an_empty_account(
    cli: Cli, standin: Callable[..., LightsailStandIn], fault: str, code: str, attempts: int
) -> None:
    server = standin({"us-east-1": RegionPlan(make_instances("us-east-1", 1))}, regions_fault=fault)
    exit_code, report, _ = scan_json(cli, "--all-regions")
    assert exit_code == 2
    assert errors(report) == [("us-east-1", code)]
    assert report["findings"] == []
    assert len(server.calls("us-east-1", "GetRegions")) == attempts
    assert server.calls("us-east-1") == []


def test_zero_instances_is_a_clean_result(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    standin({"us-east-1": RegionPlan([])})
    code, report, _ = scan_json(cli)
    assert code == 0
    assert report["findings"] == [] and report["errors"] == []


def test_throttling_then_success_is_retried(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    plan = RegionPlan(make_instances("us-east-1", 5), page_size=2, faults=["throttle"] * 3)
    server = standin({"us-east-1": plan})
    code, report, _ = scan_json(cli)
    assert code == 1 and errors(report) == []
    assert len(names(report)) == 5
    assert len(server.calls("us-east-1")) == 3 + 3


def test_throttling_named_only_in_the_error_type_header_is_retried(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    plan = RegionPlan(make_instances("us-east-1", 3), faults=["throttle_in_header"] * 2)
    server = standin({"us-east-1": plan})
    code, report, _ = scan_json(cli)
    assert code == 1 and errors(report) == []
    assert len(names(report)) == 3
    assert len(server.calls("us-east-1")) == 2 + 1


def test_an_error_named_only_in_the_header_is_reported_by_its_code(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    server = standin({"us-east-1": RegionPlan(always="denied_in_header")})
    code, report, _ = scan_json(cli)
    assert code == 2
    assert errors(report) == [("us-east-1", "AccessDeniedException")]
    assert "User is not authorized" in report["errors"][0]["message"]
    assert len(server.calls("us-east-1")) == 1  # a client error: not retried


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("throttle", "ThrottlingException"),
        ("server_error", "ServiceException"),
        ("unavailable", "ServiceUnavailableException"),
    ],
)
def test_retryable_faults_beyond_retries_fail_the_region(
    cli: Cli, standin: Callable[..., LightsailStandIn], fault: str, code: str
) -> None:
    server = standin(
        {
            "us-east-1": RegionPlan(always=fault),
            "eu-west-2": RegionPlan(make_instances("eu-west-2", 2)),
        }
    )
    exit_code, report, _ = scan_json(cli, "-r", "us-east-1,eu-west-2")
    assert exit_code == 2
    assert errors(report) == [("us-east-1", code)]
    assert names(report) == {"vm-eu-west-2-000", "vm-eu-west-2-001"}
    assert len(server.calls("us-east-1")) == 6  # botocore standard mode, 6 attempts
    [error] = report["errors"]  # type: ignore[misc]
    assert error["message"].endswith(" (after 6 attempts)")


def test_access_denied_in_one_region_while_others_succeed(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    standin(
        {
            "us-east-1": RegionPlan(make_instances("us-east-1", 1)),
            "eu-west-1": RegionPlan(always="access_denied"),
            "eu-west-2": RegionPlan(make_instances("eu-west-2", 1)),
        }
    )
    result = cli(["scan", "--all-regions"])
    assert result.exit_code == 2
    assert "AccessDeniedException" in result.stdout
    assert "vm-us-east-1-000" in result.stdout and "vm-eu-west-2-000" in result.stdout
    assert "results incomplete" in result.stdout
    code, report, _ = scan_json(cli, "--all-regions")
    assert code == 2 and errors(report) == [("eu-west-1", "AccessDeniedException")]
    assert len(names(report)) == 2


def test_unauthenticated_is_not_retried(cli: Cli, standin: Callable[..., LightsailStandIn]) -> None:
    server = standin({"us-east-1": RegionPlan(always="unauthenticated")})
    code, report, _ = scan_json(cli)
    assert code == 2 and errors(report) == [("us-east-1", "UnauthenticatedException")]
    assert len(server.calls("us-east-1")) == 1


def test_repeated_page_token_is_an_error_not_a_loop(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 30), always="repeat_token")})
    code, report, _ = scan_json(cli)
    assert code == 2
    assert errors(report) == [("us-east-1", "RepeatedPageToken")]
    assert report["findings"] == []  # a partial region is never scanned


def test_fault_after_the_first_page_discards_the_partial_region(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    plan = RegionPlan(make_instances("us-east-1", 30), page_size=10, faults=["", "access_denied"])
    standin({"us-east-1": plan})
    code, report, _ = scan_json(cli)
    assert code == 2 and report["findings"] == []
    listed = report["errors"]
    assert isinstance(listed, list)
    assert "after 1 page" in listed[0]["message"]


def test_malformed_body_is_an_error(cli: Cli, standin: Callable[..., LightsailStandIn]) -> None:
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 2), always="malformed")})
    code, report, _ = scan_json(cli)
    assert code == 2
    assert errors(report) == [("us-east-1", "MalformedResponse")]


def test_invalid_instance_shape_is_an_error(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    bad = make_instances("us-east-1", 1)
    bad[0]["hardware"] = {"cpuCount": "many"}
    standin({"us-east-1": RegionPlan(bad)})
    code, report, _ = scan_json(cli)
    assert code == 2 and errors(report) == [("us-east-1", "MalformedResponse")]


def test_connection_refused_is_an_error(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LIGHTSAIL", f"http://127.0.0.1:{closed_port()}")
    code, report, _ = scan_json(cli)
    assert code == 2
    assert errors(report) == [("us-east-1", "EndpointConnectionError")] * len(RESOURCE_KINDS)
    assert sorted(e["kind"] for e in report["errors"]) == sorted(RESOURCE_KINDS)


def test_read_timeout_is_an_error_after_retries(
    cli: Cli, standin: Callable[..., LightsailStandIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws, "READ_TIMEOUT", 0.3)  # 30 s in real use
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    server = standin(
        {
            "us-east-1": RegionPlan(make_instances("us-east-1", 1)),
            "eu-west-2": RegionPlan(make_instances("eu-west-2", 1), latency=5),
        }
    )
    code, report, _ = scan_json(cli, "--region", "us-east-1,eu-west-2", "--kind", "instance")
    assert code == 2
    assert errors(report) == [("eu-west-2", "ReadTimeoutError")]
    assert names(report) == {"vm-us-east-1-000"}
    assert len(server.calls("eu-west-2")) == 2  # retried, then reported


def test_generic_endpoint_variable_is_honoured(
    cli: Cli, standin: Callable[..., LightsailStandIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = standin({"us-east-1": RegionPlan(make_instances("us-east-1", 1))})
    monkeypatch.delenv("AWS_ENDPOINT_URL_LIGHTSAIL")
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    code, report, _ = scan_json(cli)
    assert code == 1 and names(report) == {"vm-us-east-1-000"}


def test_missing_credentials_is_one_clear_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = cli(["scan"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "lslint: error: no AWS credentials found"
    assert "aws configure" in result.stderr and "Traceback" not in result.stderr


def test_missing_region_is_one_clear_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    result = cli(["scan"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "lslint: error: no AWS region configured"
    assert "--region" in result.stderr


def test_unknown_profile_is_one_clear_line(cli: Cli) -> None:
    result = cli(["scan", "--profile", "nope"])
    assert result.exit_code == 2
    assert "AWS profile 'nope' not found" in result.stderr


def test_credentials_are_never_printed(cli: Cli, standin: Callable[..., LightsailStandIn]) -> None:
    standin({"us-east-1": RegionPlan(always="unauthenticated")})
    result = cli(["scan", "--debug"])
    assert "not-a-real-secret" not in result.stdout + result.stderr


def test_fetch_snapshot_scans_to_the_same_findings(
    cli: Cli, standin: Callable[..., LightsailStandIn], tmp_path: Path
) -> None:
    plans = {r: RegionPlan(make_instances(r, 7), page_size=3) for r in ("us-east-1", "eu-west-2")}
    standin(plans)
    snapshot = tmp_path / "fleet.json"
    fetched = cli(["fetch", "--all-regions", "-o", str(snapshot)])
    assert fetched.exit_code == 0, fetched.stderr
    assert "14 instances from 2 regions" in fetched.stderr
    document = json.loads(snapshot.read_text())
    assert document["format"] == "lslint-snapshot" and document["regions"] == sorted(plans)
    _, live, _ = scan_json(cli, "--all-regions")
    _, offline, _ = scan_json(cli, "--input", str(snapshot))
    strip = ("location",)
    assert [{k: v for k, v in f.items() if k not in strip} for f in live["findings"]] == [  # type: ignore[union-attr]
        {k: v for k, v in f.items() if k not in strip}
        for f in offline["findings"]  # type: ignore[union-attr]
    ]


def test_snapshot_records_failed_regions_and_scanning_it_exits_2(
    cli: Cli, standin: Callable[..., LightsailStandIn], tmp_path: Path
) -> None:
    standin(
        {
            "us-east-1": RegionPlan(make_instances("us-east-1", 2)),
            "eu-west-1": RegionPlan(always="access_denied"),
        }
    )
    snapshot = tmp_path / "fleet.json"
    result = cli(["scan", "--all-regions", "--snapshot", str(snapshot), "--format", "json"])
    assert result.exit_code == 2
    document = json.loads(snapshot.read_text())
    assert [e["region"] for e in document["errors"]] == ["eu-west-1"]
    assert len(document["instances"]) == 2
    code, report, _ = scan_json(cli, "--input", str(snapshot))
    assert code == 2 and errors(report) == [("eu-west-1", "AccessDeniedException")]


def test_fetch_with_errors_exits_2_but_keeps_the_snapshot(
    cli: Cli, standin: Callable[..., LightsailStandIn], tmp_path: Path
) -> None:
    standin({"us-east-1": RegionPlan(always="access_denied")})
    snapshot = tmp_path / "out.json"
    result = cli(["fetch", "-o", str(snapshot)])
    assert result.exit_code == 2
    assert "AccessDeniedException" in result.stderr
    assert json.loads(snapshot.read_text())["errors"][0]["code"] == "AccessDeniedException"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_live_only_options_are_refused_with_input(cli: Cli, tmp_path: Path) -> None:
    result = cli(["scan", "--input", str(tmp_path / "x.json"), "--region", "us-east-1"])
    assert result.exit_code == 2
    assert "--region applies to live scans" in result.stderr


def test_region_and_all_regions_conflict(cli: Cli) -> None:
    result = cli(["scan", "--region", "us-east-1", "--all-regions"])
    assert result.exit_code == 2
    assert "cannot be used together" in result.stderr


def test_progress_line_redraws_and_ends_with_a_newline() -> None:
    stream = io.StringIO()
    show = ProgressLine(stream)
    show(Progress("us-east-1", 2, 1, 25, kind="instance"))
    show(Progress("eu-west-2", 2, 1, 3, kind="instance", done=True))
    show(Progress("us-east-1", 2, 2, 40, kind="instance", done=True))
    assert stream.getvalue().count("\r") == 3
    assert (
        "listing regions: 0/2 done, 1 page, 25 instances (us-east-1: 1 page, 25"
        in stream.getvalue()
    )
    assert stream.getvalue().endswith("listing regions: 2/2 done, 3 pages, 43 instances\n")


def test_offline_scans_and_version_do_not_import_boto3(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from lslint.cli import main\n"
        f"CliRunner().invoke(main, ['scan', '--input', {str(EXAMPLES / 'fleet.json')!r}])\n"
        "CliRunner().invoke(main, ['--version'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert result.stdout.strip() == "[]"


def test_live_sarif_points_to_synthetic_paths_or_the_snapshot(
    cli: Cli, standin: Callable[..., LightsailStandIn], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    standin({"eu-west-2": RegionPlan(make_instances("eu-west-2", 2))})
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    monkeypatch.chdir(tmp_path)

    def first_location(*args: str) -> dict[str, object]:
        document = json.loads(cli(["scan", "--format", "sarif", *args]).stdout)
        location: dict[str, object] = document["runs"][0]["results"][0]["locations"][0]
        return location

    live = first_location()
    assert live["physicalLocation"] == {
        "artifactLocation": {"uri": "lightsail/eu-west-2/instances/vm-eu-west-2-000"},
        "region": {"startLine": 1},
    }
    saved = first_location("--snapshot", "fleet.json")
    physical = saved["physicalLocation"]
    assert isinstance(physical, dict)
    assert physical["artifactLocation"] == {"uri": "fleet.json"}
    line = physical["region"]["startLine"]
    lines = (tmp_path / "fleet.json").read_text().splitlines()
    assert lines[line - 1].strip() == "{" and "vm-eu-west-2-000" in lines[line]
    assert saved["logicalLocations"] == live["logicalLocations"]


def test_baseline_from_a_live_scan_applies_to_an_offline_scan(
    cli: Cli, standin: Callable[..., LightsailStandIn], tmp_path: Path
) -> None:
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 3))})
    baseline, snapshot = tmp_path / "baseline.json", tmp_path / "fleet.json"
    live = cli(["scan", "--write-baseline", str(baseline), "--snapshot", str(snapshot)])
    assert live.exit_code == 0, live.stderr  # recording a baseline is not a gate
    offline = cli(["scan", "--input", str(snapshot), "--baseline", str(baseline)])
    assert offline.exit_code == 0, offline.stdout
    assert "9 baselined" in offline.stdout


def test_unknown_region_is_refused_with_a_suggestion(cli: Cli) -> None:
    result = cli(["scan", "--region", "us-est-1"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "lslint: error: 'us-est-1' is not a Lightsail region (did you mean 'us-east-1'?)"
    )


def test_profile_supplies_credentials_and_region(
    cli: Cli, standin: Callable[..., LightsailStandIn], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.delenv(name)
    (tmp_path / "no-config").write_text("[profile audit]\nregion = eu-west-2\n")
    (tmp_path / "no-credentials").write_text(
        "[audit]\naws_access_key_id = AKIDAUDIT\naws_secret_access_key = audit-secret\n"
    )
    server = standin({"eu-west-2": RegionPlan(make_instances("eu-west-2", 2))})
    code, report, _ = scan_json(cli, "--profile", "audit")
    assert code == 1 and len(names(report)) == 2
    assert len(server.calls("eu-west-2")) == 1


def test_max_attempts_from_the_environment_wins(
    cli: Cli, standin: Callable[..., LightsailStandIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    server = standin({"us-east-1": RegionPlan(always="throttle")})
    code, report, _ = scan_json(cli)
    assert code == 2 and errors(report) == [("us-east-1", "ThrottlingException")]
    assert len(server.calls("us-east-1")) == 2


@pytest.mark.parametrize(
    ("args", "target"),
    [(["--all-regions"], "GetRegions"), (["--region", "us-east-1,eu-west-2"], "GetInstances")],
)
def test_ctrl_c_ends_a_live_scan_at_once(
    standin: Callable[..., LightsailStandIn], args: list[str], target: str
) -> None:
    # Requests that would take 30 s: an interrupted run must not wait for them.
    plans = {r: RegionPlan(make_instances(r, 1), latency=30) for r in ("us-east-1", "eu-west-2")}
    server = standin(plans)
    process = subprocess.Popen(
        [sys.executable, "-m", "lslint", "scan", *args],
        env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not any(r.target == target for r in server.requests):
            assert time.monotonic() < deadline and process.poll() is None, "no request seen"
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        _, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
    assert time.monotonic() - interrupted < 5
    assert process.returncode == 130
    assert stderr == "lslint: interrupted\n"


@pytest.mark.parametrize("option", ["--region", "--kind"])
def test_an_empty_region_or_kind_is_an_error_not_the_default(
    cli: Cli, standin: Callable[..., LightsailStandIn], option: str
) -> None:
    server = standin({"us-east-1": RegionPlan(make_instances("us-east-1", 1))})
    result = cli(["scan", option, ""])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"lslint: error: {option} '' names nothing"
    assert server.requests == []
