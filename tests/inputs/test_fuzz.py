"""Property-based fuzzing of every file lslint reads: snapshots, rule files, config files and
baselines, as mutations of valid files and as random structures.

Whatever the input, a run ends in a result (exit 0 or 1) or in exit 2 with ``lslint: error:``
lines: never a traceback, never "internal error", and never a report that is not valid JSON.

The default run is short and the same every time (the ``lslint`` profile, in conftest.py).
A long, randomised campaign, for contributors:

    pytest -m fuzz --hypothesis-profile=fuzz
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import BUILTIN_RULES, EXAMPLES, CliResult, passing_instance, run_lslint

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]


FLEET_TEXT = (EXAMPLES / "fleet.json").read_text(encoding="utf-8")
RULE_TEXT = (BUILTIN_RULES / "LS001-port-open-to-world.yaml").read_text(encoding="utf-8")
CONFIG_TEXT = (EXAMPLES / "lslint-with-suppressions.yaml").read_text(encoding="utf-8")


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"report holds {name}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def assert_clean(result: CliResult) -> None:
    """A result or one kind of failure: exit 2 with lslint's own error lines."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        assert "lslint: error:" in result.stderr, result.stderr


def scan_json(tmp_path: Path, *args: str) -> CliResult:
    result = run_lslint(["scan", "-f", "json", *args])
    assert_clean(result)
    if result.stdout:
        report = _strict_json(result.stdout)
        assert report["summary"]["exit_code"] == result.exit_code
    return result


# ---------------------------------------------------------------- strategies

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["0.0.0.0/0", "::/0", "tcp", "all", "public", "optional", "running"])
)
json_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def text_mutations(draw: st.DrawFn, original: str) -> str:
    """``original`` with a few characters deleted, replaced or inserted, or lines dropped."""
    text = original
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["delete", "replace", "insert", "drop-line", "dup-line"]))
        if not text:
            break
        at = draw(st.integers(min_value=0, max_value=len(text) - 1))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(min_value=1, max_value=8)) :]
        elif kind in ("replace", "insert"):
            piece = draw(st.text(max_size=4) | st.sampled_from(['"', "{", "]", ":", "&a", "*a"]))
            cut = at + 1 if kind == "replace" else at
            text = text[:at] + piece + text[cut:]
        else:
            lines = text.splitlines(keepends=True)
            index = at % len(lines)
            extra = [lines[index]] if kind == "dup-line" else []
            text = "".join(lines[:index] + extra + lines[index + 1 :])
    return text


@st.composite
def instance_mutations(draw: st.DrawFn) -> dict[str, Any]:
    """A valid instance with some fields replaced by random values or removed."""
    instance = passing_instance("fuzz-1")
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        key = draw(st.sampled_from([*sorted(instance), "extraField"]))
        if draw(st.booleans()):
            instance[key] = draw(json_values)
        else:
            instance.pop(key, None)
    return instance


# ---------------------------------------------------------------- snapshots


@given(text=text_mutations(FLEET_TEXT))
def test_mutated_snapshots_end_cleanly(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fleet.json"
    path.write_text(text, encoding="utf-8")
    scan_json(tmp_path, "-i", str(path))


@given(instance=instance_mutations())
def test_instances_with_random_fields_end_cleanly(tmp_path: Path, instance: dict[str, Any]) -> None:
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"instances": [instance]}), encoding="utf-8")
    scan_json(tmp_path, "-i", str(path))


@given(document=json_values)
def test_random_json_documents_end_cleanly(tmp_path: Path, document: Any) -> None:
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    scan_json(tmp_path, "-i", str(path))


@given(number=st.sampled_from(["1e400", "-1e400", "1e308", "123456789012345678901234567890"]))
def test_huge_numbers_are_refused_or_kept_never_changed(tmp_path: Path, number: str) -> None:
    # In an unknown field of an offending firewall entry, which the evidence shows whole.
    port = {"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrs": ["0.0.0.0/0"],
            "futureField": "NUMBER"}  # fmt: skip
    instance = passing_instance("big-1", networking={"ports": [port]})
    path = tmp_path / "fleet.json"
    text = json.dumps({"instances": [instance]})
    path.write_text(text.replace('"NUMBER"', number), encoding="utf-8")
    result = scan_json(tmp_path, "-i", str(path))
    if math.isinf(float(number)):  # beyond a double: refused at input, never inf or null
        assert result.exit_code == 2 and result.stdout == "", result.stderr
        return
    evidence = _strict_json(result.stdout)["findings"][0]["evidence"]
    assert evidence["networking.ports"][0]["futureField"] == json.loads(number)


# ---------------------------------------------------------------- rule files


@given(text=text_mutations(RULE_TEXT))
def test_mutated_rule_files_end_cleanly(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    rule = folder / "mutant.yaml"
    rule.write_text(
        text.replace("id: LS001", "id: FZ001").replace(
            "name: port-open-to-world", "name: fuzz-rule"
        ),
        encoding="utf-8",
    )
    validated = run_lslint(["rules", "validate", str(folder)])
    assert_clean(validated)
    if validated.exit_code != 0:
        return  # scan and rules test load the same file and refuse it the same way
    assert_clean(run_lslint(["rules", "test", str(folder)]))
    fleet = tmp_path / "fleet.json"
    fleet.write_text(FLEET_TEXT, encoding="utf-8")
    scan_json(tmp_path, "-i", str(fleet), "--rules", str(folder))


@given(document=st.dictionaries(st.sampled_from(["lslint", "id", "name", "title", "severity",
                                                 "resource", "description", "remediation",
                                                 "fail_if", "applies_if", "params", "message",
                                                 "tests", "tags"]),
                                json_values, max_size=10))  # fmt: skip
def test_random_rule_documents_end_cleanly(tmp_path: Path, document: dict[str, Any]) -> None:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "random.yaml").write_text(json.dumps(document), encoding="utf-8")  # JSON is YAML
    assert_clean(run_lslint(["rules", "validate", str(folder)]))


# ---------------------------------------------------------------- config files


@given(text=text_mutations(CONFIG_TEXT))
def test_mutated_config_files_end_cleanly(tmp_path: Path, text: str) -> None:
    config = tmp_path / "cfg.yaml"
    config.write_text(text, encoding="utf-8")
    scan_json(tmp_path, "-i", str(EXAMPLES / "fleet.json"), "--config", str(config))


@given(document=st.dictionaries(st.sampled_from(["fail_on", "rules", "suppressions", "overrides",
                                                 "allow_tag_suppressions", "aws"]),
                                json_values, max_size=5))  # fmt: skip
def test_random_config_documents_end_cleanly(tmp_path: Path, document: dict[str, Any]) -> None:
    config = tmp_path / "cfg.yaml"
    config.write_text(json.dumps(document), encoding="utf-8")
    scan_json(tmp_path, "-i", str(EXAMPLES / "fleet.json"), "--config", str(config))


# ---------------------------------------------------------------- baselines


@given(document=json_values | st.fixed_dictionaries({"format": st.just("lslint-baseline"),
                                                     "version": st.just(1),
                                                     "findings": json_values}))  # fmt: skip
def test_random_baselines_end_cleanly(tmp_path: Path, document: Any) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(document), encoding="utf-8")
    scan_json(tmp_path, "-i", str(EXAMPLES / "fleet.json"), "--baseline", str(baseline))
