"""Every resource kind, end to end: listed live (paging, denial, throttling, in parallel),
read from the AWS CLI's output, saved in a snapshot and scanned again with the same result."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from standin import LightsailStandIn, RegionPlan, make_resources

from lslint.cli import scan as scan_commands
from lslint.models import RESOURCE_KINDS
from lslint.sources import aws
from lslint.sources.snapshot import cli_command

from conftest import CliResult, assert_one_error, write_config

Cli = Callable[..., CliResult]
StandIn = Callable[..., LightsailStandIn]

REGIONS = ["us-east-1", "eu-west-2", "ap-south-1"]

# A field of each kind's own, for rules that must load against that kind's model.
OWN_FIELD = {
    "instance": "state.name",
    "relational_database": "masterEndpoint.port",
    "bucket": "accessRules.getObject",
    "load_balancer": "configurationOptions.HttpsRedirectionEnabled",
    "static_ip": "ipAddress",
    "disk": "sizeInGb",
    "certificate": "certificateDetail.notAfter",
}


def nested(path: str, value: Any) -> dict[str, Any]:
    """``{"a": {"b": value}}`` for ``a.b``."""
    head, _, rest = path.partition(".")
    return {head: nested(rest, value) if rest else value}


def kind_rules(folder: Path) -> Path:
    """One rule per kind that fails every resource of the kind holding its own field."""
    folder.mkdir(exist_ok=True)
    for number, (kind, path) in enumerate(sorted(OWN_FIELD.items()), start=1):
        value: Any = make_resources(kind, "us-east-1", 1)[0]
        for segment in path.split("."):
            value = value[segment]
        present = json.dumps(nested(path, value))
        (folder / f"T{number:03d}.yaml").write_text(
            f"""\
lslint: 1
id: T{number:03d}
name: {kind.replace("_", "-")}-seen
title: Every {kind} is seen
severity: low
resource: {kind}
description: d
remediation: {{text: r}}
fail_if: {{path: {path}, exists: true}}
message: "{{{{ resource.name }}}} has {path} {{{{ {path} }}}}"
tests:
  - {{name: absent, expect: pass, resource: {{}}}}
  - {{name: present, expect: fail, resource: {present}}}
""",
            encoding="utf-8",
        )
    return folder


def estate(regions: list[str], per_kind: int = 3, page_size: int = 2) -> dict[str, RegionPlan]:
    """Every kind in every region, ``per_kind`` of each, in pages of ``page_size``."""
    return {
        region: RegionPlan(
            make_resources("instance", region, per_kind),
            page_size=page_size,
            resources={
                kind: make_resources(kind, region, per_kind)
                for kind in RESOURCE_KINDS
                if kind != "instance"
            },
        )
        for region in regions
    }


def scan_json(cli: Cli, *args: str) -> tuple[int, dict[str, Any], str]:
    result = cli(["scan", "--format", "json", *args])
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


def seen(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["resource_type"], f["region"], f["resource_name"]) for f in report["findings"]}


def expected(
    regions: list[str], per_kind: int = 3, skip: tuple[tuple[str, str], ...] = ()
) -> set[tuple[str, str, str]]:
    """(kind, region, name) of every resource ``estate`` plans, but for ``skip``."""
    return {
        (kind, region, raw.get("name") or raw["certificateName"])
        for region in regions
        for kind in RESOURCE_KINDS
        if (kind, region) not in skip
        for raw in make_resources(kind, region, per_kind)
    }


pytestmark = [pytest.mark.usefixtures("aws_env"), pytest.mark.slow]


# ---------------------------------------------------------------- live


def test_every_kind_in_every_region_is_listed_page_by_page(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    server = standin(estate(REGIONS))
    rules = kind_rules(tmp_path / "rules")
    code, report, _ = scan_json(cli, "--region", ",".join(REGIONS), "--rules", str(rules))
    assert code == 1, report["errors"]
    assert seen(report) == expected(REGIONS)
    for region in REGIONS:
        for kind in RESOURCE_KINDS.values():
            calls = server.calls(region, kind.operation)
            # 3 resources in pages of 2: the second page is asked for with the first's token
            assert [c.body.get("pageToken") for c in calls] == [None, "page-2"], kind.name
            assert all({k: c.body[k] for k in kind.request} == kind.request for c in calls)


def test_the_kinds_of_a_region_are_listed_at_the_same_time(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    plans = estate(["us-east-1"], per_kind=1)
    plans["us-east-1"].latency = 0.3
    server = standin(plans)
    code, _, _ = scan_json(cli, "--rules", str(kind_rules(tmp_path / "rules")))
    assert code == 1
    assert server.max_in_flight > 1  # one region, yet several requests at once


def test_every_kind_in_flight_keeps_a_pooled_connection_of_its_own(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # More kinds than botocore's default pool of 10 connections, all in flight at once on one
    # region's client: no request may wait for a connection or open one that is then dropped.
    kinds = dict(RESOURCE_KINDS)
    for n, kind in enumerate([*RESOURCE_KINDS.values()] * 2):
        kinds[f"copy_{n}"] = replace(kind, name=f"copy_{n}")
    monkeypatch.setattr(aws, "RESOURCE_KINDS", kinds)
    # A copy lists the resources of the kind it copies: not a repeat of a real listing here.
    monkeypatch.setattr(aws, "_refuse_repeats", lambda listings: None)
    plans = estate(["us-east-1"], per_kind=4)  # two pages of each kind
    plans["us-east-1"].latency = 0.2
    server = standin(plans)
    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        inventory = aws.AwsSource(["us-east-1"]).collect()
    assert not inventory.errors
    assert len(inventory.resources) == len(kinds) * 4
    assert not [r.message for r in caplog.records if "pool is full" in r.getMessage()]
    # each kind's chain kept one connection from its first page to its last
    assert len(server.connections["us-east-1"]) <= len(kinds) < len(server.requests)


def test_one_kind_denied_in_one_region_is_one_error_and_the_rest_is_scanned(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    plans = estate(REGIONS)
    plans["eu-west-2"].kind_always = {"bucket": "access_denied"}
    standin(plans)
    code, report, stderr = scan_json(
        cli, "--region", ",".join(REGIONS), "--rules", str(kind_rules(tmp_path / "rules"))
    )
    assert code == 2
    [error] = report["errors"]
    assert (error["region"], error["kind"], error["operation"], error["code"]) == (
        "eu-west-2", "bucket", "GetBuckets", "AccessDeniedException",
    )  # fmt: skip
    assert error["message"].endswith(
        "(needs the IAM permission lightsail:GetBuckets; or leave buckets out with --kind)"
    )
    assert "eu-west-2 GetBuckets AccessDeniedException" in stderr
    assert seen(report) == expected(REGIONS, skip=(("bucket", "eu-west-2"),))


def test_a_kind_throttled_for_a_while_is_retried_and_noted_for_its_region(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    plans = estate(["us-east-1"])
    plans["us-east-1"].kind_faults = {"disk": ["throttle"] * 3}
    server = standin(plans)
    code, report, stderr = scan_json(cli, "--rules", str(kind_rules(tmp_path / "rules")))
    assert code == 1 and report["errors"] == []
    assert seen(report) == expected(["us-east-1"])
    assert len(server.calls("us-east-1", "GetDisks")) == 2 + 3  # two pages, three retries
    assert len(server.calls("us-east-1", "GetInstances")) == 2  # the other kinds were not
    assert "lslint: note: us-east-1: throttled, retried 3 times" in stderr.splitlines()


def test_a_kind_throttled_beyond_retries_fails_alone(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    plans = estate(["us-east-1", "eu-west-2"])
    plans["eu-west-2"].kind_always = {"certificate": "throttle"}
    server = standin(plans)
    code, report, _ = scan_json(
        cli, "--region", "us-east-1,eu-west-2", "--rules", str(kind_rules(tmp_path / "rules"))
    )
    assert code == 2
    assert [(e["region"], e["kind"], e["code"]) for e in report["errors"]] == [
        ("eu-west-2", "certificate", "ThrottlingException")
    ]
    assert report["errors"][0]["message"].endswith("(after 6 attempts)")
    assert len(server.calls("eu-west-2", "GetCertificates")) == 6
    skip = (("certificate", "eu-west-2"),)
    assert seen(report) == expected(["us-east-1", "eu-west-2"], skip=skip)


def test_kind_limits_a_live_scan_to_the_kinds_named(cli: Cli, standin: StandIn) -> None:
    server = standin(estate(["us-east-1"]))
    fetched = cli(["fetch", "--kind", "bucket,static_ip", "--kind", "disk", "-o", "s.json"])
    assert fetched.exit_code == 0, fetched.stderr
    assert "3 buckets, 3 static ips, 3 disks from 1 region" in fetched.stderr
    listed = {request.target for request in server.requests}
    assert listed == {"GetBuckets", "GetStaticIps", "GetDisks"}
    document = json.loads(Path("s.json").read_text(encoding="utf-8"))
    assert document["kinds"] == ["bucket", "static_ip", "disk"]
    assert not {"instances", "certificates"} & set(document)


def test_the_config_can_name_the_kinds(cli: Cli, standin: StandIn, tmp_path: Path) -> None:
    server = standin(estate(["us-east-1"]))
    write_config(tmp_path, "aws:\n  kinds: [load_balancer]\n")
    assert cli(["fetch", "-o", "s.json"]).exit_code == 0
    assert {request.target for request in server.requests} == {"GetLoadBalancers"}
    server.requests.clear()
    assert cli(["fetch", "-o", "s.json", "--kind", "disk"]).exit_code == 0  # the option wins
    assert {request.target for request in server.requests} == {"GetDisks"}


def test_a_misspelt_kind_is_one_error_with_a_suggestion(cli: Cli) -> None:
    for command in (["scan"], ["fetch", "-o", "s.json"]):
        assert_one_error(
            cli([*command, "--kind", "instance,bukcet"]),
            "unknown resource kind 'bukcet' (did you mean 'bucket'?)",
        )


def test_a_misspelt_kind_in_the_config_is_an_error_at_its_line(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, "aws:\n  kinds:\n    - disk\n    - static_ips\n")
    assert_one_error(
        cli(["fetch", "-o", "s.json"]),
        "unknown resource kind 'static_ips' (did you mean 'static_ip'?)",
        where=f"{config}:4:",
    )


def test_kind_is_for_live_scans(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('{"disks": []}', encoding="utf-8")
    assert_one_error(cli(["scan", "-i", str(path), "--kind", "disk"]), "--kind applies to live")


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("kind", RESOURCE_KINDS)
def test_the_aws_cli_output_of_each_kinds_command_is_scanned(
    cli: Cli, tmp_path: Path, kind: str
) -> None:
    listed = RESOURCE_KINDS[kind]
    raw = make_resources(kind, "eu-west-2", 2)
    path = tmp_path / f"{kind}.json"
    # As the AWS CLI prints it: indented, one page, no token (and GetBuckets's extra member).
    answer: dict[str, Any] = {listed.response_key: raw}
    if kind == "bucket":
        answer["accountLevelBpaSync"] = {"status": "InSync"}
    path.write_text(json.dumps(answer, indent=4), encoding="utf-8")
    rules = kind_rules(tmp_path / "rules")
    code, report, _ = scan_json(cli, "-i", str(path), "--rules", str(rules), "--select",
                                f"{kind.replace('_', '-')}-seen")  # fmt: skip
    assert code == 1, report
    [first, second] = report["findings"]
    name = raw[0].get("name") or raw[0]["certificateName"]
    assert (first["resource_type"], first["resource_name"]) == (kind, name)
    assert first["resource_arn"].startswith("arn:aws:lightsail:eu-west-2:111122223333:")
    lines = path.read_text(encoding="utf-8").splitlines()
    # each finding points at the line where its resource's object starts
    assert lines[first["location"]["line"] - 1].strip() == "{"
    assert first["location"]["line"] < second["location"]["line"]
    assert cli_command(listed).startswith("aws lightsail get-")


def test_aws_cli_files_of_several_kinds_merge(cli: Cli, tmp_path: Path) -> None:
    inputs = []
    for kind in RESOURCE_KINDS.values():
        path = tmp_path / f"{kind.name}.json"
        path.write_text(json.dumps({kind.response_key: make_resources(kind.name, "us-east-1", 2)}))
        inputs += ["-i", str(path)]
    # (These files are as `aws lightsail get-instances` prints them without health status.)
    rules = ["--rules", str(kind_rules(tmp_path / "rules")), "--ignore", "status-check-failing"]
    code, report, _ = scan_json(cli, *inputs, *rules)
    assert code == 1
    assert seen(report) == expected(["us-east-1"], per_kind=2)
    by_kind = {f["resource_type"]: f["location"]["path"] for f in report["findings"]}
    assert {kind: Path(p).name for kind, p in by_kind.items()} == {
        kind: f"{kind}.json" for kind in RESOURCE_KINDS
    }


def test_certificates_without_details_are_read_with_a_warning(cli: Cli, tmp_path: Path) -> None:
    bare = [{k: v for k, v in c.items() if k != "certificateDetail"}
            for c in make_resources("certificate", "us-east-1", 2)]  # fmt: skip
    path = tmp_path / "certs.json"
    path.write_text(json.dumps({"certificates": bare}, indent=2), encoding="utf-8")
    code, report, _ = scan_json(cli, "-i", str(path), "--rules", str(kind_rules(tmp_path / "r")),
                                "--select", "certificate-seen")  # fmt: skip
    # notAfter is absent: "exists" says so, and the certificates pass
    assert code == 0 and report["findings"] == []
    [warning] = report["warnings"]
    assert warning.startswith(f"{path}:3: 2 certificates without details")
    assert "--include-certificate-details" in warning


# ---------------------------------------------------------------- snapshots


def test_a_snapshot_round_trip_gives_the_live_scans_fingerprints(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    standin(estate(REGIONS))
    rules = str(kind_rules(tmp_path / "rules"))
    regions = ",".join(REGIONS)
    code, live, _ = scan_json(cli, "--region", regions, "--rules", rules)
    assert code == 1
    snapshot = tmp_path / "estate.json"
    fetched = cli(["fetch", "--region", regions, "-o", str(snapshot)])
    assert fetched.exit_code == 0, fetched.stderr
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    assert (document["version"], document["kinds"]) == (2, list(RESOURCE_KINDS))
    assert all(len(document[k.response_key]) == 9 for k in RESOURCE_KINDS.values())
    code, offline, _ = scan_json(cli, "-i", str(snapshot), "--rules", rules)
    assert code == 1
    assert len([f for f in live["findings"] if f["rule_id"].startswith("T")]) == 7 * 9
    assert sorted(f["fingerprint"] for f in offline["findings"]) == sorted(
        f["fingerprint"] for f in live["findings"]
    )
    assert all(f["location"]["path"] == str(snapshot) for f in offline["findings"])


def test_a_snapshot_records_the_kind_that_could_not_be_listed(
    cli: Cli, standin: StandIn, tmp_path: Path
) -> None:
    plans = estate(["us-east-1"])
    plans["us-east-1"].kind_always = {"relational_database": "access_denied"}
    standin(plans)
    snapshot = tmp_path / "estate.json"
    assert cli(["fetch", "-o", str(snapshot)]).exit_code == 2
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    assert document["relationalDatabases"] == []  # listed as asked, nothing kept
    [error] = document["errors"]
    assert (error["kind"], error["operation"]) == ("relational_database", "GetRelationalDatabases")
    code, report, stderr = scan_json(cli, "-i", str(snapshot))
    assert code == 2
    assert [(e["kind"], e["region"]) for e in report["errors"]] == [
        ("relational_database", "us-east-1")
    ]
    assert "us-east-1 GetRelationalDatabases AccessDeniedException" in stderr


def test_version_1_snapshots_are_still_read(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({
        "format": "lslint-snapshot", "version": 1, "lslint_version": "0.0.9",
        "created_at": "2026-01-01T00:00:00+00:00", "regions": ["us-east-1"],
        "errors": [{"region": "us-east-1", "source": "aws", "operation": "GetInstances",
                    "code": "Throttling", "message": "slow down"}],
        "instances": make_resources("instance", "us-east-1", 1),
    }), encoding="utf-8")  # fmt: skip
    code, report, _ = scan_json(cli, "-i", str(path))
    assert code == 2
    assert [(e["kind"], e["operation"]) for e in report["errors"]] == [("", "GetInstances")]
    assert {f["resource_name"] for f in report["findings"]} == {"vm-us-east-1-000"}


# ---------------------------------------------------------------- progress


@pytest.mark.parametrize("regions", [["us-east-1"], REGIONS], ids=["one-region", "three-regions"])
def test_progress_counts_every_kind_and_ends_once(
    cli: Cli, standin: StandIn, monkeypatch: pytest.MonkeyPatch, regions: list[str]
) -> None:
    monkeypatch.setattr(scan_commands, "on_terminal", lambda: True)
    plans = estate(regions)
    plans[regions[-1]].kind_faults = {"bucket": ["throttle"]}
    standin(plans)
    result = cli(["fetch", "--region", ",".join(regions), "-o", "s.json"])
    assert result.exit_code == 0
    drawn = result.stderr.split("\n")[0]
    # the kinds' threads draw in turn; the line ends once, when the last kind of the last
    # region is done, with every page and resource counted
    pages, resources = 2 * 7 * len(regions), 3 * 7 * len(regions)
    steps = drawn.split("\r\x1b[K")[1:]
    assert len(steps) == pages + 1 + 7 * len(regions)  # each page, the retry, each chain's end
    if len(regions) == 1:
        assert (
            steps[-1] == f"listing us-east-1: done, {pages} pages, {resources} resources, 1 retry"
        )
    else:
        assert (
            steps[-1] == f"listing regions: 3/3 done, {pages} pages, {resources} resources, 1 retry"
        )
    assert result.stderr.count("\n") == 2  # the progress line, then the summary
