"""The ``.lslint.yaml`` file: which rules run, with which parameters, what is accepted
(suppressions), and when to fail.

Validation is strict: unknown keys, unknown rule ids or names, unknown parameters and values
of the wrong type are errors that name the key and its ``file:line:col``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, field_validator

from lslint.engine.operators import OperandError
from lslint.engine.rule import Rule
from lslint.errors import ConfigError
from lslint.findings import Severity
from lslint.suggest import suggest
from lslint.suppressions import Suppression, Suppressor
from lslint.yamldoc import DocPath, StrictDoc, YamlDoc, load_yaml_file, validation_error

CONFIG_NAME = ".lslint.yaml"
FailOn = Literal["info", "low", "medium", "high", "critical", "never"]
RULES_KEYS = ("paths", "select", "ignore")


class _OverrideDoc(StrictDoc):
    params: dict[str, Any] = Field(default_factory=dict)
    severity: Literal["info", "low", "medium", "high", "critical"] | None = None


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank: say why the risk is accepted")
    return value


class _SuppressionDoc(StrictDoc):
    rule: str = Field(min_length=1)
    resource: str = Field(min_length=1)
    reason: Annotated[str, AfterValidator(_not_blank)]
    expires: date | None = Field(default=None, strict=False)  # YAML date or "YYYY-MM-DD"


RegionName = Annotated[str, Field(min_length=1)]


class AwsSettings(StrictDoc):
    """Live-scan settings (the ``aws:`` section); command-line options win over each."""

    regions: list[RegionName] = Field(default_factory=list)
    all_regions: bool = False
    exclude_regions: list[RegionName] = Field(default_factory=list)
    profile: str | None = Field(default=None, min_length=1)

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
    fail_on: FailOn | None = None
    rules: dict[str, Any] = Field(default_factory=dict)
    suppressions: list[_SuppressionDoc] = Field(default_factory=list)
    allow_tag_suppressions: bool = False
    aws: AwsSettings = Field(default_factory=AwsSettings)


class _RulesDoc(StrictDoc):
    paths: list[str] = Field(default_factory=list)
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)


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
    aws: AwsSettings = field(default_factory=AwsSettings)
    doc: YamlDoc | None = None

    def where(self, path: DocPath) -> str:
        return self.doc.where(path) if self.doc else self.source


def find_config(explicit: str | None, cwd: Path) -> Path | None:
    """The config to use: ``--config`` if given, else ``.lslint.yaml`` in ``cwd`` if present."""
    if explicit:
        return Path(explicit)
    candidate = cwd / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(path: Path) -> Config:
    doc = load_yaml_file(path, what="config file", error=ConfigError)
    data = doc.data
    if not isinstance(data, dict):
        raise ConfigError("the config file must be a mapping", where=doc.where())
    try:
        parsed = _ConfigDoc.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, doc, ConfigError, known=_ConfigDoc) from None
    rules_data = parsed.rules
    known = {k: v for k, v in rules_data.items() if k in RULES_KEYS}
    try:
        rules = _RulesDoc.model_validate(known)
    except ValidationError as exc:
        raise validation_error(exc, doc, ConfigError, prefix=("rules",)) from None
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
            raise ConfigError(message, where=doc.where(("rules", key)))
        try:
            overrides[key] = _OverrideDoc.model_validate(value)
        except ValidationError as exc:
            raise validation_error(
                exc, doc, ConfigError, prefix=("rules", key), known=_OverrideDoc
            ) from None
    base = path.parent
    return Config(
        source=str(path),
        fail_on=parsed.fail_on,
        rule_paths=[base / p for p in rules.paths],
        select=rules.select,
        ignore=rules.ignore,
        overrides=overrides,
        suppressions=parsed.suppressions,
        allow_tag_suppressions=parsed.allow_tag_suppressions,
        aws=parsed.aws,
        doc=doc,
    )


def configure_rules(
    rules: Sequence[Rule],
    config: Config,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[Rule]:
    """The rules to run: selected, not ignored, with config overrides applied and bound.

    ``select`` from the command line replaces the config's; ``ignore`` adds to it.
    """
    by_key: dict[str, Rule] = {}
    for rule in rules:
        by_key[rule.id] = rule
        by_key[rule.name] = rule

    def lookup(key: str, where: str, what: str) -> Rule:
        if key not in by_key:
            raise ConfigError(f"unknown rule '{key}' in {what}" + suggest(key, by_key), where=where)
        return by_key[key]

    cli_select = [lookup(k, "--select", "--select") for k in select]
    config_select = [
        lookup(k, config.where(("rules", "select", i)), "rules.select")
        for i, k in enumerate(config.select)
    ]
    ignored = {lookup(k, "--ignore", "--ignore").id for k in ignore}
    ignored |= {
        lookup(k, config.where(("rules", "ignore", i)), "rules.ignore").id
        for i, k in enumerate(config.ignore)
    }
    chosen = cli_select or config_select or list(rules)
    chosen_ids = {r.id for r in chosen}

    configured: dict[str, Rule] = {}
    for key, override in config.overrides.items():
        where = config.where(("rules", key))
        rule = lookup(key, where, "rules")
        if rule.id in configured:
            raise ConfigError(
                f"rule {rule.id} is configured twice (by id and by name)", where=where
            )
        try:
            bound = rule.bind(override.params)
        except OperandError as exc:
            message = str(exc)
            if message.startswith("unknown parameter"):
                name = message.split("'")[1]
                message += f" for {rule.id}" + suggest(name, rule.params)
                if not rule.params:
                    message += f" ({rule.id} has no parameters)"
            raise ConfigError(message, where=config.where(("rules", key, "params"))) from None
        if override.severity is not None:
            bound = bound.with_severity(Severity(override.severity))
        configured[rule.id] = bound
    return [
        configured.get(rule.id, rule)
        for rule in rules
        if rule.id in chosen_ids and rule.id not in ignored
    ]


def build_suppressor(config: Config, rules: Sequence[Rule], today: date) -> Suppressor:
    """The config's suppressions, each naming a rule that exists (by id or name)."""
    rule_keys = {key: rule.id for rule in rules for key in (rule.id, rule.name)}
    suppressions = []
    for index, entry in enumerate(config.suppressions):
        where = config.where(("suppressions", index))
        if entry.rule not in rule_keys:
            raise ConfigError(
                f"unknown rule '{entry.rule}' in suppressions" + suggest(entry.rule, rule_keys),
                where=config.where(("suppressions", index, "rule")),
            )
        suppressions.append(
            Suppression(rule_keys[entry.rule], entry.resource, entry.reason.strip(),
                        entry.expires, where)
        )  # fmt: skip
    return Suppressor(
        suppressions, allow_tags=config.allow_tag_suppressions, rule_keys=rule_keys, today=today
    )
