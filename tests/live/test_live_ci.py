"""Live scans as CI runs them: progress, retry notes, excluded regions, config settings and
permission hints, over real HTTP against the local Lightsail stand-in (tests/standin.py)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from standin import LightsailStandIn, RegionPlan, closed_port, make_instances

from lslint.cli import scan as scan_commands
from lslint.models import RESOURCE_KINDS
from lslint.progress import Progress, ProgressLine, retry_notes
from lslint.sources import aws

from conftest import CliResult, assert_one_error

Cli = Callable[..., CliResult]
StandIn = Callable[..., LightsailStandIn]

pytestmark = [pytest.mark.usefixtures("aws_env"), pytest.mark.slow]


def scan_json(cli: Cli, *args: str) -> tuple[int, dict[str, Any], str]:
    result = cli(["scan", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


def notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("lslint: note:")]


def listed_regions(server: LightsailStandIn) -> set[str]:
    return {r.region for r in server.requests if r.target == "GetInstances"}


def write_config(folder: Path, text: str) -> Path:
    path = folder / ".lslint.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr counts as a terminal (the test runner's stream is not one)."""
    monkeypatch.setattr(scan_commands, "on_terminal", lambda: True)


# ---------------------------------------------------------------- progress


def test_progress_line_for_a_single_region_counts_pages_and_ends_done() -> None:
    stream = io.StringIO()
    show = ProgressLine(stream)
    show(Progress("us-east-1", 1, 1, 25, kind="instance"))
    show(Progress("us-east-1", 1, 1, 25, kind="instance", retries=2))
    show(Progress("us-east-1", 1, 2, 40, kind="instance", done=True, retries=2))
    assert stream.getvalue() == (
        "\r\x1b[Klisting us-east-1: 1 page, 25 instances"
        "\r\x1b[Klisting us-east-1: 1 page, 25 instances, 2 retries"
        "\r\x1b[Klisting us-east-1: done, 2 pages, 40 instances, 2 retries\n"
    )


def test_progress_line_says_when_a_single_region_failed() -> None:
    stream = io.StringIO()
    failed = Progress("eu-west-1", 1, 0, 0, done=True, failed=True, retries=1, kind="instance")
    ProgressLine(stream)(failed)
    assert stream.getvalue() == "\r\x1b[Klisting eu-west-1: failed, 0 pages, 0 instances, 1 retry\n"


def test_progress_line_for_several_regions_adds_up_retries() -> None:
    stream = io.StringIO()
    show = ProgressLine(stream)
    show(Progress("us-east-1", 2, 1, 5, kind="instance", retries=3))
    show(Progress("eu-west-2", 2, 1, 1, kind="instance", done=True, retries=1))
    show(Progress("us-east-1", 2, 1, 5, kind="instance", done=True, failed=True, retries=5))
    assert (
        "listing regions: 0/2 done, 1 page, 5 instances, 3 retries (us-east-1:" in stream.getvalue()
    )
    assert stream.getvalue().endswith(
        "\r\x1b[Klisting regions: 2/2 done, 2 pages, 6 instances, 6 retries, 1 failed\n"
    )


def test_single_region_scan_shows_progress_on_a_terminal(
    cli: Cli, standin: StandIn, terminal: None
) -> None:
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 25), page_size=10)})
    result = cli(["scan", "--format", "json", "--kind", "instance"])
    assert result.exit_code == 1
    assert result.stderr == (
        "\r\x1b[Klisting us-east-1: 1 page, 10 instances"
        "\r\x1b[Klisting us-east-1: 2 pages, 20 instances"
        "\r\x1b[Klisting us-east-1: 3 pages, 25 instances"
        "\r\x1b[Klisting us-east-1: done, 3 pages, 25 instances\n"
    )


def test_progress_on_a_terminal_shows_retries_while_they_happen(
    cli: Cli, standin: StandIn, terminal: None
) -> None:
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 2), faults=["throttle"] * 2)})
    result = cli(["scan", "--format", "json", "--kind", "instance"])
    assert result.exit_code == 1
    # One redraw per retry, before the page arrives; no notes, the line already said it.
    assert result.stderr == (
        "\r\x1b[Klisting us-east-1: 0 pages, 0 instances, 1 retry"
        "\r\x1b[Klisting us-east-1: 0 pages, 0 instances, 2 retries"
        "\r\x1b[Klisting us-east-1: 1 page, 2 instances, 2 retries"
        "\r\x1b[Klisting us-east-1: done, 1 page, 2 instances, 2 retries\n"
    )


@pytest.mark.parametrize("on_terminal", [True, False], ids=["terminal", "log"])
@pytest.mark.parametrize(
    "args", [["scan", "--format", "json"], ["fetch", "-o", "fleet.json"]], ids=["scan", "fetch"]
)
def test_quiet_draws_no_progress_and_no_notes(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch, args: list[str],
    on_terminal: bool,
) -> None:  # fmt: skip
    plan = RegionPlan(make_instances("us-east-1", 3), page_size=1, faults=["throttle"])
    server = standin({"us-east-1": plan})
    monkeypatch.setattr(scan_commands, "on_terminal", lambda: on_terminal)
    result = cli([*args, "--quiet"])
    assert result.exit_code in (0, 1), result.stderr
    assert "listing" not in result.stderr and notes(result.stderr) == []
    assert len(server.calls("us-east-1")) == 4  # the retry did happen


# ---------------------------------------------------------------- retry notes


def test_retries_are_noted_once_per_region_off_a_terminal(cli: Cli, standin: StandIn) -> None:
    standin(
        {
            "us-west-2": RegionPlan(make_instances("us-west-2", 3), page_size=1,
                                    faults=["throttle", "", "throttle", "throttle"]),
            "eu-west-1": RegionPlan(make_instances("eu-west-1", 1), faults=["unavailable"]),
            "us-east-1": RegionPlan(make_instances("us-east-1", 1)),
            "ca-central-1": RegionPlan(
                make_instances("ca-central-1", 1), faults=["throttle", "server_error", "throttle"]
            ),
        }
    )  # fmt: skip
    code, report, stderr = scan_json(cli, "--all-regions")
    assert code == 1 and report["errors"] == [], report["errors"]
    assert notes(stderr) == [
        "lslint: note: ca-central-1: retried 3 times (throttled 2, server error 1)",
        "lslint: note: eu-west-1: server error, retried once",
        "lslint: note: us-west-2: throttled, retried 3 times",
    ]


def test_a_region_that_ran_out_of_retries_is_noted_and_reported(cli: Cli, standin: StandIn) -> None:
    standin({"us-east-1": RegionPlan(always="throttle")})
    code, report, stderr = scan_json(cli)
    assert code == 2
    assert notes(stderr) == ["lslint: note: us-east-1: throttled, retried 5 times"]
    assert report["errors"][0]["message"].endswith("(after 6 attempts)")


def test_retried_connections_are_noted(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LIGHTSAIL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    code, _, stderr = scan_json(cli)
    assert code == 2
    # Every kind's chain retried twice, counted once for the region.
    retried = 2 * len(RESOURCE_KINDS)
    assert notes(stderr) == [f"lslint: note: us-east-1: connection failed, retried {retried} times"]


def test_timeouts_are_noted(cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws, "READ_TIMEOUT", 0.3)  # 30 s in real use
    plan = RegionPlan(make_instances("us-east-1", 1), latency=1)
    server = standin({"us-east-1": plan})
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    code, _, stderr = scan_json(cli, "--kind", "instance")
    assert code == 2 and len(server.calls("us-east-1")) == 2
    assert notes(stderr) == ["lslint: note: us-east-1: timed out, retried once"]


def test_get_regions_retries_count_for_the_home_region(cli: Cli, standin: StandIn) -> None:
    plans = {r: RegionPlan(make_instances(r, 1)) for r in ("us-east-1", "eu-west-2")}
    standin(plans, regions_faults=["throttle", "throttle"])
    code, _, stderr = scan_json(cli, "--all-regions")
    assert code == 1
    assert notes(stderr) == ["lslint: note: us-east-1: throttled, retried 2 times"]


def test_no_retries_no_notes(cli: Cli, standin: StandIn) -> None:
    standin({r: RegionPlan(make_instances(r, 2)) for r in ("us-east-1", "eu-west-2")})
    code, _, stderr = scan_json(cli, "--all-regions")
    assert code == 1 and stderr == ""


def test_fetch_notes_retries_too(cli: Cli, standin: StandIn, tmp_path: Path) -> None:
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 2), faults=["server_error"])})
    result = cli(["fetch", "-o", str(tmp_path / "fleet.json")])
    assert result.exit_code == 0
    assert notes(result.stderr) == ["lslint: note: us-east-1: server error, retried once"]


def test_retry_notes_are_sorted_and_skip_regions_without_retries() -> None:
    assert retry_notes(
        {"us-west-2": {"timed out": 2}, "af-south-1": {}, "eu-west-1": {"throttled": 1, "x": 1}}
    ) == [
        "eu-west-1: retried 2 times (throttled 1, x 1)",
        "us-west-2: timed out, retried 2 times",
    ]


# ---------------------------------------------------------------- excluded regions

FOUR = ("us-east-1", "eu-west-1", "eu-west-2", "ap-south-1")


def four_regions(standin: StandIn) -> LightsailStandIn:
    return standin({r: RegionPlan(make_instances(r, 1)) for r in FOUR})


@pytest.mark.parametrize(
    "options",
    [
        ["--exclude-region", "eu-west-1", "--exclude-region", "ap-south-1"],
        ["--exclude-region", "eu-west-1,ap-south-1"],
        ["--exclude-region", " eu-west-1 , ap-south-1 ,"],
    ],
    ids=["repeated", "comma-separated", "spaces"],
)
def test_excluded_regions_are_not_listed(cli: Cli, standin: StandIn, options: list[str]) -> None:
    server = four_regions(standin)
    code, report, _ = scan_json(cli, "--all-regions", *options)
    assert code == 1
    assert {f["region"] for f in report["findings"]} == {"us-east-1", "eu-west-2"}
    assert listed_regions(server) == {"us-east-1", "eu-west-2"}


def test_fetch_excludes_regions_and_records_only_the_listed_ones(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    four_regions(standin)
    snapshot = tmp_path / "fleet.json"
    result = cli(["fetch", "--all-regions", "--exclude-region", "us-east-1", "-o", str(snapshot)])
    assert result.exit_code == 0, result.stderr
    assert "3 instances from 3 regions" in result.stderr
    assert json.loads(snapshot.read_text())["regions"] == ["ap-south-1", "eu-west-1", "eu-west-2"]


@pytest.mark.parametrize("command", ["scan", "fetch"])
def test_exclude_region_needs_all_regions(cli: Cli, standin: StandIn, command: str) -> None:
    server = four_regions(standin)
    for extra in ([], ["--region", "us-east-1"]):
        result = cli([command, "--exclude-region", "eu-west-1", *extra, "-o", "out.json"])
        assert_one_error(result, "--exclude-region applies only with --all-regions")
    assert server.requests == []


def test_exclude_region_is_refused_with_input(cli: Cli, tmp_path: Path) -> None:
    result = cli(["scan", "--input", str(tmp_path / "x.json"), "--exclude-region", "eu-west-1"])
    assert_one_error(result, "--exclude-region applies to live scans")


def test_unknown_excluded_region_is_refused_with_a_suggestion(cli: Cli, standin: StandIn) -> None:
    server = four_regions(standin)
    result = cli(["scan", "--all-regions", "--exclude-region", "eu-west-1,eu-wst-2"])
    line = assert_one_error(result)
    assert line == "lslint: error: 'eu-wst-2' is not a Lightsail region (did you mean 'eu-west-2'?)"
    assert server.requests == []  # refused before any call


def test_excluding_every_region_is_an_error(cli: Cli, standin: StandIn) -> None:
    server = standin({r: RegionPlan(make_instances(r, 1)) for r in ("us-east-1", "eu-west-2")})
    result = cli(["scan", "--all-regions", "--exclude-region", "us-east-1,eu-west-2"])
    assert_one_error(result, "every region Lightsail offers is excluded (eu-west-2, us-east-1)")
    assert listed_regions(server) == set()


# ---------------------------------------------------------------- settings from the config


def test_config_regions_are_listed(cli: Cli, standin: StandIn, tmp_path: Path) -> None:
    server = four_regions(standin)
    write_config(tmp_path, "aws:\n  regions: [eu-west-1, ap-south-1]\n")
    code, _, _ = scan_json(cli)
    assert code == 1 and listed_regions(server) == {"eu-west-1", "ap-south-1"}


def test_region_option_wins_over_config_regions(cli: Cli, standin: StandIn, tmp_path: Path) -> None:
    server = four_regions(standin)
    write_config(tmp_path, "aws:\n  all_regions: true\n  exclude_regions: [eu-west-1]\n")
    code, _, _ = scan_json(cli, "--region", "ap-south-1")
    assert code == 1 and listed_regions(server) == {"ap-south-1"}


def test_config_all_regions_with_exclusions(cli: Cli, standin: StandIn, tmp_path: Path) -> None:
    server = four_regions(standin)
    write_config(tmp_path, "aws:\n  all_regions: true\n  exclude_regions: [eu-west-1]\n")
    code, _, _ = scan_json(cli)
    assert code == 1 and listed_regions(server) == {"us-east-1", "eu-west-2", "ap-south-1"}


def test_exclude_region_option_replaces_the_config_exclusions(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    server = four_regions(standin)
    write_config(tmp_path, "aws:\n  all_regions: true\n  exclude_regions: [eu-west-1]\n")
    code, _, _ = scan_json(cli, "--exclude-region", "ap-south-1")
    assert code == 1 and listed_regions(server) == {"us-east-1", "eu-west-1", "eu-west-2"}


def test_all_regions_option_uses_the_config_exclusions(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    server = four_regions(standin)
    write_config(tmp_path, "aws:\n  all_regions: true\n  exclude_regions: [eu-west-1]\n")
    code, _, _ = scan_json(cli, "--all-regions")
    assert code == 1 and "eu-west-1" not in listed_regions(server)


def test_all_regions_option_wins_over_config_regions(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    server = four_regions(standin)
    write_config(tmp_path, "aws:\n  regions: [eu-west-1]\n")
    code, _, _ = scan_json(cli, "--all-regions")
    assert code == 1 and listed_regions(server) == set(FOUR)


def test_exclude_region_option_refused_when_the_config_names_regions(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    four_regions(standin)
    write_config(tmp_path, "aws:\n  regions: [eu-west-1]\n")
    result = cli(["scan", "--exclude-region", "eu-west-1"])
    assert_one_error(result, "--exclude-region applies only with --all-regions")


@pytest.mark.parametrize(
    ("text", "position", "name"),
    [
        ("aws:\n  regions:\n    - us-east-1\n    - eu-wst-1\n", "4:7", "eu-wst-1"),
        ("aws:\n  all_regions: true\n  exclude_regions: [ap-suth-1]\n", "3:21", "ap-suth-1"),
    ],
    ids=["regions", "exclude_regions"],
)
def test_unknown_region_in_the_config_is_refused_at_its_line(
    cli: Cli, standin: StandIn, tmp_path: Path, text: str, position: str, name: str
) -> None:
    server = four_regions(standin)
    path = write_config(tmp_path, text)
    result = cli(["scan"])
    assert_one_error(
        result, f"'{name}' is not a Lightsail region (did you mean", where=path.as_posix()
    )
    assert result.stderr.startswith(f"lslint: error: {path}:{position}: '{name}'")
    assert server.requests == []


def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two profiles, each with its own region; no credentials or region in the environment."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.delenv(name)
    (tmp_path / "no-config").write_text(
        "[profile audit]\nregion = eu-west-2\n[profile other]\nregion = ap-south-1\n"
    )
    (tmp_path / "no-credentials").write_text(
        "[audit]\naws_access_key_id = AKIDAUDIT\naws_secret_access_key = audit-secret\n"
        "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other-secret\n"
    )


def test_config_profile_is_used_and_the_option_wins(
    cli: Cli, standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles(tmp_path, monkeypatch)
    server = four_regions(standin)
    write_config(tmp_path, "aws:\n  profile: audit\n")
    assert scan_json(cli)[0] == 1
    assert listed_regions(server) == {"eu-west-2"}
    server.requests.clear()
    assert scan_json(cli, "--profile", "other")[0] == 1
    assert listed_regions(server) == {"ap-south-1"}


def test_unknown_config_profile_is_one_clear_line(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "aws:\n  profile: nope\n")
    assert_one_error(cli(["scan"]), "AWS profile 'nope' not found")


def test_fetch_reads_the_config_and_takes_config_option(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    server = four_regions(standin)
    write_config(tmp_path, "aws:\n  regions: [eu-west-1]\n")
    other = tmp_path / "conf"
    other.mkdir()
    named = write_config(other, "aws:\n  all_regions: true\n  exclude_regions: [us-east-1]\n")
    assert cli(["fetch", "-o", "a.json"]).exit_code == 0
    assert json.loads((tmp_path / "a.json").read_text())["regions"] == ["eu-west-1"]
    assert cli(["fetch", "--config", str(named), "-o", "b.json"]).exit_code == 0
    assert json.loads((tmp_path / "b.json").read_text())["regions"] == [
        "ap-south-1", "eu-west-1", "eu-west-2",
    ]  # fmt: skip
    assert len(server.calls("us-east-1", "GetInstances")) == 0


# ---------------------------------------------------------------- permission hints


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("access_denied", "AccessDeniedException"),
        ("unauthorized_operation", "UnauthorizedOperation"),
    ],
)
def test_access_denied_names_the_permission_in_every_report(
    cli: Cli, standin: StandIn, tmp_path: Path, fault: str, code: str
) -> None:
    standin(
        {
            "us-east-1": RegionPlan(make_instances("us-east-1", 1)),
            "eu-west-1": RegionPlan(always=fault),
        }
    )
    permission = "needs the IAM permission lightsail:GetInstances"
    exit_code, report, _ = scan_json(cli, "--all-regions")
    assert exit_code == 2
    [error] = report["errors"]
    assert (error["region"], error["code"]) == ("eu-west-1", code)
    assert permission in error["message"]
    for fmt in ("text", "sarif", "junit", "markdown", "github"):
        result = cli(["scan", "--all-regions", "--format", fmt])
        assert permission in result.stdout, fmt
    fetched = cli(["fetch", "--all-regions", "-o", str(tmp_path / "fleet.json")])
    [line] = [line for line in fetched.stderr.splitlines() if line.startswith("lslint: error:")]
    assert line.startswith("lslint: error: eu-west-1 GetInstances " + code) and permission in line


def test_denied_get_regions_names_its_permission_and_the_way_around(
    cli: Cli, standin: StandIn
) -> None:
    standin(
        {"us-east-1": RegionPlan(make_instances("us-east-1", 1))}, regions_fault="access_denied"
    )
    code, report, _ = scan_json(cli, "--all-regions")
    assert code == 2
    [error] = report["errors"]
    assert error["message"].endswith(
        "(needs the IAM permission lightsail:GetRegions; or name the regions to list with --region)"
    )


def test_other_errors_get_no_permission_hint(cli: Cli, standin: StandIn) -> None:
    standin({"us-east-1": RegionPlan(always="unauthenticated")})
    _, report, _ = scan_json(cli)
    assert "IAM permission" not in report["errors"][0]["message"]
