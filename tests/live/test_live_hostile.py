"""Live scans never trust the API's answers: a malformed answer, an endless page chain or a
secret in an endpoint URL fails one region (or is redacted), never the whole scan.

Over real HTTP against the local Lightsail stand-in (tests/standin.py), whose hostile faults
send the bodies named here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from standin import TRUNCATED_BY, LightsailStandIn, RegionPlan, closed_port, make_instances

from lslint.redact import redact, redact_url
from lslint.sources import aws
from lslint.sources.aws import AwsSource

from conftest import CliResult, assert_one_error

Cli = Callable[..., CliResult]
StandIn = Callable[..., LightsailStandIn]

pytestmark = [pytest.mark.usefixtures("aws_env"), pytest.mark.slow]

GOOD, BAD = "us-east-1", "eu-west-2"
GOOD_FINDINGS = 3  # make_instances: one instance, failing LS002-LS004


def scan_json(cli: Cli, *args: str) -> tuple[CliResult, dict[str, Any]]:
    result = cli(["scan", "--format", "json", *args])
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    return result, json.loads(result.stdout) if result.stdout else {}


def only_bad_region_failed(result: CliResult, report: dict[str, Any], code: str) -> str:
    """Exit 2; the one error is BAD's, on stderr and in the report; GOOD was still scanned.
    Returns the error's message."""
    assert result.exit_code == 2, result.stderr
    [error] = report["errors"]
    assert (error["region"], error["operation"], error["code"]) == (BAD, "GetInstances", code)
    assert f"{BAD} GetInstances {code}" in result.stderr
    assert {f["region"] for f in report["findings"]} == {GOOD}
    assert len(report["findings"]) == GOOD_FINDINGS
    message: str = error["message"]
    return message


def two_regions(standin: StandIn, bad: RegionPlan) -> LightsailStandIn:
    return standin({GOOD: RegionPlan(make_instances(GOOD, 1)), BAD: bad})


# ---------------------------------------------------------------- malformed answers


def test_an_invalid_resource_on_a_later_page_is_named_by_its_place_in_the_listing(
    cli: Cli, standin: StandIn
) -> None:
    # Pages are validated a whole page at a time; the error still names the one resource.
    instances = make_instances(BAD, 4)
    instances[3]["hardware"] = {"ramSizeInGb": "lots"}
    two_regions(standin, RegionPlan(instances, page_size=2))
    result, report = scan_json(cli, "--region", f"{GOOD},{BAD}")
    message = only_bad_region_failed(result, report, "MalformedResponse")
    assert message.startswith("instance 3 has an invalid hardware.ramSizeInGb: ")
    # the first page and the valid instance before it on its own page
    assert message.endswith("(after 2 pages; the 3 instances listed so far were not scanned)")


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("body_list", "response is a list, not a JSON object"),
        ("body_null", "response is null, not a JSON object"),
        ("body_number", "response is a number, not a JSON object"),
        ("body_string", "response is a string, not a JSON object"),
        ("instances_object", "'instances' is an object, not a list"),
        ("instance_not_object", "instance 0 is a number, not an object"),
        ("instance_null", "instance 0 is null, not an object"),
        ("list_token", "nextPageToken is a list, not a string"),
        ("number_token", "nextPageToken is a number, not a string"),
        ("object_token", "nextPageToken is an object, not a string"),
        ("invalid_utf8", "response is not UTF-8 text (invalid start byte at byte 28)"),
        ("infinity", "number '1e400' is beyond the range of a float"),
        ("infinity_unknown", "number '-1e400' is beyond the range of a float"),
        ("long_float", "(403 characters) is beyond the range of a float"),
        ("nan_literal", "NaN is not a JSON number"),
        ("infinity_literal", "Infinity is not a JSON number"),
        ("deep_nesting", "response is nested too deeply"),
        ("deep_nesting_200", "response is nested more than 100 levels deep"),
        ("repeated_list", "key 'instances' appears more than once in the response"),
        ("repeated_token", "key 'nextPageToken' appears more than once in the response"),
    ],
)
def test_a_malformed_answer_fails_only_its_region(
    cli: Cli, standin: StandIn, fault: str, expected: str
) -> None:
    two_regions(standin, RegionPlan(make_instances(BAD, 1), always=fault))
    result, report = scan_json(cli, "--region", f"{GOOD},{BAD}")
    message = only_bad_region_failed(result, report, "MalformedResponse")
    assert expected in message
    assert expected in result.stderr


def test_an_answer_cut_short_is_a_failed_connection_retried_not_invalid_json(
    cli: Cli, standin: StandIn
) -> None:
    # The connection closes before the body reaches its Content-Length, every time.
    server = two_regions(standin, RegionPlan(make_instances(BAD, 1), always="truncated_body"))
    result, report = scan_json(cli, "--region", f"{GOOD},{BAD}")
    message = only_bad_region_failed(result, report, "ResponseCutShort")
    cut = f"the answer was cut short: 15 of {15 + TRUNCATED_BY} bytes"
    assert message == f"{cut} (after 6 attempts)"
    assert "JSON" not in result.stderr
    assert len(server.calls(BAD)) == 6  # retried like a reset connection
    assert "lslint: note: eu-west-2: connection failed, retried 5 times" in result.stderr


def test_an_answer_cut_short_once_is_read_again(cli: Cli, standin: StandIn) -> None:
    server = two_regions(
        standin, RegionPlan(make_instances(BAD, 3), page_size=2, faults=["", "truncated_body"])
    )
    result, report = scan_json(cli, "--region", f"{GOOD},{BAD}")
    assert result.exit_code == 1 and report["errors"] == []
    assert len(report["findings"]) == 4 * GOOD_FINDINGS  # every instance of both regions
    assert [c.body.get("pageToken") for c in server.calls(BAD)] == [None, "page-2", "page-2"]
    assert "lslint: note: eu-west-2: connection failed, retried once" in result.stderr


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        ("error_body_list", "400", "[]"),
        ("error_body_null", "400", "null"),
        ("error_wrong_types", "400", '["not", "text"]'),
        ("error_invalid_utf8", "Bad\ufffdCode", "caf\ufffd"),
    ],
)
def test_an_error_answer_that_breaks_the_protocol_fails_only_its_region(
    cli: Cli, standin: StandIn, fault: str, code: str, message: str
) -> None:
    server = two_regions(standin, RegionPlan(always=fault))
    result, report = scan_json(cli, "--region", f"{GOOD},{BAD}")
    assert only_bad_region_failed(result, report, code) == message
    assert len(server.calls(BAD)) == 1  # a client error: not retried


def test_a_huge_error_message_is_cut(cli: Cli, standin: StandIn) -> None:
    two_regions(standin, RegionPlan(always="error_huge_message"))
    result, report = scan_json(cli, "--region", f"{GOOD},{BAD}")
    message = only_bad_region_failed(result, report, "BadRequest")
    assert message == "x" * aws.MAX_MESSAGE + "... (99500 more characters)"
    assert len(result.stderr) < 1000


def test_an_unexpected_sdk_failure_fails_only_its_region(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = aws.parse_answer

    def choking(body: bytes) -> dict[str, Any]:
        if BAD.encode() in body:
            raise TypeError("the parser choked")
        return real(body)

    monkeypatch.setattr(aws, "parse_answer", choking)
    two_regions(standin, RegionPlan(make_instances(BAD, 1)))
    result, report = scan_json(cli, "--region", f"{GOOD},{BAD}")
    message = only_bad_region_failed(result, report, "SDKError")
    assert message == "unexpected TypeError reading the response: the parser choked"


def test_fetch_never_writes_a_non_finite_number(cli: Cli, standin: StandIn, tmp_path: Path) -> None:
    two_regions(standin, RegionPlan(always="infinity"))
    snapshot = tmp_path / "fleet.json"
    fetched = cli(["fetch", "--region", f"{GOOD},{BAD}", "-o", str(snapshot)])
    assert fetched.exit_code == 2, fetched.stderr
    assert f"{BAD} GetInstances MalformedResponse" in fetched.stderr
    text = snapshot.read_text()
    assert "Infinity" not in text and "NaN" not in text
    document = json.loads(text)
    assert [i["name"] for i in document["instances"]] == [f"vm-{GOOD}-000"]
    # lslint reads back what it wrote: the region's failure again, not an unreadable file.
    result, report = scan_json(cli, "--input", str(snapshot))
    assert result.exit_code == 2
    assert [(e["region"], e["code"]) for e in report["errors"]] == [(BAD, "MalformedResponse")]
    assert len(report["findings"]) == GOOD_FINDINGS


# ---------------------------------------------------------------- page chains


def test_endless_new_page_tokens_stop_at_the_page_limit(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws, "MAX_PAGES", 40)  # 10,000 in real use
    # The stand-in gives up after 1,000 pages, so a fetch without a limit ends too.
    server = two_regions(standin, RegionPlan(always="endless_tokens"))
    result, report = scan_json(cli, "--region", f"{GOOD},{BAD}")
    message = only_bad_region_failed(result, report, "TooManyPages")
    assert message.startswith("more than 40 pages: the API kept returning new page tokens")
    assert "(after 40 pages;" in message
    assert len(server.calls(BAD)) == 40


def test_a_chain_as_long_as_the_page_limit_is_complete(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws, "MAX_PAGES", 11)
    server = standin({GOOD: RegionPlan(make_instances(GOOD, 103), page_size=10)})
    result, report = scan_json(cli)
    assert result.exit_code == 1 and report["errors"] == []
    assert len({f["resource_name"] for f in report["findings"]}) == 103
    assert len(server.calls(GOOD)) == 11


def test_the_page_limit_is_a_source_option(standin: StandIn) -> None:
    standin({BAD: RegionPlan(always="endless_tokens")})
    source = AwsSource([BAD], max_pages=3)
    inventory = source.collect()
    [error] = inventory.errors
    assert (error.region, error.code) == (BAD, "TooManyPages")
    assert error.message.startswith("more than 3 pages")


# ---------------------------------------------------------------- GetRegions


def regions_scan(
    cli: Cli, standin: StandIn, answer: Any
) -> tuple[CliResult, dict[str, Any], LightsailStandIn]:
    plans = {GOOD: RegionPlan(make_instances(GOOD, 1)), BAD: RegionPlan(make_instances(BAD, 1))}
    server = standin(plans, regions_answer=answer)
    result, report = scan_json(cli, "--all-regions")
    return result, report, server


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (b"[]", "response is a list, not a JSON object"),
        (b"null", "response is null, not a JSON object"),
        (b"42", "response is a number, not a JSON object"),
        (b'{"regions": [{"name": "\xff"}]}', "response is not UTF-8 text"),
        ({"regions": 42}, "'regions' is a number, not a list"),
        ({}, "'regions' is missing"),
    ],
)
def test_a_malformed_get_regions_answer_is_an_error(
    cli: Cli, standin: StandIn, answer: Any, expected: str
) -> None:
    result, report, server = regions_scan(cli, standin, answer)
    assert result.exit_code == 2
    [error] = report["errors"]
    assert (error["region"], error["operation"], error["code"]) == (
        GOOD, "GetRegions", "MalformedResponse",
    )  # fmt: skip
    assert error["message"] == expected or error["message"].startswith(expected)
    assert f"{GOOD} GetRegions MalformedResponse: {expected}" in result.stderr
    assert report["findings"] == [] and server.calls(GOOD) == []


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([{"name": "Not A Region"}], "regions[0].name 'Not A Region' is not a valid region name"),
        ([42], "regions[0] is a number, not an object"),
        ([{"name": 7}], "regions[0].name is a number, not a region name"),
        ([{"displayName": "Ohio"}], "regions[0].name is missing"),
        ([{"name": ""}], "regions[0].name is an empty string, not a region name"),
        ([{"name": "eu-\x1b[31m"}], "regions[0].name 'eu-\\x1b[31m' is not a valid region name"),
        (
            [{"name": "x" * 100}],
            f"regions[0].name {'x' * 64!r}... (100 characters) is not a valid region name",
        ),
    ],
)
def test_an_invalid_region_in_get_regions_is_an_error_and_the_others_are_listed(
    cli: Cli, standin: StandIn, entries: list[Any], expected: str
) -> None:
    answer = {"regions": [*entries, {"name": GOOD}, {"name": BAD}]}
    result, report, server = regions_scan(cli, standin, answer)
    assert result.exit_code == 2
    assert report["errors"] == [
        {"source": "aws", "region": GOOD, "kind": "", "operation": "GetRegions",
         "code": "MalformedResponse", "message": expected},
    ]  # fmt: skip
    assert {f["region"] for f in report["findings"]} == {GOOD, BAD}
    assert len(server.calls(GOOD)) == len(server.calls(BAD)) == 1
    assert "\x1b" not in result.stderr


def test_many_invalid_regions_make_one_error(cli: Cli, standin: StandIn) -> None:
    answer = {"regions": [{"name": f"bad name {n}"} for n in range(500)] + [{"name": GOOD}]}
    result, report, _ = regions_scan(cli, standin, answer)
    assert result.exit_code == 2
    [error] = report["errors"]
    assert error["message"].endswith("; and 497 more")
    assert {f["region"] for f in report["findings"]} == {GOOD}


def test_a_region_named_twice_is_listed_once(cli: Cli, standin: StandIn) -> None:
    answer = {"regions": [{"name": GOOD}, {"name": BAD}, {"name": GOOD}]}
    result, report, server = regions_scan(cli, standin, answer)
    assert result.exit_code == 1 and report["errors"] == []
    assert len(report["findings"]) == 2 * GOOD_FINDINGS
    assert len(server.calls(GOOD)) == 1


def test_an_invalid_configured_region_is_one_clear_error(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "not a region")
    assert_one_error(cli(["scan"]), "'not a region' (from AWS_REGION) is not a valid region name")


# ---------------------------------------------------------------- secrets in endpoint URLs

SECRET = "hunter2-Secret"


@pytest.mark.parametrize(
    ("variable", "url", "shown"),
    [
        ("AWS_ENDPOINT_URL_LIGHTSAIL", f"http://audit:{SECRET}@127.0.0.1:{{port}}",
         '"http://***@127.0.0.1:{port}/"'),
        ("AWS_ENDPOINT_URL_LIGHTSAIL", f"http://127.0.0.1:{{port}}/?X-Amz-Security-Token={SECRET}",
         '"http://127.0.0.1:{port}/?X-Amz-Security-Token=***"'),
        ("AWS_ENDPOINT_URL", f"http://audit:{SECRET}@127.0.0.1:{{port}}",
         '"http://***@127.0.0.1:{port}/"'),
    ],
)  # fmt: skip
def test_a_secret_in_the_endpoint_url_is_never_printed_or_saved(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, url: str,
    shown: str,
) -> None:  # fmt: skip
    port = closed_port()
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv(variable, url.format(port=port))
    expected = f"Could not connect to the endpoint URL: {shown.format(port=port)}"
    result, report = scan_json(cli, "--kind", "instance")
    assert result.exit_code == 2
    assert [e["message"] for e in report["errors"]] == [expected]
    text = cli(["scan"])
    snapshot = tmp_path / "fleet.json"
    fetched = cli(["fetch", "-o", str(snapshot)])
    assert fetched.exit_code == 2 and expected in fetched.stderr
    for output in (result.stdout, result.stderr, text.stdout, text.stderr, fetched.stderr,
                   snapshot.read_text()):  # fmt: skip
        assert SECRET not in output
    assert expected in text.stdout


def test_a_secret_in_the_proxy_url_is_never_printed(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin({GOOD: RegionPlan(make_instances(GOOD, 1))})
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    proxy = f"http://audit:{SECRET}@127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "http_proxy"):  # the lower-case one wins where both are set
        monkeypatch.setenv(name, proxy)
    result, report = scan_json(cli, "--kind", "instance")
    assert result.exit_code == 2
    [error] = report["errors"]
    assert error["code"] == "ProxyConnectionError"
    assert "http://***@127.0.0.1:" in error["message"]
    assert SECRET not in result.stdout + result.stderr


def test_an_endpoint_that_is_not_a_url_is_one_clear_error_without_its_text(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LIGHTSAIL", f"not a url {SECRET}")
    line = assert_one_error(cli(["scan"]), "cannot make a Lightsail client: Invalid endpoint: ***")
    assert SECRET not in line
    debug = cli(["scan", "--debug"])  # the traceback shows lslint's error, not botocore's
    assert debug.exit_code == 2 and "Traceback" in debug.stderr
    assert SECRET not in debug.stderr


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        (
            "https://lightsail.us-east-1.amazonaws.com/",
            "https://lightsail.us-east-1.amazonaws.com/",
        ),
        ("http://user:pass@host:8080/path", "http://***@host:8080/path"),
        ("http://user:p@ss@host", "http://***@host"),
        ("http://token@host?", "http://***@host?"),
        ("https://host/x?sig=abc&mode=fast#frag", "https://host/x?sig=***&mode=***#***"),
        ("https://host?bare-secret", "https://host?***"),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_redact_finds_urls_in_text_and_the_configured_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LIGHTSAIL", f"http://audit:{SECRET}@proxy.example")
    text = f'connect to "http://a:b@h/": refused; {SECRET} (decoded), and https://h?t=1 too'
    assert (
        redact(text)
        == 'connect to "http://***@h/": refused; *** (decoded), and https://h?t=*** too'
    )
