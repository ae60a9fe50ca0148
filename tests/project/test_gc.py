"""The CLI runs without automatic cyclic garbage collection (lslint/gctune.py). That is safe
only while a run makes almost no reference cycles; these tests hold lslint to it."""

from __future__ import annotations

import gc
import json
import signal
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from standin import LightsailStandIn, RegionPlan, make_instances

import lslint.cli
import lslint.launch
from lslint.api import scan
from lslint.reporters.context import ReportContext
from lslint.reporters.github import render_github
from lslint.reporters.gitlab import render_gitlab
from lslint.reporters.json import render_json
from lslint.reporters.junit import render_junit
from lslint.reporters.markdown import render_markdown
from lslint.reporters.sarif import render_sarif
from lslint.reporters.text import render_text
from lslint.sources.aws import AwsSource

from conftest import ROOT

pytestmark = pytest.mark.slow  # subprocesses and builds: not in the inner loop


def cyclic_garbage(work: Callable[[], object]) -> int:
    """How many objects ``work`` leaves that only a cyclic collection would free."""
    gc.collect()
    gc.disable()
    try:
        work()
        return gc.collect()
    finally:
        gc.enable()


@pytest.fixture
def restore_gc() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_the_lslint_command_runs_without_automatic_collection(
    monkeypatch: pytest.MonkeyPatch, restore_gc: None
) -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["lslint"] == "lslint.launch:main"
    seen: list[bool] = []
    monkeypatch.setattr(lslint.cli, "main", lambda: seen.append(gc.isenabled()))
    monkeypatch.setattr(signal, "signal", lambda *_: None)  # leave the test's handlers alone
    lslint.launch.main()
    assert seen == [False]


def test_the_lslint_command_spares_the_last_collection_its_objects(
    monkeypatch: pytest.MonkeyPatch, restore_gc: None
) -> None:
    # The interpreter's collection at exit walks every object that is not frozen.
    frozen: list[int] = []
    monkeypatch.setattr(lslint.cli, "main", lambda: frozen.append(gc.get_freeze_count()))
    monkeypatch.setattr(signal, "signal", lambda *_: None)
    lslint.launch.main()
    assert frozen == [0]  # not while the run works, so that nothing it makes is kept from it
    assert gc.get_freeze_count() > 10_000


def test_a_run_writes_every_report_whole_before_the_process_ends(tmp_path: Path) -> None:
    # With every object frozen, none is finalized by the last collection: each report, to a
    # file or to standard output, must be out before, with a failing exit code too.
    extra = tmp_path / "extra.json"
    done = subprocess.run(
        [sys.executable, "-m", "lslint", "scan", "-i", str(ROOT / "examples" / "fleet.json"),
         "-f", "sarif", "-o", "-", "--report", f"json={extra}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["runs"][0]["results"]
    assert json.loads(extra.read_text())["findings"]


def offline_scan(tmp_path: Path, count: int) -> Callable[[], object]:
    path = tmp_path / f"fleet-{count}.json"
    path.write_text(json.dumps({"instances": make_instances("us-east-1", count)}))

    def work() -> object:
        result = scan([path])
        assert len(result.findings) >= count  # every synthetic instance has findings
        return [
            render(result, ReportContext())
            for render in (render_text, render_json, render_sarif, render_junit, render_markdown,
                           render_github, render_gitlab)
        ]  # fmt: skip

    return work


def test_an_offline_scan_makes_no_cycles_per_instance(tmp_path: Path) -> None:
    cyclic_garbage(offline_scan(tmp_path, 50))  # first use fills caches, some in cycles
    small = cyclic_garbage(offline_scan(tmp_path, 50))
    large = cyclic_garbage(offline_scan(tmp_path, 2000))
    assert large - small < 100, (small, large)


def test_a_live_fetch_makes_few_cycles_per_page(
    aws_env: None, standin: Callable[..., LightsailStandIn]
) -> None:
    def fetch(pages: int) -> int:
        standin({"us-east-1": RegionPlan(make_instances("us-east-1", pages * 5), page_size=5)})
        source = AwsSource(["us-east-1"])
        garbage = cyclic_garbage(source.collect)
        assert source.fetched[0].pages == pages and source.fetched[0].error is None
        return garbage

    # Each fetch leaves its session and client in cycles (about 30,000 objects, once per run).
    few, many = fetch(2), fetch(42)
    assert (many - few) / 40 < 10, (few, many)
