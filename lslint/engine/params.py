"""Rule parameters: their declared types, where conditions use them, and the one check that
every value passes, whether it is a rule's default, a config override or a rule test's.

A value is checked against its declared type, then against each operator that uses it (an
``in`` on ``state.name`` knows the states the API returns). A mistake gives one
:class:`ParamError` with one message, the same wherever the value was written, and says which
list item is wrong so that callers can point at it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from lslint.engine.operators import (
    OperandError,
    Operator,
    UnknownValueError,
    check_date,
    check_dated_pattern,
    check_network,
    check_port_range,
    check_scalar,
    describe_raw,
)
from lslint.engine.paths import FieldType, ScalarType
from lslint.suggest import suggest
from lslint.yamldoc import DocPath

ParamType = Literal[
    "string", "integer", "number", "boolean", "date", "string_list", "integer_list",
    "port_list", "cidr_list", "dated_pattern_list",
]  # fmt: skip


class ParamError(OperandError):
    """A parameter value that does not fit; ``item`` is the index of the list item at fault."""

    def __init__(self, name: str, message: str, item: int | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.item = item

    def doc_path(self, value_path: DocPath) -> DocPath:
        """Where the mistake is, given where the parameter's value is written."""
        return value_path if self.item is None else (*value_path, self.item)


def _scalar(kind: Literal["string", "integer", "number", "boolean"]) -> Callable[[Any], Any]:
    field = ScalarType(kind)
    return lambda value: check_scalar(value, field)


_ITEM_CHECKS: dict[str, Callable[[Any], Any]] = {
    "string": _scalar("string"),
    "integer": _scalar("integer"),
    "number": _scalar("number"),
    "boolean": _scalar("boolean"),
    "date": check_date,
    "port": check_port_range,
    "cidr": check_network,
    "dated_pattern": check_dated_pattern,  # {pattern: REGEX, date: YYYY-MM-DD}
}


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: ParamType
    default: Any
    description: str

    def check_type(self, value: Any) -> None:
        """Raise :class:`ParamError` unless ``value`` is of the declared type."""
        if not self.type.endswith("_list"):
            self._check(_ITEM_CHECKS[self.type], value, None)
            return
        if not isinstance(value, list):
            raise ParamError(
                self.name, f"parameter '{self.name}': expected a list, got {describe_raw(value)}"
            )
        check = _ITEM_CHECKS[self.type.removesuffix("_list")]
        for index, item in enumerate(value):
            self._check(check, item, index)

    def _check(self, check: Callable[[Any], Any], value: Any, item: int | None) -> None:
        try:
            check(value)
        except OperandError as exc:
            raise ParamError(self.name, f"parameter '{self.name}': {exc}", item) from None


@dataclass(frozen=True)
class ParamUse:
    """A parameter used as the operand of ``operator`` on the value at ``path``."""

    name: str
    slot: int  # where the converted operand goes in ``Rule.operands``
    operator: Operator
    target: FieldType  # the type of each value the operator tests
    path: str

    def convert(self, value: Any) -> Any:
        """``value`` (already of the declared type) as this use's operand, or a ParamError."""
        try:
            return self.operator.check_operand(value, self.target)
        except OperandError as exc:
            message = (
                f"parameter '{self.name}' (compared with '{self.path}' by "
                f"'{self.operator.name}'): {exc}"
            )
            raise ParamError(self.name, message, self._item_at_fault(value, exc)) from None

    def _item_at_fault(self, value: Any, exc: OperandError) -> int | None:
        if not isinstance(value, list):
            return None
        if isinstance(exc, UnknownValueError) and exc.value in value:
            return value.index(exc.value)
        for index, item in enumerate(value):
            try:
                self.operator.check_operand([item], self.target)
            except OperandError:
                return index
        return None


def plain(value: Any) -> Any:
    """A parameter value as reports and messages show it: an unquoted YAML date (a ``date``
    parameter, or in a ``dated_pattern_list``) as its ``YYYY-MM-DD`` text, so that JSON can
    hold it; the operators read that text as they read the date."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class BoundParams:
    values: dict[str, Any]  # by name, as written: what messages and reports show
    operands: tuple[Any, ...]  # converted for the operators, by ParamUse.slot


def param_problems(
    owner: str,
    specs: Mapping[str, ParamSpec],
    uses: Sequence[ParamUse],
    values: Mapping[str, Any],
) -> list[ParamError]:
    """One problem for each of ``values`` that is unknown to ``owner`` (a rule id) or does
    not fit, in the order given."""
    problems: list[ParamError] = []
    for name, value in values.items():
        try:
            _check(owner, specs, uses, name, value)
        except ParamError as exc:
            problems.append(exc)
    return problems


def bind_params(
    owner: str,
    specs: Mapping[str, ParamSpec],
    uses: Sequence[ParamUse],
    values: Mapping[str, Any],
) -> BoundParams:
    """The defaults with ``values`` over them, checked and converted; raises the first
    :class:`ParamError`."""
    merged = {name: plain(spec.default) for name, spec in specs.items()}
    for name, value in values.items():
        _check(owner, specs, uses, name, value)
        merged[name] = plain(value)
    operands: list[Any] = [None] * len(uses)
    for use in uses:
        operands[use.slot] = use.convert(merged[use.name])
    return BoundParams(merged, tuple(operands))


def _check(
    owner: str, specs: Mapping[str, ParamSpec], uses: Sequence[ParamUse], name: str, value: Any
) -> None:
    spec = specs.get(name)
    if spec is None:
        message = f"unknown parameter '{name}' for {owner}" + suggest(name, specs)
        if not specs:
            message += f" ({owner} has no parameters)"
        raise ParamError(name, message)
    spec.check_type(value)
    for use in uses:
        if use.name == name:
            use.convert(value)
