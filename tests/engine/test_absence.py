"""Absence never passes quietly.

Every built-in rule is walked: each field its conditions read (found from the loaded rule) is
removed, one occurrence at a time, from each resource the rule passes or skips. The rule may
still pass only if it would pass with that value unknown, that is, if the pass does not rest
on a ``default:`` the rule does not declare safe in ``safe_defaults`` with its reason.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from lslint.engine import loader
from lslint.engine.conditions import AllOf, AnyOf, Condition, Count, Leaf, Negation, Quantifier
from lslint.engine.evaluate import judge
from lslint.engine.loader import load_rules
from lslint.engine.paths import ListType, ObjectType
from lslint.engine.rule import Rule
from lslint.errors import RuleError

from conftest import BUILTIN_RULES, EXAMPLES, CliResult, rule_from_text

Site = tuple[str | int, ...]  # keys and list indexes leading to one field of a test resource
QUIET = ("pass", "skip")  # verdicts that say nothing to the user

RULES = load_rules([BUILTIN_RULES, EXAMPLES / "rules"])
LS001_FILE = BUILTIN_RULES / "LS001-port-open-to-world.yaml"


# ---------------------------------------------------------------- the walker


def undeclared_defaults_dropped(rule: Rule) -> Rule:
    """``rule`` where every default not listed in ``safe_defaults`` is gone (absent = unknown)."""

    def strip(node: Condition, bound: Mapping[str, tuple[str, ...]]) -> Condition:
        if isinstance(node, AllOf):
            return AllOf(tuple(strip(child, bound) for child in node.children))
        if isinstance(node, AnyOf):
            return AnyOf(tuple(strip(child, bound) for child in node.children))
        if isinstance(node, Negation):
            return Negation(strip(node.child, bound))
        base = bound[node.path.var] if node.path.var is not None else ()
        full = (*base, *node.path.segments)
        if ".".join(full) not in rule.safe_defaults:
            node = replace(node, default=None, has_default=False)
        if isinstance(node, Leaf) and node.operand.path is not None:
            other = node.operand.path
            spelt = (*(bound[other.path.var] if other.path.var else ()), *other.path.segments)
            if ".".join(spelt) not in rule.safe_defaults:
                stripped = replace(other, default=None, has_default=False)
                node = replace(node, operand=replace(node.operand, path=stripped))
        inner = node.where if isinstance(node, (Quantifier, Count)) else None
        if inner is not None and isinstance(node, (Quantifier, Count)) and node.name is not None:
            node = replace(node, where=strip(inner, {**bound, node.name: full}))
        return node

    applies_if = strip(rule.applies_if, {}) if rule.applies_if is not None else None
    return replace(rule, applies_if=applies_if, fail_if=strip(rule.fail_if, {}))


def fields_read(rule: Rule) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    """``(paths, whole)``: every path the conditions read and each of its prefixes (removing
    ``networking`` also removes ``networking.ports``); ``whole`` adds every field of objects an
    operator reads as a whole (``only_ports`` on a port entry reads its ports and protocol)."""
    paths: set[tuple[str, ...]] = set()
    whole: set[tuple[str, ...]] = set()
    for text, node in rule.read_paths():
        segments = tuple(text.split("."))
        paths.update(segments[:end] for end in range(1, len(segments) + 1))
        target = node.field if isinstance(node, Leaf) else None
        if isinstance(target, ListType):
            target = target.item
        if isinstance(target, ObjectType):
            whole.update((*segments, name) for name in target.fields)
    return paths, whole - paths


def sites(value: Any, segments: Sequence[str], prefix: Site = ()) -> Iterator[Site]:
    """Where ``segments`` (through lists, item by item) reaches a value in ``value``."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from sites(item, segments, (*prefix, index))
        return
    if not segments or not isinstance(value, dict) or value.get(segments[0]) is None:
        return
    here = (*prefix, segments[0])
    if len(segments) == 1:
        yield here
    else:
        yield from sites(value[segments[0]], segments[1:], here)


def removed(data: dict[str, Any], site: Site) -> dict[str, Any]:
    result = copy.deepcopy(data)
    parent: Any = result
    for key in site[:-1]:
        parent = parent[key]
    del parent[site[-1]]
    return result


def shown(site: Site) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in site)[1:]


@dataclass
class Walk:
    tried: int
    covered: set[tuple[str, ...]]
    problems: list[str]


def walk_rule(rule: Rule) -> Walk:
    """Remove each field the rule reads from each resource it passes or skips."""
    strict = undeclared_defaults_dropped(rule)
    paths, whole = fields_read(rule)
    walk = Walk(0, set(), [])
    for case in rule.tests:
        if case.expect not in QUIET:
            continue
        model = case.resource
        data = model.model_dump(mode="json", exclude_unset=True)
        bound, bound_strict = rule.bind(case.params), strict.bind(case.params)
        variants = [("nothing", data)]
        for path in sorted(paths | whole):
            for site in sites(data, path):
                variants.append((shown(site), removed(data, site)))
                walk.covered.add(path)
        for what, variant in variants:
            resource = type(model).model_validate(variant)
            verdict = judge(bound, resource, case.now).status
            if verdict not in QUIET:
                continue
            walk.tried += 1
            assumed = judge(bound_strict, resource, case.now).status
            if assumed != verdict:
                walk.problems.append(
                    f"{rule.id}: test '{case.name}' without {what} gives {verdict}, but with "
                    f"absent values unknown it is {assumed}: a default decides it; declare it "
                    "under safe_defaults with the reason, or drop it"
                )
    return walk


# ---------------------------------------------------------------- built-in rules


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_removing_a_field_a_rule_reads_never_passes_quietly(rule: Rule) -> None:
    walk = walk_rule(rule)
    assert walk.problems == []
    assert walk.tried > 0


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_field_a_rule_reads_is_removed_from_some_passing_resource(rule: Rule) -> None:
    # Otherwise the walk above would say nothing about that field: the rule needs a pass (or
    # skip) test whose resource carries it.
    paths, _ = fields_read(rule)
    assert paths, rule.id
    assert sorted(paths - walk_rule(rule).covered) == []


def test_the_walk_sees_the_paths_inside_quantifiers() -> None:
    ls001 = next(rule for rule in RULES if rule.id == "LS001")
    paths, whole = fields_read(ls001)
    assert {
        ("networking",),
        ("networking", "ports"),
        ("networking", "ports", "cidrs"),
        ("networking", "ports", "ipv6Cidrs"),
        ("networking", "ports", "accessDirection"),
    } <= paths
    assert ("networking", "ports", "fromPort") in whole  # only_ports reads the whole entry


def test_the_walk_catches_a_firewall_assumed_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    # LS001 as it was: `default: []` on networking.ports read "no firewall data" as "no ports".
    text = LS001_FILE.read_text(encoding="utf-8")
    old = text.replace("    as: port\n", "    as: port\n    default: []\n", 1)
    assert old != text
    with pytest.raises(RuleError, match=r"default of 'networking.ports' \(\[\]\) can make"):
        rule_from_text(old)  # the loader refuses it ...
    # ... and the walk, the second line of defence, catches it where the loader would not.
    monkeypatch.setattr(loader, "check_quiet_defaults", lambda rule: None)
    problems = walk_rule(rule_from_text(old)).problems
    assert any("without networking gives pass" in p for p in problems), problems
    assert any("without networking.ports gives pass" in p for p in problems), problems


def test_the_walk_catches_an_undeclared_safe_default(monkeypatch: pytest.MonkeyPatch) -> None:
    text = LS001_FILE.read_text(encoding="utf-8")
    start, end = text.index("safe_defaults:"), text.index("tests:")
    with pytest.raises(RuleError, match="declare it under safe_defaults"):
        rule_from_text(text[:start] + text[end:])
    monkeypatch.setattr(loader, "check_quiet_defaults", lambda rule: None)
    problems = walk_rule(rule_from_text(text[:start] + text[end:])).problems
    assert any("without networking.ports[0].ipv6Cidrs gives pass" in p for p in problems)
    assert any("without networking.ports[0].cidrs gives pass" in p for p in problems)


# ---------------------------------------------------------------- LS001 end to end


def instance(**fields: Any) -> dict[str, Any]:
    return {
        "name": "web-1",
        "arn": "arn:aws:lightsail:us-east-1:111122223333:Instance/web-1",
        "location": {"regionName": "us-east-1"},
        "metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled"},
        "addOns": [{"name": "AutoSnapshot", "status": "Enabled"}],
        "tags": [{"key": "Owner", "value": "a"}, {"key": "Environment", "value": "prod"}],
        **fields,
    }


def scan_ls001(cli: Any, tmp_path: Path, resource: dict[str, Any]) -> CliResult:
    snapshot = tmp_path / "fleet.json"
    snapshot.write_text(json.dumps({"instances": [resource]}), encoding="utf-8")
    result: CliResult = cli(["scan", "--input", str(snapshot), "--select", "LS001", "-f", "json"])
    return result


@pytest.mark.parametrize(
    "fields",
    [{}, {"networking": {}}, {"networking": None}, {"networking": {"ports": None}}],
    ids=["networking absent", "networking empty", "networking null", "ports null"],
)
def test_ls001_without_firewall_data_is_indeterminate(
    cli: Any, tmp_path: Path, fields: dict[str, Any]
) -> None:
    result = scan_ls001(cli, tmp_path, instance(**fields))
    assert result.exit_code == 2, result.stderr
    report = json.loads(result.stdout)
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["status"]) == ("LS001", "error")
    assert "networking.ports absent" in finding["message"]


def test_ls001_with_no_ports_open_passes(cli: Any, tmp_path: Path) -> None:
    result = scan_ls001(cli, tmp_path, instance(networking={"ports": []}))
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["findings"] == []


# ---------------------------------------------------------------- safe_defaults at load

GOOD = """\
lslint: 1
id: T001
name: t-rule
title: T
severity: low
resource: instance
description: d
remediation: {text: r}
fail_if: {some: {path: tags, as: tag, default: [], where: {path: tag.key, equals: x}}}
message: m
safe_defaults:
  tags: no tags reported means none
tests:
  - {name: a, expect: pass, resource: {tags: []}}
  - {name: b, expect: fail, resource: {tags: [{key: x}]}}
"""


def test_safe_defaults_are_loaded_with_their_reasons() -> None:
    rule = rule_from_text(GOOD.replace("none\n", "none,\n    whatever the API says\n"))
    assert rule.safe_defaults == {"tags": "no tags reported means none, whatever the API says"}


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ("  tag: why", "no condition gives 'tag' a default (did you mean 'tags'?)"),
        ("  name: why", "no condition gives 'name' a default; defaults here: tags"),
        ("  tags: '  '", "say why the default of 'tags' is safe"),
        ("  tags: [why]", "safe_defaults.tags"),
    ],
)
def test_bad_safe_defaults_are_located_errors(declared: str, message: str) -> None:
    text = GOOD.replace("  tags: no tags reported means none", declared)
    with pytest.raises(RuleError) as info:
        rule_from_text(text)
    assert message in str(info.value)
    line = 1 + text.splitlines().index(declared)
    assert info.value.where.startswith(f"t.yaml:{line}:"), info.value.where


def test_a_path_read_without_default_cannot_be_declared_safe() -> None:
    text = GOOD.replace("default: [], ", "").replace(
        "  - {name: a, expect: pass, resource: {tags: []}}",
        "  - {name: a, expect: pass, resource: {tags: []}}\n"
        "  - {name: c, expect: error, resource: {}}",
    )
    with pytest.raises(RuleError, match="no condition gives 'tags' a default"):
        rule_from_text(text)


def test_rules_validate_reports_a_bad_safe_default(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(GOOD.replace("  tags: no", "  tagz: no"), encoding="utf-8")
    result = cli(["rules", "validate", str(path)])
    assert result.exit_code == 2
    assert f"lslint: error: {path}:12:3: safe_defaults: no condition gives 'tagz'" in result.stderr
    assert "Traceback" not in result.stderr
