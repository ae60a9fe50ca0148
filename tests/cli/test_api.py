"""The library pipeline: a request in, an outcome out, without the command line."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standin import LightsailStandIn, RegionPlan, make_instances

from lslint import __version__
from lslint.api import LiveOptions, ScanOutcome, ScanRequest, fetch, run_scan
from lslint.api import scan as api_scan
from lslint.cli import scan as scan_commands
from lslint.errors import ConfigError, LslintError, OutputError
from lslint.findings import Severity
from lslint.gate import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, effective_threshold
from lslint.models import RESOURCE_KINDS

from conftest import EXAMPLES, CliResult, passing_instance

FLEET = EXAMPLES / "fleet.json"
VAGUE = passing_instance("vague-1", addOns=[{"status": "Enabled"}])  # LS003: which add-on?


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scan_of_the_example_fleet_fails_the_default_gate() -> None:
    outcome = run_scan(ScanRequest(inputs=(str(FLEET),)))
    assert outcome.threshold is Severity.LOW
    assert outcome.gate.failing > 0 and outcome.gate.status == "failed"
    assert outcome.exit_code == EXIT_FINDINGS
    assert outcome.result.findings and outcome.result.resource_count > 0
    assert outcome.context.scan.inputs == (str(FLEET),)
    assert outcome.notes == () and outcome.snapshot_text is None and outcome.baseline_text is None


def test_the_threshold_comes_from_the_config_when_the_request_names_none(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path / "lslint.yaml", "fail_on: never\n")
    outcome = run_scan(ScanRequest(inputs=(str(FLEET),), config=config))
    assert outcome.threshold is None
    assert outcome.exit_code == EXIT_OK and outcome.gate.status == "passed"
    assert json.loads(outcome.report("json"))["summary"]["fail_on"] == "never"


def test_the_request_threshold_wins_over_the_config(tmp_path: Path) -> None:
    config = write_config(tmp_path / "lslint.yaml", "fail_on: never\n")
    outcome = run_scan(ScanRequest(inputs=(str(FLEET),), config=config, fail_on="critical"))
    assert outcome.threshold is Severity.CRITICAL
    summary = json.loads(outcome.report("json"))["summary"]
    assert summary["fail_on"] == "critical"
    assert summary["failing"] == outcome.gate.failing
    assert summary["exit_code"] == outcome.exit_code


def test_effective_threshold_order_and_refusal() -> None:
    assert effective_threshold("high", "never") is Severity.HIGH
    assert effective_threshold(None, "medium") is Severity.MEDIUM
    assert effective_threshold(None, None) is Severity.LOW
    assert effective_threshold("NEVER", None) is None
    with pytest.raises(ConfigError, match="unknown threshold 'severe'"):
        effective_threshold("severe", None)


def test_an_unknown_threshold_in_a_request_is_one_error() -> None:
    with pytest.raises(ConfigError, match="unknown threshold"):
        run_scan(ScanRequest(inputs=(str(FLEET),), fail_on="urgent"))


def test_warnings_come_back_in_the_outcome(tmp_path: Path) -> None:
    copy = tmp_path / "copy.json"
    copy.write_bytes(FLEET.read_bytes())
    outcome = run_scan(ScanRequest(inputs=(str(FLEET), str(copy))))
    assert outcome.warnings, "the same resources in two snapshots are worth a warning"
    assert outcome.warnings == outcome.result.warnings
    assert any(str(copy) in warning for warning in outcome.warnings)


def test_a_recorded_baseline_accepts_every_finding(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    recording = run_scan(ScanRequest(inputs=(str(FLEET),), write_baseline=str(baseline)))
    assert recording.gate.status == "recorded" and recording.exit_code == EXIT_OK
    assert recording.baseline_text is not None
    assert not baseline.exists()  # the library writes nothing; the caller does
    baseline.write_text(recording.baseline_text, encoding="utf-8")

    from_file = run_scan(ScanRequest(inputs=(str(FLEET),), baseline=baseline))
    assert from_file.exit_code == EXIT_OK and from_file.gate.failing == 0
    assert from_file.result.findings and all(
        f.baselined for f in from_file.result.findings if f.status == "fail"
    )
    fingerprints = frozenset(f.fingerprint for f in from_file.result.findings)
    in_memory = run_scan(ScanRequest(inputs=(str(FLEET),), baseline=fingerprints))
    assert in_memory.exit_code == EXIT_OK and in_memory.gate.failing == 0


def test_an_incomplete_scan_gives_no_baseline_text_and_exit_2(tmp_path: Path) -> None:
    snapshot = write_json(tmp_path / "vague.json", {"instances": [VAGUE]})
    outcome = run_scan(ScanRequest(inputs=(str(snapshot),), write_baseline="b.json"))
    assert outcome.result.indeterminate
    assert outcome.baseline_text is None
    assert outcome.exit_code == EXIT_ERROR and outcome.gate.status == "incomplete"


def test_a_selection_leaving_no_rules_is_refused() -> None:
    request = ScanRequest(inputs=(str(FLEET),), select=("LS001",), ignore=("LS001",))
    with pytest.raises(ConfigError, match="no rules to run"):
        run_scan(request)


def test_comma_separated_selections_are_split() -> None:
    outcome = run_scan(ScanRequest(inputs=(str(FLEET),), select=("LS001,LS002",)))
    assert {rule.id for rule in outcome.result.rules} == {"LS001", "LS002"}


def test_an_output_that_would_replace_an_input_is_refused_before_scanning(
    tmp_path: Path,
) -> None:
    snapshot = tmp_path / "fleet.json"
    snapshot.write_bytes(FLEET.read_bytes())
    request = ScanRequest(inputs=(str(snapshot),), outputs=(("the report", str(snapshot)),))
    with pytest.raises(OutputError, match=r"the report .* would overwrite the input file"):
        run_scan(request)


def test_the_report_context_carries_time_root_and_version(tmp_path: Path) -> None:
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    outcome = run_scan(
        ScanRequest(inputs=(str(FLEET),), started_at=started, root=tmp_path, base=tmp_path)
    )
    assert outcome.context.scan.started_at == started
    assert outcome.context.root == tmp_path and outcome.context.base == tmp_path
    assert outcome.context.tool_version == __version__
    assert json.loads(outcome.report("json"))["scan"]["started_at"] == started.isoformat()


def test_requests_and_outcomes_are_frozen() -> None:
    request = ScanRequest(inputs=(str(FLEET),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.fail_on = "high"  # type: ignore[misc]
    outcome = run_scan(request)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.threshold = None  # type: ignore[misc]


def test_live_options_with_inputs_are_refused() -> None:
    request = ScanRequest(inputs=(str(FLEET),), live=LiveOptions(regions=("us-east-1",)))
    with pytest.raises(ConfigError, match="only without inputs"):
        run_scan(request)


@pytest.mark.usefixtures("aws_env")
def test_a_live_scan_through_the_library_saves_and_scans_its_snapshot(
    standin: Callable[..., LightsailStandIn], tmp_path: Path
) -> None:
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 3))})
    saved = tmp_path / "saved.json"
    request = ScanRequest(live=LiveOptions(regions=("us-east-1",)), snapshot=str(saved))
    outcome = run_scan(request)
    assert outcome.result.resource_count == 3
    assert outcome.context.scan.regions == ("us-east-1",)
    assert outcome.snapshot_text is not None
    assert json.loads(outcome.snapshot_text)["format"] == "lslint-snapshot"
    # Findings point into the snapshot the caller will write.
    sarif = json.loads(outcome.report("sarif"))
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for location in result["locations"]
    }
    assert uris and all(uri.endswith("saved.json") for uri in uris)


@pytest.mark.usefixtures("aws_env")
def test_a_fetch_through_the_library_counts_what_it_saved(
    standin: Callable[..., LightsailStandIn],
) -> None:
    standin({"us-east-1": RegionPlan(make_instances("us-east-1", 2))})
    outcome = fetch(LiveOptions(regions=("us-east-1",)))
    assert (outcome.counts, outcome.regions, outcome.errors) == (
        {**dict.fromkeys(RESOURCE_KINDS, 0), "instance": 2},
        ("us-east-1",),
        (),
    )
    assert outcome.exit_code == EXIT_OK
    assert len(json.loads(outcome.snapshot_text)["instances"]) == 2


def test_the_library_imports_neither_click_nor_boto3() -> None:
    code = (
        "import lslint.api, sys; "
        "assert 'click' not in sys.modules and 'boto3' not in sys.modules, "
        "sorted(m for m in sys.modules if m in ('click', 'boto3'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_version_loads_no_engine() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from lslint.cli import main; "
        "result = CliRunner().invoke(main, ['--version']); print(result.output, end=''); "
        "assert not [m for m in sys.modules if m.startswith('lslint.engine')]"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"lslint, version {__version__}\n"


def test_library_errors_are_lslint_errors() -> None:
    with pytest.raises(LslintError):
        run_scan(ScanRequest(inputs=("does-not-exist.json",)))


def test_the_readme_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using lslint from Python\n", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "fleet.json").write_bytes(FLEET.read_bytes())
    write_config(tmp_path / ".lslint.yaml", "fail_on: medium\n")
    recorded = run_scan(ScanRequest(inputs=(str(FLEET),), write_baseline="unused"))
    assert recorded.baseline_text is not None
    (tmp_path / "lslint-baseline.json").write_text(recorded.baseline_text, encoding="utf-8")
    exec(compile(code, "README.md", "exec"), {})  # the README's own example, as written
    assert "gate: passed at fail-on high" in capsys.readouterr().out
    assert json.loads((tmp_path / "lslint.sarif").read_text())["version"] == "2.1.0"


def test_the_scan_command_is_a_request_to_the_library(
    cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    requests: list[ScanRequest] = []

    def recording(request: ScanRequest) -> ScanOutcome:
        requests.append(request)
        return run_scan(request)

    monkeypatch.setattr(scan_commands, "run_scan", recording)
    config = write_config(tmp_path / "settings.yaml", "fail_on: never\n")
    args = ["scan", "-i", str(FLEET), "--select", "LS001,LS002", "--config", str(config)]
    result = cli([*args, "-f", "json", "--report", f"sarif={tmp_path / 'r.sarif'}"])
    (request,) = requests
    assert request.inputs == (str(FLEET),) and request.live is None
    assert request.select == ("LS001,LS002",) and request.config == config
    assert request.fail_on is None  # the library resolves it from the config
    assert ("--report sarif", str(tmp_path / "r.sarif")) in request.outputs
    outcome = run_scan(request)
    assert result.exit_code == outcome.exit_code == EXIT_OK
    assert json.loads(result.stdout)["summary"] == json.loads(outcome.report("json"))["summary"]


def test_library_mistakes_are_lslint_errors_not_crashes(tmp_path: Path) -> None:
    outcome = run_scan(ScanRequest(inputs=(str(EXAMPLES / "fleet.json"),)))
    assert outcome.report("SARIF").startswith("{")  # any case
    with pytest.raises(ConfigError, match="unknown report format 'xml'"):
        outcome.report("xml")
    with pytest.raises(ConfigError, match="single value"):
        ScanRequest(inputs="fleet.json")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="single value"):
        api_scan("fleet.json")  # type: ignore[arg-type]
    config = tmp_path / "cfg.yaml"
    config.write_text("fail_on: never\n")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.yaml").write_text(
        (EXAMPLES / "rules" / "ACME001-production-without-static-ip.yaml").read_text()
    )
    request = ScanRequest(inputs=(str(EXAMPLES / "fleet.json"),), config=str(config),
                          rule_paths=(str(rules),))  # fmt: skip
    outcome = run_scan(request)
    assert outcome.exit_code == 0 and "ACME001" in {r.id for r in outcome.result.rules}
