"""Three-valued some/every/none: one truth table, shared by quantifier nodes and ``match:``."""

from __future__ import annotations

from typing import Any

import pytest

from lslint.engine.evaluate import judge
from lslint.engine.logic import quantify
from lslint.models import Instance

from conftest import MINIMAL_RULE, rule_from_text

# (hits, misses, unknowns) -> (some, every, none)
TABLE = [
    ((0, 0, 0), (False, True, True)),
    ((1, 0, 0), (True, True, False)),
    ((0, 1, 0), (False, False, True)),
    ((0, 0, 1), (None, None, None)),
    ((1, 1, 0), (True, False, False)),
    ((1, 0, 1), (True, None, False)),
    ((0, 1, 1), (None, False, None)),
    ((1, 1, 1), (True, False, False)),
]


@pytest.mark.parametrize(("counts", "expected"), TABLE)
def test_the_truth_table(counts: tuple[int, int, int], expected: tuple[Any, ...]) -> None:
    assert tuple(quantify(kind, *counts) for kind in ("some", "every", "none")) == expected


RESOURCES = [
    {},
    {"tags": []},
    {"tags": [{"key": "Owner"}]},
    {"tags": [{"key": "Team"}]},
    {"tags": [{"key": "Owner"}, {"key": "Team"}]},
    {"tags": [{"value": "x"}]},
    {"tags": [{"key": "Owner"}, {"value": "x"}]},
    {"tags": [{"key": "Team"}, {"value": "x"}]},
]


def _rule(fail_if: str) -> Any:
    return rule_from_text(
        MINIMAL_RULE.replace("tests:\n", f"fail_if: {fail_if}\nmessage: m\ntests:\n")
    )


@pytest.mark.parametrize("kind", ["some", "every", "none"])
@pytest.mark.parametrize("resource", RESOURCES)
def test_match_on_a_leaf_agrees_with_the_quantifier(kind: str, resource: dict[str, Any]) -> None:
    leaf = _rule(f"{{path: tags.key, equals: Owner, match: {kind}}}")
    node = _rule(f"{{{kind}: {{path: tags, as: t, where: {{path: t.key, equals: Owner}}}}}}")
    model = Instance.model_validate(resource)
    assert judge(leaf, model).status == judge(node, model).status
