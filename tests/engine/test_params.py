"""Parameter values pass one set of checks wherever they are written: a rule's default, a
rule test's ``params``, the config's ``rules.<ID>.params`` and per-resource ``overrides``.
The same mistake gives the same message, located at the value (or list item) at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from lslint.config import build_overrides, configure_rules, load_config
from lslint.engine.params import ParamError
from lslint.engine.rule import Rule
from lslint.errors import ConfigErrors, RuleError

from conftest import MINIMAL_RULE, rule_from_text

PARAMS = (
    "params:\n"
    "  bad_states: {type: string_list, default: [stopped], description: d}\n"
    "  max_cpus: {type: integer, default: 4, description: d}\n"
)
CONDITIONS = (
    "fail_if:\n"
    "  or:\n"
    "    - {path: state.name, in: {param: bad_states}}\n"
    "    - {path: hardware.cpuCount, gt: {param: max_cpus}}\n"
    "message: m\n"
)
RULE = MINIMAL_RULE.replace("tests:\n", PARAMS + CONDITIONS + "tests:\n")

# Each mistake, as a YAML value, with the message it gets wherever it is written.
MISTAKES = [
    pytest.param(
        "max_cpus",
        "two",
        "parameter 'max_cpus': expected an integer, got str 'two'",
        id="wrong-type",
    ),
    pytest.param(
        "bad_states",
        "[stopped, terminatd]",
        "parameter 'bad_states' (compared with 'state.name' by 'in'): 'terminatd' is not a "
        "known value (one of: pending, running, shutting-down, terminated, stopping, stopped) "
        "(did you mean 'terminated'?)",
        id="unknown-enum-item",
    ),
    pytest.param(
        "bad_states",
        "[stopped, 3]",
        "parameter 'bad_states': expected a string, got int 3",
        id="wrong-item-type",
    ),
    pytest.param(
        "bad_states",
        "stopped",
        "parameter 'bad_states': expected a list, got str 'stopped'",
        id="not-a-list",
    ),
]


def _located(text: str, line_with: str, needle: str) -> str:
    for number, line in enumerate(text.splitlines(), start=1):
        if line_with in line:
            return f"{number}:{line.index(needle) + 1}"
    raise AssertionError(f"{line_with!r} not in text")


def _needle(name: str, value: str) -> str:
    """Where the mistake is shown: the last list item, or else the parameter's own key."""
    return value.strip("[]").split(", ")[-1] if value.startswith("[") else name


@pytest.mark.parametrize(("name", "value", "message"), MISTAKES)
def test_a_default_gets_the_one_message_at_the_value(name: str, value: str, message: str) -> None:
    default = {"bad_states": "[stopped]", "max_cpus": "4"}[name]
    text = RULE.replace(f"  {name}: {{type:", f"  {name}: {{default: {value}, type:").replace(
        f"default: {default}, description", "description"
    )
    with pytest.raises(RuleError) as info:
        rule_from_text(text)
    assert info.value.message == message
    line = f"  {name}: {{default: {value}"
    needle = "default" if name == _needle(name, value) else _needle(name, value)
    assert info.value.where == f"t.yaml:{_located(text, line, needle)}"


@pytest.mark.parametrize(("name", "value", "message"), MISTAKES)
def test_a_rule_test_gets_the_one_message_at_the_value(name: str, value: str, message: str) -> None:
    case = f"  - {{name: a, expect: pass, resource: {{}}, params: {{{name}: {value}}}}}\n"
    text = RULE.replace("  - {name: a, expect: pass, resource: {}}\n", case)
    with pytest.raises(RuleError) as info:
        rule_from_text(text)
    assert info.value.message == f"test 'a': {message}"
    assert info.value.where == f"t.yaml:{_located(text, 'params: {', _needle(name, value))}"


@pytest.mark.parametrize(("name", "value", "message"), MISTAKES)
def test_a_config_override_gets_the_one_message_at_the_value(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    text = f"rules:\n  T001:\n    params:\n      {name}: {value}\n"
    errors = _config_errors(tmp_path, text, rule_from_text(RULE))
    assert [(e.message, e.where) for e in errors.problems] == [
        (
            message,
            f"{tmp_path / '.lslint.yaml'}:4:{text.splitlines()[3].index(_needle(name, value)) + 1}",
        )
    ]


@pytest.mark.parametrize(("name", "value", "message"), MISTAKES)
def test_a_resource_override_gets_the_one_message_at_the_value(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    text = (
        "overrides:\n  - rule: T001\n    resources: [a]\n    reason: r\n    params:\n"
        f"      {name}: {value}\n"
    )
    rule = rule_from_text(RULE)
    path = tmp_path / ".lslint.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    with pytest.raises(ConfigErrors) as info:
        build_overrides(config, [rule], [rule])
    column = text.splitlines()[5].index(_needle(name, value)) + 1
    assert [(e.message, e.where) for e in info.value.problems] == [(message, f"{path}:6:{column}")]


def test_every_bad_parameter_of_a_config_is_reported_once(tmp_path: Path) -> None:
    text = "rules:\n  T001:\n    params:\n      max_cpus: many\n      bad_states: [stoped]\n"
    errors = _config_errors(tmp_path, text, rule_from_text(RULE))
    assert [e.message.split(":")[0] for e in errors.problems] == [
        "parameter 'max_cpus'",
        "parameter 'bad_states' (compared with 'state.name' by 'in')",
    ]


def test_an_unknown_parameter_has_one_message_everywhere(tmp_path: Path) -> None:
    rule = rule_from_text(RULE)
    expected = "unknown parameter 'max_cpu' for T001 (did you mean 'max_cpus'?)"
    with pytest.raises(ParamError, match=r"^unknown parameter 'max_cpu' for T001 \(did you"):
        rule.bind({"max_cpu": 2})
    text = "rules:\n  T001:\n    params: {max_cpu: 2}\n"
    assert [e.message for e in _config_errors(tmp_path, text, rule).problems] == [expected]
    case = "  - {name: a, expect: pass, resource: {}, params: {max_cpu: 2}}\n"
    with pytest.raises(RuleError) as info:
        rule_from_text(RULE.replace("  - {name: a, expect: pass, resource: {}}\n", case))
    assert info.value.message == f"test 'a': {expected}"


def test_a_resource_override_starts_from_the_configured_values(tmp_path: Path) -> None:
    text = (
        "rules:\n  T001:\n    params: {max_cpus: 8}\n"
        "overrides:\n  - {rule: T001, resources: [a], reason: r, params: {bad_states: [running]}}\n"
    )
    path = tmp_path / ".lslint.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    loaded = [rule_from_text(RULE)]
    running = configure_rules(loaded, config)
    table = build_overrides(config, loaded, running)
    (entry,) = table.overrides
    assert entry.variant.rule.param_values == {"bad_states": ["running"], "max_cpus": 8}
    assert entry.variant.override.params == {"bad_states": ["running"]}


def _config_errors(tmp_path: Path, text: str, rule: Rule) -> ConfigErrors:
    path = tmp_path / ".lslint.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        configure_rules([rule], load_config(path))
    return info.value


def test_a_value_is_described_the_same_way_in_every_message() -> None:
    def refused(fail_if: str) -> str:
        text = MINIMAL_RULE.replace("tests:\n", f"fail_if: {fail_if}\nmessage: m\ntests:\n")
        with pytest.raises(RuleError) as info:
            rule_from_text(text)
        return info.value.message

    assert refused("{path: tags.key, contains_any: null}") == (
        "'contains_any': expected a list, got null"
    )
    assert refused("{path: tags.key, empty: false, default: null}") == (
        "default: expected a list, got null"
    )
    assert refused("null") == "a condition must be a mapping, got null"
