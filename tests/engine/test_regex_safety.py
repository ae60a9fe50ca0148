"""Regular expressions in rules run in linear time; what RE2 cannot do is refused at load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from lslint.engine.regex import RegexError, compile_regex
from lslint.errors import RuleError

from conftest import MINIMAL_RULE, ROOT, CliResult, assert_one_error, rule_from_text

Cli = Callable[..., CliResult]


def name_rule(operator: str, operand: str, *, fail_name: str = "aaa", pass_name: str = "b") -> str:
    rule = MINIMAL_RULE.replace(
        "resource: {}}\n  - {name: b", f"resource: {{name: '{pass_name}'}}}}\n  - {{name: b"
    ).replace("expect: fail, resource: {}", f"expect: fail, resource: {{name: '{fail_name}'}}")
    return rule + f"fail_if: {{path: name, {operator}: {operand}}}\nmessage: m\n"


def snapshot(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "snapshot.json"
    instances = [
        {"name": name, "arn": f"arn:aws:lightsail:us-east-1:111122223333:Instance/i{index}"}
        for index, name in enumerate(names)
    ]
    path.write_text(json.dumps({"instances": instances}), encoding="utf-8")
    return path


def run_in_process(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A real process with a deadline: a backtracking engine would never return."""
    return subprocess.run(
        [sys.executable, "-m", "lslint.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


# ---------------------------------------------------------------- linear time


def test_a_catastrophic_pattern_scans_a_long_name_in_linear_time(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "t.yaml").write_text(name_rule("matches", "'(a+)+$'"), encoding="utf-8")
    # Python's backtracking `re` doubles its time per character on this name.
    names = ("a" * 10_000 + "!", "a" * 10_000)
    source = snapshot(tmp_path, *names)
    proc = run_in_process(
        ["scan", "--input", str(source), "--rules", str(rules), "--select", "T001", "-f", "json"],
        tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    failing = {f["resource_name"] for f in json.loads(proc.stdout)["findings"]}
    assert failing == {"a" * 10_000}


def test_rules_test_with_a_catastrophic_pattern_and_a_long_test_name(tmp_path: Path) -> None:
    rule = tmp_path / "t.yaml"
    long_pass = "a" * 10_000 + "!"
    rule.write_text(name_rule("matches", "'(a+)+$'", pass_name=long_pass), encoding="utf-8")
    proc = run_in_process(["rules", "test", str(rule)], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed, 0 failed" in proc.stdout


# ---------------------------------------------------------------- refused at load

UNSUPPORTED = {
    "backreference": (r"'(a)\1'", "uses a backreference"),
    "named backreference": (r"'(?P<x>a)(?P=x)'", "uses a named backreference"),
    "lookahead": ("'web(?=-prod)'", "uses a lookahead or lookbehind assertion"),
    "negative lookahead": ("'^(?!test)'", "uses a lookahead or lookbehind assertion"),
    "lookbehind": ("'(?<=web)-prod'", "uses a lookahead or lookbehind assertion"),
    "atomic group": ("'(?>a+)b'", "uses an atomic group"),
    "possessive": ("'a++b'", "uses a possessive quantifier"),
    "conditional": ("'(a)?(?(1)b|c)'", "uses a conditional group"),
    "end of text": (r"'web\Z'", r"uses \Z (write \z for the end of the text)"),
    "open lower bound": ("'^a{,3}$'", "'{,n}' is literal text in RE2; write '{0,n}'"),
}


@pytest.mark.parametrize(("pattern", "message"), UNSUPPORTED.values(), ids=UNSUPPORTED.keys())
def test_patterns_re2_cannot_run_are_refused_at_load(pattern: str, message: str) -> None:
    text = name_rule("matches", pattern)
    with pytest.raises(RuleError) as info:
        rule_from_text(text)
    line = text.count("\n")
    column = text.splitlines()[-2].index("matches") + 1
    assert str(info.value).startswith(f"t.yaml:{line - 1}:{column}: 'matches': invalid regular")
    assert message in info.value.message
    assert "RE2" in info.value.message


def test_a_malformed_pattern_is_refused_with_the_reason() -> None:
    with pytest.raises(RuleError) as info:
        rule_from_text(name_rule("matches", "'(web'"))
    assert info.value.message == "'matches': invalid regular expression '(web': missing ): (web"


def test_a_pattern_with_a_lone_surrogate_is_refused_not_a_crash() -> None:
    with pytest.raises(RuleError) as info:
        rule_from_text(name_rule("matches", '"^web\\ud800"'))
    assert "lone surrogate" in info.value.message


def test_matches_any_refuses_each_pattern_it_cannot_run() -> None:
    text = name_rule("matches_any", "['^web', '(?=db)']")
    with pytest.raises(RuleError) as info:
        rule_from_text(text)
    assert "'(?=db)'" in info.value.message
    assert "lookahead" in info.value.message


def test_rules_validate_reports_an_unsupported_pattern_without_engine_noise(
    cli: Cli, tmp_path: Path
) -> None:
    rule = tmp_path / "t.yaml"
    rule.write_text(name_rule("matches", r"'(a)\1'"), encoding="utf-8")
    proc = run_in_process(["rules", "validate", str(rule)], tmp_path)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("lslint: error:")]
    assert len(errors) == 1, proc.stderr
    assert "uses a backreference" in errors[0]
    # RE2 logs each bad pattern to stderr unless told not to.
    assert all(line.startswith("lslint:") or "invalid" in line for line in proc.stderr.splitlines())
    assert "re2.cc" not in proc.stderr


def test_a_config_parameter_with_an_unsupported_pattern_is_refused(
    cli: Cli, tmp_path: Path
) -> None:
    rule = tmp_path / "t.yaml"
    rule.write_text(
        name_rule("matches", "{param: pattern}").replace(
            "tests:", "params: {pattern: {type: string, default: '^a', description: d}}\ntests:"
        ),
        encoding="utf-8",
    )
    config = tmp_path / "c.yaml"
    config.write_text("rules:\n  T001:\n    params: {pattern: '(?<!x)a'}\n", encoding="utf-8")
    source = snapshot(tmp_path, "a")
    result = cli(["scan", "--input", str(source), "--rules", str(rule), "--config", str(config)])
    assert_one_error(result, "lookahead or lookbehind", where=f"{config}:3:")


# ---------------------------------------------------------------- meaning kept


def test_inline_flags_and_unicode_work_as_in_python() -> None:
    assert compile_regex("(?i)^anywhere").search("Anywhere (0.0.0.0/0 and ::/0)")
    assert compile_regex("(?i)^é").search("Église")
    assert compile_regex("^.$").search("é")
    assert not compile_regex("^prod$").search("production")


def test_a_lone_surrogate_in_the_value_does_not_break_matching() -> None:
    assert compile_regex("^web").search("web-\ud800")
    assert not compile_regex("^db").search("web-\ud800")


def test_the_error_names_the_engine_for_unsupported_features() -> None:
    with pytest.raises(RegexError) as info:
        compile_regex(r"(a)\1")
    assert str(info.value) == (
        "uses a backreference, which lslint's regular expressions (RE2 syntax, linear time) "
        "do not support"
    )


def test_builtin_rules_with_inline_flags_still_fail_world_open_ports(
    cli: Cli, tmp_path: Path
) -> None:
    port = {"fromPort": 22, "toPort": 22, "protocol": "tcp", "accessFrom": "Anywhere (0.0.0.0/0)"}
    path = tmp_path / "s.json"
    instance = {
        "name": "web",
        "arn": "arn:aws:lightsail:us-east-1:111122223333:Instance/web",
        "networking": {"ports": [port]},
    }
    path.write_text(json.dumps({"instances": [instance]}), encoding="utf-8")
    result = cli(["scan", "--input", str(path), "--select", "LS001", "-f", "json"])
    findings = json.loads(result.stdout)["findings"]
    assert [f["rule_id"] for f in findings] == ["LS001"]
