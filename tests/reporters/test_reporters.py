"""Text and JSON reports: golden files for the example fleet, plus properties goldens can't show."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable

import pytest

from lslint import __version__
from lslint.engine.loader import load_rules
from lslint.escape import printable
from lslint.findings import ScanError, ScanResult
from lslint.reporters import FORMATS, REPORTERS, render
from lslint.reporters.context import ReportContext
from lslint.reporters.text import render_text

from conftest import BUILTIN_RULES, EXAMPLES, ROOT, CliResult

FLEET_ARGS = ["scan", "--input", "examples/fleet.json", "--config", "examples/lslint.yaml"]


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root so report paths read ``examples/fleet.json``."""
    monkeypatch.chdir(ROOT)


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_fleet_report_matches_golden(
    fmt: str, cli: Callable[..., CliResult], golden: Callable[[str, str], None]
) -> None:
    result = cli([*FLEET_ARGS, "--format", fmt])
    assert result.exit_code == 1, result.stderr
    golden(f"fleet.{'txt' if fmt == 'text' else 'json'}", result.stdout)


@pytest.mark.usefixtures("in_repo")
def test_json_report_is_sorted_and_complete(cli: Callable[..., CliResult]) -> None:
    report = json.loads(cli([*FLEET_ARGS, "--format", "json"]).stdout)
    keys = [(f["region"], f["resource_name"], f["rule_id"]) for f in report["findings"]]
    assert keys == sorted(keys)
    assert set(report) == {
        "tool",
        "report_version",
        "scan",
        "findings",
        "errors",
        "warnings",
        "summary",
    }
    rules = load_rules([BUILTIN_RULES, EXAMPLES / "rules"])
    assert report["summary"]["rules"] == len(rules)
    instance_rules = [rule for rule in rules if rule.resource == "instance"]
    assert report["summary"]["checks"] == 9 * len(instance_rules)  # each on every instance
    assert report["summary"]["failed"] == len(report["findings"])
    for finding in report["findings"]:
        assert len(finding["fingerprint"]) == 32
        assert finding["location"]["path"] == "examples/fleet.json"


def test_text_report_lists_errors_first_and_says_results_are_incomplete() -> None:
    result = ScanResult(
        errors=[ScanError("eu-west-1", "GetInstances", "AccessDenied", "no access", "eu-west-1")]
    )
    text = render_text(result, ReportContext())
    assert text.splitlines()[0].startswith("error: eu-west-1: eu-west-1 GetInstances AccessDenied")
    summary, gate = text.rstrip().splitlines()[-2:]
    assert summary.endswith("1 source error: results incomplete.")
    assert gate == (
        "gate: incomplete at fail-on low: the scan could not be trusted, "
        "0 findings at or above low among what was read (exit code 2)"
    )


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred", "\\x1b[31mred"),
        ("nul\x00", "nul\\x00"),
        ("rtl\u202egnp.exe", "rtl\\u202egnp.exe"),
        ("lone\ud800", "lone\\ud800"),
        ("line\nbreak", "line\\x0abreak"),
        ("bom\ufeff-ok, tab\t", "bom\ufeff-ok, tab\\x09"),
        ("<&>\"' plain", "<&>\"' plain"),
    ],
)
def test_printable_escapes_control_and_bidi_characters(raw: str, shown: str) -> None:
    assert printable(raw) == shown


# ---------------------------------------------------------------- one reporter interface


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_reporter_takes_exactly_a_result_and_a_context(fmt: str) -> None:
    reporter = REPORTERS[fmt]
    assert reporter.__name__ == f"render_{fmt}", "registered directly, not wrapped"
    assert list(inspect.signature(reporter).parameters) == ["result", "context"]
    assert all(
        p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.default is inspect.Parameter.empty
        for p in inspect.signature(reporter).parameters.values()
    )
    assert isinstance(render(fmt, ScanResult(), ReportContext()), str)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_the_tool_version_comes_from_the_context(fmt: str) -> None:
    text = render(fmt, ScanResult(), ReportContext(tool_version="9.8.7"))
    assert "9.8.7" in text and __version__ not in text.replace("9.8.7", "")
