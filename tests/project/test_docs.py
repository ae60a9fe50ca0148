"""Generated documentation is up to date with the rule files and the operator table."""

from __future__ import annotations

import re

from lslint.docs import generated, render_rules
from lslint.engine.operators import COUNT_COMPARISONS, OPERATORS

from conftest import MINIMAL_RULE, ROOT, rule_from_text


def test_generated_docs_are_checked_in_and_current() -> None:
    for path, text in generated(ROOT).items():
        assert path.read_text(encoding="utf-8") == text, f"run 'python -m lslint.docs': {path}"


def test_every_operator_is_documented() -> None:
    operators_doc = generated(ROOT)[ROOT / "docs" / "operators.md"]
    for name in OPERATORS:
        assert f"| `{name}` |" in operators_doc


def test_a_pipe_in_a_parameter_default_stays_in_its_cell() -> None:
    rule = rule_from_text(
        MINIMAL_RULE
        + "params: {pattern: {type: string, default: 'a|b', description: 'x | y'}}\n"
        + "message: m\nfail_if: {path: name, matches: {param: pattern}}\n"
    )
    (row,) = [line for line in render_rules([rule]).splitlines() if line.startswith("| `pattern`")]
    cells = re.split(r"(?<!\\)\|", row)[1:-1]
    assert [cell.strip() for cell in cells] == ["`pattern`", "string", "`'a\\|b'`", "x \\| y"]


def test_every_count_comparison_and_time_operator_is_documented() -> None:
    operators_doc = generated(ROOT)[ROOT / "docs" / "operators.md"]
    for name in COUNT_COMPARISONS:
        assert f"| `{name}` |" in operators_doc.split("## Counting", 1)[1]
    assert "`2025-01-01T00:00:00Z`" in operators_doc  # the rule tests' default scan time
    assert "`dated_pattern_list`" in operators_doc
