"""Generated documentation is up to date with the rule files and the operator table."""

from __future__ import annotations

import json

from lslint.docs import generated
from lslint.engine.operators import OPERATORS
from lslint.models import RESOURCE_KINDS
from lslint.sources.snapshot import cli_command

from conftest import ROOT


def test_generated_docs_are_checked_in_and_current() -> None:
    for path, text in generated(ROOT).items():
        assert path.read_text(encoding="utf-8") == text, f"run 'python -m lslint.docs': {path}"


def test_every_operator_is_documented() -> None:
    operators_doc = generated(ROOT)[ROOT / "docs" / "operators.md"]
    for name in OPERATORS:
        assert f"| `{name}` |" in operators_doc


def test_the_readme_gives_every_kinds_permission_and_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in readme.split("```json\n")[1:]]
    [policy] = [json.loads(block) for block in blocks if "LslintReadOnly" in block]
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
    assert statement["Action"] == [
        "lightsail:GetRegions",
        *(f"lightsail:{kind.operation}" for kind in RESOURCE_KINDS.values()),
    ]
    for kind in RESOURCE_KINDS.values():
        row = f"| `{kind.name}` | `lightsail:{kind.operation}` | `{cli_command(kind)}` |"
        assert row in readme
