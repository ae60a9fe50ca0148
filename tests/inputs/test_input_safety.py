"""Reading inputs safely: only regular files and standard input, within a size limit, and
strict JSON (no duplicate keys, only finite numbers, bounded nesting), every refusal one
located error."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lslint.baseline import BASELINE_FORMAT, parse_baseline
from lslint.engine.evaluate import run
from lslint.errors import ConfigError, InputError
from lslint.inputs import LIMIT_VARIABLE, format_size, parse_size, size_limit
from lslint.inventory import Inventory, Resource
from lslint.jsoninput import MAX_DEPTH
from lslint.models import Instance
from lslint.reporters import render
from lslint.reporters.context import ReportContext
from lslint.sources.snapshot import SnapshotSource, parse_snapshot, render_snapshot

from conftest import (
    BUILTIN_RULES,
    EXAMPLES,
    ROOT,
    CliResult,
    assert_one_error,
    passing_instance,
    rule_from_text,
)

Cli = Callable[..., CliResult]
FLEET = EXAMPLES / "fleet.json"
RULE = BUILTIN_RULES / "LS002-imdsv1-allowed.yaml"
SPECIAL_FILE_TIMEOUT = 30  # seconds; reading a FIFO or a device used to never end


def lslint_process(
    *args: str,
    cwd: Path,
    stdin: int | None = subprocess.DEVNULL,
    close_stdin: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lslint", *args],
        stdin=None if close_stdin else stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=SPECIAL_FILE_TIMEOUT,
        check=False,
        cwd=cwd,
        preexec_fn=(lambda: os.close(0)) if close_stdin else None,
    )


def assert_one_error_line(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("lslint: error:")]
    assert len(errors) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def baseline_document(*fingerprints: str) -> dict[str, Any]:
    return {
        "format": BASELINE_FORMAT,
        "version": 1,
        "findings": [{"fingerprint": f, "rule_id": "LS002"} for f in fingerprints],
    }


# ---------------------------------------------------------------- special files


def special_file_args(option: str, path: Path) -> list[str]:
    if option == "--input":
        return ["scan", "--input", str(path)]
    if option == "rules validate":
        return ["rules", "validate", str(path)]
    return ["scan", "--input", str(FLEET), option, str(path)]


FILE_OPTIONS = {
    "--input": "input file",
    "--rules": "rule file",
    "--config": "config file",
    "--baseline": "baseline",
    "rules validate": "rule file",
}


@pytest.mark.parametrize("option", list(FILE_OPTIONS))
def test_a_fifo_is_refused_without_blocking(tmp_path: Path, option: str) -> None:
    fifo = tmp_path / "input.fifo"
    os.mkfifo(fifo)
    proc = lslint_process(*special_file_args(option, fifo), cwd=tmp_path)
    line = assert_one_error_line(proc, str(fifo), FILE_OPTIONS[option], "named pipe (FIFO)")
    assert line.startswith(f"lslint: error: {fifo}: ")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("option", ["--input", "--rules", "--config", "--baseline"])
def test_a_character_device_is_refused_before_reading(tmp_path: Path, option: str) -> None:
    zero = tmp_path / "zero"
    try:
        os.mknod(zero, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # what /dev/zero is
    except PermissionError:
        pytest.skip("creating device nodes needs root")
    proc = lslint_process(*special_file_args(option, zero), cwd=tmp_path)
    assert_one_error_line(proc, str(zero), FILE_OPTIONS[option], "character device")


def test_a_directory_given_as_the_config_is_refused(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    result = cli(["scan", "--input", str(FLEET), "--config", str(folder)])
    assert_one_error(result, "config file is a directory", where=str(folder))


def test_a_symlink_to_a_regular_file_is_read(cli: Cli, tmp_path: Path) -> None:
    link = tmp_path / "latest.json"
    link.symlink_to(FLEET)
    assert cli(["scan", "--input", str(link)]).exit_code == 1  # the fleet has findings


# ---------------------------------------------------------------- standard input


def test_closed_stdin_is_one_clear_error(tmp_path: Path) -> None:
    proc = lslint_process("scan", "--input", "-", cwd=tmp_path, close_stdin=True)
    line = assert_one_error_line(proc, "standard input", "closed")
    assert line.startswith("lslint: error: <stdin>: ")


def test_piped_stdin_is_read(tmp_path: Path) -> None:
    document = {"instances": [passing_instance("web-1")]}
    proc = subprocess.run(
        [sys.executable, "-m", "lslint", "scan", "--input", "-", "-f", "json"],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=SPECIAL_FILE_TIMEOUT,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["failing"] == 0


def test_endless_stdin_stops_at_the_size_limit(tmp_path: Path) -> None:
    source = tmp_path / "big.json"
    source.write_bytes(b" " * (3 * 1024 * 1024))  # 3 MiB, more than the limit below
    with source.open("rb") as stdin:
        proc = lslint_process(
            "scan", "--input", "-", cwd=tmp_path, stdin=stdin.fileno(),
            env={LIMIT_VARIABLE: "1MiB"},
        )  # fmt: skip
    assert_one_error_line(proc, "<stdin>", "larger than the limit of 1 MiB")
    assert LIMIT_VARIABLE in proc.stderr  # the hint names the setting


# LSLINT_MAX_INPUT_BYTES is one limit for every file, the built-in rules (up to about 8 KB)
# included: the inputs below are larger than those.
BIG_FLEET = {"instances": [passing_instance(f"web-{i}") for i in range(40)]}


def test_stdin_within_the_limit_is_read(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps(BIG_FLEET)
    monkeypatch.setenv(LIMIT_VARIABLE, str(len(text.encode())))
    assert cli(["scan", "--input", "-"], stdin=text).exit_code == 0


def test_stdin_one_byte_over_the_limit_is_refused(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = json.dumps(BIG_FLEET)
    monkeypatch.setenv(LIMIT_VARIABLE, str(len(text.encode()) - 1))
    assert_one_error(cli(["scan", "--input", "-"], stdin=text), "larger than the limit")


# ---------------------------------------------------------------- size limits


def test_an_input_file_over_the_limit_is_refused(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = {"instances": [passing_instance(f"a-{i}") for i in range(80)]}
    path = write_json(tmp_path / "fleet.json", fleet)
    monkeypatch.setenv(LIMIT_VARIABLE, "16K")
    result = cli(["scan", "--input", str(path)])
    assert_one_error(result, "input file is larger than the limit of 16 KiB", where=str(path))
    monkeypatch.setenv(LIMIT_VARIABLE, str(path.stat().st_size))
    assert cli(["scan", "--input", str(path)]).exit_code == 0  # exactly at the limit


@pytest.mark.parametrize(("option", "what"), [("--rules", "rule"), ("--config", "config")])
def test_rule_and_config_files_over_the_limit_are_refused(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str, what: str
) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * 2000)  # 20,000 bytes
    monkeypatch.setenv(LIMIT_VARIABLE, "16KiB")
    result = cli(["scan", "--input", str(FLEET), option, str(path)])
    assert_one_error(result, f"{what} file is larger than the limit of 16 KiB", where=str(path))


def test_a_baseline_over_the_limit_is_refused(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_json(tmp_path / "baseline.json", baseline_document(*"abcdefghij" * 300))
    monkeypatch.setenv(LIMIT_VARIABLE, "16000B")  # B after the unit counts 1000s
    result = cli(["scan", "--input", str(FLEET), "--baseline", str(path)])
    assert_one_error(result, "baseline is larger than the limit of", where=str(path))


def test_the_default_limits_are_generous(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LIMIT_VARIABLE, raising=False)
    assert size_limit(123) == 123
    monkeypatch.setenv(LIMIT_VARIABLE, " 4GiB ")
    assert size_limit(123) == 4 * 1024**3


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1048576", 1024**2),
        ("512", 512),
        ("10b", 10),
        ("64K", 64 * 1024),
        ("64KiB", 64 * 1024),
        ("64kb", 64_000),
        ("2M", 2 * 1024**2),
        ("2MB", 2_000_000),
        ("1g", 1024**3),
        ("3 GiB", 3 * 1024**3),
        ("1T", 1024**4),
        ("1TB", 10**12),
    ],
)
def test_sizes_are_parsed_with_units(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "abc", "1.5G", "-1", "10 parsecs", "1KK", "G"])
def test_invalid_sizes_are_refused(text: str) -> None:
    assert parse_size(text) is None


@pytest.mark.parametrize("value", ["lots", "0", "1.5GiB"])
def test_an_invalid_limit_setting_is_one_error(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(LIMIT_VARIABLE, value)
    assert_one_error(cli(["scan", "--input", str(FLEET)]), LIMIT_VARIABLE, repr(value))
    with pytest.raises(ConfigError, match=LIMIT_VARIABLE):
        size_limit(1)


@pytest.mark.parametrize(
    ("size", "shown"),
    [(1024**3, "1 GiB"), (256 * 1024**2, "256 MiB"), (3072, "3 KiB"), (1536, "1536 bytes")],
)
def test_limits_are_shown_exactly(size: int, shown: str) -> None:
    assert format_size(size) == shown


# ---------------------------------------------------------------- text encoding


def test_invalid_utf8_in_a_snapshot_is_located(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    path.write_bytes(b'{\n  "instances": [\n    {"name": "caf\xe9"}\n  ]\n}\n')
    assert_one_error(cli(["scan", "--input", str(path)]), "not UTF-8", where=f"{path}:3:18: ")


def test_invalid_utf8_in_a_rule_file_is_located(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "rule.yaml"
    path.write_bytes(RULE.read_bytes() + b"# caf\xc3\n")
    lines = path.read_bytes().count(b"\n")
    result = cli(["scan", "--input", str(FLEET), "--rules", str(path)])
    assert_one_error(result, "rule file is not UTF-8", where=f"{path}:{lines}:6: ")


# ---------------------------------------------------------------- duplicate keys


def test_a_trailing_duplicate_instances_key_is_refused(cli: Cli, tmp_path: Path) -> None:
    exposed = passing_instance("web-1", metadataOptions={"httpTokens": "optional"})
    path = tmp_path / "fleet.json"
    path.write_text(
        '{\n  "instances": [' + json.dumps(exposed) + '],\n  "instances": []\n}\n',
        encoding="utf-8",
    )
    result = cli(["scan", "--input", str(path)])
    assert_one_error(result, 'duplicate key "instances" (first on line 2)', where=f"{path}:3:3: ")


def test_a_trailing_duplicate_errors_key_is_refused(cli: Cli, tmp_path: Path) -> None:
    failure = {"region": "eu-west-2", "operation": "GetInstances", "message": "throttled"}
    path = tmp_path / "snapshot.json"
    path.write_text(
        "{\n"
        '  "format": "lslint-snapshot",\n'
        '  "version": 1,\n'
        f'  "errors": [{json.dumps(failure)}],\n'
        '  "instances": [],\n'
        '  "errors": []\n'
        "}\n",
        encoding="utf-8",
    )
    result = cli(["scan", "--input", str(path)])
    assert_one_error(result, 'duplicate key "errors" (first on line 4)', where=f"{path}:6:3: ")


def test_a_duplicate_key_inside_an_instance_is_refused_at_its_line(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "fleet.json"
    path.write_text(
        '{"instances": [\n'
        '  {"name": "web-1"},\n'
        '  {"name": "web-2",\n'
        '   "metadataOptions": {"httpTokens": "optional",\n'
        '                       "httpTokens": "required"}}\n'
        "]}\n",
        encoding="utf-8",
    )
    result = cli(["scan", "--input", str(path)])
    assert_one_error(result, 'duplicate key "httpTokens" (first on line 4)', where=f"{path}:5:24: ")


def test_a_duplicate_key_on_stdin_is_located_too(cli: Cli) -> None:
    text = '{"instances": [{"name": "a", "name": "b"}]}'
    assert_one_error(cli(["scan", "--input", "-"], stdin=text), where="<stdin>:1:30: ")


def test_a_duplicate_key_in_a_baseline_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(
        "{\n"
        '  "format": "lslint-baseline",\n'
        '  "version": 1,\n'
        '  "findings": [{"fingerprint": "abc"}],\n'
        '  "findings": []\n'
        "}\n",
        encoding="utf-8",
    )
    result = cli(["scan", "--input", str(FLEET), "--baseline", str(path)])
    assert_one_error(result, 'duplicate key "findings" (first on line 4)', where=f"{path}:5:3: ")


def test_a_duplicate_fingerprint_key_in_a_baseline_entry_is_refused() -> None:
    text = '{"format": "lslint-baseline", "version": 1,\n "findings": [\n'
    text += '  {"fingerprint": "a", "fingerprint": "b"}]}'
    with pytest.raises(InputError, match='duplicate key "fingerprint"') as caught:
        parse_baseline(text, "b.json")
    assert caught.value.where == "b.json:3:24"


def test_equal_keys_in_different_objects_are_fine() -> None:
    text = json.dumps({"instances": [passing_instance("a"), passing_instance("b")]}, indent=2)
    assert [r.name for r in parse_snapshot(text, "f.json").resources] == ["a", "b"]


# ---------------------------------------------------------------- non-finite numbers


@pytest.mark.parametrize(
    ("fragment", "number"),
    [
        ('"hardware": {"ramSizeInGb": 1e400}', "1e400"),
        ('"hardware": {"ramSizeInGb": -1E+999}', "-1E+999"),
        ('"futureField": {"score": 1.5e309}', "1.5e309"),
        ('"futureField": [1, 2, 9e999]', "9e999"),
    ],
    ids=["float-field", "negative", "unknown-field", "in-a-list"],
)
def test_numbers_that_overflow_to_infinity_are_refused(
    cli: Cli, tmp_path: Path, fragment: str, number: str
) -> None:
    path = tmp_path / "fleet.json"
    path.write_text('{"instances": [\n  {"name": "a", ' + fragment + "}\n]}\n", encoding="utf-8")
    column = 3 + len('{"name": "a", ') + fragment.index(number)
    result = cli(["scan", "--input", str(path), "-f", "json"])
    assert_one_error(result, f"number {number} is out of range", where=f"{path}:2:{column}: ")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_constants_are_refused_at_their_position(
    cli: Cli, tmp_path: Path, constant: str
) -> None:
    path = tmp_path / "fleet.json"
    path.write_text('{"instances": [{"x": ' + constant + "}]}", encoding="utf-8")
    assert_one_error(cli(["scan", "--input", str(path)]), constant, where=f"{path}:1:22: ")


def test_a_non_finite_number_in_a_baseline_is_refused() -> None:
    text = '{"format": "lslint-baseline", "version": 1, "findings": [], "x": 1e999}'
    with pytest.raises(InputError, match="out of range") as caught:
        parse_baseline(text, "b.json")
    assert caught.value.where == "b.json:1:66"


def test_small_and_ordinary_numbers_are_read() -> None:
    raw = passing_instance("a", hardware={"ramSizeInGb": 1e-400, "cpuCount": 2}, extra=1e308)
    (resource,) = parse_snapshot(json.dumps({"instances": [raw]}), "f.json").resources
    assert resource.model.hardware is not None
    assert resource.model.hardware.ramSizeInGb == 0.0


def test_json_writers_never_write_infinity() -> None:
    raw = {"name": "a", "score": float("inf")}
    with pytest.raises(ValueError, match="JSON compliant"):
        render_snapshot(
            {"instance": [raw]},
            regions=[],
            errors=[],
            lslint_version="0",
            created_at=datetime.now(UTC),
        )


@pytest.mark.parametrize("fmt", ["json", "sarif"])  # the formats that carry evidence
def test_json_reports_never_contain_non_finite_numbers(fmt: str) -> None:
    rule = rule_from_text(RULE.read_text(encoding="utf-8"))
    instance = Instance.model_validate(
        passing_instance("a", metadataOptions={"httpTokens": "optional"})
    )
    result = run([rule], Inventory(resources=[Resource(instance)]))
    result.findings = [replace(f, evidence={"score": float("nan")}) for f in result.findings]
    assert result.findings
    with pytest.raises(ValueError, match="JSON compliant"):
        render(fmt, result, ReportContext())


# ---------------------------------------------------------------- nesting depth


def test_a_deeply_nested_baseline_is_one_located_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    depth = 100_000
    path.write_text(
        '{"format": "lslint-baseline", "version": 1,\n "findings": [\n'
        + "[" * depth
        + "]" * depth
        + "]}\n",
        encoding="utf-8",
    )
    result = cli(["scan", "--input", str(FLEET), "--baseline", str(path)])
    # the document and the findings list are two levels: the element's own brackets start at
    # column 1 of line 3, and the one that opens level MAX_DEPTH + 1 is the error
    column = MAX_DEPTH + 1 - 2
    assert_one_error(result, f"nested deeper than {MAX_DEPTH} levels", where=f"{path}:3:{column}:")


def test_a_deeply_nested_top_level_baseline_is_located() -> None:
    text = "\n" + "[" * 100_000 + "]" * 100_000
    with pytest.raises(InputError, match="nested deeper") as caught:
        parse_baseline(text, "b.json")
    assert caught.value.where == f"b.json:2:{MAX_DEPTH + 1}"


@pytest.mark.parametrize("depth", [MAX_DEPTH - 2, 1_000, 100_000])
def test_snapshot_nesting_is_bounded_with_a_location(cli: Cli, tmp_path: Path, depth: int) -> None:
    path = tmp_path / "fleet.json"
    nested = "[" * depth + "]" * depth
    path.write_text('{"instances": [\n  {"deep": ' + nested + "}\n]}\n", encoding="utf-8")
    result = cli(["scan", "--input", str(path)])
    # the document, the list and the instance are three levels
    column = 3 + len('{"deep": ') + (MAX_DEPTH - 3)
    assert_one_error(result, "nested deeper than", where=f"{path}:2:{column}: ")


def test_nesting_up_to_the_limit_is_read() -> None:
    depth = MAX_DEPTH - 3  # within the document, the list and the instance
    raw = '{"instances": [{"name": "a", "deep": ' + "[" * depth + "]" * depth + "}]}"
    (resource,) = parse_snapshot(raw, "f.json").resources
    assert resource.name == "a"


def test_stdin_replaced_by_a_text_stream_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps({"instances": [passing_instance("web-1")]})
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    (resource,) = SnapshotSource("-").collect().resources
    assert resource.name == "web-1"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    monkeypatch.setenv(LIMIT_VARIABLE, "100")
    with pytest.raises(InputError, match="larger than the limit"):
        SnapshotSource("-").collect()
