"""A loaded, checked rule, and its typed parameters."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from lslint.engine.conditions import Condition, Leaf, ParamUse, Quantifier, read_paths
from lslint.engine.operators import OperandError
from lslint.engine.templates import Command, Template
from lslint.findings import RuleInfo, Severity

ParamType = Literal[
    "string", "integer", "number", "boolean", "string_list", "integer_list", "port_list",
    "cidr_list",
]  # fmt: skip
Expectation = Literal["pass", "fail", "error", "skip"]


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise OperandError(f"expected a string, got {value!r}")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OperandError(f"expected an integer, got {value!r}")
    return value


def _number(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OperandError(f"expected a number, got {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise OperandError(f"expected true or false, got {value!r}")
    return value


def _port(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return value
    if isinstance(value, str) and value.replace("-", "", 1).replace(" ", "").isdigit():
        return value
    raise OperandError(f"expected a port (0-65535) or a 'low-high' range, got {value!r}")


def _cidr(value: Any) -> str:
    try:
        ipaddress.ip_network(_string(value).strip(), strict=False)
    except ValueError:
        raise OperandError(f"'{value}' is not a valid CIDR") from None
    return str(value)


def _list(item: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
    def check(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise OperandError(f"expected a list, got {value!r}")
        return [item(v) for v in value]

    return check


PARAM_CHECKS: dict[str, Callable[[Any], Any]] = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "string_list": _list(_string),
    "integer_list": _list(_integer),
    "port_list": _list(_port),
    "cidr_list": _list(_cidr),
}


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: ParamType
    default: Any
    description: str

    def check(self, value: Any) -> Any:
        return PARAM_CHECKS[self.type](value)


@dataclass(frozen=True)
class RuleTest:
    name: str
    expect: Expectation
    resource: Any  # an Instance model
    params: Mapping[str, Any]
    doc_line: str  # file:line:col of the case, for reports
    commands: tuple[str, ...] | None = None  # the remediation commands it expects, if given


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

    def read_paths(self) -> list[tuple[str, Leaf | Quantifier]]:
        """Every leaf and quantifier of the rule's conditions with the resource path it reads."""
        return read_paths(self.applies_if, self.fail_if)

    def bind(self, overrides: Mapping[str, Any] | None = None) -> Rule:
        """This rule with parameter values (defaults, then ``overrides``) checked and converted.

        Raises ``OperandError`` naming the parameter when a value does not fit.
        """
        values = {name: spec.default for name, spec in self.params.items()}
        for name, value in (overrides or {}).items():
            if name not in self.params:
                raise OperandError(f"unknown parameter '{name}'")
            try:
                values[name] = self.params[name].check(value)
            except OperandError as exc:
                raise OperandError(f"parameter '{name}': {exc}") from None
        operands: list[Any] = [None] * len(self.param_uses)
        for use in self.param_uses:
            try:
                operands[use.slot] = use.check(values[use.name])
            except OperandError as exc:
                raise OperandError(f"parameter '{use.name}': {exc}") from None
        return replace(self, param_values=values, operands=tuple(operands))

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
            source=self.source,
        )
