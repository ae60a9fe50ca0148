"""Live scans: which region is the home region, which region answers GetRegions, and
credentials that fail only once a request is signed (a role, SSO, an expired token)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import botocore.exceptions
import pytest
from standin import LightsailStandIn, RegionPlan, StsStandIn, make_instances

from lslint.errors import ConfigError
from lslint.models import RESOURCE_KINDS
from lslint.sources import aws

from conftest import CliResult, assert_one_error

Cli = Callable[..., CliResult]
StandIn = Callable[..., LightsailStandIn]

pytestmark = [pytest.mark.usefixtures("aws_env"), pytest.mark.slow]

ROLE = "arn:aws:iam::111122223333:role/audit"


def asked(server: LightsailStandIn) -> set[tuple[str, str]]:
    return {(request.region, request.target) for request in server.requests}


def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "aws-config"
    path.write_text(text)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))


def notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("lslint: note:")]


# ---------------------------------------------------------------- the home region


@pytest.mark.parametrize(
    ("environment", "profile_region", "expected"),
    [
        ({"AWS_REGION": "us-east-1"}, "eu-west-1", "us-east-1"),
        ({"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "eu-west-1"}, None, "us-east-1"),
        ({"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1", "us-east-1"),
        ({"AWS_DEFAULT_REGION": "us-east-1"}, "eu-west-1", "us-east-1"),
        ({}, "eu-west-1", "eu-west-1"),
        ({"AWS_REGION": "  "}, "eu-west-1", "eu-west-1"),  # set but empty: not set
    ],
    ids=["region-over-profile", "region-over-default", "region-over-both",
         "default-over-profile", "profile", "empty-region"],
)  # fmt: skip
def test_home_region_follows_the_aws_cli_order(
    cli: Cli, standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str], profile_region: str | None, expected: str,
) -> None:  # fmt: skip
    # AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region, as AWS CLI v2 does.
    monkeypatch.delenv("AWS_REGION")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if profile_region:
        aws_config(tmp_path, monkeypatch, f"[default]\nregion = {profile_region}\n")
    server = standin(
        {"us-east-1": RegionPlan(make_instances("us-east-1", 1)), "eu-west-1": RegionPlan()}
    )
    result = cli(["scan", "-q", "--kind", "instance"])
    assert result.exit_code == (1 if expected == "us-east-1" else 0), result.stderr
    assert asked(server) == {(expected, "GetInstances")}


@pytest.mark.parametrize(
    ("variable", "origin"),
    [("AWS_REGION", "AWS_REGION"), ("AWS_DEFAULT_REGION", "AWS_DEFAULT_REGION"),
     (None, "AWS profile 'audit'")],
)  # fmt: skip
def test_home_region_without_lightsail_is_refused_naming_where_it_was_set(
    cli: Cli, standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    variable: str | None, origin: str,
) -> None:  # fmt: skip
    monkeypatch.delenv("AWS_REGION")
    if variable:
        monkeypatch.setenv(variable, "me-central-1")
    aws_config(
        tmp_path, monkeypatch,
        "[profile audit]\nregion = me-central-1\n"
        "aws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n",
    )  # fmt: skip
    server = standin({"us-east-1": RegionPlan(make_instances("us-east-1", 1))})
    result = cli(["scan", "--profile", "audit", "--kind", "instance"])
    assert_one_error(
        result,
        f"'me-central-1' (from {origin}) is not a Lightsail region (did you mean 'eu-central-1'?)",
    )
    assert server.requests == []


def test_all_regions_asks_a_lightsail_region_when_the_home_region_has_none(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "me-central-1")
    server = standin(
        {"us-east-1": RegionPlan(make_instances("us-east-1", 2)), "eu-west-1": RegionPlan()},
        regions=["eu-west-1", "us-east-1"],
        regions_faults=["throttle"],
    )
    result = cli(["scan", "--all-regions", "--kind", "instance", "--format", "json"])
    assert result.exit_code == 1, result.stderr  # the instances' findings, no error
    assert {region for region, target in asked(server) if target == "GetRegions"} == {"us-east-1"}
    assert "me-central-1" not in result.stderr
    # the retry of GetRegions is noted under the region that was asked
    assert notes(result.stderr) == ["lslint: note: us-east-1: throttled, retried once"]


def test_all_regions_never_asks_an_excluded_home_region(cli: Cli, standin: StandIn) -> None:
    server = standin(
        {"us-east-1": RegionPlan(), "us-west-2": RegionPlan(),
         "eu-west-1": RegionPlan(make_instances("eu-west-1", 1))},
        regions=["eu-west-1", "us-east-1", "us-west-2"],
    )  # fmt: skip
    result = cli(
        ["scan", "-q", "--all-regions", "--exclude-region", "us-east-1", "--kind", "instance"]
    )
    assert result.exit_code == 1, result.stderr
    assert asked(server) == {
        ("us-west-2", "GetRegions"),  # the first fallback not excluded
        ("us-west-2", "GetInstances"),
        ("eu-west-1", "GetInstances"),
    }


def test_all_regions_asks_the_home_region_when_it_can(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    server = standin({"eu-west-1": RegionPlan(), "us-east-1": RegionPlan()})
    result = cli(["scan", "-q", "--all-regions", "--kind", "instance"])
    assert result.exit_code == 0, result.stderr
    assert [r.region for r in server.requests if r.target == "GetRegions"] == ["eu-west-1"]


# ---------------------------------------------------------------- credentials


@pytest.fixture
def sts(monkeypatch: pytest.MonkeyPatch) -> Iterator[StsStandIn]:
    """An STS endpoint that denies AssumeRole."""
    with StsStandIn() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
        yield server


@pytest.fixture
def role_profile(aws_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Profile 'audit' assumes ROLE with the keys of profile 'base' (after ``aws_env``, whose
    keys it removes)."""
    aws_config(
        tmp_path, monkeypatch,
        f"[profile audit]\nrole_arn = {ROLE}\nsource_profile = base\nregion = us-east-1\n"
        "[profile base]\nregion = us-east-1\n",
    )  # fmt: skip
    keys = tmp_path / "aws-credentials"
    keys.write_text("[base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(keys))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")


@pytest.mark.usefixtures("role_profile")
@pytest.mark.parametrize("regions", [["-r", "us-east-1"], ["--all-regions"]], ids=["one", "all"])
def test_a_denied_assume_role_is_one_error_naming_the_role(
    cli: Cli, standin: StandIn, sts: StsStandIn, regions: list[str]
) -> None:
    server = standin({"us-east-1": RegionPlan(make_instances("us-east-1", 2))})
    result = cli(["scan", "--profile", "audit", *regions])
    line = assert_one_error(result, f"cannot assume the role {ROLE}: AccessDenied: User: ")
    assert "lightsail:" not in result.stderr  # not a Lightsail permission
    assert f"hint: the credentials need sts:AssumeRole on {ROLE}" in result.stderr
    assert "sts:AssumeRole on resource" in line
    assert sts.requests == 1 and server.requests == []


def test_an_sso_profile_that_is_not_logged_in_is_one_error(
    cli: Cli, standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_config(
        tmp_path, monkeypatch,
        "[profile sso]\nsso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Audit\n"
        "region = us-east-1\n",
    )  # fmt: skip
    monkeypatch.setenv("HOME", str(tmp_path))  # no SSO token cache
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    server = standin({"us-east-1": RegionPlan(make_instances("us-east-1", 2))})
    result = cli(["scan", "--profile", "sso"])
    assert_one_error(result, "cannot load AWS credentials: Error loading SSO Token")
    assert result.stderr.splitlines()[1] == "hint: run 'aws sso login --profile sso'"
    assert server.requests == []


def every_kind_expired() -> RegionPlan:
    return RegionPlan(
        always="expired_token", kind_always=dict.fromkeys(RESOURCE_KINDS, "expired_token")
    )


def test_an_expired_token_fails_the_whole_scan_once(cli: Cli, standin: StandIn) -> None:
    regions = ["ap-south-1", "eu-west-1", "us-east-1"]
    server = standin({region: every_kind_expired() for region in regions})
    result = cli(["scan", "--region", ",".join(regions)])
    assert_one_error(
        result,
        "AWS refused the credentials: ",
        "ExpiredTokenException: The security token included in the request is expired",
    )
    assert "new AWS_SESSION_TOKEN" in result.stderr
    assert len(server.requests) <= len(regions) * len(RESOURCE_KINDS)  # never retried


def test_an_expired_token_stops_the_listings_not_yet_sent(cli: Cli, standin: StandIn) -> None:
    server = standin({"us-east-1": every_kind_expired(), "eu-west-1": every_kind_expired()})
    result = cli(["fetch", "-o", "fleet.json", "-r", "us-east-1,eu-west-1", "--concurrency", "1"])
    assert_one_error(result, "ExpiredTokenException")
    assert len(server.requests) == 1
    assert not Path("fleet.json").exists()  # nothing half-listed is saved


def test_an_expired_token_answering_get_regions_is_one_error(cli: Cli, standin: StandIn) -> None:
    server = standin({"us-east-1": RegionPlan()}, regions_fault="expired_token")
    result = cli(["scan", "--all-regions"])
    assert_one_error(result, "us-east-1 GetRegions ExpiredTokenException")
    assert len(server.requests) == 1


def test_an_invalid_token_stays_an_error_of_its_region(cli: Cli, standin: StandIn) -> None:
    # An opt-in region the account has not enabled answers so too: the others are still listed.
    standin(
        {"us-east-1": RegionPlan(always="unauthenticated"),
         "eu-west-1": RegionPlan(make_instances("eu-west-1", 1))}
    )  # fmt: skip
    result = cli(["scan", "-q", "-r", "us-east-1,eu-west-1", "--kind", "instance"])
    assert result.exit_code == 2
    assert "vm-eu-west-1-000" in result.stdout
    assert "us-east-1 GetInstances UnauthenticatedException" in result.stderr


def test_an_sts_error_through_a_lightsail_call_is_not_blamed_on_lightsail() -> None:
    denied = botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform: sts:AssumeRole"}},
        "AssumeRole",
    )
    error = aws._scan_error("us-east-1", "GetInstances", denied)
    assert error.code == "AccessDenied"
    assert "lightsail:" not in error.message
    assert error.message.endswith("(from AssumeRole, while getting AWS credentials)")
    own = botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetInstances"
    )
    assert "needs the IAM permission lightsail:GetInstances" in (
        aws._scan_error("us-east-1", "GetInstances", own).message
    )


# ---------------------------------------------------------------- wording


def test_fetch_says_a_partial_listing_was_not_saved(cli: Cli, standin: StandIn) -> None:
    plan = RegionPlan(make_instances("us-east-1", 3), page_size=1,
                      faults=["", "", "access_denied"])  # fmt: skip
    standin({"us-east-1": plan})
    result = cli(["fetch", "-q", "-o", "fleet.json", "--kind", "instance"])
    assert result.exit_code == 2
    assert "(after 2 pages; the 2 instances listed so far were not saved)" in result.stderr


def test_an_sso_login_that_expires_during_the_fetch_stops_it() -> None:
    # botocore's error when refreshing SSO credentials fails: the same in every region.
    expired = aws._scan_error(
        "eu-west-1", "GetDisks", botocore.exceptions.UnauthorizedSSOTokenError()
    )
    with pytest.raises(ConfigError, match="eu-west-1 GetDisks UnauthorizedSSOTokenError"):
        aws._stop_if_rejected([expired])
    invalid = aws._error("GetDisks", "UnrecognizedClientException", "invalid", "eu-west-1")
    aws._stop_if_rejected([invalid])  # may be an opt-in region not enabled: not fatal


@pytest.mark.usefixtures("aws_env")
def test_a_source_collected_again_after_an_expired_token_lists_again(standin: StandIn) -> None:
    # A library caller may keep one source: a refusal ends that collection, not the next one.
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 3), faults=["expired_token"])})
    source = aws.AwsSource(regions=["us-east-1"])
    with pytest.raises(ConfigError, match="AWS refused the credentials"):
        source.collect()
    inventory = source.collect()
    assert inventory.errors == []
    assert len(inventory.resources) == 3
