"""SARIF, JUnit, Markdown and GitHub reports: golden files, their real consumers' rules,
``--report``, and resource data that tries to break them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import junitparser
import pytest
import xmlschema

from lslint.engine.evaluate import run
from lslint.engine.loader import load_rules
from lslint.findings import Acceptance, ScanError, ScanResult, Severity
from lslint.inventory import Inventory, Origin, Resource
from lslint.models import Instance
from lslint.reporters.context import ReportContext
from lslint.reporters.github import render_github
from lslint.reporters.json import render_json
from lslint.reporters.junit import render_junit, xml_text
from lslint.reporters.markdown import MAX_ROWS, render_markdown
from lslint.reporters.sarif import SECURITY_SEVERITY, render_sarif
from lslint.reporters.text import render_text

from conftest import (
    BUILTIN_RULES,
    EXAMPLES,
    ROOT,
    SCAN_TIME,
    SCHEMAS,
    CliResult,
    passing_instance,
    world_open_port,
)

Cli = Callable[..., CliResult]
FORMATS = {
    "sarif": "sarif",
    "junit": "xml",
    "markdown": "md",
    "github": "github.txt",
    "gitlab": "gitlab.json",
}
FLEET_ARGS = ["scan", "--input", "examples/fleet.json", "--config", "examples/lslint.yaml"]
BUILTIN_IDS = [rule.id for rule in load_rules([BUILTIN_RULES])]
FLEET_RULE_IDS = sorted(["ACME001", *BUILTIN_IDS])  # the example config adds ACME001
FLEET_FINDINGS = 63  # the example fleet's findings with the example config (see the goldens)
# The rules that judge the example fleet's instances (each rule judges only its own kind).
FLEET_INSTANCE_RULES = [
    rule.id
    for rule in load_rules([BUILTIN_RULES, EXAMPLES / "rules"])
    if rule.resource == "instance"
]


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def check_sarif(text: str, validator: jsonschema.Draft4Validator) -> dict[str, Any]:
    """Validate against the OASIS schema and GitHub's ingestion rules; return the run."""
    document = json.loads(text)
    validator.validate(document)
    assert len(document["runs"]) == 1
    run_ = document["runs"][0]
    assert run_["automationDetails"]["id"]
    rules = run_["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert "Remediation" in rule["help"]["text"]
        assert "**Remediation:**" in rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        tags = rule["properties"]["tags"]
        assert "security" in tags and len(tags) == len(set(tags)) <= 10
        assert float(rule["properties"]["security-severity"]) in (9.5, 8.0, 5.5, 3.0, 1.0)
    for result in run_["results"]:
        assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert "://" not in uri and not uri.startswith("/")
        assert physical["region"]["startLine"] >= 1
        (logical,) = location["logicalLocations"]
        assert logical["kind"] == "resource" and logical["fullyQualifiedName"]
        assert result["partialFingerprints"]
    return dict(run_)


def check_junit(text: str, schema: xmlschema.XMLSchema) -> junitparser.JUnitXml:
    schema.validate(text)
    root = ET.fromstring(text.encode("utf-8"))
    for element in root.iter():
        if "time" in element.attrib:
            assert re.fullmatch(r"\d+(\.\d{1,3})?", element.attrib["time"])
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.attrib["tests"]) == len(cases)
        names = [(c.attrib["classname"], c.attrib["name"]) for c in cases]
        assert len(names) == len(set(names))
    return junitparser.JUnitXml.fromstring(text)


# ---------------------------------------------------------------- golden files


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_fleet_report_matches_golden(
    fmt: str, cli: Cli, golden: Callable[[str, str], None]
) -> None:
    result = cli([*FLEET_ARGS, "--format", fmt])
    assert result.exit_code == 1, result.stderr
    golden(f"fleet.{FORMATS[fmt]}", result.stdout)


# ---------------------------------------------------------------- SARIF


@pytest.mark.usefixtures("in_repo")
def test_sarif_meets_schema_and_github_rules(
    cli: Cli, sarif_validator: jsonschema.Draft4Validator
) -> None:
    run_ = check_sarif(cli([*FLEET_ARGS, "-f", "sarif"]).stdout, sarif_validator)
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == FLEET_RULE_IDS
    assert len(run_["results"]) == FLEET_FINDINGS
    first = run_["results"][0]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "examples/fleet.json"},
        "region": {"startLine": 662},
    }
    assert run_["invocations"][0]["executionSuccessful"] is True
    ls003 = next(r for r in run_["tool"]["driver"]["rules"] if r["id"] == "LS003")
    # examples/lslint.yaml raises LS003 to high: the rule description follows the config
    assert ls003["properties"]["security-severity"] == SECURITY_SEVERITY[Severity.HIGH]


@pytest.mark.usefixtures("in_repo")
def test_sarif_fingerprints_are_stable_across_runs_and_input_order(
    cli: Cli, tmp_path: Path
) -> None:
    fleet = json.loads((ROOT / "examples" / "fleet.json").read_text())
    fleet["instances"].reverse()
    reversed_path = tmp_path / "reversed.json"
    reversed_path.write_text(json.dumps(fleet))

    def fingerprints(path: str) -> dict[tuple[str, str], str]:
        doc = json.loads(cli(["scan", "--input", path, "-f", "sarif"]).stdout)
        return {
            (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]):
                r["partialFingerprints"]["lslintFingerprint/v1"]
            for r in doc["runs"][0]["results"]
        }  # fmt: skip

    first = fingerprints("examples/fleet.json")
    assert first == fingerprints("examples/fleet.json") == fingerprints(str(reversed_path))


def test_sarif_locations_outside_the_repository_use_synthetic_paths(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = tmp_path / "outside" / "fleet.json"
    snapshot.parent.mkdir()
    snapshot.write_text(json.dumps({"instances": [passing_instance("web.1", tags=[])]}))
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    doc = json.loads(cli(["scan", "--input", str(snapshot), "-f", "sarif"]).stdout)
    (result,) = doc["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "lightsail/us-east-1/instances/web.1"},
        "region": {"startLine": 1},
    }


def test_sarif_leaves_out_suppressed_findings(sarif_validator: jsonschema.Draft4Validator) -> None:
    result = scan_instances([passing_instance("a", tags=[]), passing_instance("b", tags=[])])
    result.findings[0] = replace(
        result.findings[0], suppressed=Acceptance("config", "accepted risk")
    )
    run_ = check_sarif(render_sarif(result, ReportContext()), sarif_validator)
    assert [r["locations"][0]["logicalLocations"][0]["name"] for r in run_["results"]] == ["b"]


def test_sarif_reports_errors_as_notifications(
    sarif_validator: jsonschema.Draft4Validator,
) -> None:
    result = scan_instances([passing_instance("a", addOns=[{"name": "AutoSnapshot"}])])
    result.errors.append(
        ScanError("aws", "GetInstances", "AccessDeniedException", "denied", "eu-west-1")
    )
    run_ = check_sarif(render_sarif(result, ReportContext()), sarif_validator)
    invocation = run_["invocations"][0]
    assert invocation["executionSuccessful"] is False
    messages = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert messages[0] == "aws: eu-west-1 GetInstances AccessDeniedException: denied"
    assert messages[1] == "indeterminate: addOns[0].status absent"
    assert run_["results"] == []


def test_long_rule_descriptions_are_cut_to_githubs_limit(
    sarif_validator: jsonschema.Draft4Validator,
) -> None:
    result = scan_instances([passing_instance("a", tags=[])])
    result.rules[0] = replace(result.rules[0], description="x" * 5000)
    run_ = check_sarif(render_sarif(result, ReportContext()), sarif_validator)
    assert len(run_["tool"]["driver"]["rules"][0]["fullDescription"]["text"]) == 1024


# ---------------------------------------------------------------- JUnit


@pytest.mark.usefixtures("in_repo")
def test_junit_is_valid_and_counts_every_check(cli: Cli, junit_schema: xmlschema.XMLSchema) -> None:
    xml = check_junit(cli([*FLEET_ARGS, "-f", "junit"]).stdout, junit_schema)
    suites = {suite.name: suite for suite in xml}
    assert sorted(suites) == ["lightsail.eu-west-2", "lightsail.us-east-1", "lightsail.us-west-2"]
    assert (xml.tests, xml.failures, xml.errors) == (
        9 * len(FLEET_INSTANCE_RULES),
        FLEET_FINDINGS,
        0,
    )
    assert sum(suite.skipped for suite in xml) == 12  # rules that do not apply are skipped
    cases = [case for suite in xml for case in suite]
    assert {case.classname for case in cases} >= {"lightsail.instance.us-east-1.web-prod-1"}
    assert all(case.name.split()[0] in FLEET_RULE_IDS for case in cases)


def test_junit_maps_statuses_to_elements(junit_schema: xmlschema.XMLSchema) -> None:
    result = scan_instances(
        [
            passing_instance("ok"),
            passing_instance("bad.name", tags=[]),
            passing_instance("unknown", addOns=[{"name": "AutoSnapshot"}]),
        ]
    )
    result.findings[0] = replace(result.findings[0], suppressed=Acceptance("config", "ticket 42"))
    result.errors.append(ScanError("aws", "GetInstances", "Throttling", "slow down", "us-east-1"))
    text = render_junit(result, ReportContext())
    xml = check_junit(text, junit_schema)
    (suite,) = list(xml)
    # A case per instance rule and instance, and one for the source error; "unknown" is
    # indeterminate for LS003 and LS017.
    instance_rules = [r for r in load_rules([BUILTIN_RULES]) if r.resource == "instance"]
    expected = (3 * len(instance_rules) + 1, 0, 3, 1)
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == expected
    root = ET.fromstring(text)
    by_class = {c.attrib["classname"] for c in root.iter("testcase")}
    assert "lightsail.instance.us-east-1.bad_name" in by_class  # dots in names replaced
    skipped = root.find(".//testcase[@classname='lightsail.instance.us-east-1.bad_name']/skipped")
    assert skipped is not None and skipped.attrib["message"] == "suppressed: ticket 42"
    errors = [e.attrib["message"] for e in root.iter("error")]
    assert "us-east-1 GetInstances Throttling: slow down" in errors
    assert any(m.startswith("indeterminate: addOns[0].status absent") for m in errors)


def test_junit_names_stay_unique_for_duplicate_resource_names(
    junit_schema: xmlschema.XMLSchema,
) -> None:
    twin = passing_instance("twin")
    other = {**twin, "arn": twin["arn"] + "-2"}
    check_junit(render_junit(scan_instances([twin, other]), ReportContext()), junit_schema)


def test_junit_gives_each_case_its_own_finding_when_names_are_shared(
    junit_schema: xmlschema.XMLSchema,
) -> None:
    # Hand-written files may leave ARNs out: two instances of one name in one region and a
    # third of that name in another. Each failing check's case shows its own finding and
    # acceptance, as the JSON report counts them, and no finding is shown twice.
    ports = {22: "tcp/22", 3306: "tcp/3306", 8080: "tcp/8080"}
    instances = []
    for port, region in ((22, "us-east-1"), (3306, "us-east-1"), (8080, "eu-west-2")):
        instance = passing_instance("web", location={"regionName": region},
                                    networking={"ports": [world_open_port(port)]})  # fmt: skip
        del instance["arn"]
        instances.append(instance)
    result = scan_instances(instances)
    accepted = {ports[3306], ports[8080]}
    result.findings = [
        replace(f, suppressed=Acceptance("config", "reviewed"))
        if f.rule_id == "LS001" and any(port in f.message for port in accepted)
        else f
        for f in result.findings
    ]
    failing = [f.message for f in result.findings if f.rule_id == "LS001" and f.suppressed is None]
    assert len(failing) == 1 and ports[22] in failing[0]
    text = render_junit(result, ReportContext())
    check_junit(text, junit_schema)
    cases = [
        c for c in ET.fromstring(text).iter("testcase") if c.attrib["name"].startswith("LS001")
    ]
    shown = sorted((child.tag, child.attrib["message"]) for case in cases for child in case)
    assert shown == [
        ("failure", failing[0]),
        ("skipped", "suppressed: reviewed"),
        ("skipped", "suppressed: reviewed"),
    ]


# ---------------------------------------------------------------- Markdown


@pytest.mark.usefixtures("in_repo")
def test_markdown_has_totals_and_a_findings_table(cli: Cli) -> None:
    text = cli([*FLEET_ARGS, "-f", "markdown"]).stdout
    # The config's fail_on is medium: 34 of the 63 findings fail the gate.
    assert text.startswith("## lslint: gate failed, 34 findings at or above medium\n")
    gate = "Gate: failed at fail-on medium: 34 findings at or above medium (exit code 1)."
    assert f"\n{gate}\n" in text
    assert "| high | 19 |" in text and "| low | 27 |" in text
    rows = [line for line in text.splitlines() if line.startswith("| high |")]
    assert len(rows) == 1 + 19  # the totals row and nineteen findings


def test_markdown_puts_errors_first_and_caps_the_table() -> None:
    fleet = [passing_instance(f"vm-{i:04d}", tags=[], addOns=[]) for i in range(300)]
    result = scan_instances(fleet)
    result.errors.append(ScanError("aws", "GetInstances", "AccessDenied", "no", "eu-west-1"))
    text = render_markdown(result, ReportContext())
    assert text.startswith(
        "## lslint: results incomplete, gate not passed (600 findings at or above low so far)\n"
    )
    assert text.index("AccessDenied") < text.index("| Severity | Findings |")
    rows = [line for line in text.splitlines() if " | LS00" in line]
    assert len(rows) == MAX_ROWS
    assert text.rstrip().endswith(
        f"… and {600 - MAX_ROWS} more findings (see the JSON or SARIF report)."
    )


def test_markdown_stays_small_for_huge_data() -> None:
    fleet = [passing_instance("x" * 10_000 + str(i), tags=[]) for i in range(1000)]
    text = render_markdown(scan_instances(fleet), ReportContext())
    assert len(text.encode("utf-8")) < 256 * 1024


# ---------------------------------------------------------------- GitHub workflow commands


def test_github_commands_escape_data_and_properties() -> None:
    result = scan_instances([passing_instance("a", tags=[])])
    finding = result.findings[0]
    result.findings[0] = replace(
        finding, message="100% bad\r\nnext::line", rule_name="x,y:z", source_path="a,b:c.json",
        source_line=3,
    )  # fmt: skip
    (line,) = render_github(result, ReportContext(root=None)).splitlines()
    assert line == (
        "::notice title=LS004 x%2Cy%3Az (low),file=a%2Cb%3Ac.json,line=3"
        "::100%25 bad%0D%0Anext::line"
    )


def test_github_puts_errors_first_and_skips_suppressed() -> None:
    result = scan_instances(
        [passing_instance("a", tags=[]), passing_instance("b", addOns=[{"name": "AutoSnapshot"}])]
    )
    result.findings = [
        replace(f, suppressed=Acceptance("config", "ok")) if f.resource_name == "a" else f
        for f in result.findings
    ]
    result.errors.append(ScanError("aws", "GetInstances", "Throttling", "slow", "eu-west-1"))
    lines = render_github(result, ReportContext()).splitlines()
    assert lines[0].startswith("::error title=lslint source error::aws: eu-west-1 GetInstances")
    assert lines[1].startswith("::error title=LS003 auto-snapshots-disabled (indeterminate)::")
    assert lines[2].startswith("::error title=LS017 auto-snapshot-add-on-failed (indeterminate)::")
    assert len(lines) == 3


# ---------------------------------------------------------------- --report


@pytest.mark.usefixtures("in_repo")
def test_report_writes_every_format_from_one_scan(
    cli: Cli, tmp_path: Path, sarif_validator: jsonschema.Draft4Validator,
    junit_schema: xmlschema.XMLSchema,
) -> None:  # fmt: skip
    paths = {fmt: tmp_path / f"out.{ext}" for fmt, ext in FORMATS.items()}
    args = [arg for fmt, path in paths.items() for arg in ("--report", f"{fmt}={path}")]
    result = cli([*FLEET_ARGS, *args, "--format", "json", "--output", str(tmp_path / "r.json")])
    assert result.exit_code == 1 and result.stdout == ""
    check_sarif(paths["sarif"].read_text(), sarif_validator)
    check_junit(paths["junit"].read_text(), junit_schema)
    assert paths["markdown"].read_text().startswith("## lslint:")
    assert len(json.loads((tmp_path / "r.json").read_text())["findings"]) == FLEET_FINDINGS
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["r.json", *(p.name for p in paths.values())]
    )  # no temporary files left behind


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("sarif", "expected FORMAT=PATH"),
        ("sarif=", "expected FORMAT=PATH"),
        ("sarf=x.sarif", "unknown format 'sarf' (did you mean 'sarif'?)"),
    ],
)
def test_bad_report_option_is_one_error(cli: Cli, value: str, message: str) -> None:
    result = cli(["scan", "--input", str(ROOT / "examples" / "fleet.json"), "--report", value])
    assert result.exit_code == 2
    assert message in result.stderr.splitlines()[0]


def test_report_paths_may_not_collide(cli: Cli, tmp_path: Path) -> None:
    fleet = str(ROOT / "examples" / "fleet.json")
    out = str(tmp_path / "x")
    result = cli(["scan", "-i", fleet, "--report", f"sarif={out}", "--report", f"junit={out}"])
    assert result.exit_code == 2 and "would overwrite the file of --report sarif" in result.stderr
    result = cli(["scan", "-i", fleet, "--report", f"sarif={fleet}"])
    assert result.exit_code == 2 and "would overwrite the input file" in result.stderr


# ---------------------------------------------------------------- adversarial data

NASTY = [
    "nul\x00byte",
    "non-character\ufffe",
    json.loads('"lone\\ud800surrogate"'),
    "\x1b[31mred\x1b[0m and \x1b]0;title\x07",
    "<&>\"' markup",
    "right-to-left \u202eexe.txt",
    "long-" + "y" * 10_000,
    "line\nbreak\r\ttab",
    "|pipes| and `ticks` and *stars* [link](http://x)",
]


def open_ssh(access_from: str) -> dict[str, Any]:
    return {"protocol": "tcp", "fromPort": 22, "toPort": 22, "accessFrom": access_from,
            "cidrs": ["0.0.0.0/0"]}  # fmt: skip


@pytest.fixture(scope="module")
def nasty_result() -> ScanResult:
    fleet = [
        passing_instance(
            name,
            arn=f"arn:aws:lightsail:us-east-1:111122223333:Instance/{index}",
            tags=[{"key": "Owner", "value": name}],
            networking={"ports": [open_ssh(name)]},
        )
        for index, name in enumerate(NASTY)
    ]
    return scan_instances(fleet, origin="snap<&>.json")


def test_nasty_data_json(nasty_result: ScanResult) -> None:
    text = render_json(nasty_result, ReportContext())
    text.encode("utf-8")  # no lone surrogates leak into the bytes
    names = {f["resource_name"] for f in json.loads(text)["findings"]}
    assert names == set(NASTY)


def test_nasty_data_sarif(
    nasty_result: ScanResult, sarif_validator: jsonschema.Draft4Validator
) -> None:
    text = render_sarif(nasty_result, ReportContext())
    text.encode("utf-8")
    run_ = check_sarif(text, sarif_validator)
    for result in run_["results"]:
        message = result["message"]["text"]
        assert not re.search("[\x00-\x1f\x7f\ud800-\udfff\u202e]", message), message


def test_nasty_data_junit(nasty_result: ScanResult, junit_schema: xmlschema.XMLSchema) -> None:
    text = render_junit(nasty_result, ReportContext())
    xml = check_junit(text, junit_schema)
    assert xml.failures == 3 * len(NASTY)  # LS001, LS004 and LS005 (SSH) for each
    assert "\x1b" not in text and "\\x00" in text and "<&>" not in text


def test_nasty_data_markdown(nasty_result: ScanResult) -> None:
    text = render_markdown(nasty_result, ReportContext())
    text.encode("utf-8")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\u202e]", text)
    table = [line for line in text.splitlines() if line.startswith("| high")][1:]
    assert all(line.count(" | ") == 5 for line in table)  # pipes in data cannot add columns
    assert "<&>" not in text and "&lt;&amp;>" in text


def test_nasty_data_github(nasty_result: ScanResult) -> None:
    text = render_github(nasty_result, ReportContext())
    text.encode("utf-8")
    for line in text.splitlines():
        assert line.startswith(("::error ", "::notice ")), line
        assert not re.search("[\x00-\x1f\x7f]", line)


def test_nasty_data_text(nasty_result: ScanResult) -> None:
    text = render_text(nasty_result, ReportContext())
    text.encode("utf-8")
    assert "\\x1b[31mred" in text and "\\u202e" in text and "\\ud800" in text
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\u202e]", text)


def test_xml_text_shows_ansi_and_what_xml_forbids_escaped() -> None:
    assert xml_text("\x1b[1;31mbold\x1b[0m\x00\ufffe\ud800ok\t") == (
        "\\x1b[1;31mbold\\x1b[0m\\x00\\ufffe\\ud800ok\\x09"
    )


# ---------------------------------------------------------------- helpers


def scan_instances(raw: list[dict[str, Any]], origin: str = "") -> ScanResult:
    resources = [
        Resource(Instance.model_validate(item), Origin(origin, i + 2) if origin else None)
        for i, item in enumerate(raw)
    ]
    return run(load_rules([BUILTIN_RULES]), Inventory(resources), now=SCAN_TIME)
