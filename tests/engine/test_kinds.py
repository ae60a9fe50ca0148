"""Resource kinds are data: the table of kinds drives the loader, the engine, the sources and
every report. These tests pair instances with a second kind, static IPs (``second_kind``)."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from standin import LightsailStandIn, RegionPlan, make_instances, make_resources

from lslint.engine.evaluate import run
from lslint.engine.rule import Rule
from lslint.errors import ConfigError, InputError, RuleError
from lslint.fields import kind_fields
from lslint.findings import ScanError, ScanResult
from lslint.inventory import Inventory, Resource
from lslint.models import (
    RESOURCE_KINDS,
    Certificate,
    Instance,
    LoadBalancer,
    RelationalDatabase,
    ResourceKind,
    StaticIp,
    count_resources,
    kind_of,
)
from lslint.progress import Progress, ProgressLine
from lslint.reporters.context import ReportContext
from lslint.reporters.gitlab import render_gitlab
from lslint.reporters.json import render_json
from lslint.reporters.junit import render_junit
from lslint.reporters.locations import synthetic_path
from lslint.reporters.markdown import render_markdown
from lslint.reporters.sarif import render_sarif
from lslint.reporters.text import render_text
from lslint.sources.aws import AwsSource
from lslint.sources.snapshot import parse_snapshot, render_snapshot

from conftest import MINIMAL_RULE, ROOT, CliResult, rule_from_text

Cli = Callable[..., CliResult]


@pytest.fixture
def second_kind() -> ResourceKind:
    return RESOURCE_KINDS["static_ip"]


def static_ip(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "arn": f"arn:aws:lightsail:us-east-1:111122223333:StaticIp/{name}",
        "location": {"regionName": "us-east-1"},
        "resourceType": "StaticIp",
        "ipAddress": "192.0.2.1",
        **fields,
    }


def instance(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "arn": f"arn:aws:lightsail:us-east-1:111122223333:Instance/{name}",
        "location": {"regionName": "us-east-1"},
        "resourceType": "Instance",
    }


def rule_text(rule_id: str, kind: str, fail_if: str) -> str:
    text = MINIMAL_RULE.replace("id: T001", f"id: {rule_id}").replace(
        "name: t-rule", f"name: {rule_id.lower()}-rule"
    )
    text = text.replace("resource: instance\n", f"resource: {kind}\n")
    text = text.replace("resource: {}}\n  - {name: b, expect: fail, resource: {}}", "resource: {}}")
    return text + f"fail_if: {fail_if}\nmessage: '{{{{ resource.name }}}}: {rule_id}'\n"


def detached_rule() -> Rule:
    text = rule_text("T002", "static_ip", "{path: isAttached, equals: false}")
    text = text.replace(
        "  - {name: a, expect: pass, resource: {}}",
        "  - {name: a, expect: pass, resource: {isAttached: true}}\n"
        "  - {name: b, expect: fail, resource: {isAttached: false}}",
    )
    return rule_from_text(text)


def unnamed_rule() -> Rule:
    """An instance rule that fails every instance with a name."""
    text = rule_text("T001", "instance", "{path: name, exists: true}")
    text = text.replace(
        "  - {name: a, expect: pass, resource: {}}",
        "  - {name: a, expect: pass, resource: {}}\n"
        "  - {name: b, expect: fail, resource: {name: x}}",
    )
    return rule_from_text(text)


def two_kinds_result() -> ScanResult:
    """An instance and a static IP of the same name in one region, from no file (live)."""
    inventory = Inventory(
        [
            Resource(Instance.model_validate(instance("web"))),
            Resource(StaticIp.model_validate(static_ip("web", isAttached=False))),
        ]
    )
    return run([unnamed_rule(), detached_rule()], inventory)


# ---------------------------------------------------------------- the table


def test_the_instance_row_describes_get_instances() -> None:
    kind = RESOURCE_KINDS["instance"]
    assert (kind.model, kind.operation, kind.response_key) == (
        Instance,
        "GetInstances",
        "instances",
    )
    assert kind_of(Instance()) is kind
    assert (kind.count(1), kind.count(3)) == ("1 instance", "3 instances")


def test_counts_name_each_kind_and_say_zero_in_the_only_kind(second_kind: ResourceKind) -> None:
    assert count_resources({"instance": 2, "static_ip": 1}) == "2 instances, 1 static ip"
    assert count_resources({"instance": 0, "static_ip": 3}) == "3 static ips"
    assert count_resources({"instance": 0, "static_ip": 0}) == "0 resources"
    assert count_resources({"instance": 0}) == "0 instances"


# ---------------------------------------------------------------- loading


def test_an_unknown_resource_kind_suggests_a_known_one() -> None:
    text = rule_text("T001", "instances", "{path: name, exists: true}")
    with pytest.raises(RuleError) as caught:
        rule_from_text(text)
    assert "unknown resource kind 'instances' (did you mean 'instance'?)" in caught.value.message
    assert caught.value.where == "t.yaml:6:1"  # the resource: line


def test_the_loader_accepts_every_kind_in_the_table_and_checks_paths_against_its_model(
    second_kind: ResourceKind,
) -> None:
    assert detached_rule().resource == "static_ip"
    with pytest.raises(RuleError, match="did you mean 'isAttached'"):
        rule_from_text(rule_text("T002", "static_ip", "{path: isAtached, equals: false}"))
    with pytest.raises(RuleError, match="publicIpAddress"):  # an instance field, not this kind's
        rule_from_text(rule_text("T002", "static_ip", "{path: publicIpAddress, exists: true}"))


# ---------------------------------------------------------------- engine


def test_a_rule_is_evaluated_only_on_resources_of_its_kind(second_kind: ResourceKind) -> None:
    result = two_kinds_result()
    checks = sorted(
        (c.rule_id, c.resource_kind, c.resource_arn.split(":")[-1]) for c in result.checks
    )
    assert checks == [("T001", "instance", "Instance/web"), ("T002", "static_ip", "StaticIp/web")]
    assert sorted((f.rule_id, f.resource_kind) for f in result.findings) == [
        ("T001", "instance"),
        ("T002", "static_ip"),
    ]


# ---------------------------------------------------------------- reports


def test_json_findings_carry_the_resource_type(second_kind: ResourceKind) -> None:
    document = json.loads(render_json(two_kinds_result(), ReportContext()))
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    kinds = {(f["rule_id"], f["resource_type"]) for f in document["findings"]}
    assert kinds == {("T001", "instance"), ("T002", "static_ip")}


def test_sarif_locations_carry_the_kind_and_its_plural(second_kind: ResourceKind) -> None:
    document = json.loads(render_sarif(two_kinds_result(), ReportContext()))
    located = {}
    for result in document["runs"][0]["results"]:
        (location,) = result["locations"]
        (logical,) = location["logicalLocations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        located[logical["properties"]["resourceType"]] = (uri, logical["fullyQualifiedName"])
    assert located == {
        "instance": (
            "lightsail/us-east-1/instances/web",
            "arn:aws:lightsail:us-east-1:111122223333:Instance/web",
        ),
        "static_ip": (
            "lightsail/us-east-1/static_ips/web",
            "arn:aws:lightsail:us-east-1:111122223333:StaticIp/web",
        ),
    }


def test_junit_class_names_keep_kinds_of_the_same_name_apart(second_kind: ResourceKind) -> None:
    root = ET.fromstring(render_junit(two_kinds_result(), ReportContext()))
    classes = sorted(case.attrib["classname"] for case in root.iter("testcase"))
    assert classes == ["lightsail.instance.us-east-1.web", "lightsail.static_ip.us-east-1.web"]
    assert not any(" (arn:" in case.attrib["name"] for case in root.iter("testcase"))


def test_gitlab_paths_use_the_kind_plural(second_kind: ResourceKind) -> None:
    issues = json.loads(render_gitlab(two_kinds_result(), ReportContext()))
    assert sorted(issue["location"]["path"] for issue in issues) == [
        "lightsail/us-east-1/instances/web",
        "lightsail/us-east-1/static_ips/web",
    ]


def test_synthetic_paths_use_the_plural_of_the_kind(second_kind: ResourceKind) -> None:
    assert synthetic_path("eu-west-1", "instance", "a") == "lightsail/eu-west-1/instances/a"
    assert synthetic_path("eu-west-1", "static_ip", "a") == "lightsail/eu-west-1/static_ips/a"


# ---------------------------------------------------------------- snapshots


def test_snapshots_hold_one_list_per_kind(second_kind: ResourceKind) -> None:
    text = render_snapshot(
        {"instance": [instance("web")], "static_ip": [static_ip("ip-1"), static_ip("ip-0")]},
        regions=["us-east-1"],
        errors=[],
        lslint_version="0",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    document = json.loads(text)
    assert [ip["name"] for ip in document["staticIps"]] == ["ip-0", "ip-1"]
    assert [i["name"] for i in document["instances"]] == ["web"]
    resources = parse_snapshot(text, "snap.json").resources
    assert sorted((r.kind.name, r.name) for r in resources) == [
        ("instance", "web"),
        ("static_ip", "ip-0"),
        ("static_ip", "ip-1"),
    ]
    assert all(isinstance(r.model, r.kind.model) for r in resources)


def test_the_aws_cli_output_of_any_kind_is_read(second_kind: ResourceKind) -> None:
    text = json.dumps({"staticIps": [static_ip("ip-1")]})
    (resource,) = parse_snapshot(text, "ips.json").resources
    assert resource.kind is second_kind and resource.region == "us-east-1"


def test_a_bad_resource_is_named_by_its_kinds_list(second_kind: ResourceKind) -> None:
    text = json.dumps({"staticIps": [static_ip("ip-1", isAttached="perhaps")]})
    with pytest.raises(InputError, match=r"staticIps\[0\]\.isAttached: Input should be"):
        parse_snapshot(text, "ips.json")


def test_a_snapshot_without_a_known_list_names_every_kinds_key() -> None:
    with pytest.raises(InputError) as caught:
        parse_snapshot('{"widgets": []}', "x.json")
    message = caught.value.message
    assert message.startswith("no 'instances' or 'relationalDatabases' or 'buckets' or ")
    assert "'aws lightsail get-static-ips' or 'aws lightsail get-disks'" in message


# ---------------------------------------------------------------- live


@pytest.mark.usefixtures("aws_env")
def test_a_live_fetch_lists_every_kind_with_its_operation(
    cli: Cli,
    standin: Callable[..., LightsailStandIn],
    second_kind: ResourceKind,
    tmp_path: Path,
) -> None:
    plan = RegionPlan(
        make_instances("us-east-1", 3),
        page_size=2,
        resources={"static_ip": [static_ip("ip-1"), static_ip("ip-2"), static_ip("ip-3")]},
    )
    server = standin({"us-east-1": plan})
    snapshot = tmp_path / "fleet.json"
    fetched = cli(["fetch", "-o", str(snapshot)])
    assert fetched.exit_code == 0, fetched.stderr
    assert "3 instances, 3 static ips from 1 region" in fetched.stderr
    tokens = [call.body.get("pageToken") for call in server.calls("us-east-1", "GetStaticIps")]
    assert tokens == [None, "page-2"]
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    assert [ip["name"] for ip in document["staticIps"]] == ["ip-1", "ip-2", "ip-3"]
    assert len(document["instances"]) == 3


@pytest.mark.usefixtures("aws_env")
def test_a_kind_that_fails_is_its_own_error_and_the_others_are_scanned(
    cli: Cli,
    standin: Callable[..., LightsailStandIn],
    second_kind: ResourceKind,
    tmp_path: Path,
) -> None:
    plan = RegionPlan(
        make_instances("us-east-1", 1),
        resources={"static_ip": [static_ip("ip-1")]},
        kind_always={"static_ip": "access_denied"},
    )
    server = standin({"us-east-1": plan})
    result = cli(["scan", "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 2
    assert [(e["operation"], e["code"]) for e in report["errors"]] == [
        ("GetStaticIps", "AccessDeniedException")
    ]
    assert "lightsail:GetStaticIps" in report["errors"][0]["message"]
    assert report["errors"][0]["kind"] == "static_ip"
    assert "us-east-1 GetStaticIps AccessDeniedException" in result.stderr
    assert "or leave static ips out with --kind" in result.stderr
    assert {f["resource_type"] for f in report["findings"]} == {"instance"}
    assert server.calls("us-east-1", "GetInstances")


@pytest.mark.usefixtures("aws_env")
def test_instances_are_listed_with_their_health_status(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    server = standin({"us-east-1": RegionPlan(make_instances("us-east-1", 1))})
    cli(["scan", "--format", "json"])
    (call,) = server.calls("us-east-1", "GetInstances")
    assert call.body == {"includeHealthStatus": True}


def test_progress_of_several_kinds_counts_resources(second_kind: ResourceKind) -> None:
    stream = io.StringIO()
    ProgressLine(stream)(Progress("us-east-1", 1, 2, 5, done=True))
    assert stream.getvalue() == "\r\x1b[Klisting us-east-1: done, 2 pages, 5 resources\n"


@pytest.mark.usefixtures("aws_env")
def test_a_live_source_can_list_only_some_kinds(
    standin: Callable[..., LightsailStandIn], second_kind: ResourceKind
) -> None:
    plan = RegionPlan(make_instances("us-east-1", 2), resources={"static_ip": [static_ip("ip")]})
    server = standin({"us-east-1": plan})
    source = AwsSource(["us-east-1"], kinds=["static_ip"])
    inventory = source.collect()
    assert [r.kind.name for r in inventory.resources] == ["static_ip"]
    assert not server.calls("us-east-1", "GetInstances")
    assert source.raw_resources == {"static_ip": [static_ip("ip")]}


def test_a_live_source_refuses_an_unknown_kind() -> None:
    with pytest.raises(ConfigError, match=r"unknown resource kind 'instances' \(did you mean"):
        AwsSource(["us-east-1"], kinds=["instances"])


def test_the_text_report_keeps_resources_of_two_kinds_apart(second_kind: ResourceKind) -> None:
    # Without ARNs, only the kind tells an instance from a static IP of the same name.
    inventory = Inventory(
        [
            Resource(Instance.model_validate({**instance("web"), "arn": None})),
            Resource(StaticIp.model_validate({**static_ip("web", isAttached=False), "arn": None})),
        ]
    )
    result = run([unnamed_rule(), detached_rule()], inventory)
    headers = [
        line
        for line in render_text(result, ReportContext()).splitlines()
        if line.startswith("web ")
    ]
    assert len(headers) == 2


# ---------------------------------------------------------------- every kind of the table

# A member of each kind's own shape, for a rule that must load against that kind's model.
OWN_FIELD = {
    "instance": "state.name",
    "relational_database": "publiclyAccessible",
    "bucket": "accessRules.getObject",
    "load_balancer": "configurationOptions.HttpsRedirectionEnabled",
    "static_ip": "isAttached",
    "disk": "isAttached",
    "certificate": "certificateDetail.notAfter",
}


def own_field_rule(kind: str) -> Rule:
    """A rule of ``kind`` that fails wherever its own field is present."""
    path = OWN_FIELD[kind]
    value: Any = make_resources(kind, "us-east-1", 1)[0]
    for segment in path.split("."):
        value = value[segment]
    present: Any = value
    for segment in reversed(path.split(".")):
        present = {segment: present}
    text = rule_text("T009", kind, f"{{path: {path}, exists: true}}")
    text = text.replace(
        "  - {name: a, expect: pass, resource: {}}",
        "  - {name: a, expect: pass, resource: {}}\n"
        f"  - {{name: b, expect: fail, resource: {json.dumps(present)}}}",
    )
    text = text.replace(
        "'{{ resource.name }}: T009'", f"'{{{{ resource.name }}}}: {{{{ {path} }}}}'"
    )
    return rule_from_text(text)


def test_the_table_has_a_rule_field_for_every_kind() -> None:
    assert set(OWN_FIELD) == set(RESOURCE_KINDS)


@pytest.mark.parametrize("kind", RESOURCE_KINDS)
def test_rules_of_every_kind_load_and_judge_that_kinds_resources(kind: str) -> None:
    raw = make_resources(kind, "eu-west-2", 1)[0]
    model = RESOURCE_KINDS[kind].model.model_validate(raw)
    other = next(k for k in RESOURCE_KINDS.values() if k.name != kind)
    bystander = other.model.model_validate(make_resources(other.name, "eu-west-2", 1)[0])
    result = run([own_field_rule(kind)], Inventory([Resource(model), Resource(bystander)]))
    [finding] = result.findings
    assert (finding.resource_kind, finding.region) == (kind, "eu-west-2")
    assert finding.resource_name == (raw.get("name") or raw["certificateName"])
    assert finding.resource_arn == (raw.get("arn") or raw["certificateArn"])
    assert finding.message.startswith(f"{finding.resource_name}: ")
    assert len(result.checks) == 1  # the other kind's resource is not judged


def test_a_certificate_is_named_by_its_summary_and_keeps_its_data() -> None:
    raw = make_resources("certificate", "ap-south-1", 1)[0]
    certificate = Certificate.model_validate(raw)
    assert (certificate.name, certificate.arn) == (raw["certificateName"], raw["certificateArn"])
    assert certificate.region == "ap-south-1"  # from the ARN: a certificate has no location
    assert certificate.createdAt == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    detail = certificate.certificateDetail
    assert detail is not None and detail.notAfter == datetime(2030, 3, 17, 17, 46, 40, tzinfo=UTC)
    only_detail = Certificate.model_validate({"certificateDetail": {"name": "c", "arn": "a"}})
    assert (only_detail.name, only_detail.arn) == ("c", "a")


def test_timestamps_of_every_kind_are_utc_whatever_the_aws_cli_printed() -> None:
    iso = "2026-05-01T12:00:00+02:00"
    database = RelationalDatabase.model_validate(
        {"latestRestorableTime": iso, "pendingMaintenanceActions": [{"currentApplyDate": 1.5e9}]}
    )
    assert database.latestRestorableTime == datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    actions = database.pendingMaintenanceActions or []
    assert actions[0].currentApplyDate == datetime.fromtimestamp(1.5e9, UTC)
    certificate = Certificate.model_validate({"certificateDetail": {"notAfter": iso}})
    assert certificate.certificateDetail is not None
    assert certificate.certificateDetail.notAfter == datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def test_load_balancer_options_are_fields_and_unknown_ones_are_kept() -> None:
    balancer = LoadBalancer.model_validate(
        {"configurationOptions": {"HttpsRedirectionEnabled": "true", "FutureOption": "x"}}
    )
    options = balancer.configurationOptions
    assert options is not None and options.HttpsRedirectionEnabled == "true"
    assert options.model_extra == {"FutureOption": "x"}


def bucket_finding_result() -> ScanResult:
    """A load balancer and a certificate, fetched live (no file), each failing a rule."""
    balancer = LoadBalancer.model_validate(make_resources("load_balancer", "us-east-1", 1)[0])
    certificate = Certificate.model_validate(make_resources("certificate", "us-east-1", 1)[0])
    rules = [own_field_rule("load_balancer"), own_field_rule("certificate")]
    return run(rules, Inventory([Resource(balancer), Resource(certificate)]))


def test_text_and_markdown_reports_name_each_kind() -> None:
    result = bucket_finding_result()
    text = render_text(result, ReportContext())
    assert "load-balancers-us-east-1-000  us-east-1  load balancer  arn:aws:lightsail:" in text
    assert "certificates-us-east-1-000  us-east-1  certificate  arn:aws:lightsail:" in text
    rows = [line for line in render_markdown(result, ReportContext()).splitlines()
            if line.startswith("| low | T009")]  # fmt: skip
    assert sorted(row.split(" | ")[2] for row in rows) == ["certificate", "load balancer"]


def test_sarif_and_junit_locate_a_certificate_by_its_summary_name() -> None:
    result = bucket_finding_result()
    sarif = json.loads(render_sarif(result, ReportContext()))
    uris = sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    )
    assert uris == [
        "lightsail/us-east-1/certificates/certificates-us-east-1-000",
        "lightsail/us-east-1/load_balancers/load-balancers-us-east-1-000",
    ]
    root = ET.fromstring(render_junit(result, ReportContext()))
    assert sorted(case.attrib["classname"] for case in root.iter("testcase")) == [
        "lightsail.certificate.us-east-1.certificates-us-east-1-000",
        "lightsail.load_balancer.us-east-1.load-balancers-us-east-1-000",
    ]


def test_errors_of_a_kind_name_it_in_every_report() -> None:
    error = ScanError("aws", "GetBuckets", "AccessDeniedException", "denied", "eu-west-2", "bucket")
    result = ScanResult(errors=[error])
    [listed] = json.loads(render_json(result, ReportContext()))["errors"]
    assert (listed["kind"], listed["region"]) == ("bucket", "eu-west-2")
    sarif = json.loads(render_sarif(result, ReportContext()))
    [note] = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["properties"]["kind"] == "bucket"
    root = ET.fromstring(render_junit(result, ReportContext()))
    assert [c.attrib["classname"] for c in root.iter("testcase")] == ["lightsail.bucket.eu-west-2"]


@pytest.mark.usefixtures("aws_env")
def test_live_scans_judge_the_health_status_they_ask_for(
    cli: Cli, standin: Callable[..., LightsailStandIn]
) -> None:
    healthy, impaired = make_instances("us-east-1", 2)
    failed = [{"name": "reachability", "status": "failed"}]
    impaired["systemStatus"] = {"status": "impaired", "details": failed}
    standin({"us-east-1": RegionPlan([healthy, impaired])})
    result = cli(["scan", "--select", "status-check-failing", "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1, result.stderr
    assert [(f["resource_name"], f["status"]) for f in report["findings"]] == [
        (impaired["name"], "fail")
    ]


def test_a_field_the_api_never_reports_for_a_kind_cannot_be_named() -> None:
    # Static IPs share the resources' base but have no tags: a rule on them would never match.
    with pytest.raises(RuleError, match=r"unknown field 'tags.key' \(StaticIp has no 'tags'\)"):
        rule_from_text(rule_text("T010", "static_ip", "{path: tags.key, contains: Owner}"))
    assert "tags" not in {doc.path for doc in kind_fields(RESOURCE_KINDS["static_ip"])}
