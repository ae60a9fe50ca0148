"""The operator table: one entry per operator, used for validation, evaluation and docs.

Each operator says which field types it applies to, how its operand is checked and
converted when a rule loads, and how it tests a present value. Absent values never reach
an operator (the condition layer turns them into *unknown* or applies ``default:``), except
for ``exists``, which is about presence itself.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from lslint.engine.paths import FieldType, ListType, ObjectType, ScalarType
from lslint.engine.regex import Regex, RegexError, compile_regex
from lslint.models import OUT_OF_UTC, InstancePortInfo
from lslint.suggest import suggest

Truth = bool | None
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
PortRange = tuple[int, int]


class OperandError(Exception):
    """An operand does not fit its operator or field."""


class UnknownValueError(OperandError):
    """A literal that is none of the values the API fixes for its field."""

    def __init__(self, message: str, value: str) -> None:
        super().__init__(message)
        self.value = value


@dataclass(frozen=True)
class OperatorResult:
    """An operator's answer: its truth, the value that made it true, and why it is unknown."""

    truth: Truth
    witness: Any = None
    reason: str = ""


# ---------------------------------------------------------------- operand checkers


def check_scalar(raw: Any, field: FieldType) -> Any:
    if not isinstance(field, ScalarType):
        raise OperandError(f"cannot compare a {field.describe()} with a literal")
    kind = field.kind
    if kind == "string":
        if not isinstance(raw, str):
            raise OperandError(f"expected a string, got {describe_raw(raw)}")
        if (unknown := field.unknown_value(raw)) is not None:
            raise UnknownValueError(unknown, raw)
        return raw
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise OperandError(f"expected true or false, got {describe_raw(raw)}")
        return raw
    if kind == "integer":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise OperandError(f"expected an integer, got {describe_raw(raw)}")
        return raw
    if kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise OperandError(f"expected a number, got {describe_raw(raw)}")
        return raw
    return _timestamp(raw)


def _timestamp(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        stamp = raw
    elif isinstance(raw, date):  # an unquoted YAML date: midnight UTC
        stamp = datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    elif isinstance(raw, str):
        try:
            stamp = datetime.fromisoformat(raw)
        except ValueError:
            raise OperandError(f"expected an ISO 8601 timestamp, got {describe_raw(raw)}") from None
    else:
        raise OperandError(f"expected an ISO 8601 timestamp, got {describe_raw(raw)}")
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def check_instant(raw: Any) -> datetime:
    """A point in time: ISO 8601 (a date is midnight UTC, no offset is UTC) or seconds since
    1970 (a number, or a string of digits), as the scan time is given to ``--now`` and tests."""
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", raw):
        raw = float(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            return datetime.fromtimestamp(raw, UTC)
        except (OverflowError, OSError, ValueError):
            raise OperandError(f"{raw!r} seconds since 1970 is out of range") from None
    try:
        stamp = _timestamp(raw)
    except OperandError:
        raise OperandError(
            f"expected an ISO 8601 time or seconds since 1970, got {describe_raw(raw)}"
        ) from None
    try:
        return stamp.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is a time of year 0 in UTC
        raise OperandError(f"out of range: {OUT_OF_UTC}") from None


def check_date(raw: Any) -> date:
    """A calendar day: an unquoted YAML date or a ``YYYY-MM-DD`` string."""
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise OperandError(f"expected a date (YYYY-MM-DD), got {describe_raw(raw)}")


def describe_raw(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    if isinstance(raw, (dict, list)):
        return "a mapping" if isinstance(raw, dict) else "a list"
    return f"{type(raw).__name__} {raw!r}"


def _list_of(check: Callable[[Any, FieldType], Any]) -> Callable[[Any, FieldType], Any]:
    def checker(raw: Any, field: FieldType) -> tuple[Any, ...]:
        if not isinstance(raw, list):
            raise OperandError(f"expected a list, got {describe_raw(raw)}")
        return tuple(check(item, field) for item in raw)

    return checker


def _boolean(raw: Any, field: FieldType) -> bool:
    if not isinstance(raw, bool):
        raise OperandError(f"expected true or false, got {describe_raw(raw)}")
    return raw


def _regex(raw: Any, field: FieldType) -> Regex:
    if not isinstance(raw, str):
        raise OperandError(f"expected a regular expression string, got {describe_raw(raw)}")
    try:
        return compile_regex(raw)
    except RegexError as exc:
        raise OperandError(f"invalid regular expression {raw!r}: {exc}") from None


def check_network(raw: Any) -> IpNetwork:
    if not isinstance(raw, str):
        raise OperandError(f"expected a CIDR string, got {describe_raw(raw)}")
    try:
        return ipaddress.ip_network(raw.strip(), strict=False)
    except ValueError:
        raise OperandError(f"'{raw}' is not a valid CIDR") from None


def _networks(raw: Any, field: FieldType) -> tuple[IpNetwork, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise OperandError("expected at least one CIDR")
    return tuple(check_network(item) for item in items)


_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def _duration(unit: timedelta, units: str) -> Callable[[Any, FieldType], float]:
    """The checker of a number of ``units``. Its bound is the largest duration a timedelta
    holds (999,999,999 days), beyond which the comparison cannot be made: a policy bound
    (100 years, say) would refuse settings that work, such as a huge value meaning "never"
    (no two timestamps are more than 3.7 million days apart)."""
    most = timedelta.max // unit

    def check(raw: Any, field: FieldType) -> float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < 0:
            raise OperandError(f"expected a number of at least 0, got {describe_raw(raw)}")
        if not raw <= most:  # also NaN, which no comparison holds for
            raise OperandError(
                f"expected a number of {units} of at most {most}, got {describe_raw(raw)}"
            )
        return float(raw)

    return check


class DatedPattern(NamedTuple):
    """A regular expression and the last day it holds for (an end of support, say)."""

    pattern: Regex
    date: date


_DATED_PATTERN_KEYS = ("pattern", "date")


def check_dated_pattern(raw: Any) -> DatedPattern:
    if not isinstance(raw, dict):
        raise OperandError(f"expected a mapping {{pattern: REGEX, date: YYYY-MM-DD}}, got "
                           f"{describe_raw(raw)}")  # fmt: skip
    for key in raw:
        if key not in _DATED_PATTERN_KEYS:
            raise OperandError(
                f"unknown key '{key}' (expected pattern and date)"
                + suggest(str(key), _DATED_PATTERN_KEYS)
            )
    for key in _DATED_PATTERN_KEYS:
        if key not in raw:
            raise OperandError(f"missing '{key}' (expected pattern and date)")
    return DatedPattern(_regex(raw["pattern"], ScalarType("string")), check_date(raw["date"]))


def _dated_patterns(raw: Any, field: FieldType) -> tuple[DatedPattern, ...]:
    if not isinstance(raw, list) or not raw:
        got = "an empty list" if raw == [] else describe_raw(raw)
        raise OperandError(f"expected a non-empty list of {{pattern, date}} mappings, got {got}")
    return tuple(check_dated_pattern(item) for item in raw)


_PORT_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


def check_port_range(raw: Any) -> PortRange:
    if isinstance(raw, int) and not isinstance(raw, bool):
        low = high = raw
    elif isinstance(raw, str) and (found := _PORT_RANGE.match(raw)):
        low, high = int(found.group(1)), int(found.group(2))
    elif isinstance(raw, str) and raw.strip().isdigit():
        low = high = int(raw)
    else:
        raise OperandError(f"expected a port or a 'low-high' range, got {describe_raw(raw)}")
    if not 0 <= low <= high <= 65535:
        raise OperandError(f"port range {low}-{high} is outside 0-65535 or reversed")
    return (low, high)


def _prefix_length(raw: Any, field: FieldType) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise OperandError(f"expected a prefix length (an integer), got {describe_raw(raw)}")
    if not 0 <= raw <= 128:
        raise OperandError(f"prefix length {raw} is outside 0-128")
    return raw


def _port_ranges(raw: Any, field: FieldType) -> tuple[PortRange, ...]:
    items = raw if isinstance(raw, list) else [raw]
    return tuple(check_port_range(item) for item in items)


# ---------------------------------------------------------------- applicability


def _is_scalar(field: FieldType) -> bool:
    return isinstance(field, ScalarType)


def _is_string(field: FieldType) -> bool:
    return isinstance(field, ScalarType) and field.kind == "string"


def _is_ordered(field: FieldType) -> bool:
    return isinstance(field, ScalarType) and field.kind in ("integer", "number", "timestamp")


def _is_timestamp(field: FieldType) -> bool:
    return isinstance(field, ScalarType) and field.kind == "timestamp"


def _is_scalar_list(field: FieldType) -> bool:
    return isinstance(field, ListType) and isinstance(field.item, ScalarType)


def _is_text_or_list(field: FieldType) -> bool:
    return _is_string(field) or isinstance(field, ListType)


def _is_port_entry(field: FieldType) -> bool:
    return isinstance(field, ObjectType) and field.model is InstancePortInfo


def _anything(field: FieldType) -> bool:
    return True


# ---------------------------------------------------------------- tests


def _fold(value: Any, field: FieldType) -> Any:
    if isinstance(value, str) and isinstance(field, ScalarType) and field.case_insensitive:
        return value.casefold()
    return value


def _equals(value: Any, operand: Any, field: FieldType) -> OperatorResult:
    return OperatorResult(_fold(value, field) == _fold(operand, field), value)


def _not_equals(value: Any, operand: Any, field: FieldType) -> OperatorResult:
    return OperatorResult(_fold(value, field) != _fold(operand, field), value)


def _in(value: Any, operand: Sequence[Any], field: FieldType) -> OperatorResult:
    folded = _fold(value, field)
    return OperatorResult(any(folded == _fold(item, field) for item in operand), value)


def _not_in(value: Any, operand: Sequence[Any], field: FieldType) -> OperatorResult:
    return OperatorResult(not _in(value, operand, field).truth, value)


def _order(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any, FieldType], OperatorResult]:
    def test(value: Any, operand: Any, field: FieldType) -> OperatorResult:
        return OperatorResult(compare(value, operand), value)

    return test


def _matches(value: Any, operand: Regex, field: FieldType) -> OperatorResult:
    return OperatorResult(operand.search(value), value)


def _matches_any(value: Any, operand: Sequence[Regex], field: FieldType) -> OperatorResult:
    return OperatorResult(any(pattern.search(value) for pattern in operand), value)


def _exists(value: Any, operand: bool, field: FieldType) -> OperatorResult:
    return OperatorResult((value is not None) == operand, value)


def _empty(value: Any, operand: bool, field: FieldType) -> OperatorResult:
    if isinstance(value, str):
        return OperatorResult((not value.strip()) == operand, value)
    # Read through another list, a null stands for an entry's absent list, which may hold
    # items or none; one known item makes the whole list non-empty whatever they hold.
    absent_parts = isinstance(field, ListType) and field.absent_parts
    if absent_parts and value and all(item is None for item in value):
        return OperatorResult(None, reason="list has absent items")
    return OperatorResult((len(value) == 0) == operand, value)


def _list_members(
    value: Sequence[Any], operand: Sequence[Any], field: FieldType
) -> tuple[list[Any], list[Any], bool]:
    """Operand items found in ``value``, those not found, and whether ``value`` has gaps."""
    item = field.item if isinstance(field, ListType) else field
    present = {_fold(v, item) for v in value if v is not None}
    has_gaps = any(v is None for v in value)
    found = [o for o in operand if _fold(o, item) in present]
    missing = [o for o in operand if _fold(o, item) not in present]
    return found, missing, has_gaps


def _contains(value: Sequence[Any], operand: Any, field: FieldType) -> OperatorResult:
    return _contains_any(value, (operand,), field)


def _contains_any(value: Sequence[Any], operand: Sequence[Any], field: FieldType) -> OperatorResult:
    found, _, gaps = _list_members(value, operand, field)
    if found:
        return OperatorResult(True, found)
    return OperatorResult(None, reason="list has absent items") if gaps else OperatorResult(False)


def _contains_all(value: Sequence[Any], operand: Sequence[Any], field: FieldType) -> OperatorResult:
    found, missing, gaps = _list_members(value, operand, field)
    if not missing:
        return OperatorResult(True, found)
    return OperatorResult(None, reason="list has absent items") if gaps else OperatorResult(False)


def _lacks_any(value: Sequence[Any], operand: Sequence[Any], field: FieldType) -> OperatorResult:
    _, missing, gaps = _list_members(value, operand, field)
    if not missing:
        return OperatorResult(False)
    return (
        OperatorResult(None, reason="list has absent items")
        if gaps
        else OperatorResult(True, missing)
    )


@lru_cache(maxsize=4096)
def parse_network(text: str) -> IpNetwork | None:
    """``text`` as a network (host bits ignored), or ``None``; fleets repeat the same CIDRs."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _cidr_is_world(value: Any, operand: bool, field: FieldType) -> OperatorResult:
    network = parse_network(value)
    if network is None:
        return OperatorResult(None, reason=f"{value!r} is not a valid CIDR")
    return OperatorResult((network.prefixlen == 0) == operand, value)


def _cidr_prefix_below(value: Any, operand: int, field: FieldType) -> OperatorResult:
    network = parse_network(value)
    if network is None:
        return OperatorResult(None, reason=f"{value!r} is not a valid CIDR")
    return OperatorResult(network.prefixlen < operand, value)


def _cidr_test(
    relation: Callable[[IpNetwork, IpNetwork], bool],
) -> Callable[[Any, Sequence[IpNetwork], FieldType], OperatorResult]:
    def test(value: Any, operand: Sequence[IpNetwork], field: FieldType) -> OperatorResult:
        network = parse_network(value)
        if network is None:
            return OperatorResult(None, reason=f"{value!r} is not a valid CIDR")
        hit = any(
            network.version == other.version and relation(network, other) for other in operand
        )
        return OperatorResult(hit, value)

    return test


def _within(network: IpNetwork, other: IpNetwork) -> bool:
    return network.subnet_of(other)  # type: ignore[arg-type]


def _overlaps(network: IpNetwork, other: IpNetwork) -> bool:
    return network.overlaps(other)


_NO_PORTS = ("icmp", "icmpv6")


def _entry_range(entry: InstancePortInfo) -> tuple[PortRange | None, str]:
    """The port range an entry opens, ``None`` for ICMP, or a reason it is unknown."""
    protocol = (entry.protocol or "").casefold()
    if not protocol:
        return None, "protocol absent"
    if protocol == "all":
        return (0, 65535), ""
    if protocol in _NO_PORTS:
        return None, ""
    if entry.fromPort is None or entry.toPort is None:
        return None, "fromPort/toPort absent"
    return (min(entry.fromPort, entry.toPort), max(entry.fromPort, entry.toPort)), ""


def _exposes_port(value: Any, operand: Sequence[PortRange], field: FieldType) -> OperatorResult:
    opened, reason = _entry_range(value)
    if reason:
        return OperatorResult(None, reason=reason)
    if opened is None:
        return OperatorResult(False)
    hit = any(low <= opened[1] and opened[0] <= high for low, high in operand)
    return OperatorResult(hit, value)


def _only_ports(value: Any, operand: Sequence[PortRange], field: FieldType) -> OperatorResult:
    opened, reason = _entry_range(value)
    if reason:
        return OperatorResult(None, reason=reason)
    if opened is None:
        return OperatorResult(True, value)
    if (value.protocol or "").casefold() == "all":
        return OperatorResult(False)  # 'all' also opens protocols without ports: never inside
    uncovered = opened[0]
    for low, high in sorted(operand):
        if low <= uncovered <= high:
            uncovered = high + 1
        if uncovered > opened[1]:
            return OperatorResult(True, value)
    return OperatorResult(False)


class AtScan(NamedTuple):
    """The operand of an operator that reads the scan time, with that time."""

    operand: Any
    now: datetime


def _older_than(unit: timedelta) -> Callable[[Any, AtScan, FieldType], OperatorResult]:
    def test(value: datetime, operand: AtScan, field: FieldType) -> OperatorResult:
        return OperatorResult(operand.now - value > operand.operand * unit, value)

    return test


def _newer_than(unit: timedelta) -> Callable[[Any, AtScan, FieldType], OperatorResult]:
    def test(value: datetime, operand: AtScan, field: FieldType) -> OperatorResult:
        return OperatorResult(operand.now - value < operand.operand * unit, value)

    return test


def _within_next(unit: timedelta) -> Callable[[Any, AtScan, FieldType], OperatorResult]:
    def test(value: datetime, operand: AtScan, field: FieldType) -> OperatorResult:
        return OperatorResult(value - operand.now <= operand.operand * unit, value)

    return test


def _matches_past_date(value: Any, operand: AtScan, field: FieldType) -> OperatorResult:
    today = operand.now.astimezone(UTC).date()
    ended = sorted(e.date for e in operand.operand if e.date < today and e.pattern.search(value))
    if not ended:
        return OperatorResult(False)
    return OperatorResult(True, f"{value} (ended {ended[0].isoformat()})")


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Operator:
    name: str
    group: str
    summary: str
    applies_to: str  # for docs and errors
    accepts: Callable[[FieldType], bool]
    operand: str  # operand description, for docs
    check: Callable[[Any, FieldType], Any]
    test: Callable[[Any, Any, FieldType], OperatorResult]
    whole_value: bool = False  # applies to a list as a whole, never per element
    reads_scan_time: bool = False  # tests against the scan's time: its operand is an AtScan
    # What another path given as the operand must be: a value like the tested one ("value"),
    # a list of such values ("list"), or CIDR text ("cidrs"); None: literals only.
    path_operand: str | None = None

    def check_operand(self, raw: Any, field: FieldType) -> Any:
        """Check and convert a literal operand for a value of type ``field``."""
        if self.whole_value and isinstance(field, ListType):
            field = field.item  # list operators take items of the list's type
        return self.check(raw, field)


_SINGLE = check_scalar
_MANY = _list_of(check_scalar)

OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("equals", "equality", "the value equals the operand", "a scalar",
                 _is_scalar, "a value", _SINGLE, _equals, path_operand="value"),
        Operator("not_equals", "equality", "the value differs from the operand", "a scalar",
                 _is_scalar, "a value", _SINGLE, _not_equals, path_operand="value"),
        Operator("in", "equality", "the value is one of the operand's items", "a scalar",
                 _is_scalar, "a list of values", _MANY, _in, path_operand="list"),
        Operator("not_in", "equality", "the value is none of the operand's items", "a scalar",
                 _is_scalar, "a list of values", _MANY, _not_in, path_operand="list"),
        Operator("gt", "order", "the value is greater than the operand",
                 "a number or timestamp", _is_ordered, "a number or timestamp", _SINGLE,
                 _order(lambda a, b: a > b), path_operand="value"),
        Operator("gte", "order", "the value is greater than or equal to the operand",
                 "a number or timestamp", _is_ordered, "a number or timestamp", _SINGLE,
                 _order(lambda a, b: a >= b), path_operand="value"),
        Operator("lt", "order", "the value is less than the operand",
                 "a number or timestamp", _is_ordered, "a number or timestamp", _SINGLE,
                 _order(lambda a, b: a < b), path_operand="value"),
        Operator("lte", "order", "the value is less than or equal to the operand",
                 "a number or timestamp", _is_ordered, "a number or timestamp", _SINGLE,
                 _order(lambda a, b: a <= b), path_operand="value"),
        Operator("matches", "text", "the regular expression (RE2 syntax) is found in the value",
                 "a string", _is_string, "a regular expression", _regex, _matches),
        Operator("matches_any", "text", "any of the regular expressions is found in the value",
                 "a string", _is_string, "a list of regular expressions", _list_of(_regex),
                 _matches_any),
        Operator("exists", "presence", "the value is present (true) or absent (false); "
                 "never unknown", "any field", _anything, "true or false", _boolean, _exists,
                 whole_value=True),
        Operator("empty", "presence", "the string is blank or the list has no items (true), "
                 "or not (false)", "a string or list", _is_text_or_list, "true or false",
                 _boolean, _empty, whole_value=True),
        Operator("contains", "lists", "the list contains the operand", "a list of scalars",
                 _is_scalar_list, "a value", _SINGLE, _contains, whole_value=True,
                 path_operand="value"),
        Operator("contains_any", "lists", "the list contains at least one operand item",
                 "a list of scalars", _is_scalar_list, "a list of values", _MANY,
                 _contains_any, whole_value=True, path_operand="list"),
        Operator("contains_all", "lists", "the list contains every operand item",
                 "a list of scalars", _is_scalar_list, "a list of values", _MANY,
                 _contains_all, whole_value=True, path_operand="list"),
        Operator("lacks_any", "lists", "the list lacks at least one operand item (captures "
                 "the missing ones)", "a list of scalars", _is_scalar_list, "a list of values",
                 _MANY, _lacks_any, whole_value=True, path_operand="list"),
        Operator("cidr_is_world", "network", "the CIDR is (true) or is not (false) the whole "
                 "address space (0.0.0.0/0, ::/0, in any spelling); an invalid CIDR is unknown",
                 "a string", _is_string, "true or false", _boolean, _cidr_is_world),
        Operator("cidr_within", "network", "the CIDR lies inside one of the operand networks",
                 "a string", _is_string, "a CIDR or list of CIDRs", _networks,
                 _cidr_test(_within), path_operand="cidrs"),
        Operator("cidr_overlaps", "network", "the CIDR overlaps one of the operand networks",
                 "a string", _is_string, "a CIDR or list of CIDRs", _networks,
                 _cidr_test(_overlaps), path_operand="cidrs"),
        Operator("cidr_prefix_below", "network", "the CIDR's prefix is shorter than the "
                 "operand, so it spans more addresses than a network of that prefix length "
                 "(host bits ignored; an invalid CIDR is unknown)", "a string", _is_string,
                 "a prefix length (0-128)", _prefix_length, _cidr_prefix_below),
        Operator("exposes_port", "network", "the firewall entry opens any operand port "
                 "(protocol all opens every port, ICMP none)", "a port entry (networking.ports "
                 "item)", _is_port_entry, "a port, 'low-high' range, or list of them",
                 _port_ranges, _exposes_port),
        Operator("only_ports", "network", "every port the entry opens is inside the operand "
                 "(protocol all never is, ICMP always is)", "a port entry (networking.ports "
                 "item)", _is_port_entry, "a port, 'low-high' range, or list of them",
                 _port_ranges, _only_ports),
        Operator("older_than_days", "time", "the timestamp is more than N days before the "
                 "scan time", "a timestamp", _is_timestamp, "a number of days (>= 0)",
                 _duration(_DAY, "days"), _older_than(_DAY), reads_scan_time=True),
        Operator("older_than_hours", "time", "the timestamp is more than N hours before the "
                 "scan time", "a timestamp", _is_timestamp, "a number of hours (>= 0)",
                 _duration(_HOUR, "hours"), _older_than(_HOUR), reads_scan_time=True),
        Operator("newer_than_days", "time", "the timestamp is less than N days before the "
                 "scan time, or after it", "a timestamp", _is_timestamp,
                 "a number of days (>= 0)", _duration(_DAY, "days"), _newer_than(_DAY),
                 reads_scan_time=True),
        Operator("newer_than_hours", "time", "the timestamp is less than N hours before the "
                 "scan time, or after it", "a timestamp", _is_timestamp,
                 "a number of hours (>= 0)", _duration(_HOUR, "hours"), _newer_than(_HOUR),
                 reads_scan_time=True),
        Operator("within_next_days", "time", "the timestamp is at most N days after the scan "
                 "time, or already past (an expired certificate is within any window)",
                 "a timestamp", _is_timestamp, "a number of days (>= 0)",
                 _duration(_DAY, "days"), _within_next(_DAY), reads_scan_time=True),
        Operator("within_next_hours", "time", "the timestamp is at most N hours after the scan "
                 "time, or already past", "a timestamp", _is_timestamp,
                 "a number of hours (>= 0)", _duration(_HOUR, "hours"), _within_next(_HOUR),
                 reads_scan_time=True),
        Operator("matches_past_date", "time", "the string matches (RE2 search) the pattern of "
                 "an entry whose date (the last day it holds, UTC) is before the scan's date; "
                 "captures the value with the earliest such date",
                 "a string", _is_string, "a list of {pattern: REGEX, date: YYYY-MM-DD}",
                 _dated_patterns, _matches_past_date, reads_scan_time=True),
    )
}  # fmt: skip


def _count(raw: Any, field: FieldType) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise OperandError(f"expected a whole number of at least 0, got {describe_raw(raw)}")
    return raw


def _compare_count(
    compare: Callable[[int, int], bool],
) -> Callable[[Any, Any, FieldType], OperatorResult]:
    def test(value: Any, operand: Any, field: FieldType) -> OperatorResult:
        return OperatorResult(compare(value, operand), value)

    return test


# How a `count` condition compares the number of items it counted; one key per condition.
COUNT_COMPARISONS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("at_least", "count", "the count is at least N", "a count", _anything,
                 "a whole number", _count, _compare_count(lambda a, b: a >= b)),
        Operator("at_most", "count", "the count is at most N", "a count", _anything,
                 "a whole number", _count, _compare_count(lambda a, b: a <= b)),
        Operator("more_than", "count", "the count is greater than N", "a count", _anything,
                 "a whole number", _count, _compare_count(lambda a, b: a > b)),
        Operator("fewer_than", "count", "the count is less than N", "a count", _anything,
                 "a whole number", _count, _compare_count(lambda a, b: a < b)),
        Operator("equals", "count", "the count is exactly N", "a count", _anything,
                 "a whole number", _count, _compare_count(lambda a, b: a == b)),
    )
}  # fmt: skip
