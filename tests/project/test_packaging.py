"""The wheel carries the built-in rules, and an installed lslint finds them from anywhere."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import BUILTIN_RULES, ROOT

pytestmark = pytest.mark.slow  # subprocesses and builds: not in the inner loop


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "--no-deps",
         "--wheel-dir", str(out), str(ROOT)],
        check=True,
    )  # fmt: skip
    (built,) = out.glob("lslint-*.whl")
    return built


def test_wheel_contains_every_builtin_rule(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    packaged = sorted(Path(n).name for n in names if n.startswith("lslint/_rules/"))
    assert packaged == sorted(p.name for p in BUILTIN_RULES.glob("*.yaml"))
    assert len(packaged) >= 4


def test_unpacked_wheel_lists_rules_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", "from lslint.cli import main; main()", "rules", "list"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for rule_id in ("LS001", "LS002", "LS003", "LS004"):
        assert rule_id in result.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import lslint.api as a; print(a.builtin_rules_dir())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(probe.stdout.strip()).is_relative_to(site)


def test_wheel_metadata_has_urls_and_licence_but_no_development_tools(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    metadata = email.message_from_bytes(archive.read(metadata_name))
    assert metadata.get_all("Provides-Extra") == ["test"]
    required = {
        re.split(r"[\[=<>~! ;]", r, maxsplit=1)[0] for r in metadata.get_all("Requires-Dist")
    }
    assert not required & {"ruff", "mypy", "zizmor", "check-jsonschema", "boto3-stubs", "uv"}
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert set(urls) >= {"Homepage", "Documentation", "Issues", "Changelog"}
    assert metadata["License-Expression"] == "Apache-2.0"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in archive.namelist())
