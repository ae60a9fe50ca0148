"""A run imports only what it uses: ``--version`` loads no command line, a scan no reporter
it does not write."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from lslint import __version__
from lslint.cli import main
from lslint.reporters import FORMATS, REPORTERS


def modules_after(code: str) -> dict[str, object]:
    """What ``code`` printed as JSON, run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_version_prints_what_the_command_line_prints_without_loading_it() -> None:
    seen = modules_after(
        "import io, json, sys, contextlib\n"
        "sys.argv = ['lslint', '--version']\n"
        "from lslint.launch import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    main()\n"
        "heavy = sorted(m for m in ('click', 'pydantic', 'lslint.cli', 'lslint.models')"
        " if m in sys.modules)\n"
        "print(json.dumps({'text': out.getvalue(), 'heavy': heavy}))\n"
    )
    assert seen == {"text": f"lslint, version {__version__}\n", "heavy": []}
    assert CliRunner().invoke(main, ["--version"]).output == seen["text"]


def test_a_reporter_is_imported_when_its_format_is_first_used() -> None:
    seen = modules_after(
        "import json, sys\n"
        "from lslint.reporters import REPORTERS\n"
        "before = sorted(m for m in sys.modules if m.startswith('lslint.reporters.'))\n"
        "REPORTERS['json']\n"
        "after = sorted(m for m in sys.modules if m.startswith('lslint.reporters.'))\n"
        "print(json.dumps({'before': before, 'after': after}))\n"
    )
    assert seen == {
        "before": ["lslint.reporters.context"],
        "after": ["lslint.reporters.context", "lslint.reporters.json"],
    }
    assert list(REPORTERS) == list(FORMATS)
    assert REPORTERS.get("nope") is None


def version_run(code: str, stdout: int) -> subprocess.CompletedProcess[str]:
    """``lslint --version`` through the console script's entry, after ``code``."""
    script = f"import os, sys\n{code}\nsys.argv = ['lslint', '--version']\n"
    script += "from lslint.launch import main\nmain()\n"
    return subprocess.run(
        [sys.executable, "-c", script], stdout=stdout, stderr=subprocess.PIPE, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def test_version_to_a_reader_that_went_away_ends_quietly() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = version_run("", write_end)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")


def test_version_that_cannot_be_written_is_one_error_line() -> None:
    done = version_run("os.close(1)", subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr == "lslint: error: cannot write to standard output: Bad file descriptor\n"
