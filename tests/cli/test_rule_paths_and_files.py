"""Paths the user names (rule paths, the config, outputs) that name nothing usable: one
error line naming the path, exit 2, never a traceback and never a silent pass."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import lslint.cli.scan
from lslint.api import prepare, report_root
from lslint.errors import RuleError

from conftest import (
    EXAMPLES,
    CliResult,
    assert_one_error,
    passing_instance,
    write_config,
    write_fleet,
)

Cli = Callable[..., CliResult]
ACME = "ACME001-production-without-static-ip.yaml"
LONG_NAME = "b" * 300  # longer than any file system allows: stat() fails with ENAMETOOLONG


def policies_without_rules(folder: Path) -> Path:
    """A config whose rules.paths names a folder holding no rule file (only a disabled one)."""
    policies = folder / "policies"
    policies.mkdir(parents=True)
    (policies / "X.yaml.disabled").write_text("lslint: 1\n", encoding="utf-8")
    return write_config(folder, "fail_on: high\nrules:\n  paths: [./policies]\n", name="c.yaml")


def validate_errors(result: CliResult) -> list[str]:
    """The error lines of ``rules validate``/``rules test`` (which also print a summary)."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("lslint: error:")]


# ---------------------------------------------------------------- folders without rules


@pytest.mark.parametrize("command", [["scan", "-i", "fleet.json"], ["rules", "list"],
                                     ["rules", "show", "LS001"]])  # fmt: skip
def test_a_config_rule_folder_without_rules_is_an_error_at_its_entry(
    cli: Cli, tmp_path: Path, command: list[str]
) -> None:
    write_fleet(tmp_path, passing_instance("web-1"))
    config = policies_without_rules(tmp_path / "cfg")
    result = cli([*command, "--config", str(config)])
    assert_one_error(
        result, f"no rule files (*.yaml, *.yml) found: {tmp_path / 'cfg' / 'policies'}",
        where=f"{config}:3:11:",
    )  # fmt: skip


def test_rules_validate_locates_a_config_rule_folder_without_rules(
    cli: Cli, tmp_path: Path
) -> None:
    config = policies_without_rules(tmp_path / "cfg")
    errors = validate_errors(cli(["rules", "validate", "--config", str(config)]))
    assert errors == [
        f"lslint: error: {config}:3:11: no rule files (*.yaml, *.yml) found: "
        f"{tmp_path / 'cfg' / 'policies'}"
    ]


def test_a_rules_option_folder_without_rules_is_an_error(cli: Cli, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, passing_instance("web-1"))
    (tmp_path / "empty").mkdir()
    result = cli(["scan", "-i", str(fleet), "--rules", "empty"])
    assert_one_error(result, "no rule files (*.yaml, *.yml) found", where="empty:")


def test_the_library_refuses_a_rule_folder_without_rules(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuleError, match=r"no rule files"):
        prepare(rule_paths=[tmp_path / "empty"])


def test_a_rule_subfolder_that_cannot_be_listed_is_an_error(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = write_fleet(tmp_path, passing_instance("web-1"))
    shutil.copytree(EXAMPLES / "rules", tmp_path / "policies" / "locked")
    shutil.copy(EXAMPLES / "rules" / ACME, tmp_path / "policies" / "open.yaml")
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # as for a folder without read permission (not root)
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = cli(["scan", "-i", str(fleet), "--rules", "policies"])
    assert_one_error(result, "cannot read rule folder: Permission denied", where="policies/locked:")


def test_a_missing_config_rule_path_names_its_entry(cli: Cli, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, passing_instance("web-1"))
    config = write_config(tmp_path / "sub", "rules:\n  paths:\n    - ./rules\n    - ./nope\n",
                          name="c.yaml")  # fmt: skip
    shutil.copytree(EXAMPLES / "rules", tmp_path / "sub" / "rules")
    result = cli(["scan", "-i", str(fleet), "--config", str(config)])
    assert_one_error(result, f"rule path not found: {tmp_path / 'sub' / 'nope'}",
                     where=f"{config}:4:7:")  # fmt: skip


def test_an_empty_config_rule_path_is_an_error_at_its_entry(cli: Cli, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, passing_instance("web-1"))
    config = write_config(tmp_path, "rules:\n  paths: ['']\n", name="c.yaml")
    result = cli(["scan", "-i", str(fleet), "--config", str(config)])
    assert_one_error(result, "an empty path names no rule file or folder", where=f"{config}:2:11:")


def test_an_empty_rules_option_is_refused_by_rules_list(cli: Cli) -> None:
    assert_one_error(cli(["rules", "list", "--rules", ""]), "an empty rule path")


def test_an_empty_input_is_refused_as_an_empty_path(cli: Cli) -> None:
    assert_one_error(cli(["scan", "-i", ""]), "--input: an empty path names no file")


# ---------------------------------------------------------------- the same rule file twice


def test_the_config_and_rules_option_naming_one_folder_load_it_once(
    cli: Cli, tmp_path: Path
) -> None:
    fleet = write_fleet(tmp_path, passing_instance("web-1"))
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    (tmp_path / "link").symlink_to(tmp_path / "ex" / "rules")
    result = cli(["scan", "-i", str(fleet), "--config", "ex/lslint.yaml", "--rules", "ex/rules",
                  "--rules", "link", "-f", "json"])  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    assert "duplicate" not in result.stderr


def test_rules_validate_reads_a_folder_given_twice_once(cli: Cli) -> None:
    folder = str(EXAMPLES / "rules")
    result = cli(["rules", "validate", folder, folder])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("ok: ") == 1


def test_two_files_with_one_id_still_clash(cli: Cli, tmp_path: Path) -> None:
    for name in ("a", "b"):
        shutil.copytree(EXAMPLES / "rules", tmp_path / name)
    fleet = write_fleet(tmp_path, passing_instance("web-1"))
    result = cli(["scan", "-i", str(fleet), "--rules", "a", "--rules", "b"])
    assert_one_error(result, "duplicate rule id 'ACME001'", where="b/")


# ---------------------------------------------------------------- the config found upwards


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda p: p.symlink_to("nowhere.yaml"), "a symbolic link to nothing"),
        (lambda p: p.mkdir(), "a directory, expected a file"),
    ],
)
def test_an_unreadable_config_found_upwards_is_an_error(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    make: Callable[[Path], object], what: str,
) -> None:  # fmt: skip
    (tmp_path / ".git").mkdir()
    write_config(tmp_path, "fail_on: never\n")  # further up than the broken one: never used
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    make(project / ".lslint.yaml")
    fleet = write_fleet(tmp_path, passing_instance("web-1"))
    monkeypatch.chdir(project / "sub")
    result = cli(["scan", "-i", str(fleet)])
    assert_one_error(result, f"config file is {what}", where=f"{project / '.lslint.yaml'}:")


# ---------------------------------------------------------------- paths the system refuses


@pytest.mark.parametrize(
    "options",
    [
        ["-o", LONG_NAME],
        ["--report", f"json={LONG_NAME}"],
        ["--write-baseline", LONG_NAME],
        ["--rules", LONG_NAME],
    ],
)
def test_a_scan_path_too_long_is_one_error(cli: Cli, tmp_path: Path, options: list[str]) -> None:
    fleet = write_fleet(tmp_path, passing_instance("web-1"))
    result = cli(["scan", "-i", str(fleet), *options])
    assert_one_error(result, "File name too long", where=f"{LONG_NAME}:")


def test_rules_list_with_a_rule_path_too_long_is_one_error(cli: Cli) -> None:
    result = cli(["rules", "list", "--rules", LONG_NAME])
    assert_one_error(result, "cannot read rule path: File name too long", where=f"{LONG_NAME}:")


def test_rules_validate_with_a_path_too_long_is_one_error(cli: Cli) -> None:
    assert validate_errors(cli(["rules", "validate", LONG_NAME])) == [
        f"lslint: error: {LONG_NAME}: cannot read rule path: File name too long"
    ]


def test_a_file_error_from_anywhere_is_one_line_without_traceback(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "secret/x.json")

    monkeypatch.setattr(lslint.cli.scan, "run_scan", refuse)
    fleet = write_fleet(tmp_path, passing_instance("web-1"))
    result = cli(["scan", "-i", str(fleet)])
    assert_one_error(result, "Permission denied", where="secret/x.json:")


def test_report_root_passes_over_a_folder_that_cannot_be_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    here = tmp_path / "locked" / "work"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if Path(str(path)).parent == tmp_path / "locked":  # as without search permission
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    assert report_root() == tmp_path
