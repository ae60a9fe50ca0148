"""A rule's ``compliance`` mappings reach the places that describe rules: the rule records
reporters get, SARIF's rule descriptors and the generated rule docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lslint.docs import render_rules
from lslint.engine.evaluate import run
from lslint.engine.loader import load_rule_file
from lslint.engine.rule import Rule
from lslint.errors import RuleError
from lslint.inventory import Inventory
from lslint.reporters.context import ReportContext
from lslint.reporters.sarif import render_sarif

from conftest import MINIMAL_RULE, rule_from_text

MAPPED = MINIMAL_RULE.replace(
    "tests:\n",
    "compliance: {nist-800-53: [AC-3, AC-17], cis-aws-compute-1.0.0: ['3.1']}\n"
    "fail_if: {path: name, exists: false}\nmessage: m\ntests:\n",
)
UNMAPPED = MINIMAL_RULE.replace(
    "tests:\n", "fail_if: {path: name, exists: false}\nmessage: m\ntests:\n"
)
EXPECTED = {"cis-aws-compute-1.0.0": ("3.1",), "nist-800-53": ("AC-3", "AC-17")}


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


def rule_file(folder: Path, text: str) -> Rule:
    """A rule loaded from a file: the docs show parts of the file as written."""
    path = folder / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rule_file(path)


def test_rule_docs_list_the_mappings(tmp_path: Path) -> None:
    text = render_rules([rule_file(tmp_path, MAPPED)])
    assert "Compliance:\n- cis-aws-compute-1.0.0: `3.1`\n- nist-800-53: `AC-3`, `AC-17`\n" in text
    # And in the index table, as selectors.
    assert "| `cis-aws-compute-1.0.0:3.1`, `nist-800-53:AC-3`, `nist-800-53:AC-17` |" in text
    assert "Compliance:" not in render_rules([rule_file(tmp_path, UNMAPPED)])


@pytest.mark.parametrize(
    ("mapping", "where", "fragment"),
    [
        ("{'cis x': ['3.1']}", "9:14", "compliance framework 'cis x' must be one word"),
        ("{'cis:x': ['3.1']}", "9:14", "without commas or colons"),
        ("{Tag: ['3.1']}", "9:14", "and not 'tag'"),
        ("{cis-x: ['3.1', '3,2']}", "9:29", "compliance control '3,2' must be one word"),
        ("{cis-x: ['a:b']}", "9:22", "compliance control 'a:b'"),
        ("{cis-x: []}", "9:14", "compliance framework 'cis-x' lists no control"),
        ("{cis-x: ['3.1', '3.1']}", "9:29", "duplicate control '3.1'"),
        ("{cis-x: [3.1]}", "9:22", "must be a valid string"),
    ],
)
def test_a_mapping_users_could_not_select_by_is_refused(
    mapping: str, where: str, fragment: str
) -> None:
    with pytest.raises(RuleError) as caught:
        rule_from_text(UNMAPPED.replace("fail_if:", f"compliance: {mapping}\nfail_if:"))
    assert str(caught.value).startswith(f"t.yaml:{where}: "), str(caught.value)
    assert fragment in caught.value.message


@pytest.mark.parametrize("tag", ["'a,b'", "'two words'"])
def test_a_tag_users_could_not_select_by_is_refused(tag: str) -> None:
    with pytest.raises(RuleError) as caught:
        rule_from_text(UNMAPPED.replace("fail_if:", f"tags: [ok, {tag}]\nfail_if:"))
    assert str(caught.value).startswith("t.yaml:9:12: "), str(caught.value)
    assert "must be one word without commas" in caught.value.message
