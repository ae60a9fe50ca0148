"""The files that let others pick the project up: licence, changelog, contributing guide, CI
workflow, pre-commit hooks and package metadata, checked against what they claim."""

from __future__ import annotations

import ast
import re
import shlex
import tomllib
from importlib import import_module
from typing import Any

import pytest
from ruamel.yaml import YAML

from lslint.reporters.sarif import FINGERPRINT_KEY

from conftest import EXAMPLES, ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
WORKFLOW = YAML(typ="safe").load((ROOT / ".github" / "workflows" / "ci.yml").read_text("utf-8"))
PRE_COMMIT = YAML(typ="safe").load((ROOT / ".pre-commit-config.yaml").read_text("utf-8"))
CI_RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
PINNED = re.compile(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}")
DEV_TOOLS = {"ruff", "mypy", "zizmor", "check-jsonschema", "boto3-stubs", "pre-commit", "uv"}


def steps() -> list[dict[str, Any]]:
    return [step for job in WORKFLOW["jobs"].values() for step in job["steps"]]


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[=<>~! ;]", requirement, maxsplit=1)[0] for requirement in requirements}


# ---------------------------------------------------------------- LICENSE


def test_license_is_the_full_apache_2_text_pyproject_declares() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    for number, title in enumerate(
        ["Definitions", "Grant of Copyright License", "Grant of Patent License",
         "Redistribution", "Submission of Contributions", "Trademarks",
         "Disclaimer of Warranty", "Limitation of Liability",
         "Accepting Warranty or Additional Liability"],
        start=1,
    ):  # fmt: skip
        assert f"{number}. {title}." in text
    assert "END OF TERMS AND CONDITIONS" in text


# ---------------------------------------------------------------- CHANGELOG


def changelog_sections() -> dict[str, list[str]]:
    """Each release heading with its ``###`` subsection titles, in order."""
    sections: dict[str, list[str]] = {}
    release = ""
    for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            release = line.removeprefix("## ")
            sections[release] = []
        elif line.startswith("### "):
            assert release, f"subsection outside a release: {line}"
            sections[release].append(line.removeprefix("### "))
    return sections


def test_changelog_keeps_a_changelog_with_an_unreleased_section() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "https://keepachangelog.com/" in text
    sections = changelog_sections()
    assert next(iter(sections)) == "[Unreleased]"
    allowed = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security", "Formats"]
    for release, subsections in sections.items():
        assert subsections, f"{release} has no subsection"
        assert all(s in allowed for s in subsections), (release, subsections)
        assert subsections == sorted(subsections, key=allowed.index), release
    assert re.search(r"^\[Unreleased\]: https://github\.com/lslint/lslint/", text, re.MULTILINE)


def test_changelog_formats_name_the_versioned_formats() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    formats = text.split("### Formats", 1)[1].split("\n## ", 1)[0]
    for fact in ("report_version", "summary.fail_on", "summary.exit_code", "`override`",
                 FINGERPRINT_KEY, "GitLab", "Baselines", "Snapshots"):  # fmt: skip
        assert fact in formats, fact


# ---------------------------------------------------------------- CONTRIBUTING


def test_contributing_has_a_checklist_for_each_kind_of_change() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### (.+)$", text, re.MULTILINE)
    for wanted in ("Add a rule", "Add an operator", "Add a reporter", "Add a resource kind",
                   "Update goldens", "Regenerate docs", "Refresh the Action's lock",
                   "Run the fuzz campaign"):  # fmt: skip
        assert wanted in headings, wanted
    goldens = "pytest tests/reporters/test_reporters.py tests/reporters/test_formats.py"
    assert f"{goldens} --update-goldens" in text
    assert "python -m lslint.docs" in text and "make lock" in text and "bash .ci/run" in text


def test_contributing_names_files_and_make_targets_that_exist() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:lslint|tests|rules|docs|bench|action|\.ci)/[\w./-]*\w)`", text))
    assert {"lslint/engine/operators.py", "lslint/reporters/__init__.py"} <= paths
    for path in paths:
        if not re.search(r"NAME|nnn", path):  # placeholders such as rules/LSnnn-name.yaml
            assert (ROOT / path).exists(), f"CONTRIBUTING.md names {path}, which does not exist"
    for target in re.findall(r"\bmake (\w+)", text):
        assert f"\n{target}:" in MAKEFILE, f"CONTRIBUTING.md names 'make {target}'"
    assert "--update-goldens" in (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    # The registries the checklists name live in the modules they name.
    assert "`OPERATORS`" in text and hasattr(import_module("lslint.engine.operators"), "OPERATORS")
    assert "`REPORTERS`" in text and hasattr(import_module("lslint.reporters"), "REPORTERS")


# ---------------------------------------------------------------- the CI workflow


def test_workflow_runs_ci_script_on_push_and_pull_request() -> None:
    assert set(WORKFLOW["on"]) == {"push", "pull_request"}
    runs = [shlex.split(step["run"]) for step in steps() if "run" in step]
    assert ["bash", ".ci/run"] in runs


def test_workflow_self_tests_the_action_on_the_example_snapshot() -> None:
    (self_test,) = [step for step in steps() if step.get("uses") == "./"]
    assert self_test["with"]["input"] == "examples/fleet.json"
    assert (ROOT / self_test["with"]["input"]) == EXAMPLES / "fleet.json"
    assert self_test["continue-on-error"] is True  # the example has findings: exit code 1
    step_id = self_test["id"]
    later = steps()[steps().index(self_test) + 1 :]
    checks = [
        step for step in later
        if f"steps.{step_id}.outputs.exit-code" in EXPRESSION.findall(str(step.get("env", {})))
    ]  # fmt: skip
    assert checks, "no step checks the action's exit-code output"
    (check,) = checks
    variable = next(
        name for name, value in check["env"].items()
        if EXPRESSION.findall(value) == [f"steps.{step_id}.outputs.exit-code"]
    )  # fmt: skip
    assert re.search(rf'\[ "\${variable}" = 1 \] \|\| \{{[^}}]*exit 1; \}}', check["run"])


def test_workflow_is_least_privilege_and_pinned() -> None:
    assert WORKFLOW["permissions"] == {}
    for name, job in WORKFLOW["jobs"].items():
        assert job["permissions"] == {"contents": "read"}, name
    for step in steps():
        uses = step.get("uses")
        if uses is None or uses == "./":
            continue
        assert PINNED.fullmatch(uses.split(" ")[0]), uses
        if uses.startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_ci_script_checks_this_repository_workflows() -> None:
    assert "zizmor --persona pedantic action.yml .github/workflows/*.yml" in CI_RUN
    assert "--builtin-schema vendor.github-workflows .github/workflows/*.yml" in CI_RUN


# ---------------------------------------------------------------- pre-commit


def test_pre_commit_runs_local_hooks_only() -> None:
    (repo,) = PRE_COMMIT["repos"]
    assert repo["repo"] == "local"
    entries = {hook["id"]: hook["entry"] for hook in repo["hooks"]}
    assert all(hook["language"] == "system" for hook in repo["hooks"])
    assert entries["ruff"].startswith("ruff check")
    assert entries["ruff-format"].startswith("ruff format")
    assert entries["mypy"] == "mypy --strict lslint"
    assert entries["lslint-docs"] == "python -m lslint.docs --check"


# ---------------------------------------------------------------- package metadata


def test_project_urls_point_at_the_repository() -> None:
    urls = PYPROJECT["project"]["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Issues", "Changelog"}
    assert all(url.startswith("https://github.com/lslint/lslint") for url in urls.values())
    assert urls["Changelog"].endswith("/CHANGELOG.md")


def test_dev_tools_are_dependency_groups_not_extras() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert set(extras) == {"test"}, "development tools belong in [dependency-groups]"
    assert not names(extras["test"]) & DEV_TOOLS
    groups = PYPROJECT["dependency-groups"]
    assert {"ruff", "mypy", "zizmor", "check-jsonschema", "boto3-stubs"} <= names(groups["dev"])
    assert names(groups["lock"]) == {"uv"}


@pytest.mark.parametrize(
    ("text", "command"),
    [(CI_RUN, "pip install --quiet --group dev"),
     (MAKEFILE, "pip install -e '.[test]' --group dev"),
     (MAKEFILE, "pip install --quiet --group lock")],
)  # fmt: skip
def test_install_commands_use_the_dependency_groups(text: str, command: str) -> None:
    assert command in text
    assert "'.[dev]'" not in text and "'.[lock]'" not in text


def private_aws_sdk_names(source: str) -> list[str]:
    """``name._private`` uses where ``name`` was imported from botocore or boto3."""
    tree = ast.parse(source)
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names
                         if a.name.split(".")[0] in ("botocore", "boto3")}  # fmt: skip
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "botocore",
            "boto3",
        ):
            imported |= {alias.asname or alias.name for alias in node.names}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            root: ast.expr = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if (
                isinstance(root, ast.Name)
                and root.id in imported
                and not node.attr.startswith("__")
            ):
                found.append(f"{root.id}…{node.attr} (line {node.lineno})")
    return found


def test_private_aws_sdk_names_are_never_used() -> None:
    # They change without notice between botocore releases: lslint and its tests use the
    # SDK's public interface only (retries, for one, are lslint's own).
    assert private_aws_sdk_names("import botocore.x\nbotocore.x.Y._Z\n") == ["botocore…_Z (line 2)"]
    assert private_aws_sdk_names("from botocore.a import B\nB._C = 1\n") == ["B…_C (line 2)"]
    sources = [*ROOT.glob("lslint/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py")]
    used = {
        str(path.relative_to(ROOT)): found
        for path in sorted(sources)
        if (found := private_aws_sdk_names(path.read_text()))
    }
    assert used == {}
