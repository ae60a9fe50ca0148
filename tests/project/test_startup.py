"""A run imports and builds only what it uses: ``--version`` loads no command line, a scan no
reporter it does not write and no validator for a config file it does not have."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from lslint import __version__
from lslint.cli import main
from lslint.reporters import FORMATS, REPORTERS
from lslint.yamldoc import StrictDoc

from conftest import EXAMPLES


def modules_after(code: str, cwd: Path | None = None) -> dict[str, object]:
    """What ``code`` printed as JSON, run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
        cwd=cwd,
    )  # fmt: skip
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


def test_a_scan_without_a_config_file_builds_no_validator_for_one(tmp_path: Path) -> None:
    seen = modules_after(
        "import io, json, sys, contextlib\n"
        f"sys.argv = ['lslint', 'scan', '-i', {str(EXAMPLES / 'fleet.json')!r}, '-o', "
        f"{str(tmp_path / 'report.txt')!r}]\n"
        "from lslint.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "from lslint import config\n"
        "from lslint.engine import loader\n"
        "print(json.dumps({'config': config._ConfigDoc.__pydantic_complete__,"
        " 'rules': loader._RuleDoc.__pydantic_complete__}))\n",
        cwd=tmp_path,
    )
    assert seen == {"config": False, "rules": True}


def test_document_models_give_empty_defaults_without_a_factory() -> None:
    # pydantic reads a factory's signature when it builds the model, and for a builtin such as
    # `list` that runs Python's tokenizer: milliseconds of every run's start.
    from lslint import config  # noqa: PLC0415 - every document model, once imported
    from lslint.engine import loader  # noqa: PLC0415

    documents = {config, loader}
    models = [m for m in _subclasses(StrictDoc) if sys.modules[m.__module__] in documents]
    assert len(models) >= 8
    factories = {
        f"{model.__name__}.{name}": info.default_factory
        for model in models
        for name, info in model.model_fields.items()
        if isinstance(info.default_factory, type) and info.default_factory.__module__ == "builtins"
    }
    assert factories == {}
    assert loader._RuleDoc.model_fields["tags"].get_default(call_default_factory=True) == []


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]
