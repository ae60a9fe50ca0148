"""The JSON writer of reports, snapshots and baselines: the text of ``json.dumps`` with
``indent=2``, byte for byte, however large the document; never ``NaN`` or ``Infinity``."""

from __future__ import annotations

import gc
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from lslint import jsontext
from lslint.findings import Severity


def reference(document: Any, **options: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=True, allow_nan=False, **options) + "\n"


def finding(index: int) -> dict[str, Any]:
    return {
        "rule_id": f"LS00{index % 5}",
        "message": f'web-{index}: caf\u00e9 "quoted"\nsecond line \ud800',
        "evidence": {"ports": [{"fromPort": 22, "cidrs": ["0.0.0.0/0"]}] * (index % 3)},
        "suppressed": None,
        "empty": {},
        "none": [],
        "score": index / 7,
    }


DOCUMENTS = {
    "scalar": 42,
    "empty-object": {},
    "small": {"a": [1, 2, {"b": None}], "c": "d"},
    "large-list": [finding(i) for i in range(300)],
    "report-shape": {
        "tool": {"name": "lslint"},
        "findings": [finding(i) for i in range(200)],
        "errors": [],
        "summary": {"failing": 3},
    },
    "sarif-shape": {"runs": [{"tool": {"driver": {}}, "results": [finding(i) for i in range(99)]}]},
    "large-object": {f"key-{i}": {"value": [i, {"x": i}]} for i in range(100)},
    "non-string-keys": {1: "a", "b": [{2: "c"}] * 80, None: [True, False]},
    "lists-of-lists": [[[i, [i]] for i in range(70)]],
    "non-string-key-after-nested-members": [{"a": {"x": [1, {"y": 2}]}, 2: "b"}] * 3,
    "scalars-between-containers": {"a": 1, "b": [1, [2], 3, {}, 4], "c": None, "d": {"e": []}},
    "tuples-and-subclasses": [(1, (2, 3)), Severity.HIGH, {"s": Severity.LOW, "n": [True, 1.5]}],
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_the_text_is_exactly_that_of_json_dumps(name: str) -> None:
    document = DOCUMENTS[name]
    assert jsontext.dumps(document) == reference(document)


def test_random_documents_give_the_same_text() -> None:
    rng = random.Random(7)

    def value(depth: int) -> Any:
        kind = rng.choice(["list", "dict", "str", "int", "float", "none"] if depth < 5 else ["str"])
        if kind == "list":
            return [value(depth + 1) for _ in range(rng.choice([0, 1, 3, 70]))]
        if kind == "dict":
            return {f"k{i}": value(depth + 1) for i in range(rng.choice([0, 2, 66]))}
        return {"str": "s\u2028\t", "int": -5, "float": 1.5e-300, "none": None}[kind]

    for _ in range(20):
        document = value(0)
        assert jsontext.dumps(document) == reference(document)


def test_default_turns_other_values_into_json() -> None:
    document = {"created_at": datetime(2026, 1, 2, tzinfo=UTC), "items": list(range(100))}
    assert jsontext.dumps(document, default=str) == reference(document, default=str)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("inside_a_large_list", [False, True])
def test_non_finite_numbers_are_never_written(number: float, inside_a_large_list: bool) -> None:
    document: Any = {"evidence": number}
    if inside_a_large_list:
        document = {"findings": [{"n": 1}] * 100 + [document]}
    with pytest.raises(ValueError, match="JSON compliant"):
        jsontext.dumps(document)


def test_without_the_private_encoder_the_text_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsontext, "_MAKE_ITERENCODE", None)
    document = DOCUMENTS["report-shape"]
    assert jsontext.dumps(document) == reference(document)


def test_elements_leave_no_garbage_cycles_behind() -> None:
    """The CLI runs with automatic collection off: encoding each element must not leave an
    encoder's reference cycle behind per element."""
    document = {"findings": [finding(i) for i in range(2_000)]}
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        jsontext.dumps(document)
        grown = len(gc.get_objects()) - before
    finally:
        gc.enable()
    assert grown < 100
