"""Compliance mappings in the JSON findings and the SARIF rule tags."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from lslint.engine.evaluate import run
from lslint.engine.rule import Rule
from lslint.inventory import Inventory, Resource
from lslint.models import Instance
from lslint.reporters.context import ReportContext
from lslint.reporters.json import render_json
from lslint.reporters.sarif import MAX_TAGS, render_sarif

from conftest import MINIMAL_RULE, ROOT, SCHEMAS, rule_from_text


def mapped_rule(compliance: str, tags: str = "[network]") -> Rule:
    return rule_from_text(
        MINIMAL_RULE.replace(
            "tests:\n",
            f"compliance: {compliance}\ntags: {tags}\n"
            "fail_if: {path: name, exists: true}\nmessage: '{{ resource.name }}'\ntests:\n",
        )
    )


def unmapped_rule() -> Rule:
    text = MINIMAL_RULE.replace("id: T001", "id: T002").replace("name: t-rule", "name: u-rule")
    return rule_from_text(
        text.replace("tests:\n", "fail_if: {path: name, exists: true}\nmessage: m\ntests:\n")
    )


def inventory() -> Inventory:
    instance = Instance(name="web-1", arn="arn:aws:lightsail:us-east-1:1:Instance/web-1")
    return Inventory(resources=[Resource(instance)])


def json_report(*rules: Rule) -> dict[str, Any]:
    return json.loads(render_json(run(list(rules), inventory()), ReportContext()))


def sarif_rules(*rules: Rule) -> list[dict[str, Any]]:
    sarif = json.loads(render_sarif(run(list(rules), inventory()), ReportContext()))
    jsonschema.Draft4Validator(
        json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    ).validate(sarif)
    described: list[dict[str, Any]] = sarif["runs"][0]["tool"]["driver"]["rules"]
    return described


def test_json_findings_carry_their_rules_compliance_and_fit_the_schema() -> None:
    report = json_report(
        mapped_rule("{nist-800-53: [AC-17], cis-aws-compute-1.0.0: ['3.4', '3.5']}"),
        unmapped_rule(),
    )
    by_rule = {finding["rule_id"]: finding for finding in report["findings"]}
    assert by_rule["T001"]["compliance"] == {
        "cis-aws-compute-1.0.0": ["3.4", "3.5"],
        "nist-800-53": ["AC-17"],
    }
    assert list(by_rule["T001"]["compliance"]) == sorted(by_rule["T001"]["compliance"])
    assert by_rule["T002"]["compliance"] == {}
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)


def test_the_schema_requires_the_compliance_of_each_finding() -> None:
    report = json_report(unmapped_rule())
    del report["findings"][0]["compliance"]
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(report))
    assert [e.message for e in errors] == ["'compliance' is a required property"]


def test_sarif_rule_tags_name_each_control_after_the_rules_tags() -> None:
    (described,) = sarif_rules(
        mapped_rule("{nist-800-53: [AC-17], cis-aws-compute-1.0.0: ['3.4', '3.5']}")
    )
    assert described["properties"]["tags"] == [
        "security",
        "network",
        "cis-aws-compute-1.0.0:3.4",
        "cis-aws-compute-1.0.0:3.5",
        "nist-800-53:AC-17",
    ]


def test_sarif_rule_without_mappings_has_only_its_tags() -> None:
    (described,) = sarif_rules(unmapped_rule())
    assert described["properties"]["tags"] == ["security"]


def test_sarif_tags_stay_within_githubs_limit() -> None:
    controls = ", ".join(f"'1.{n}'" for n in range(12))
    (described,) = sarif_rules(mapped_rule(f"{{cis-x: [{controls}]}}", tags="[a, b, c]"))
    tags = described["properties"]["tags"]
    assert len(tags) == MAX_TAGS
    assert tags[:5] == ["security", "a", "b", "c", "cis-x:1.0"]
    assert len(set(tags)) == len(tags)
