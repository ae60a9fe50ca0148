"""Outputs never destroy anything: device nodes and FIFOs are written, not replaced; no output
overwrites a file the run reads, however it is spelled; interrupted writes leave nothing; a
closed, full or vanished standard output is handled."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lslint.errors import OutputError
from lslint.output import write_output

from conftest import EXAMPLES, ROOT, CliResult, assert_one_error

Cli = Callable[..., CliResult]
FLEET = EXAMPLES / "fleet.json"


def device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device node inside the test's own folder (1,3 is null; 1,7 is full)."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("creating device nodes needs root")
    return path


def lslint_process(
    *args: str, stdin: int | None = None, stdout: int | None = None, close_stdout: bool = False
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "lslint", *args],
        stdin=stdin,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        check=False,
        cwd=ROOT,
        preexec_fn=(lambda: os.close(1)) if close_stdout else None,
    )


# ---------------------------------------------------------------- special files


@pytest.mark.parametrize("option", ["-o", "--report", "--write-baseline"])
def test_a_device_node_is_written_not_replaced(cli: Cli, tmp_path: Path, option: str) -> None:
    null = device(tmp_path, "null", 3)
    target = f"sarif={null}" if option == "--report" else str(null)
    result = cli(["scan", "-i", str(FLEET), option, target])
    assert result.exit_code in (0, 1), result.stderr
    assert stat.S_ISCHR(null.stat().st_mode), "the device node was replaced"
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_a_full_device_is_one_clear_error(cli: Cli, tmp_path: Path) -> None:
    full = device(tmp_path, "full", 7)
    assert_one_error(cli(["scan", "-i", str(FLEET), "-o", str(full)]), "No space left on device")
    assert stat.S_ISCHR(full.stat().st_mode)


def test_a_fifo_receives_the_report_and_stays_a_fifo(cli: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = cli(["scan", "-i", str(FLEET), "-f", "json", "-o", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 1, result.stderr
    assert json.loads(received[0])["summary"]["failing"] > 0
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_symlink_to_a_report_stays_a_link(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "reports" / "lslint.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    assert cli(["scan", "-i", str(FLEET), "-f", "json", "-o", str(link)]).exit_code == 1
    assert link.is_symlink()
    assert json.loads(target.read_text())["tool"]["name"] == "lslint"


def test_a_directory_as_output_is_one_error(cli: Cli, tmp_path: Path) -> None:
    assert_one_error(cli(["scan", "-i", str(FLEET), "-o", str(tmp_path)]), "is a directory")


# ---------------------------------------------------------------- files the run reads


def rule_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    rule = (EXAMPLES / "rules" / "ACME001-production-without-static-ip.yaml").read_text()
    (folder / "acme.yaml").write_text(rule)
    return folder


@pytest.mark.parametrize(
    ("output", "victim"),
    [
        ("policies/acme.yaml", "the rule file"),
        ("policies/../policies/./acme.yaml", "the rule file"),
        ("cfg.yaml", "the config file"),
        ("link-to-config.yaml", "the config file"),
        ("hardlink-to-input.json", "the input file"),
        ("base.json", "the baseline"),
    ],
)
@pytest.mark.parametrize("option", ["-o", "--report", "--write-baseline"])
def test_no_output_overwrites_a_file_the_run_reads(
    cli: Cli, tmp_path: Path, output: str, victim: str, option: str
) -> None:
    folder = rule_folder(tmp_path)
    (tmp_path / "cfg.yaml").write_text("fail_on: high\n")
    (tmp_path / "link-to-config.yaml").symlink_to(tmp_path / "cfg.yaml")
    fleet = tmp_path / "fleet.json"
    fleet.write_text(FLEET.read_text())
    os.link(fleet, tmp_path / "hardlink-to-input.json")
    baseline = tmp_path / "base.json"
    baseline.write_text('{"format": "lslint-baseline", "version": 1, "findings": []}')
    if option == "--write-baseline" and output == "base.json":
        pytest.skip("refreshing the baseline in place is allowed (see below)")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    args = ["scan", "-i", str(fleet), "--config", "cfg.yaml", "--rules", str(folder),
            "--baseline", str(baseline)]  # fmt: skip
    args += {"-o": ["-o", output], "--report": ["--report", f"junit={output}"],
             "--write-baseline": ["--write-baseline", output]}[option]  # fmt: skip
    assert_one_error(cli(args), "would overwrite", victim)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_an_output_may_not_replace_the_file_on_standard_input(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.json"
    fleet.write_text(FLEET.read_text())
    with fleet.open("rb") as stdin:
        process = lslint_process("scan", "--input", "-", "-o", str(fleet), stdin=stdin.fileno())
    assert process.returncode == 2, process.stderr
    assert b"would overwrite the input file -" in process.stderr
    assert fleet.read_text() == FLEET.read_text()


# ---------------------------------------------------------------- interrupted writes


def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(self: Path, target: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_output(tmp_path / "report.json", "x" * 1_000_000)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_is_an_output_error_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "ro").mkdir(mode=0o500)
    if os.access(tmp_path / "ro", os.W_OK):
        target = device(tmp_path, "full", 7)
        with pytest.raises(OutputError, match="No space left on device"):
            write_output(target, "report")
        return
    with pytest.raises(OutputError, match="cannot write output"):
        write_output(tmp_path / "ro" / "report.json", "report")
    assert list((tmp_path / "ro").iterdir()) == []


# ---------------------------------------------------------------- standard output


def test_closed_stdout_is_an_error_not_a_silent_drop() -> None:
    process = lslint_process("scan", "-i", str(FLEET), close_stdout=True)
    assert process.returncode == 2
    assert b"standard output is closed" in process.stderr
    assert b"Traceback" not in process.stderr


def test_a_full_stdout_is_an_error(tmp_path: Path) -> None:
    full = device(tmp_path, "full", 7)
    with full.open("wb") as stdout:
        process = lslint_process("scan", "-i", str(FLEET), stdout=stdout.fileno())
    assert process.returncode == 2
    assert b"cannot write to standard output: No space left on device" in process.stderr
    assert b"Traceback" not in process.stderr


def test_a_reader_that_goes_away_keeps_the_gates_exit_code() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = (
        f'"{sys.executable}" -m lslint scan -i examples/fleet.json | true; exit ${{PIPESTATUS[0]}}'
    )
    process = subprocess.run(
        ["bash", "-c", script], capture_output=True, env=env, cwd=ROOT, timeout=60, check=False
    )
    assert process.returncode == 1, process.stderr
    assert b"Traceback" not in process.stderr and b"internal error" not in process.stderr


def test_a_baseline_can_be_refreshed_in_place(cli: Cli, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert cli(["scan", "-i", str(FLEET), "--write-baseline", str(baseline)]).exit_code == 0
    recorded = json.loads(baseline.read_text())["findings"]
    fixed = json.loads(FLEET.read_text())
    # db-staging is gone: its findings are fixed
    fixed["instances"] = [i for i in fixed["instances"] if i["name"] != "db-staging"]
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps(fixed))
    args = ["scan", "-i", str(fleet), "--baseline", str(baseline)]
    result = cli([*args, "--write-baseline", str(baseline)])
    assert result.exit_code == 0, result.stderr
    refreshed = json.loads(baseline.read_text())["findings"]
    assert 0 < len(refreshed) < len(recorded)
    assert {e["fingerprint"] for e in refreshed} < {e["fingerprint"] for e in recorded}
    assert cli(args).exit_code == 0


def test_a_symbolic_link_loop_is_one_error_wherever_it_is_given(cli: Cli, tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for args in (["-i", str(loop)], ["-i", str(FLEET), "--baseline", str(loop)],
                 ["-i", str(FLEET), "-o", str(loop)]):  # fmt: skip
        result = cli(["scan", *args])
        assert result.exit_code == 2, args
        assert "internal error" not in result.stderr and "lslint: error:" in result.stderr, args


def test_write_baseline_to_dash_goes_to_stdout(cli: Cli, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    result = cli(["scan", "-i", str(FLEET), "-o", str(report), "--write-baseline", "-"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["format"] == "lslint-baseline"
    assert "wrote baseline standard output" in result.stderr
    assert not (tmp_path / "-").exists()
    assert_one_error(cli(["scan", "-i", str(FLEET), "--write-baseline", "-"]), "only one output")


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_a_stream_path_appends_to_the_file_behind_the_stream(tmp_path: Path, name: str) -> None:
    log = tmp_path / "log.txt"
    log.write_text("PREVIOUS LINE\n")
    inode = log.stat().st_ino
    with log.open("ab") as stdout:
        process = lslint_process("scan", "-i", str(FLEET), "-f", "json", "-o", name,
                                 stdout=stdout.fileno())  # fmt: skip
    assert process.returncode == 1, process.stderr
    assert log.stat().st_ino == inode, "the file behind stdout was replaced"
    previous, report = log.read_text().split("\n", 1)
    assert previous == "PREVIOUS LINE"
    assert json.loads(report)["tool"]["name"] == "lslint"


def test_a_report_to_dev_stderr_keeps_the_log_it_appends_to(tmp_path: Path) -> None:
    log = tmp_path / "err.log"
    log.write_text("PREVIOUS\n")
    out = tmp_path / "out.txt"
    with log.open("ab") as stderr:
        process = subprocess.run(
            [sys.executable, "-m", "lslint", "scan", "-i", str(FLEET), "-o", str(out),
             "--report", "sarif=/dev/stderr"],
            stderr=stderr.fileno(), stdout=subprocess.PIPE, cwd=ROOT, timeout=60, check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    assert process.returncode == 1
    text = log.read_text()
    assert text.startswith("PREVIOUS\n") and '"version": "2.1.0"' in text


@pytest.mark.parametrize(("target", "fragment"), [("", "empty path"), ("reports/", "not a file")])
def test_an_output_that_names_no_file_is_refused(cli: Cli, target: str, fragment: str) -> None:
    assert_one_error(cli(["scan", "-i", str(FLEET), "-o", target]), fragment)


def test_a_device_that_fails_leaves_the_regular_reports_untouched(cli: Cli, tmp_path: Path) -> None:
    full = device(tmp_path, "full", 7)
    report = tmp_path / "report.txt"
    report.write_text("old report\n")
    result = cli(["scan", "-i", str(FLEET), "-o", str(report), "--report", f"json={full}"])
    assert result.exit_code == 2
    assert report.read_text() == "old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full", "report.txt"]


@pytest.mark.parametrize(
    ("args", "code"),
    [("scan -i missing.json", 2), ("scan -i examples/fleet.json", 1),
     ("scan -i examples/fleet.json --fail-on never", 0)],
)  # fmt: skip
def test_a_lost_stderr_keeps_the_exit_code(args: str, code: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = f'"{sys.executable}" -m lslint {args}'
    for script in (f"{command} 2>&1 | true; exit ${{PIPESTATUS[0]}}",
                   f"{command} 2>&- ; exit $?"):  # fmt: skip
        process = subprocess.run(
            ["bash", "-c", script], capture_output=True, env=env, cwd=ROOT, timeout=60,
            check=False,
        )  # fmt: skip
        assert process.returncode == code, (script, process.stderr)


def test_a_rules_listing_to_a_reader_that_goes_away_is_not_an_error() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = f'"{sys.executable}" -m lslint rules list | head -c 1; exit ${{PIPESTATUS[0]}}'
    process = subprocess.run(
        ["bash", "-c", script], capture_output=True, env=env, cwd=ROOT, timeout=60, check=False
    )
    assert b"internal error" not in process.stderr and b"Traceback" not in process.stderr
    assert process.returncode in (0, 141), process.stderr


def test_two_streams_onto_stdout_are_refused(cli: Cli) -> None:
    result = cli(["scan", "-i", str(FLEET), "-o", "/dev/stdout", "--report", "sarif=-"])
    assert_one_error(result, "only one output can go to standard output")


@pytest.mark.parametrize(
    "args",
    [["--rules", ""], ["--report", "sarif= "], ["--config", ""], ["--baseline", " "]],
)
def test_blank_paths_are_refused(cli: Cli, args: list[str]) -> None:
    assert_one_error(cli(["scan", "-i", str(FLEET), *args]), "empty path")


def test_a_full_stderr_keeps_the_exit_code(tmp_path: Path) -> None:
    full = device(tmp_path, "full", 7)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with full.open("wb") as stderr:
        process = subprocess.run(
            [sys.executable, "-m", "lslint", "scan", "-i", "missing.json"],
            stderr=stderr.fileno(), stdout=subprocess.PIPE, env=env, cwd=ROOT, timeout=60,
            check=False,
        )  # fmt: skip
    assert process.returncode == 2


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    fifo = tmp_path / "blocked.fifo"
    os.mkfifo(fifo)  # nobody reads it: the write blocks after the other reports are staged
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "lslint", "scan", "-i", str(FLEET), "-f", "json",
         "-o", str(tmp_path / "report.json"), "--report", f"sarif={fifo}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".report.json.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".report.json.*.tmp")), "the report was never staged"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode != 0
    assert b"Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked.fifo"]


def test_an_absurd_size_limit_is_one_error(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSLINT_MAX_INPUT_BYTES", "9" * 5000)
    assert_one_error(cli(["scan", "-i", str(FLEET)]), "LSLINT_MAX_INPUT_BYTES")


def test_ctrl_c_while_lslint_is_starting_prints_no_traceback() -> None:
    # Deterministic: the interrupt arrives while the command line's modules are imported.
    script = (
        "import builtins, os, signal, sys\n"
        "real = builtins.__import__\n"
        "def importing(name, *args, **kwargs):\n"
        "    if name == 'click':\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = importing\n"
        f"sys.argv = ['lslint', 'scan', '-i', {str(FLEET)!r}]\n"
        "from lslint.launch import main\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, env=env, cwd=ROOT, timeout=60,
        check=False,
    )  # fmt: skip
    assert process.returncode == 130, process.stderr
    assert process.stderr == b"lslint: interrupted\n"
