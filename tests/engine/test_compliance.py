"""A rule's ``compliance`` mappings reach the places that describe rules: the rule records
reporters get, SARIF's rule descriptors and the generated rule docs."""

from __future__ import annotations

import json

from lslint.docs import render_rules
from lslint.engine.evaluate import run
from lslint.inventory import Inventory
from lslint.reporters.context import ReportContext
from lslint.reporters.sarif import render_sarif

from conftest import MINIMAL_RULE, rule_from_text

MAPPED = MINIMAL_RULE.replace(
    "tests:\n",
    "compliance: {nist-800-53: [AC-3, AC-17], cis-aws-compute-services-1.0.0: ['3.1']}\n"
    "fail_if: {path: name, exists: false}\nmessage: m\ntests:\n",
)
UNMAPPED = MINIMAL_RULE.replace(
    "tests:\n", "fail_if: {path: name, exists: false}\nmessage: m\ntests:\n"
)
EXPECTED = {"cis-aws-compute-services-1.0.0": ("3.1",), "nist-800-53": ("AC-3", "AC-17")}


def test_the_rule_record_carries_the_mappings_sorted_by_framework() -> None:
    info = rule_from_text(MAPPED).info()
    assert dict(info.compliance) == EXPECTED
    assert list(info.compliance) == sorted(EXPECTED)


def test_sarif_rule_properties_hold_the_mappings() -> None:
    result = run([rule_from_text(MAPPED)], Inventory())
    sarif = json.loads(render_sarif(result, ReportContext()))
    (described,) = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert described["properties"]["compliance"] == {
        framework: list(controls) for framework, controls in EXPECTED.items()
    }


def test_sarif_leaves_the_property_out_for_a_rule_without_mappings() -> None:
    result = run([rule_from_text(UNMAPPED)], Inventory())
    sarif = json.loads(render_sarif(result, ReportContext()))
    (described,) = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert "compliance" not in described["properties"]


def test_rule_docs_list_the_mappings() -> None:
    text = render_rules([rule_from_text(MAPPED)])
    assert (
        "Compliance:\n- cis-aws-compute-services-1.0.0: `3.1`\n- nist-800-53: `AC-3`, `AC-17`\n"
        in text
    )
    assert "Compliance:" not in render_rules([rule_from_text(UNMAPPED)])
