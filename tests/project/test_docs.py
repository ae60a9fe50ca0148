"""Generated documentation is up to date with the rule files, the operator table and the
models, and complete: every rule with its condition, parameters and examples, every field of
every resource kind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from lslint.docs import generated, main, render_fields, render_rules
from lslint.engine.loader import load_rule_file, load_rules
from lslint.engine.operators import COUNT_COMPARISONS, OPERATORS
from lslint.engine.paths import ObjectType, parse_path
from lslint.engine.rule import Rule
from lslint.models import RESOURCE_KINDS, Disk, ResourceKind
from lslint.sources.snapshot import cli_command

from conftest import BUILTIN_RULES, EXAMPLES, MINIMAL_RULE, ROOT

RULES_DOC = ROOT / "docs" / "rules.md"
FIELDS_DOC = ROOT / "docs" / "fields.md"


def test_generated_docs_are_checked_in_and_current() -> None:
    pages = generated(ROOT)
    assert {RULES_DOC, FIELDS_DOC, ROOT / "docs" / "operators.md"} <= set(pages)
    for path, text in pages.items():
        assert path.read_text(encoding="utf-8") == text, f"run 'python -m lslint.docs': {path}"


def test_check_fails_on_stale_docs_and_passes_once_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check"]) == 1  # the tests run in an empty folder: nothing written yet
    assert "docs/fields.md is out of date" in capsys.readouterr().err
    assert main([]) == 0
    assert (tmp_path / "docs" / "fields.md").exists()
    assert main(["--check"]) == 0
    (tmp_path / "docs" / "rules.md").write_text("edited\n", encoding="utf-8")
    assert main(["--check"]) == 1


def test_every_operator_is_documented() -> None:
    operators_doc = generated(ROOT)[ROOT / "docs" / "operators.md"]
    for name in OPERATORS:
        assert f"| `{name}` |" in operators_doc


def rule_section(text: str, rule_id: str) -> str:
    start = text.index(f"\n## {rule_id} ")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def yaml_blocks(section: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


@pytest.mark.parametrize("rule", load_rules([BUILTIN_RULES]), ids=lambda rule: rule.id)
def test_every_rule_is_documented_in_full(rule: Rule) -> None:
    section = rule_section(RULES_DOC.read_text(encoding="utf-8"), rule.id)
    source = Path(rule.source).read_text(encoding="utf-8")
    condition, failing, passing = yaml_blocks(section)[:3]
    # The condition is the file's own text, line for line.
    assert condition.startswith(("applies_if:", "fail_if:"))
    assert "fail_if:" in condition
    for line in condition.splitlines():
        assert line in source.splitlines(), line
    for name, spec in rule.params.items():
        assert re.search(rf"\| `{name}` \| {spec.type} \| `.+` \| ", section), name
    for tag in rule.tags:
        assert f"`tag:{tag}`" in section
    for framework, controls in rule.compliance.items():
        assert f"- {framework}: " + ", ".join(f"`{c}`" for c in controls) in section
    first_fail = next(t for t in rule.tests if t.expect == "fail")
    first_pass = next(t for t in rule.tests if t.expect == "pass")
    assert f"### Fails: {first_fail.name}\n" in section
    assert f"### Passes: {first_pass.name}\n" in section
    assert failing and passing
    assert "Message:\n\n```text\n" in section


def test_the_header_explains_the_deliberate_overlap() -> None:
    text = RULES_DOC.read_text(encoding="utf-8")
    header = text[: text.index("\n## ")]
    assert "**Overlap is deliberate.**" in header
    assert "--ignore port-open-to-world" in header


def test_rule_docs_show_any_condition_as_written_with_its_examples(tmp_path: Path) -> None:
    text = MINIMAL_RULE.replace(
        "tests:\n",
        "fail_if:\n  # not a construct the generator knows by name: shown as written\n"
        "  or: [{path: name, matches: '^tmp-'},   {path: state.name, equals: stopped}]\n"
        "message: '{{ resource.name }} is a temporary instance'\n"
        "tests:\n",
    ).replace(
        "  - {name: a, expect: pass, resource: {}}\n  - {name: b, expect: fail, resource: {}}\n",
        "  - {name: kept, expect: pass, resource: {name: web, state: {name: running}}}\n"
        "  - {name: temporary, expect: fail, resource: {name: tmp-1, tags: [{key: a, value: "
        "b}]}}\n",
    )
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    page = render_rules([load_rule_file(path)])
    condition, failing, passing = yaml_blocks(page)
    assert condition == (
        "fail_if:\n  # not a construct the generator knows by name: shown as written\n"
        "  or: [{path: name, matches: '^tmp-'},   {path: state.name, equals: stopped}]\n"
    )
    assert failing == "name: tmp-1\ntags:\n  - key: a\n    value: b\n"
    assert passing == "name: web\nstate:\n  name: running\n"
    assert "Message:\n\n```text\ntmp-1 is a temporary instance\n```" in page


def test_every_path_of_every_kind_is_in_the_fields_reference() -> None:
    text = FIELDS_DOC.read_text(encoding="utf-8")
    sections = dict(re.findall(r"\n## (\S+)\n(.*?)(?=\n## |\Z)", text, re.S))
    assert list(sections) == list(RESOURCE_KINDS)
    for kind in RESOURCE_KINDS.values():
        documented = re.findall(r"^\| `([^`]+)` \|", sections[kind.name], re.M)
        assert documented == sorted(set(documented), key=lambda p: p.casefold().split("."))
        # Every field the model declares, at the top level, is listed ...
        assert set(kind.model.model_fields) - kind.model.NOT_REPORTED <= set(documented)
        # ... and every listed path is one the rule loader accepts for the kind.
        root = ObjectType(kind.model)
        for path in documented:
            parse_path(path, root, {})
    assert "| `state.name` | string | `pending`, `running`, `shutting-down`" in text
    assert "| `networking.ports.cidrListAliases` | list of string | `lightsail-connect` |" in text


def test_the_fields_reference_walks_any_kind_in_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    disk = ResourceKind("disk", Disk, "Disk", "GetDisks", "disks", "disks")
    monkeypatch.setitem(RESOURCE_KINDS, "disk", disk)
    page = render_fields()
    section = page[page.index("\n## disk\n") :]
    assert "`resource: disk`: the disks `GetDisks` returns (`disks` in a snapshot)" in section
    assert (
        "| `autoMountStatus` | string | `Failed`, `Pending`, `Mounted`, `NotMounted` |" in section
    )
    assert "| `addOns.status` | list of string |" in section
    assert "- [`disk`](#disk)" in page


def test_conditions_are_cut_at_the_next_top_level_key(tmp_path: Path) -> None:
    text = MINIMAL_RULE.replace(
        "tests:\n",
        "applies_if: {path: name, exists: true}   # only named ones\n"
        "tags: [between]\n"
        "fail_if:\n  path: state.name\n  equals: stopped\n  # still the condition\n"
        "\n# about the message, not the condition\nmessage: m\ntests:\n",
    )
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    (condition, *_) = yaml_blocks(render_rules([load_rule_file(path)]))
    assert condition == (
        "applies_if: {path: name, exists: true}   # only named ones\n"
        "fail_if:\n  path: state.name\n  equals: stopped\n  # still the condition\n"
    )


def test_the_readme_gives_every_kinds_permission_and_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in readme.split("```json\n")[1:]]
    [policy] = [json.loads(block) for block in blocks if "LslintReadOnly" in block]
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
    assert statement["Action"] == [
        "lightsail:GetRegions",
        *(f"lightsail:{kind.operation}" for kind in RESOURCE_KINDS.values()),
    ]
    for kind in RESOURCE_KINDS.values():
        row = f"| `{kind.name}` | `lightsail:{kind.operation}` | `{cli_command(kind)}` |"
        assert row in readme


@pytest.mark.parametrize(
    "workflow", sorted((EXAMPLES / "github").glob("*.yml")), ids=lambda p: p.name
)
def test_example_workflows_name_every_permission_of_the_kinds_they_list(workflow: Path) -> None:
    # A live scan without the kinds input lists every kind: a role allowed fewer is denied.
    text = workflow.read_text(encoding="utf-8")
    steps = YAML(typ="safe").load(text)["jobs"]["lslint"]["steps"]
    if "lightsail:" not in text or any("kinds" in s.get("with", {}) for s in steps):
        return
    for operation in ("GetRegions", *(kind.operation for kind in RESOURCE_KINDS.values())):
        assert re.search(rf"\b{operation}\b", text), f"{workflow.name} omits {operation}"


def test_a_pipe_in_a_parameter_default_stays_in_its_cell(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        MINIMAL_RULE
        + "params: {pattern: {type: string, default: 'a|b', description: 'x | y'}}\n"
        + "message: m\nfail_if: {path: name, matches: {param: pattern}}\n"
    )
    page = render_rules([load_rule_file(path)])
    (row,) = [line for line in page.splitlines() if line.startswith("| `pattern`")]
    cells = re.split(r"(?<!\\)\|", row)[1:-1]
    assert [cell.strip() for cell in cells] == ["`pattern`", "string", '`"a\\|b"`', "x \\| y"]


def test_every_count_comparison_and_time_operator_is_documented() -> None:
    operators_doc = generated(ROOT)[ROOT / "docs" / "operators.md"]
    for name in COUNT_COMPARISONS:
        assert f"| `{name}` |" in operators_doc.split("## Counting", 1)[1]
    assert "`2025-01-01T00:00:00Z`" in operators_doc  # the rule tests' default scan time
    assert "`dated_pattern_list`" in operators_doc
