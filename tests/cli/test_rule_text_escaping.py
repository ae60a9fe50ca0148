"""Rule text reaches the terminal with its control characters escaped, in every rules command."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from conftest import CliResult

Cli = Callable[..., CliResult]
# What a hostile rule pack hides in its text: an ANSI colour, a screen clear, a window-title
# OSC sequence ended by BEL, an 8-bit CSI and a right-to-left override.
HOSTILE = r"\e[31mred\e[2J\e]0;owned\a\x9b1m\u202e"
SHOWN = r"\x1b[31mred\x1b[2J\x1b]0;owned\x07\x9b1m\u202e"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")


def hostile_rule(folder: Path, *, file_name: str = "t.yaml", failing_case: bool = False) -> Path:
    wrong = f'  - {{name: "wrong {HOSTILE}", expect: pass, resource: {{name: "web{HOSTILE}"}}}}\n'
    text = f"""\
lslint: 1
id: T001
name: t-rule
title: "Title {HOSTILE}"
severity: low
resource: instance
description: "Line one {HOSTILE}\\nLine two {HOSTILE}"
remediation:
  text: "Fix {HOSTILE}"
  cli: "fix {{{{ resource.name }}}} --note '{HOSTILE}'"
references: ["https://example.com/{HOSTILE}"]
params: {{suffix: {{type: string, default: "{HOSTILE}", description: "Param {HOSTILE}"}}}}
fail_if: {{path: name, equals: "web{HOSTILE}"}}  # comment \u202e reversed
message: "Message {HOSTILE}"
tests:
  - {{name: "pass {HOSTILE}", expect: pass, resource: {{name: db}}}}
  - {{name: "fail {HOSTILE}", expect: fail, resource: {{name: "web{HOSTILE}"}}}}
""" + (wrong if failing_case else "")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    path.write_text(text, encoding="utf-8")
    return path


def assert_no_raw_controls(result: CliResult) -> None:
    for stream in (result.stdout, result.stderr):
        found = RAW.findall(stream)
        assert not found, (found, stream)


def test_rules_show_escapes_every_field_of_the_rule(cli: Cli, tmp_path: Path) -> None:
    path = hostile_rule(tmp_path / "rules")
    result = cli(["rules", "show", "T001", "--rules", str(path)])
    assert result.exit_code == 0, result.stderr
    assert_no_raw_controls(result)
    out = result.stdout
    assert f"Title {SHOWN}" in out
    assert f"Line one {SHOWN}\nLine two {SHOWN}\n" in out  # line breaks kept, the rest escaped
    assert f"Param {SHOWN}" in out
    assert f"Fix {SHOWN}" in out
    assert f"https://example.com/{SHOWN}" in out
    assert r"comment \u202e reversed" in out


def test_rules_list_escapes_titles(cli: Cli, tmp_path: Path) -> None:
    path = hostile_rule(tmp_path / "rules")
    result = cli(["rules", "list", "--rules", str(path)])
    assert result.exit_code == 0, result.stderr
    assert_no_raw_controls(result)
    row = next(line for line in result.stdout.splitlines() if line.startswith("T001"))
    assert row.endswith(f"Title {SHOWN}")


def test_rules_validate_escapes_the_file_name(cli: Cli, tmp_path: Path) -> None:
    path = hostile_rule(tmp_path / "rules", file_name="evil\x1b[2J.yaml")
    result = cli(["rules", "validate", str(path)])
    assert result.exit_code == 0, result.stderr
    assert_no_raw_controls(result)
    assert "evil\\x1b[2J.yaml: T001 t-rule" in result.stdout


def test_rules_test_escapes_case_names_and_failures(cli: Cli, tmp_path: Path) -> None:
    path = hostile_rule(tmp_path / "rules", file_name="evil\x1b[2J.yaml", failing_case=True)
    result = cli(["rules", "test", "-v", str(path)])
    assert result.exit_code == 1, result.stdout + result.stderr
    assert_no_raw_controls(result)
    fail = next(line for line in result.stdout.splitlines() if line.startswith("FAIL"))
    assert "evil\\x1b[2J.yaml:" in fail
    assert f"'wrong {SHOWN}'" in fail
    ok = next(line for line in result.stdout.splitlines() if line.startswith("ok"))
    assert f"'pass {SHOWN}'" in ok
