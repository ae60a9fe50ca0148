"""The engine's modules follow its concepts, each built only on those below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lslint.engine

ENGINE = Path(lslint.engine.__file__).parent
ORDER = [
    "paths", "regex", "operators", "params", "conditions", "logic", "compiled", "truth",
    "templates", "rule", "quietdefaults", "loader", "evaluate",
]  # fmt: skip


def test_every_engine_module_has_its_place() -> None:
    assert {p.stem for p in ENGINE.glob("*.py") if p.stem != "__init__"} == set(ORDER)


@pytest.mark.parametrize("module", ORDER)
def test_engine_modules_import_only_the_concepts_below_them(module: str) -> None:
    tree = ast.parse((ENGINE / f"{module}.py").read_text(encoding="utf-8"))
    imported = {
        node.module.removeprefix("lslint.engine.")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lslint.engine.")
    }
    below = set(ORDER[: ORDER.index(module)])
    assert imported <= below, f"{module} imports {sorted(imported - below)}"


def test_no_two_classes_share_a_name() -> None:
    names = [
        node.name
        for path in sorted(ENGINE.parent.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


CLOCK_CALLS = {"now", "utcnow", "today", "time", "time_ns", "monotonic", "localtime", "gmtime"}


@pytest.mark.parametrize("module", ORDER)
def test_the_engine_never_reads_the_clock(module: str) -> None:
    # The scan time is taken once per run by the caller and passed in, so that one scan
    # judges every resource at the same moment and `--now` can reproduce it.
    tree = ast.parse((ENGINE / f"{module}.py").read_text(encoding="utf-8"))
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_CALLS
    ]
    imports_time = any(
        isinstance(node, ast.Import) and any(alias.name == "time" for alias in node.names)
        for node in ast.walk(tree)
    )
    assert calls == [] and not imports_time, f"{module} reads the clock: {calls}"
