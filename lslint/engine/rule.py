"""A loaded, checked rule, and its typed parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from lslint.engine.conditions import Condition, ReadNode, read_paths
from lslint.engine.params import ParamError, ParamSpec, ParamUse, bind_params, param_problems
from lslint.engine.templates import Command, Template
from lslint.findings import RuleInfo, Severity

Expectation = Literal["pass", "fail", "error", "skip"]

# The scan time of a rule test that does not set `now:`: fixed, so that a test of a rule about
# time gives the same answer on every day it runs.
DEFAULT_TEST_NOW = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RuleTest:
    name: str
    expect: Expectation
    resource: Any  # a model of the rule's resource kind
    params: Mapping[str, Any]
    doc_line: str  # file:line:col of the case, for reports
    commands: tuple[str, ...] | None = None  # the remediation commands it expects, if given
    now: datetime = DEFAULT_TEST_NOW  # the scan time the case is judged at


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    title: str
    severity: Severity
    resource: str
    description: str
    remediation_text: str
    remediation_cli: Command | None
    references: tuple[str, ...]
    compliance: Mapping[str, tuple[str, ...]]
    tags: tuple[str, ...]
    params: Mapping[str, ParamSpec]
    applies_if: Condition | None
    fail_if: Condition
    message: Template
    tests: tuple[RuleTest, ...]
    source: str
    location: str  # file:line:col of the rule's id
    param_uses: tuple[ParamUse, ...]
    param_values: Mapping[str, Any] = field(default_factory=dict)
    operands: tuple[Any, ...] = ()
    # Resource paths whose `default:` may let the rule pass, each with why that is safe.
    safe_defaults: Mapping[str, str] = field(default_factory=dict)

    def read_paths(self) -> list[tuple[str, ReadNode]]:
        """Every leaf and quantifier of the rule's conditions with the resource path it reads."""
        return read_paths(self.applies_if, self.fail_if)

    def bind(self, overrides: Mapping[str, Any] | None = None) -> Rule:
        """This rule with parameter values (defaults, then ``overrides``) checked and converted.

        Raises :class:`ParamError` for the first value that is unknown or does not fit.
        """
        bound = bind_params(self.id, self.params, self.param_uses, overrides or {})
        return replace(self, param_values=bound.values, operands=bound.operands)

    def param_problems(self, values: Mapping[str, Any]) -> list[ParamError]:
        """One problem for each of ``values`` that is unknown to the rule or does not fit."""
        return param_problems(self.id, self.params, self.param_uses, values)

    def with_severity(self, severity: Severity) -> Rule:
        return replace(self, severity=severity)

    def info(self) -> RuleInfo:
        return RuleInfo(
            id=self.id,
            name=self.name,
            title=self.title,
            severity=self.severity,
            description=self.description,
            remediation=self.remediation_text,
            remediation_command=(
                self.remediation_cli.describe(self.param_values) if self.remediation_cli else ""
            ),
            references=self.references,
            tags=self.tags,
            compliance=dict(sorted(self.compliance.items())),
            resource=self.resource,
        )
