"""Load YAML rule files into checked ``Rule`` objects.

Loading is strict: duplicate and unknown keys, unknown fields, operators and placeholders,
literals of the wrong type and rules without pass/fail tests are all errors that name
``file:line:col``. A rule written for a newer schema is refused before anything else is read.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from lslint.engine.conditions import (
    Condition,
    ConditionError,
    ParseContext,
    parse_condition,
    read_paths,
)
from lslint.engine.operators import OperandError, check_instant
from lslint.engine.params import ParamError, ParamSpec, ParamType
from lslint.engine.paths import FieldType, ObjectType, unknown_values
from lslint.engine.quietdefaults import check_quiet_defaults
from lslint.engine.rule import DEFAULT_TEST_NOW, Rule, RuleTest
from lslint.engine.templates import Command, parse_command, parse_for_each, parse_template
from lslint.errors import ConfigError, RuleError
from lslint.findings import Severity
from lslint.inputs import path_status
from lslint.models import RESOURCE_KINDS, ResourceKind
from lslint.suggest import suggest
from lslint.yamldoc import DocPath, StrictDoc, YamlDoc, parse_yaml, read_text, validation_error

SCHEMA_VERSION = 1
RULE_SUFFIXES = (".yaml", ".yml")


class _ParamDoc(StrictDoc):
    type: ParamType
    default: Any
    description: str = Field(min_length=1)


class _RemediationDoc(StrictDoc):
    text: str = Field(min_length=1)
    cli: str | None = None
    for_each: Any = None


class _TestDoc(StrictDoc):
    name: str = Field(min_length=1)
    expect: Literal["pass", "fail", "error", "skip"]
    resource: dict[str, Any]
    params: dict[str, Any] = Field(default={})
    commands: list[str] | None = None
    now: Any = None  # the scan time: ISO 8601 or seconds since 1970


class _RuleDoc(StrictDoc):
    lslint: int
    id: str = Field(pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")
    name: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    severity: Literal["info", "low", "medium", "high", "critical"]
    resource: str  # a kind in RESOURCE_KINDS, checked in _build with a suggestion
    description: str = Field(min_length=1)
    remediation: _RemediationDoc
    references: list[str] = Field(default=[])
    compliance: dict[str, list[str]] = Field(default={})
    tags: list[str] = Field(default=[])
    params: dict[str, _ParamDoc] = Field(default={})
    applies_if: Any = None
    fail_if: Any
    message: str = Field(min_length=1)
    safe_defaults: dict[str, str] = Field(default={})
    tests: list[_TestDoc]


# Parsed rules by (path, text): a program that scans many times (the library, a test suite)
# parses each rule file once. YAML parsing that keeps positions is most of a small scan's
# time. Rules are frozen, so sharing one is safe; a changed file is a new key.
_PARSED: dict[tuple[str, str], Rule] = {}
_PARSED_LIMIT = 512


def load_rule_file(path: Path) -> Rule:
    text = read_text(path, what="rule file", error=RuleError)
    key = (str(path), text)
    rule = _PARSED.get(key)
    if rule is None:
        doc = parse_yaml(text, str(path), error=RuleError)
        if doc.data is None:
            raise RuleError("rule file is empty", where=str(path))
        rule = build_rule(doc)
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.pop(next(iter(_PARSED)))  # the oldest: a bounded cache
        _PARSED[key] = rule
    return rule


def build_rule(doc: YamlDoc) -> Rule:
    data = doc.data
    if not isinstance(data, dict):
        raise RuleError("a rule file must be a mapping", where=doc.where())
    version = data.get("lslint")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise RuleError(
            f"rule schema version {version} is newer than this lslint supports ({SCHEMA_VERSION})",
            where=doc.where(("lslint",)),
            hint="upgrade lslint to use this rule",
        )
    try:
        parsed = _RuleDoc.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, doc, RuleError, known=_RuleDoc) from None
    if parsed.lslint != SCHEMA_VERSION:
        raise RuleError(
            f"unsupported rule schema version {parsed.lslint} (expected {SCHEMA_VERSION})",
            where=doc.where(("lslint",)),
        )
    try:
        return _build(parsed, doc)
    except ConditionError as exc:
        raise RuleError(exc.message, where=doc.where(exc.doc_path)) from None


def _build(parsed: _RuleDoc, doc: YamlDoc) -> Rule:
    root = ObjectType(_resource_kind(parsed.resource).model)
    params: dict[str, ParamSpec] = {}
    for name, spec in parsed.params.items():
        if not re.match(r"^[a-z_][a-z0-9_]*$", name):
            raise ConditionError(("params", name), f"parameter name '{name}' must be snake_case")
        params[name] = ParamSpec(name, spec.type, spec.default, spec.description)
        try:
            params[name].check_type(spec.default)
        except ParamError as exc:
            raise ConditionError(exc.doc_path(("params", name, "default")), str(exc)) from None

    ctx = ParseContext(root=root, param_names=list(params))
    applies_if = (
        parse_condition(parsed.applies_if, ("applies_if",), ctx, {})
        if "applies_if" in doc.data
        else None
    )
    fail_if = parse_condition(parsed.fail_if, ("fail_if",), ctx, {})
    _check_safe_defaults(parsed.safe_defaults, applies_if, fail_if)
    defaults = {name: spec.default for name, spec in params.items()}
    message = parse_template(parsed.message, ("message",), root, defaults, ctx.captures)
    cli = _remediation_command(parsed, root, defaults, ctx.captures)
    _check_unique(parsed.tags, ("tags",), "tag")
    _check_selectable(parsed)
    _check_plain_text(parsed)
    unbound = Rule(
        id=parsed.id,
        name=parsed.name,
        title=parsed.title,
        severity=Severity(parsed.severity),
        resource=parsed.resource,
        description=parsed.description.strip(),
        remediation_text=parsed.remediation.text.strip(),
        remediation_cli=cli,
        references=tuple(parsed.references),
        compliance={k: tuple(v) for k, v in parsed.compliance.items()},
        tags=tuple(parsed.tags),
        params=params,
        applies_if=applies_if,
        fail_if=fail_if,
        message=message,
        tests=(),
        source=doc.source,
        location=doc.where(("id",)),
        param_uses=tuple(ctx.param_uses),
        safe_defaults={path: " ".join(why.split()) for path, why in parsed.safe_defaults.items()},
    )
    try:
        rule = unbound.bind()
    except ParamError as exc:  # a default that does not fit an operator that uses it
        raise ConditionError(exc.doc_path(("params", exc.name, "default")), str(exc)) from None
    check_quiet_defaults(rule)
    return replace(rule, tests=_build_tests(parsed, doc, rule))


def _check_safe_defaults(
    declared: dict[str, str], applies_if: Condition | None, fail_if: Condition
) -> None:
    """Each declared safe default names a path some condition gives ``default:``, and says why."""
    defaulted = sorted({path for path, node in read_paths(applies_if, fail_if) if node.has_default})
    for path, why in declared.items():
        where: DocPath = ("safe_defaults", path)
        if path not in defaulted:
            known = f"; defaults here: {', '.join(defaulted)}" if defaulted else ""
            raise ConditionError(
                where,
                f"safe_defaults: no condition gives '{path}' a default"
                + (suggest(path, defaulted) or known),
            )
        if not why.strip():
            raise ConditionError(where, f"safe_defaults: say why the default of '{path}' is safe")


def _remediation_command(
    parsed: _RuleDoc,
    root: ObjectType,
    defaults: dict[str, Any],
    captures: dict[str, FieldType | None],
) -> Command | None:
    remediation = parsed.remediation
    where: DocPath = ("remediation", "for_each")
    for_each = None
    if remediation.for_each is not None:
        if not remediation.cli:
            raise ConditionError(where, "for_each repeats the command in 'cli', which is missing")
        for_each = parse_for_each(remediation.for_each, where, root)
    if not remediation.cli:
        return None
    return parse_command(
        remediation.cli,
        ("remediation", "cli"),
        root,
        defaults,
        captures,
        kind=parsed.resource,
        for_each=for_each,
        for_each_path=where,
    )


def _resource_kind(name: str) -> ResourceKind:
    kind = RESOURCE_KINDS.get(name)
    if kind is None:
        raise ConditionError(
            ("resource",),
            f"unknown resource kind '{name}'{suggest(name, RESOURCE_KINDS)}; "
            f"known kinds: {', '.join(sorted(RESOURCE_KINDS))}",
        )
    return kind


def _build_tests(parsed: _RuleDoc, doc: YamlDoc, rule: Rule) -> tuple[RuleTest, ...]:
    model = RESOURCE_KINDS[parsed.resource].model
    tests: list[RuleTest] = []
    for index, case in enumerate(parsed.tests):
        where: DocPath = ("tests", index)
        try:
            resource = model.model_validate(case.resource)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = (*where, "resource", *first["loc"])
            raise ConditionError(loc, f"test '{case.name}': resource: {first['msg']}") from None
        # A misspelt value would test the rule against data AWS never sends, so the case
        # would pass or fail for the wrong reason.
        unknown = next(unknown_values(case.resource, ObjectType(model)), None)
        if unknown is not None:
            loc, reason = unknown
            shown = ".".join(part for part in loc if isinstance(part, str))
            raise ConditionError(
                (*where, "resource", *loc), f"test '{case.name}': resource: {shown}: {reason}"
            )
        try:
            if case.params:  # without any, the defaults: bound above, when the rule was
                rule.bind(case.params)
        except ParamError as exc:
            at = exc.doc_path((*where, "params", exc.name))
            raise ConditionError(at, f"test '{case.name}': {exc}") from None
        if case.commands is not None and parsed.remediation.cli is None:
            raise ConditionError(
                (*where, "commands"), f"test '{case.name}': the rule has no remediation cli"
            )
        commands = tuple(case.commands) if case.commands is not None else None
        now = DEFAULT_TEST_NOW
        if case.now is not None:
            try:
                now = check_instant(case.now)
            except OperandError as exc:
                raise ConditionError((*where, "now"), f"test '{case.name}': now: {exc}") from None
        tests.append(
            RuleTest(case.name, case.expect, resource, case.params, doc.where(where), commands, now)
        )
    expectations = {t.expect for t in tests}
    missing = [e for e in ("pass", "fail") if e not in expectations]
    if missing:
        raise ConditionError(
            ("tests",),
            f"rule {parsed.id} needs at least one 'pass' and one 'fail' test "
            f"(missing: {', '.join(missing)})",
        )
    _check_unique([t.name for t in tests], ("tests",), "test name")
    return tuple(tests)


# Tags, frameworks and controls are words users select rules by (`--select tag:NAME`,
# `FRAMEWORK:CONTROL`, also comma-separated): each must be one such word.
_SELECTABLE = re.compile(r"^[^\s,:]+$")


def _check_selectable(parsed: _RuleDoc) -> None:
    for index, tag in enumerate(parsed.tags):
        if not re.match(r"^[^\s,]+$", tag):
            raise ConditionError(("tags", index), f"tag '{tag}' must be one word without commas")
    for framework, controls in parsed.compliance.items():
        where: DocPath = ("compliance", framework)
        if not _SELECTABLE.match(framework) or framework.lower() == "tag":
            raise ConditionError(
                where,
                f"compliance framework '{framework}' must be one word without commas or "
                "colons, and not 'tag' (for example cis-aws-compute-1.0.0)",
            )
        if not controls:
            raise ConditionError(where, f"compliance framework '{framework}' lists no control")
        for index, control in enumerate(controls):
            if not _SELECTABLE.match(control):
                raise ConditionError(
                    (*where, index),
                    f"compliance control '{control}' must be one word without commas or colons",
                )
        _check_unique([c.lower() for c in controls], where, "control")


def _check_plain_text(parsed: _RuleDoc) -> None:
    """Placeholders belong in ``message`` and ``remediation.cli``, which are filled per
    resource; in rule-level text they would reach SARIF help and the docs unfilled."""
    for path, text in (
        (("title",), parsed.title),
        (("description",), parsed.description),
        (("remediation", "text"), parsed.remediation.text),
    ):
        if "{{" in text:
            raise ConditionError(
                path,
                "placeholders ('{{ ... }}') are filled only in 'message' and "
                "'remediation.cli'; this text is the same for every resource",
            )


def _check_unique(values: Sequence[str], where: DocPath, what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ConditionError((*where, index), f"duplicate {what} '{value}'")
        seen.add(value)


def discover_rule_files(paths: Iterable[Path]) -> list[Path]:
    """Rule files under ``paths`` (files as given, folders searched recursively), sorted
    within each folder, each file once however it is reached (the first time)."""
    seen: set[object] = set()
    return [file for path in paths for file in distinct_files(rule_files_at(path), seen)]


def rule_files_at(path: Path) -> list[Path]:
    """The rule files a path names: itself, or those under a folder (sorted).

    A path that names no rule file is an error, never a rule set that silently does not
    run: a missing path, and a folder without a single ``*.yaml``/``*.yml`` file.
    """
    info = path_status(path, what="rule path", error=RuleError)
    if info is None:
        raise RuleError("rule path not found", where=str(path))
    if not stat.S_ISDIR(info.st_mode):
        return [path]
    try:
        found = _rule_files_under(path)
    except OSError as exc:  # a folder inside that may not be read: its rules would not run
        where = os.fsdecode(exc.filename) if isinstance(exc.filename, str | bytes) else str(path)
        raise RuleError(f"cannot read rule folder: {exc.strerror or exc}", where=where) from None
    if not found:
        raise RuleError(
            f"no rule files ({', '.join(f'*{s}' for s in RULE_SUFFIXES)}) found", where=str(path)
        )
    return found


def _rule_files_under(folder: Path) -> list[Path]:
    """Every entry under ``folder`` named like a rule file, outside hidden folders, sorted.

    Such an entry is a rule file whatever it turns out to be: a broken link, a FIFO or an
    unreadable file is then an error when it is loaded, never a rule that silently does not
    run. For the same reason a folder that cannot be listed is an error (``Path.rglob``
    would skip it without a word).
    """

    def refuse(exc: OSError) -> None:
        raise exc

    found: list[Path] = []
    for root, folders, names in os.walk(folder, onerror=refuse):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [
            Path(root, name)
            for name in names
            if not name.startswith(".") and Path(name).suffix.lower() in RULE_SUFFIXES
        ]
    return sorted(found)


def files_of_rule_path(given: str | Path, origin: str, seen: set[object]) -> list[Path]:
    """The rule files of one rule path that ``seen`` has not reached yet (see
    :func:`rule_files_at`). ``origin`` is where the path is written in a config file, if it
    is: its problem is then a ConfigError there."""
    if not str(given).strip():  # Path("") is the working folder: never what was meant
        raise ConfigError("an empty rule path names no file or folder")
    try:
        return distinct_files(rule_files_at(Path(given)), seen)
    except RuleError as exc:
        if not origin:  # settings made in code, or a path given outside the config
            raise
        raise ConfigError(f"{exc.message}: {exc.where}", where=origin) from None


def distinct_files(files: Iterable[Path], seen: set[object]) -> list[Path]:
    """``files`` not yet in ``seen`` (by file identity), which records them: a rule folder
    given twice, or reached through a link, is one set of rules, not a clash with itself."""
    kept = []
    for file in files:
        identity = _file_identity(file)
        if identity not in seen:
            seen.add(identity)
            kept.append(file)
    return kept


def _file_identity(path: Path) -> object:
    try:
        info = path.stat()
    except OSError:  # loading it reports the problem; until then, its absolute name
        return os.path.abspath(path)  # noqa: PTH100 - stat() is what failed
    return (info.st_dev, info.st_ino)


def load_rules(paths: Iterable[Path]) -> list[Rule]:
    """Load every rule under ``paths``; ids and names must be unique across files."""
    return load_rule_files(discover_rule_files(paths))


def load_rule_files(files: Iterable[Path]) -> list[Rule]:
    """Load rule files (each found by :func:`discover_rule_files`); ids and names must be
    unique across them."""
    rules: list[Rule] = []
    keys: dict[str, Rule] = {}
    for path in files:
        rule = load_rule_file(path)
        check_unique_keys(rule, keys)
        rules.append(rule)
    return sorted(rules, key=lambda r: r.id)


def check_unique_keys(rule: Rule, keys: dict[str, Rule]) -> None:
    """Record ``rule``'s id and name in ``keys``; one already taken is an error.

    Ids and names are compared without case, and with each other: ``--select``, the config
    and ``lslint:ignore`` tags accept both in any case, so each must name one rule.
    """
    for key, what in ((rule.id, "id"), (rule.name, "name")):
        other = keys.get(key.lower())
        if other is not None:
            is_id = what == "id"
            raise RuleError(
                f"duplicate rule {what} '{key}' (also used by {other.id} {other.name} in "
                f"{other.location if is_id else other.source})",
                where=rule.location if is_id else rule.source,
            )
    keys[rule.id.lower()] = keys[rule.name.lower()] = rule
