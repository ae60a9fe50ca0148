"""lslint's own retries: which failures are sent again, the waits between attempts, and the
settings that choose the number of attempts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from standin import LightsailStandIn, RegionPlan, make_instances

from lslint.api import LiveOptions, ScanRequest, run_scan
from lslint.sources.aws import AwsSource
from lslint.sources.retry import (
    DEFAULT_POLICY,
    Retrier,
    RetriesExhausted,
    RetryPolicy,
    retry_reason,
)

from conftest import CliResult

Cli = Callable[..., CliResult]


def client_error(status: int, code: str) -> botocore.exceptions.ClientError:
    answer: Any = {
        "Error": {"Code": code, "Message": "m"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return botocore.exceptions.ClientError(answer, "GetInstances")


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (client_error(400, "ThrottlingException"), "throttled"),
        (client_error(400, "Throttling"), "throttled"),
        (client_error(429, "SomethingNew"), "throttled"),
        (client_error(500, "ServiceException"), "server error"),
        (client_error(503, "ServiceUnavailableException"), "server error"),
        (client_error(504, "GatewayTimeout"), "server error"),
        (client_error(408, "RequestTimeout"), "RequestTimeout"),
        (botocore.exceptions.ReadTimeoutError(endpoint_url="http://x"), "timed out"),
        (botocore.exceptions.ConnectTimeoutError(endpoint_url="http://x"), "timed out"),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://x"), "connection failed"),
        (client_error(400, "AccessDeniedException"), None),
        (client_error(400, "UnauthenticatedException"), None),
        (client_error(501, "NotImplemented"), None),
        (client_error(400, "InvalidInputException"), None),
        (ValueError("not an AWS failure"), None),
    ],
)
def test_which_failures_are_retried(failure: Exception, reason: str | None) -> None:
    assert retry_reason(failure) == reason


class Flaky:
    """Fails with the given exceptions, in order, then answers."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "answer"


def retrier(policy: RetryPolicy, waits: list[float]) -> Retrier:
    return Retrier(policy, sleep=waits.append, draw=lambda: 1.0)


def test_retryable_failures_are_sent_again_after_growing_waits() -> None:
    waits: list[float] = []
    throttled, broken = client_error(400, "ThrottlingException"), client_error(500, "E")
    send = retrier(RetryPolicy(max_attempts=5), waits)
    request = Flaky(throttled, throttled, broken, throttled)
    redraws: list[int] = []
    assert send.call(request, on_retry=lambda: redraws.append(send.total)) == "answer"
    assert request.calls == 5
    # Doubling from 1 s after throttling and from 50 ms after other failures, by attempt.
    assert waits == [1.0, 2.0, 0.05 * 4, 8.0]
    assert send.counts() == {"throttled": 3, "server error": 1}
    assert redraws == [1, 2, 3, 4]


def test_waits_are_drawn_below_the_cap() -> None:
    policy = RetryPolicy(max_attempts=20, max_delay=20.0)
    assert policy.delay("throttled", 10, lambda: 1.0) == 20.0
    assert policy.delay("throttled", 3, lambda: 0.5) == 2.0
    assert policy.delay("server error", 1, lambda: 0.0) == 0.0


def test_a_failure_that_cannot_be_retried_is_raised_at_once() -> None:
    waits: list[float] = []
    denied = client_error(400, "AccessDeniedException")
    request = Flaky(denied)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        retrier(RetryPolicy(), waits).call(request)
    assert raised.value is denied and request.calls == 1 and waits == []


def test_the_last_retryable_failure_says_how_many_attempts_were_made() -> None:
    waits: list[float] = []
    throttled = client_error(400, "ThrottlingException")
    request = Flaky(*[throttled] * 10)
    with pytest.raises(RetriesExhausted) as raised:
        retrier(RetryPolicy(max_attempts=3), waits).call(request)
    assert raised.value.cause is throttled and raised.value.attempts == 3
    assert request.calls == 3 and len(waits) == 2


def test_the_default_policy_rides_out_half_a_minute_of_throttling() -> None:
    policy = RetryPolicy()
    assert policy.max_attempts == 6
    assert sum(policy.delay("throttled", n, lambda: 1.0) for n in range(1, 6)) == 31.0


@pytest.mark.slow
@pytest.mark.usefixtures("aws_env")
def test_a_library_caller_chooses_the_policy(standin: Callable[..., LightsailStandIn]) -> None:
    server = standin({"us-east-1": RegionPlan(always="throttle")})
    source = AwsSource(["us-east-1"], retry_policy=RetryPolicy(max_attempts=2, throttling_base=0))
    inventory = source.collect()
    [error] = inventory.errors
    assert error.code == "ThrottlingException" and error.message.endswith("(after 2 attempts)")
    assert len(server.calls("us-east-1")) == 2
    assert source.retries == {"us-east-1": {"throttled": 1}}


@pytest.mark.slow
@pytest.mark.usefixtures("aws_env")
def test_the_scan_pipeline_takes_the_policy(standin: Callable[..., LightsailStandIn]) -> None:
    server = standin({"us-east-1": RegionPlan(always="unavailable")})
    policy = RetryPolicy(max_attempts=4, other_base=0)
    outcome = run_scan(ScanRequest(live=LiveOptions(regions=("us-east-1",), retry_policy=policy)))
    assert outcome.exit_code == 2 and len(server.calls("us-east-1")) == 4
    assert outcome.notes == ("us-east-1: server error, retried 3 times",)


@pytest.mark.slow
@pytest.mark.usefixtures("aws_env")
def test_the_aws_profile_sets_the_number_of_attempts(
    cli: Cli, standin: Callable[..., LightsailStandIn], tmp_path: Path
) -> None:
    server = standin({"us-east-1": RegionPlan(always="unavailable")})
    (tmp_path / "no-config").write_text("[default]\nmax_attempts = 3\n")
    result = cli(["scan", "--format", "json"])
    assert result.exit_code == 2
    [error] = json.loads(result.stdout)["errors"]
    assert error["message"].endswith("(after 3 attempts)")
    assert len(server.calls("us-east-1")) == 3


@pytest.mark.slow
@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("many", "AWS max_attempts is not a whole number: invalid literal for int() with base "
                 "10: 'many'"),
        ("0", "AWS max_attempts is 0: no request would be sent"),
    ],
)  # fmt: skip
def test_a_bad_number_of_attempts_is_one_clear_line(
    cli: Cli, standin: Callable[..., LightsailStandIn], monkeypatch: pytest.MonkeyPatch,
    value: str, message: str,
) -> None:  # fmt: skip
    server = standin({"us-east-1": RegionPlan(make_instances("us-east-1", 1))})
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", value)
    result = cli(["scan"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"lslint: error: {message}"
    assert "Traceback" not in result.stderr and server.calls("us-east-1") == []


def test_live_scans_use_the_documented_policy_unless_told_otherwise() -> None:
    # (The aws_env fixture shortens the waits of the tests that use it, and only of those.)
    assert RetryPolicy() == DEFAULT_POLICY
