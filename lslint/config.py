"""The ``.lslint.yaml`` file: which rules run, with which parameters, what is accepted
(suppressions), and when to fail.

Validation is strict: unknown keys, unknown rule ids or names, unknown parameters and values
of the wrong type are errors that name the key and its ``file:line:col``. Every problem in
the file is reported in one run: :func:`load_config` keeps what it finds in
``Config.problems``, and ``lslint.api.prepare`` raises them together with the problems that
need the loaded rules (rule ids, parameters) as one :class:`ConfigErrors`.

Rule ids and names, severities and ``fail_on`` are matched without regard to case; messages
name rules by their canonical id.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lslint.engine.evaluate import RuleVariant
from lslint.engine.rule import Rule
from lslint.errors import ConfigError, ConfigErrors
from lslint.findings import AppliedOverride, Severity
from lslint.inputs import path_status
from lslint.models import RESOURCE_KINDS
from lslint.overrides import OverrideTable, ResourceOverride
from lslint.selection import RuleSelector, Selected, UnknownSelector, chosen_rules
from lslint.suggest import suggest, suggest_any_case
from lslint.suppressions import Suppression, Suppressor
from lslint.yamldoc import DocPath, StrictDoc, YamlDoc, parse_yaml, read_text, validation_problems

CONFIG_NAME = ".lslint.yaml"
REPOSITORY_MARKER = ".git"  # a folder, or a file in worktrees and submodules
FailOn = Literal["info", "low", "medium", "high", "critical", "never"]
RULES_KEYS = ("paths", "select", "ignore")
SEVERITY_NAMES = tuple(s.value for s in Severity)
_Doc = TypeVar("_Doc", bound=BaseModel)


def _one_of(*choices: str) -> BeforeValidator:
    """A word from ``choices`` in any case, lowered; anything else is an error that lists
    them and suggests the closest."""
    expected = ", ".join(choices[:-1]) + f" or {choices[-1]}"

    def check(value: object) -> object:
        if not isinstance(value, str):
            raise ValueError(f"must be one of {expected}")
        lowered = value.lower()
        if lowered not in choices:
            raise ValueError(f"unknown value '{value}'{suggest(lowered, choices)}; "
                             f"expected {expected}")  # fmt: skip
        return lowered

    return BeforeValidator(check)


SeverityName = Annotated[
    Literal["info", "low", "medium", "high", "critical"], _one_of(*SEVERITY_NAMES)
]
FailOnName = Annotated[FailOn, _one_of(*SEVERITY_NAMES, "never")]


class _OverrideDoc(StrictDoc):
    params: dict[str, Any] = Field(default={})
    severity: SeverityName | None = None


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank: say why the risk is accepted")
    return value


def _fingerprint(value: str) -> str:
    text = value.strip().lower()
    if len(text) != 32 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(
            "must be a finding fingerprint: 32 hex digits, as in the JSON report's "
            "'fingerprint' or SARIF's partialFingerprints"
        )
    return text


def _some_params(value: dict[str, Any]) -> dict[str, Any]:
    if not value:
        raise ValueError("must set at least one parameter of the rule")
    return value


class _SuppressionDoc(StrictDoc):
    rule: str = Field(min_length=1)
    resource: str = Field(min_length=1)
    reason: Annotated[str, AfterValidator(_not_blank)]
    expires: date | None = Field(default=None, strict=False)  # YAML date or "YYYY-MM-DD"
    fingerprint: Annotated[str, AfterValidator(_fingerprint)] | None = None

    @model_validator(mode="after")
    def _pin_given(self) -> _SuppressionDoc:
        # `fingerprint:` with no value would otherwise read as "not pinned": a suppression
        # of every finding of the rule on the resource, the opposite of what was meant.
        if "fingerprint" in self.model_fields_set and self.fingerprint is None:
            raise ValueError("'fingerprint' has no value: give the finding's fingerprint, or "
                             "leave the key out for a suppression that is not pinned")  # fmt: skip
        return self


class _ResourceOverrideDoc(StrictDoc):
    """``overrides`` entry: a rule's parameters for the resources it selects."""

    rule: str = Field(min_length=1)
    resources: list[Annotated[str, Field(min_length=1)]] = Field(default=[])
    tags: dict[str, str] = Field(default={})
    params: Annotated[dict[str, Any], AfterValidator(_some_params)]
    reason: Annotated[str, AfterValidator(_not_blank)]
    expires: date | None = Field(default=None, strict=False)

    @model_validator(mode="after")
    def _selects_resources(self) -> _ResourceOverrideDoc:
        if not self.resources and not self.tags:
            raise ValueError("say which resources it applies to: 'resources' (name or ARN "
                             "globs) or 'tags' (key: value)")  # fmt: skip
        return self


RegionName = Annotated[str, Field(min_length=1)]


def _known_kind(name: str) -> str:
    if name not in RESOURCE_KINDS:
        raise ValueError(
            f"unknown resource kind '{name}'{suggest(name, RESOURCE_KINDS)}; "
            f"the kinds are {', '.join(RESOURCE_KINDS)}"
        )
    return name


KindName = Annotated[str, AfterValidator(_known_kind)]


class AwsSettings(StrictDoc):
    """Live-scan settings (the ``aws:`` section); command-line options win over each."""

    regions: list[RegionName] = Field(default=[])
    all_regions: bool = False
    exclude_regions: list[RegionName] = Field(default=[])
    profile: str | None = Field(default=None, min_length=1)
    kinds: list[KindName] = Field(default=[])  # default: every kind

    @field_validator("all_regions")
    @classmethod
    def _not_with_regions(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("regions"):
            raise ValueError("cannot be true when 'aws.regions' names the regions to list")
        return value

    @field_validator("exclude_regions")
    @classmethod
    def _only_with_all_regions(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if value and not info.data.get("all_regions"):
            raise ValueError("applies only with 'all_regions: true'")
        return value


class _ConfigDoc(StrictDoc):
    fail_on: FailOnName | None = None
    rules: dict[str, Any] = Field(default={})
    suppressions: list[_SuppressionDoc] = Field(default=[])
    overrides: list[_ResourceOverrideDoc] = Field(default=[])
    allow_tag_suppressions: bool = False
    aws: AwsSettings = Field(default_factory=AwsSettings)


class _RulesDoc(StrictDoc):
    paths: list[str] = Field(default=[])
    select: list[str] = Field(default=[])
    ignore: list[str] = Field(default=[])


@dataclass
class Config:
    """Settings from a config file (all empty when there is none)."""

    source: str = ""
    fail_on: FailOn | None = None
    rule_paths: list[Path] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    overrides: dict[str, _OverrideDoc] = field(default_factory=dict)
    suppressions: list[_SuppressionDoc] = field(default_factory=list)
    allow_tag_suppressions: bool = False
    resource_overrides: list[_ResourceOverrideDoc] = field(default_factory=list)
    aws: AwsSettings = field(default_factory=AwsSettings)
    doc: YamlDoc | None = None
    # What was wrong in the file; the sections involved are left at their defaults.
    problems: list[ConfigError] = field(default_factory=list)
    # False when rules.paths could not be read: the rule set is then incomplete, and a rule
    # id the config names may be defined there, so unknown ids are not reported.
    rule_paths_known: bool = True
    # List path -> document index of each item kept, for lists that lost items to problems.
    kept_items: dict[DocPath, list[int]] = field(default_factory=dict)
    # Where each of ``rule_paths`` is written in the file (``file:line:col``), in order.
    rule_path_origins: list[str] = field(default_factory=list)

    def where(self, path: DocPath) -> str:
        return self.doc.where(path) if self.doc else self.source

    def item_path(self, items: DocPath, position: int) -> DocPath:
        """The document path of the ``position``-th item of the list at ``items`` (a list
        that lost items to problems keeps the others at their own places in the file)."""
        kept = self.kept_items.get(items)
        return (*items, kept[position] if kept is not None else position)


def find_config(explicit: str | None, cwd: Path) -> Path | None:
    """The config to use: ``--config`` if given, else the nearest ``.lslint.yaml`` from
    ``cwd`` upwards, up to the repository root (the first folder holding ``.git``), the home
    folder or the file-system root, whichever comes first."""
    if explicit is not None:
        if not explicit.strip():
            raise ConfigError("--config: an empty path names no file")
        return Path(explicit)
    try:
        home: Path | None = Path.home()
    except RuntimeError:  # no home folder can be determined
        home = None
    for folder in (cwd, *cwd.parents):
        candidate = folder / CONFIG_NAME
        if os.path.lexists(candidate):  # a broken link or a folder counts: it is an error
            _check_found_config(candidate)
            return candidate
        if is_repository_root(folder) or folder == home:
            return None
    return None


def _check_found_config(path: Path) -> None:
    """A ``.lslint.yaml`` that is there but is no file to read is an error, not a reason to
    look further up: the settings it was meant to hold would silently not apply."""
    info = path_status(path, what="config file", error=ConfigError)
    if info is None:
        raise ConfigError("config file is a symbolic link to nothing", where=str(path))
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError("config file is a directory, expected a file", where=str(path))


def is_repository_root(folder: Path) -> bool:
    """Whether ``folder`` holds the repository marker; a folder that may not be looked into
    holds nothing for us (``os.path.exists`` is false on any error)."""
    return os.path.exists(folder / REPOSITORY_MARKER)  # noqa: PTH110


def load_config(path: Path) -> Config:
    """Read a config file. A file that cannot be read or parsed is an error at once; every
    other problem is kept in ``Config.problems`` (see the module docstring)."""
    doc = parse_yaml(read_text(path, what="config file", error=ConfigError), str(path),
                     error=ConfigError)  # fmt: skip
    data = {} if doc.data is None else doc.data  # an empty file (or only comments): no settings
    if not isinstance(data, dict):
        raise ConfigError("the config file must be a mapping", where=doc.where())
    reader = _SectionReader(doc)
    parsed = reader.validate(_ConfigDoc, data, ())
    rules_data = parsed.rules
    known = {k: v for k, v in rules_data.items() if k in RULES_KEYS}
    rules = reader.validate(_RulesDoc, known, ("rules",))
    overrides: dict[str, _OverrideDoc] = {}
    for key, value in rules_data.items():
        if key in RULES_KEYS:
            continue
        if not isinstance(value, dict):
            close = suggest(key, RULES_KEYS)
            message = (
                f"unknown key 'rules.{key}'{close}"
                if close
                else f"'rules.{key}' must be a rule override (a mapping with params/severity)"
            )
            reader.problems.append(ConfigError(message, where=doc.where(("rules", key))))
            continue
        overrides[key] = reader.validate(_OverrideDoc, value, ("rules", key))
    rule_paths = _rule_paths(rules.paths, path.parent, reader)
    return Config(
        source=str(path),
        fail_on=parsed.fail_on,
        rule_paths=[p for p, _ in rule_paths],
        rule_path_origins=[where for _, where in rule_paths],
        select=rules.select,
        ignore=rules.ignore,
        overrides=overrides,
        suppressions=parsed.suppressions,
        allow_tag_suppressions=parsed.allow_tag_suppressions,
        resource_overrides=parsed.overrides,
        aws=parsed.aws,
        doc=doc,
        problems=reader.problems,
        rule_paths_known=not reader.dropped & {("rules",), ("rules", "paths")},
        kept_items=reader.kept_items,
    )


def _rule_paths(texts: Sequence[str], base: Path, reader: _SectionReader) -> list[tuple[Path, str]]:
    """``rules.paths`` from the config's folder, each with where it is written."""
    items: DocPath = ("rules", "paths")
    indexes = reader.kept_items.get(items, list(range(len(texts))))
    paths: list[tuple[Path, str]] = []
    for index, text in zip(indexes, texts, strict=True):
        where = reader.doc.where((*items, index))
        if not text.strip():  # the config's own folder: never what was meant
            reader.problems.append(
                ConfigError("an empty path names no rule file or folder", where=where)
            )
            continue
        paths.append((base / text, where))
    return paths


@dataclass
class _SectionReader:
    """Validates the sections of one config file, recording every problem. A key with a
    problem gets its default and a list loses only its bad items, so that the rest of the
    file can still be checked."""

    doc: YamlDoc
    problems: list[ConfigError] = field(default_factory=list)
    dropped: set[DocPath] = field(default_factory=set)
    kept_items: dict[DocPath, list[int]] = field(default_factory=dict)

    def validate(self, model: type[_Doc], data: dict[str, Any], prefix: DocPath) -> _Doc:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            found = validation_problems(exc, self.doc, ConfigError, known=model, prefix=prefix)
            self.problems.extend(p for p in found if isinstance(p, ConfigError))
            errors = exc.errors()
        usable = dict(data)
        for key in {str(entry["loc"][0]) for entry in errors if entry["loc"]}:
            locs = [tuple(e["loc"]) for e in errors if e["loc"] and e["loc"][0] == key]
            in_items = all(len(loc) > 1 and isinstance(loc[1], int) for loc in locs)
            if isinstance(data.get(key), list) and in_items:
                bad_items = {loc[1] for loc in locs}
                kept = [i for i in range(len(data[key])) if i not in bad_items]
                usable[key] = [data[key][i] for i in kept]
                self.kept_items[(*prefix, key)] = kept
            else:
                usable.pop(key, None)
                self.dropped.add((*prefix, key))
        try:
            return model.model_validate(usable)
        except ValidationError:  # a required key is missing: nothing more can be checked
            raise ConfigErrors(self.problems) from None


class _RuleIndex:
    """Rules by id or name, in any case (an exact spelling wins)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.exact = {key: rule for rule in rules for key in (rule.id, rule.name)}
        self.lowered: dict[str, Rule] = {}
        for key, rule in self.exact.items():
            self.lowered.setdefault(key.lower(), rule)

    def find(self, key: str) -> Rule | None:
        return self.exact.get(key) or self.lowered.get(key.lower())

    def unknown(self, key: str, what: str) -> str:
        return f"unknown rule '{key}' in {what}" + suggest_any_case(key, self.exact)

    def entry_rule(
        self, config: Config, path: DocPath, key: str, problems: list[ConfigError]
    ) -> Rule | None:
        """The rule a list entry at ``path`` names in its ``rule`` key; an unknown one is a
        problem (not when rules.paths could not be read: it may be defined there)."""
        rule = self.find(key)
        if rule is None and config.rule_paths_known:
            where = config.where((*path, "rule"))
            problems.append(ConfigError(self.unknown(key, str(path[0])), where=where))
        return rule


def configure_rules(
    rules: Sequence[Rule],
    config: Config,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[Rule]:
    """The rules to run: selected, not ignored, with config overrides applied and bound.

    Selectors are rule ids or names, ``tag:NAME``, compliance frameworks and controls (see
    :mod:`lslint.selection`, which also says which wins when a rule is both selected and
    ignored). ``select`` from the command line replaces the config's; ``ignore`` adds to it. Raises
    :class:`ConfigErrors` with every unknown rule and every bad override at once.
    """
    index = _RuleIndex(rules)
    selector = RuleSelector(rules)
    problems: list[ConfigError] = []

    def lookup(key: str, where: str, what: str) -> Rule | None:
        rule = index.find(key)
        if rule is None and config.rule_paths_known:
            problems.append(ConfigError(index.unknown(key, what), where=where))
        return rule

    def resolve_all(keys: Sequence[str], option: str, path: DocPath | None) -> list[Selected]:
        found = []
        for i, key in enumerate(keys):
            try:
                found.append(selector.resolve(key))
            except UnknownSelector as exc:
                if config.rule_paths_known:
                    where = config.where(config.item_path(path, i)) if path else option
                    problems.append(ConfigError(exc.placed(option), where=where))
        return found

    cli_select = resolve_all(select, "--select", None)
    config_select = resolve_all(config.select, "rules.select", ("rules", "select"))
    ignored = resolve_all(ignore, "--ignore", None)
    ignored += resolve_all(config.ignore, "rules.ignore", ("rules", "ignore"))
    # --select replaces the config's select; with neither, every rule is selected.
    selected = cli_select if select else config_select if config.select else None
    chosen_ids = {rule.id for rule in chosen_rules(rules, selected, ignored)}

    configured: dict[str, Rule] = {}
    configured_as: dict[str, str] = {}
    for key, override in config.overrides.items():
        where = config.where(("rules", key))
        rule = lookup(key, where, "rules")
        if rule is None:
            continue
        if rule.id in configured_as:
            problems.append(ConfigError(
                f"rule {rule.id} is configured twice (as '{configured_as[rule.id]}' and '{key}')",
                where=where,
            ))  # fmt: skip
            continue
        configured_as[rule.id] = key
        bound = _bind(rule, override.params, ("rules", key, "params"), config, problems)
        if bound is not None:
            if override.severity is not None:
                bound = bound.with_severity(Severity(override.severity))
            configured[rule.id] = bound
    if problems:
        raise ConfigErrors(problems)
    return [configured.get(rule.id, rule) for rule in rules if rule.id in chosen_ids]


def _bind(
    rule: Rule, params: Mapping[str, Any], path: DocPath, config: Config,
    problems: list[ConfigError],
) -> Rule | None:  # fmt: skip
    """``rule`` with the config's parameter values over the ones it has, or ``None`` after
    recording a problem, at the value at fault, for each parameter that is unknown or does
    not fit."""
    found = rule.param_problems(params)
    problems.extend(
        ConfigError(str(p), where=config.where(p.doc_path((*path, p.name)))) for p in found
    )
    return None if found else rule.bind({**rule.param_values, **params})


def build_suppressor(config: Config, rules: Sequence[Rule]) -> Suppressor:
    """The config's suppressions, each naming a rule that exists (by id or name, any case);
    :meth:`Suppressor.on` dates them for a scan.

    Raises :class:`ConfigErrors` with every suppression that names an unknown rule.
    """
    index = _RuleIndex(rules)
    problems: list[ConfigError] = []
    suppressions = []
    for position, entry in enumerate(config.suppressions):
        path = config.item_path(("suppressions",), position)
        rule = index.entry_rule(config, path, entry.rule, problems)
        if rule is None:
            continue
        suppressions.append(
            Suppression(rule.id, entry.resource, entry.reason.strip(), entry.expires,
                        config.where(path), entry.fingerprint)
        )  # fmt: skip
    if problems:
        raise ConfigErrors(problems)
    # Lower-cased: an lslint:ignore tag may name a rule in any case, like the config.
    rule_keys = {key.lower(): rule.id for rule in rules for key in (rule.id, rule.name)}
    return Suppressor(suppressions, allow_tags=config.allow_tag_suppressions, rule_keys=rule_keys)


def build_overrides(config: Config, loaded: Sequence[Rule], rules: Sequence[Rule]) -> OverrideTable:
    """The config's per-resource overrides, each bound to its rule; :meth:`OverrideTable.on`
    dates them for a scan.

    ``loaded`` are all the rules (an override may name any of them, in any case); ``rules``
    are the configured rules that run, whose parameters (``rules.<ID>.params``) an override
    starts from. Raises :class:`ConfigErrors` with every problem at once.
    """
    index = _RuleIndex(loaded)
    running = {rule.id: rule for rule in rules}
    problems: list[ConfigError] = []
    entries = []
    for position, entry in enumerate(config.resource_overrides):
        path = config.item_path(("overrides",), position)
        rule = index.entry_rule(config, path, entry.rule, problems)
        if rule is None:
            continue
        # On top of the values the rule runs with elsewhere.
        bound = _bind(running.get(rule.id, rule), entry.params, (*path, "params"), config,
                      problems)  # fmt: skip
        if bound is None:
            continue
        applied = AppliedOverride(
            params={name: bound.param_values[name] for name in sorted(entry.params)},
            reason=entry.reason.strip(),
            expires=entry.expires,
            where=config.where(path),
        )
        entries.append(
            ResourceOverride(RuleVariant(bound, applied), tuple(entry.resources), entry.tags)
        )
    if problems:
        raise ConfigErrors(problems)
    return OverrideTable(entries)
