"""Generated documentation is up to date with the rule files and the operator table."""

from __future__ import annotations

from lslint.docs import generated
from lslint.engine.operators import OPERATORS

from conftest import ROOT


def test_generated_docs_are_checked_in_and_current() -> None:
    for path, text in generated(ROOT).items():
        assert path.read_text(encoding="utf-8") == text, f"run 'python -m lslint.docs': {path}"


def test_every_operator_is_documented() -> None:
    operators_doc = generated(ROOT)[ROOT / "docs" / "operators.md"]
    for name in OPERATORS:
        assert f"| `{name}` |" in operators_doc
