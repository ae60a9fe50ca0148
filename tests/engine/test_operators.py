"""Semantics of every operator in the table, through the loader and the evaluator.

Each case is one condition used as a rule's ``fail_if``: the rule's status tells the
condition's truth (``fail`` = true, ``pass`` = false, ``error`` = unknown).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lslint.engine.evaluate import Verdict, judge
from lslint.engine.operators import OPERATORS
from lslint.engine.rule import Rule
from lslint.models import Instance

from conftest import MINIMAL_RULE, declared_safe, rule_from_text

TRUE, FALSE, UNKNOWN = "fail", "pass", "error"
NOW = datetime(2025, 1, 1, tzinfo=UTC)  # the scan time every case is judged at


def load(fail_if: str) -> Rule:
    # What a default does is tested here, not whether it is declared: declare the one a case
    # gives that can let the rule pass (an absent tag list taken as empty).
    text = f"{MINIMAL_RULE}message: m\nfail_if: {fail_if}\n"
    safe = ("tags.key",) if "{path: tags.key" in fail_if and "default: []" in fail_if else ()
    return rule_from_text(declared_safe(text, *safe))


def judged(fail_if: str, resource: dict[str, Any]) -> Verdict:
    return judge(load(fail_if), Instance.model_validate(resource), NOW)


def truth(fail_if: str, resource: dict[str, Any]) -> str:
    return judged(fail_if, resource).status


def ports(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"networking": {"ports": list(entries)}}


def tcp(low: int, high: int | None = None, **extra: Any) -> dict[str, Any]:
    return {"protocol": "tcp", "fromPort": low, "toPort": low if high is None else high, **extra}


def tags(*pairs: tuple[str | None, str | None]) -> dict[str, Any]:
    return {"tags": [{"key": k, "value": v} for k, v in pairs]}


Case = tuple[str, dict[str, Any], str]
ALL_CASES: list[Case] = []


def cases(*items: Any) -> list[Any]:
    """pytest params from ``(id, condition, resource, expected)``; remembered for coverage."""
    ALL_CASES.extend((cond, res, exp) for _, cond, res, exp in items)
    return [pytest.param(cond, res, exp, id=name) for name, cond, res, exp in items]


# ---------------------------------------------------------------- equality and membership

TOKENS_OPTIONAL = "{path: metadataOptions.httpTokens, equals: optional}"

EQUALITY = cases(
    ("enum same case", TOKENS_OPTIONAL, {"metadataOptions": {"httpTokens": "optional"}}, TRUE),
    ("enum value in other case", TOKENS_OPTIONAL, {"metadataOptions": {"httpTokens": "Optional"}},
     TRUE),
    ("enum operand in other case", "{path: metadataOptions.httpTokens, equals: OPTIONAL}",
     {"metadataOptions": {"httpTokens": "optional"}}, TRUE),
    ("enum differs", TOKENS_OPTIONAL, {"metadataOptions": {"httpTokens": "required"}}, FALSE),
    ("instance state in other case", "{path: state.name, equals: running}",
     {"state": {"name": "Running"}}, TRUE),
    ("plain string is case-sensitive", "{path: name, equals: web}", {"name": "Web"}, FALSE),
    ("plain string equal", "{path: name, equals: web}", {"name": "web"}, TRUE),
    ("tag key is case-sensitive", "{path: tags.key, equals: Owner, match: some}",
     tags(("owner", "x")), FALSE),
    ("tag key equal", "{path: tags.key, equals: Owner, match: some}", tags(("Owner", "x")), TRUE),
    ("integer equals", "{path: hardware.cpuCount, equals: 2}", {"hardware": {"cpuCount": 2}},
     TRUE),
    ("number equals integer literal", "{path: hardware.ramSizeInGb, equals: 2}",
     {"hardware": {"ramSizeInGb": 2.0}}, TRUE),
    ("boolean equals false", "{path: isStaticIp, equals: false}", {"isStaticIp": False}, TRUE),
    ("boolean differs", "{path: isStaticIp, equals: false}", {"isStaticIp": True}, FALSE),
    ("absent is unknown", TOKENS_OPTIONAL, {}, UNKNOWN),
    ("null is unknown", TOKENS_OPTIONAL, {"metadataOptions": {"httpTokens": None}}, UNKNOWN),
    ("not_equals enum other case", "{path: metadataOptions.httpTokens, not_equals: required}",
     {"metadataOptions": {"httpTokens": "Required"}}, FALSE),
    ("not_equals enum differs", "{path: metadataOptions.httpTokens, not_equals: required}",
     {"metadataOptions": {"httpTokens": "optional"}}, TRUE),
    ("not_equals plain string other case", "{path: name, not_equals: web}", {"name": "WEB"},
     TRUE),
    ("not_equals absent is unknown", "{path: name, not_equals: web}", {}, UNKNOWN),
    ("in enum other case", "{path: networking.ports.protocol, in: [tcp, udp], match: some}",
     ports({"protocol": "UDP"}), TRUE),
    ("in plain string case-sensitive", "{path: name, in: [web, db]}", {"name": "DB"}, FALSE),
    ("in plain string", "{path: name, in: [web, db]}", {"name": "db"}, TRUE),
    ("in absent is unknown", "{path: name, in: [web]}", {}, UNKNOWN),
    ("in integers", "{path: hardware.cpuCount, in: [1, 2]}", {"hardware": {"cpuCount": 4}},
     FALSE),
    ("not_in enum other case", "{path: networking.ports.protocol, not_in: [icmp, icmpv6], "
     "match: every}", ports({"protocol": "ICMP"}), FALSE),
    ("not_in enum", "{path: networking.ports.protocol, not_in: [icmp, icmpv6], match: every}",
     ports({"protocol": "tcp"}), TRUE),
    ("not_in plain string", "{path: name, not_in: [web, db]}", {"name": "Web"}, TRUE),
    ("not_in absent is unknown", "{path: name, not_in: [web]}", {}, UNKNOWN),
)  # fmt: skip


@pytest.mark.parametrize(("cond", "resource", "expected"), EQUALITY)
def test_equality_and_membership(cond: str, resource: dict[str, Any], expected: str) -> None:
    assert truth(cond, resource) == expected


# ---------------------------------------------------------------- order

NEW_YEAR = "'2023-01-01T00:00:00Z'"  # epoch 1672531200
ORDER = cases(
    ("gt above", "{path: hardware.cpuCount, gt: 2}", {"hardware": {"cpuCount": 3}}, TRUE),
    ("gt equal", "{path: hardware.cpuCount, gt: 2}", {"hardware": {"cpuCount": 2}}, FALSE),
    ("gte equal", "{path: hardware.cpuCount, gte: 2}", {"hardware": {"cpuCount": 2}}, TRUE),
    ("gte below", "{path: hardware.cpuCount, gte: 2}", {"hardware": {"cpuCount": 1}}, FALSE),
    ("lt below", "{path: hardware.cpuCount, lt: 2}", {"hardware": {"cpuCount": 1}}, TRUE),
    ("lt equal", "{path: hardware.cpuCount, lt: 2}", {"hardware": {"cpuCount": 2}}, FALSE),
    ("lte equal", "{path: hardware.cpuCount, lte: 2}", {"hardware": {"cpuCount": 2}}, TRUE),
    ("lte above", "{path: hardware.cpuCount, lte: 2}", {"hardware": {"cpuCount": 3}}, FALSE),
    ("gt number", "{path: hardware.ramSizeInGb, gt: 1.5}", {"hardware": {"ramSizeInGb": 2.0}},
     TRUE),
    ("lt negative", "{path: networking.ports.fromPort, lt: 0, match: some}",
     ports(tcp(-1)), TRUE),
    ("gt absent is unknown", "{path: hardware.cpuCount, gt: 2}", {"hardware": {}}, UNKNOWN),
    ("gte absent is unknown", "{path: hardware.cpuCount, gte: 2}", {}, UNKNOWN),
    ("lt absent is unknown", "{path: hardware.cpuCount, lt: 2}", {}, UNKNOWN),
    ("lte absent is unknown", "{path: hardware.cpuCount, lte: 2}", {}, UNKNOWN),
    ("gt epoch after", f"{{path: createdAt, gt: {NEW_YEAR}}}", {"createdAt": 1672531201}, TRUE),
    ("gt epoch equal", f"{{path: createdAt, gt: {NEW_YEAR}}}", {"createdAt": 1672531200}, FALSE),
    ("gte epoch equal", f"{{path: createdAt, gte: {NEW_YEAR}}}", {"createdAt": 1672531200},
     TRUE),
    ("lt epoch before", f"{{path: createdAt, lt: {NEW_YEAR}}}", {"createdAt": 1672531199}, TRUE),
    ("lte epoch after", f"{{path: createdAt, lte: {NEW_YEAR}}}", {"createdAt": 1672531201},
     FALSE),
    ("gt iso after", f"{{path: createdAt, gt: {NEW_YEAR}}}",
     {"createdAt": "2023-01-01T00:00:01Z"}, TRUE),
    ("gt iso with offset is earlier", f"{{path: createdAt, gt: {NEW_YEAR}}}",
     {"createdAt": "2023-01-01T01:00:00+02:00"}, FALSE),
    ("lte iso equal", f"{{path: createdAt, lte: {NEW_YEAR}}}",
     {"createdAt": "2023-01-01T00:00:00+00:00"}, TRUE),
    ("operand with offset", "{path: createdAt, lt: '2023-01-01T02:00:00+02:00'}",
     {"createdAt": 1672531199}, TRUE),
    ("unquoted yaml timestamp operand", "{path: createdAt, gte: 2023-01-01T00:00:00Z}",
     {"createdAt": 1672531200}, TRUE),
    ("date-only string operand is midnight utc", "{path: createdAt, lt: '2023-01-01'}",
     {"createdAt": 1672531199}, TRUE),
    ("timestamp absent is unknown", f"{{path: createdAt, gt: {NEW_YEAR}}}", {}, UNKNOWN),
)  # fmt: skip


@pytest.mark.parametrize(("cond", "resource", "expected"), ORDER)
def test_order(cond: str, resource: dict[str, Any], expected: str) -> None:
    assert truth(cond, resource) == expected


def test_order_on_iso_timestamp_without_offset_is_treated_as_utc() -> None:
    cond = f"{{path: createdAt, gt: {NEW_YEAR}}}"
    assert truth(cond, {"createdAt": "2023-01-01T00:00:01"}) == TRUE


def test_order_accepts_unquoted_yaml_date_operand() -> None:
    assert truth("{path: createdAt, lt: 2023-01-01}", {"createdAt": 1672531199}) == TRUE


# ---------------------------------------------------------------- text

TEXT = cases(
    ("matches searches anywhere", "{path: name, matches: 'prod'}", {"name": "my-prod-1"}, TRUE),
    ("matches anchored", "{path: name, matches: '^web-\\d+$'}", {"name": "web-12"}, TRUE),
    ("matches anchored miss", "{path: name, matches: '^web-\\d+$'}", {"name": "web-1x"}, FALSE),
    ("matches is case-sensitive", "{path: name, matches: '^web'}", {"name": "Web"}, FALSE),
    ("matches inline flag", "{path: name, matches: '(?i)^web'}", {"name": "Web"}, TRUE),
    ("matches absent is unknown", "{path: name, matches: 'x'}", {}, UNKNOWN),
    ("matches_any second", "{path: name, matches_any: ['^web', '^api']}", {"name": "api-1"},
     TRUE),
    ("matches_any none", "{path: name, matches_any: ['^web', '^api']}", {"name": "db-1"}, FALSE),
    ("matches_any absent is unknown", "{path: name, matches_any: ['^web']}", {}, UNKNOWN),
)  # fmt: skip


@pytest.mark.parametrize(("cond", "resource", "expected"), TEXT)
def test_text(cond: str, resource: dict[str, Any], expected: str) -> None:
    assert truth(cond, resource) == expected


# ---------------------------------------------------------------- presence

HTTP_TOKENS_EXISTS = "{path: metadataOptions.httpTokens, exists: true}"
HTTP_TOKENS_ABSENT = "{path: metadataOptions.httpTokens, exists: false}"
PRESENCE = cases(
    ("exists present", HTTP_TOKENS_EXISTS, {"metadataOptions": {"httpTokens": "optional"}}, TRUE),
    ("exists absent is false not unknown", HTTP_TOKENS_EXISTS, {"metadataOptions": {}}, FALSE),
    ("exists parent absent is false", HTTP_TOKENS_EXISTS, {}, FALSE),
    ("exists null is false", HTTP_TOKENS_EXISTS, {"metadataOptions": {"httpTokens": None}},
     FALSE),
    ("exists false on absent", HTTP_TOKENS_ABSENT, {}, TRUE),
    ("exists false on present", HTTP_TOKENS_ABSENT,
     {"metadataOptions": {"httpTokens": "required"}}, FALSE),
    ("exists on empty list", "{path: tags, exists: true}", {"tags": []}, TRUE),
    ("empty blank string", "{path: name, empty: true}", {"name": "   "}, TRUE),
    ("empty empty string", "{path: name, empty: true}", {"name": ""}, TRUE),
    ("empty tab and newline", "{path: name, empty: true}", {"name": "\t\n"}, TRUE),
    ("empty text", "{path: name, empty: true}", {"name": " x "}, FALSE),
    ("empty false on text", "{path: name, empty: false}", {"name": "x"}, TRUE),
    ("empty false on blank", "{path: name, empty: false}", {"name": " "}, FALSE),
    ("empty absent string is unknown", "{path: name, empty: true}", {}, UNKNOWN),
    ("empty default string", "{path: name, empty: true, default: ''}", {}, TRUE),
    ("empty list", "{path: tags, empty: true}", {"tags": []}, TRUE),
    ("empty list with item", "{path: tags, empty: true}", tags(("a", None)), FALSE),
    ("empty list absent is unknown", "{path: tags, empty: true}", {}, UNKNOWN),
    ("empty list default", "{path: tags, empty: true, default: []}", {}, TRUE),
    ("empty string list", "{path: ipv6Addresses, empty: false}", {"ipv6Addresses": ["::1"]},
     TRUE),
    # Read through another list: an entry without cidrs may hold any number of them.
    ("empty projected, only absent parts", "{path: networking.ports.cidrs, empty: true}",
     {"networking": {"ports": [{}]}}, UNKNOWN),
    ("not empty projected, only absent parts", "{path: networking.ports.cidrs, empty: false}",
     {"networking": {"ports": [{}, {"cidrs": []}]}}, UNKNOWN),
    ("empty projected, a known item", "{path: networking.ports.cidrs, empty: true}",
     {"networking": {"ports": [{}, {"cidrs": ["10.0.0.0/8"]}]}}, FALSE),
    ("not empty projected, a known item", "{path: networking.ports.cidrs, empty: false}",
     {"networking": {"ports": [{"cidrs": ["10.0.0.0/8"]}, {}]}}, TRUE),
    ("empty projected, no entries", "{path: networking.ports.cidrs, empty: true}",
     {"networking": {"ports": []}}, TRUE),
)  # fmt: skip


@pytest.mark.parametrize(("cond", "resource", "expected"), PRESENCE)
def test_presence(cond: str, resource: dict[str, Any], expected: str) -> None:
    assert truth(cond, resource) == expected


# ---------------------------------------------------------------- lists

OWNER_ENV = (("Owner", "a"), ("Env", "b"))
NO_KEY = (None, "x")
LISTS = cases(
    ("contains", "{path: tags.key, contains: Owner}", tags(*OWNER_ENV), TRUE),
    ("contains is case-sensitive for tag keys", "{path: tags.key, contains: owner}",
     tags(*OWNER_ENV), FALSE),
    ("contains on empty list", "{path: tags.key, contains: Owner}", {"tags": []}, FALSE),
    ("contains absent list is unknown", "{path: tags.key, contains: Owner}", {}, UNKNOWN),
    ("contains absent list with default", "{path: tags.key, contains: Owner, default: []}", {},
     FALSE),
    ("contains missing with a None item is unknown", "{path: tags.key, contains: Owner}",
     tags(NO_KEY, ("Env", "b")), UNKNOWN),
    ("contains found despite a None item", "{path: tags.key, contains: Env}",
     tags(NO_KEY, ("Env", "b")), TRUE),
    ("contains enum list folds case", "{path: addOns.name, contains: autosnapshot}",
     {"addOns": [{"name": "AutoSnapshot"}]}, TRUE),
    ("contains_any one", "{path: tags.key, contains_any: [Team, Env]}", tags(*OWNER_ENV), TRUE),
    ("contains_any none", "{path: tags.key, contains_any: [Team, env]}", tags(*OWNER_ENV),
     FALSE),
    ("contains_any none with a None item is unknown", "{path: tags.key, contains_any: [Team]}",
     tags(NO_KEY), UNKNOWN),
    ("contains_all all", "{path: tags.key, contains_all: [Owner, Env]}", tags(*OWNER_ENV),
     TRUE),
    ("contains_all one missing", "{path: tags.key, contains_all: [Owner, Team]}",
     tags(*OWNER_ENV), FALSE),
    ("contains_all missing with a None item is unknown",
     "{path: tags.key, contains_all: [Owner, Team]}", tags(("Owner", "a"), NO_KEY), UNKNOWN),
    ("contains_all all despite a None item", "{path: tags.key, contains_all: [Owner]}",
     tags(("Owner", "a"), NO_KEY), TRUE),
    ("lacks_any one missing", "{path: tags.key, lacks_any: [Owner, Team]}", tags(*OWNER_ENV),
     TRUE),
    ("lacks_any case-sensitive", "{path: tags.key, lacks_any: [owner]}", tags(*OWNER_ENV), TRUE),
    ("lacks_any none missing", "{path: tags.key, lacks_any: [Owner, Env]}", tags(*OWNER_ENV),
     FALSE),
    ("lacks_any none missing despite a None item", "{path: tags.key, lacks_any: [Owner]}",
     tags(("Owner", "a"), NO_KEY), FALSE),
    ("lacks_any missing with a None item is unknown", "{path: tags.key, lacks_any: [Team]}",
     tags(("Owner", "a"), NO_KEY), UNKNOWN),
    ("lacks_any on empty list", "{path: tags.key, lacks_any: [Owner]}", {"tags": []}, TRUE),
    ("lacks_any absent list is unknown", "{path: tags.key, lacks_any: [Owner]}", {}, UNKNOWN),
)  # fmt: skip


@pytest.mark.parametrize(("cond", "resource", "expected"), LISTS)
def test_lists(cond: str, resource: dict[str, Any], expected: str) -> None:
    assert truth(cond, resource) == expected


def test_lacks_any_evidence_is_the_missing_items() -> None:
    verdict = judged("{path: tags.key, lacks_any: [Owner, Team, Env]}", tags(*OWNER_ENV))
    assert verdict.status == TRUE
    assert verdict.evidence == {"tags.key": ["Team"]}


def test_list_with_none_item_reason_names_the_path() -> None:
    verdict = judged("{path: tags.key, contains: Owner}", tags(NO_KEY))
    assert verdict.status == UNKNOWN
    assert verdict.message == "indeterminate: tags.key: list has absent items"


# ---------------------------------------------------------------- CIDRs


def cidrs(*values: str, v6: bool = False) -> dict[str, Any]:
    return ports({"protocol": "tcp", "fromPort": 22, "toPort": 22,
                  "ipv6Cidrs" if v6 else "cidrs": list(values)})  # fmt: skip


WORLD = "{path: networking.ports.cidrs, cidr_is_world: true, match: some}"
WORLD6 = "{path: networking.ports.ipv6Cidrs, cidr_is_world: true, match: some}"
ANYWHERE = "{path: networking.ports.accessFrom, matches: '^Anywhere', match: some}"
NOT_WORLD = "{path: networking.ports.cidrs, cidr_is_world: false, match: every}"
CIDRS = cases(
    ("world 0.0.0.0/0", WORLD, cidrs("0.0.0.0/0"), TRUE),
    ("world 0.0.0.0/00", WORLD, cidrs("0.0.0.0/00"), TRUE),
    ("world with host bits 1.2.3.4/0", WORLD, cidrs("1.2.3.4/0"), TRUE),
    ("world with spaces", WORLD, cidrs(" 0.0.0.0/0 "), TRUE),
    ("world ::/0", WORLD6, cidrs("::/0", v6=True), TRUE),
    ("world 0::/0", WORLD6, cidrs("0::/0", v6=True), TRUE),
    ("not world /1", WORLD, cidrs("0.0.0.0/1"), FALSE),
    ("not world ::/1", WORLD6, cidrs("::/1", v6=True), FALSE),
    ("not world host", WORLD, cidrs("203.0.113.5"), FALSE),
    ("not world private", WORLD, cidrs("10.0.0.0/8", "192.168.0.0/16"), FALSE),
    ("invalid cidr is unknown", WORLD, cidrs("not-a-cidr"), UNKNOWN),
    ("empty string cidr is unknown", WORLD, cidrs(""), UNKNOWN),
    ("prefix too long is unknown", WORLD, cidrs("10.0.0.0/33"), UNKNOWN),
    ("invalid next to world is decided", WORLD, cidrs("not-a-cidr", "0.0.0.0/0"), TRUE),
    ("no cidrs", WORLD, cidrs(), FALSE),
    ("is_world false", NOT_WORLD, cidrs("10.0.0.0/8"), TRUE),
    ("is_world false on world", NOT_WORLD, cidrs("10.0.0.0/8", "0.0.0.0/0"), FALSE),
    ("invalid decided by another or branch",
     f"{{or: [{WORLD}, {ANYWHERE}]}}",
     ports({"cidrs": ["bogus"], "accessFrom": "Anywhere (0.0.0.0/0)"}), TRUE),
    ("invalid not decided by a false or branch",
     f"{{or: [{WORLD}, {ANYWHERE}]}}",
     ports({"cidrs": ["bogus"], "accessFrom": "Custom"}), UNKNOWN),
    ("invalid decided by a false and branch",
     f"{{and: [{WORLD}, {ANYWHERE}]}}",
     ports({"cidrs": ["bogus"], "accessFrom": "Custom"}), FALSE),
    ("within", "{path: networking.ports.cidrs, cidr_within: 10.0.0.0/8, match: some}",
     cidrs("10.1.2.0/24"), TRUE),
    ("within itself", "{path: networking.ports.cidrs, cidr_within: 10.0.0.0/8, match: some}",
     cidrs("10.0.0.0/8"), TRUE),
    ("within bare host", "{path: networking.ports.cidrs, cidr_within: 192.168.0.0/16, "
     "match: some}", cidrs("192.168.7.9"), TRUE),
    ("within host bits", "{path: networking.ports.cidrs, cidr_within: 10.0.0.0/8, match: some}",
     cidrs("10.1.2.3/16"), TRUE),
    ("wider is not within", "{path: networking.ports.cidrs, cidr_within: 10.0.0.0/16, "
     "match: some}", cidrs("10.0.0.0/8"), FALSE),
    ("within any of a list",
     "{path: networking.ports.cidrs, cidr_within: [10.0.0.0/8, 172.16.0.0/12], match: every}",
     cidrs("172.20.0.0/16", "10.9.0.0/16"), TRUE),
    ("within v6", "{path: networking.ports.ipv6Cidrs, cidr_within: '2001:db8::/32', "
     "match: some}", cidrs("2001:db8:1::/48", v6=True), TRUE),
    ("v4 never within v6 world",
     "{path: networking.ports.cidrs, cidr_within: '::/0', match: some}",
     cidrs("10.0.0.0/8"), FALSE),
    ("v6 never within v4 world",
     "{path: networking.ports.ipv6Cidrs, cidr_within: 0.0.0.0/0, match: some}",
     cidrs("::/0", v6=True), FALSE),
    ("within invalid is unknown",
     "{path: networking.ports.cidrs, cidr_within: 10.0.0.0/8, match: some}",
     cidrs("10.0.0.0/40"), UNKNOWN),
    ("overlaps superset", "{path: networking.ports.cidrs, cidr_overlaps: 10.1.0.0/16, "
     "match: some}", cidrs("10.0.0.0/8"), TRUE),
    ("overlaps subset", "{path: networking.ports.cidrs, cidr_overlaps: 10.0.0.0/8, "
     "match: some}", cidrs("10.1.0.0/16"), TRUE),
    ("disjoint", "{path: networking.ports.cidrs, cidr_overlaps: 11.0.0.0/8, match: some}",
     cidrs("10.0.0.0/8"), FALSE),
    ("overlaps v6", "{path: networking.ports.ipv6Cidrs, cidr_overlaps: '2001:db8::/32', "
     "match: some}", cidrs("::/0", v6=True), TRUE),
    ("v4 world never overlaps v6",
     "{path: networking.ports.cidrs, cidr_overlaps: '2001:db8::/32', match: some}",
     cidrs("0.0.0.0/0"), FALSE),
    ("v6 world never overlaps v4",
     "{path: networking.ports.ipv6Cidrs, cidr_overlaps: [10.0.0.0/8], match: some}",
     cidrs("::/0", v6=True), FALSE),
    ("prefix below", "{path: networking.ports.cidrs, cidr_prefix_below: 8, match: some}",
     cidrs("0.0.0.0/1"), TRUE),
    ("prefix below with host bits",
     "{path: networking.ports.cidrs, cidr_prefix_below: 8, match: some}",
     cidrs("203.0.113.7/4"), TRUE),
    ("prefix equal is not below",
     "{path: networking.ports.cidrs, cidr_prefix_below: 8, match: some}",
     cidrs("10.0.0.0/8"), FALSE),
    ("bare host is a /32", "{path: networking.ports.cidrs, cidr_prefix_below: 32, match: some}",
     cidrs("203.0.113.7"), FALSE),
    ("world is below any positive prefix",
     "{path: networking.ports.cidrs, cidr_prefix_below: 1, match: some}",
     cidrs("0.0.0.0/00"), TRUE),
    ("v6 prefix below", "{path: networking.ports.ipv6Cidrs, cidr_prefix_below: 32, "
     "match: some}", cidrs("2000::/3", v6=True), TRUE),
    ("v6 prefix not below", "{path: networking.ports.ipv6Cidrs, cidr_prefix_below: 32, "
     "match: some}", cidrs("2001:db8::/32", v6=True), FALSE),
    ("prefix of invalid is unknown",
     "{path: networking.ports.cidrs, cidr_prefix_below: 8, match: some}",
     cidrs("10.0.0.0/33"), UNKNOWN),
    ("overlaps invalid is unknown",
     "{path: networking.ports.cidrs, cidr_overlaps: 10.0.0.0/8, match: some}",
     cidrs("bogus"), UNKNOWN),
)  # fmt: skip


@pytest.mark.parametrize(("cond", "resource", "expected"), CIDRS)
def test_cidrs(cond: str, resource: dict[str, Any], expected: str) -> None:
    assert truth(cond, resource) == expected


def test_invalid_cidr_reason_names_value_and_index() -> None:
    verdict = judged(WORLD, cidrs("10.0.0.0/8", "bogus"))
    assert verdict.status == UNKNOWN
    assert verdict.message == (
        "indeterminate: networking.ports.cidrs[1]: 'bogus' is not a valid CIDR"
    )


def test_absent_item_in_a_projected_list_is_unknown_with_its_index() -> None:
    verdict = judged(WORLD, ports({"cidrs": ["10.0.0.0/8"]}, {"protocol": "tcp"}))
    assert verdict.status == UNKNOWN
    assert verdict.message == "indeterminate: networking.ports.cidrs[1] absent"


# ---------------------------------------------------------------- ports


def exposes(operand: str, match: str = "some") -> str:
    return f"{{path: networking.ports, exposes_port: {operand}, match: {match}}}"


def only(operand: str, match: str = "every") -> str:
    return f"{{path: networking.ports, only_ports: {operand}, match: {match}}}"


PORTS = cases(
    ("tcp range covers port", exposes("22"), ports(tcp(20, 25)), TRUE),
    ("tcp range edge", exposes("25"), ports(tcp(20, 25)), TRUE),
    ("tcp other port", exposes("22"), ports(tcp(80)), FALSE),
    ("reversed from/to", exposes("22"), ports(tcp(25, 20)), TRUE),
    ("operand range overlaps", exposes("'8000-8100'"), ports(tcp(8080)), TRUE),
    ("operand range misses", exposes("'8000-8100'"), ports(tcp(7999)), FALSE),
    ("operand list", exposes("[3306, 5432]"), ports(tcp(5432)), TRUE),
    ("udp opens its ports", exposes("53"), ports({"protocol": "udp", "fromPort": 53,
                                                 "toPort": 53}), TRUE),
    ("upper-case protocol", exposes("22"), ports({"protocol": "TCP", "fromPort": 22,
                                                  "toPort": 22}), TRUE),
    ("all opens every port", exposes("22"), ports({"protocol": "all", "fromPort": 0,
                                                   "toPort": 65535}), TRUE),
    ("all opens every port without port numbers", exposes("3389"), ports({"protocol": "ALL"}),
     TRUE),
    ("all opens every port whatever the numbers say", exposes("22"),
     ports({"protocol": "all", "fromPort": 80, "toPort": 80}), TRUE),
    ("icmp opens none", exposes("'0-65535'"), ports({"protocol": "icmp", "fromPort": 8,
                                                    "toPort": -1}), FALSE),
    ("icmpv6 opens none", exposes("'0-65535'"), ports({"protocol": "icmpv6"}), FALSE),
    ("absent fromPort is unknown", exposes("22"), ports({"protocol": "tcp", "toPort": 22}),
     UNKNOWN),
    ("absent protocol is unknown", exposes("22"), ports({"fromPort": 22, "toPort": 22}),
     UNKNOWN),
    ("some decided despite unknown", exposes("22"), ports({"protocol": "tcp"}, tcp(22)), TRUE),
    ("some unknown without hit", exposes("22"), ports({"protocol": "tcp"}, tcp(80)), UNKNOWN),
    ("some on empty list", exposes("22"), ports(), FALSE),
    ("every all hit", exposes("22", "every"), ports(tcp(22), tcp(0, 100)), TRUE),
    ("every one miss", exposes("22", "every"), ports(tcp(22), tcp(80)), FALSE),
    ("every miss beats unknown", exposes("22", "every"), ports({"protocol": "tcp"}, tcp(80)),
     FALSE),
    ("every hit and unknown", exposes("22", "every"), ports({"protocol": "tcp"}, tcp(22)),
     UNKNOWN),
    ("every on empty list", exposes("22", "every"), ports(), TRUE),
    ("none no hit", exposes("22", "none"), ports(tcp(80), tcp(443)), TRUE),
    ("none one hit", exposes("22", "none"), ports(tcp(80), tcp(22)), FALSE),
    ("none hit beats unknown", exposes("22", "none"), ports({"protocol": "tcp"}, tcp(22)),
     FALSE),
    ("none unknown without hit", exposes("22", "none"), ports({"protocol": "tcp"}, tcp(80)),
     UNKNOWN),
    ("none on empty list", exposes("22", "none"), ports(), TRUE),
    ("absent list is unknown", exposes("22", "none"), {"networking": {}}, UNKNOWN),
    ("absent list with default", "{path: networking.ports, exposes_port: 22, match: none, "
     "default: []}", {}, TRUE),
    ("only single port", only("[80, 443]"), ports(tcp(443)), TRUE),
    ("only all entries", only("[80, 443]"), ports(tcp(80), tcp(443)), TRUE),
    ("only range spanning a gap", only("[80, 443]"), ports(tcp(80, 443)), FALSE),
    ("only range straddling", only("[80, 443]"), ports(tcp(440, 450)), FALSE),
    ("only range covered by adjacent ranges", only("['80-89', '90-100']"), ports(tcp(80, 100)),
     TRUE),
    ("only range with a hole", only("['80-89', '91-100']"), ports(tcp(80, 100)), FALSE),
    ("only overlapping operand ranges", only("['80-95', '85-90', '96-100']"),
     ports(tcp(80, 100)), TRUE),
    ("only other port", only("[80, 443]"), ports(tcp(80), tcp(22)), FALSE),
    ("protocol all is never inside", only("['0-65535']"), ports({"protocol": "all",
                                                               "fromPort": 0,
                                                               "toPort": 65535}), FALSE),
    ("icmp is always inside", only("[80]"), ports({"protocol": "icmp", "fromPort": 8,
                                                  "toPort": -1}), TRUE),
    ("only absent fromPort is unknown", only("[80]"), ports({"protocol": "tcp"}), UNKNOWN),
    ("only every on empty list", only("[80]"), ports(), TRUE),
    ("only some", only("[22]", "some"), ports(tcp(80), tcp(22)), TRUE),
    ("only none", only("[22]", "none"), ports(tcp(80), tcp(23)), TRUE),
    ("port entry bound by a quantifier",
     "{some: {path: networking.ports, as: port, where: {path: port, exposes_port: 22}}}",
     ports(tcp(80), tcp(22)), TRUE),
)  # fmt: skip


@pytest.mark.parametrize(("cond", "resource", "expected"), PORTS)
def test_ports(cond: str, resource: dict[str, Any], expected: str) -> None:
    assert truth(cond, resource) == expected


def test_exposes_port_evidence_is_the_matching_entries() -> None:
    verdict = judged(exposes("22"), ports(tcp(80), tcp(22)))
    assert verdict.status == TRUE
    assert verdict.evidence == {
        "networking.ports": [{"protocol": "tcp", "fromPort": 22, "toPort": 22}]
    }


def test_absent_port_number_reason_names_the_entry() -> None:
    verdict = judged(exposes("22"), ports(tcp(80), {"protocol": "tcp", "fromPort": 22}))
    assert verdict.status == UNKNOWN
    assert verdict.message == "indeterminate: networking.ports[1]: fromPort/toPort absent"


# ---------------------------------------------------------------- time relative to the scan


def created(when: Any) -> dict[str, Any]:
    return {"createdAt": when}


EOL = (
    "[{pattern: '^ubuntu_18_04(_|$)', date: 2023-05-31}, {pattern: '^ubuntu_24_04(_|$)', "
    "date: '2029-05-31'}, {pattern: '^edge$', date: 2024-12-31}, {pattern: '^today$', "
    "date: 2025-01-01}]"
)

TIME = cases(
    ("older than days", "{path: createdAt, older_than_days: 90}", created("2024-09-01"), TRUE),
    ("not older than days", "{path: createdAt, older_than_days: 90}", created("2024-12-01"),
     FALSE),
    ("exactly 90 days is not older", "{path: createdAt, older_than_days: 90}",
     created("2024-10-03T00:00:00Z"), FALSE),
    ("older than days, epoch", "{path: createdAt, older_than_days: 90}", created(1704067200),
     TRUE),
    ("older than days, absent", "{path: createdAt, older_than_days: 90}", {}, UNKNOWN),
    ("older than days, fraction", "{path: createdAt, older_than_days: 0.5}",
     created("2024-12-31T11:00:00Z"), TRUE),
    ("older than hours", "{path: createdAt, older_than_hours: 12}",
     created("2024-12-31T11:59:59Z"), TRUE),
    ("exactly 12 hours is not older", "{path: createdAt, older_than_hours: 12}",
     created("2024-12-31T12:00:00Z"), FALSE),
    ("older than hours, absent", "{path: createdAt, older_than_hours: 12}", {}, UNKNOWN),
    ("newer than days", "{path: createdAt, newer_than_days: 7}", created("2024-12-30"), TRUE),
    ("newer than days, future", "{path: createdAt, newer_than_days: 7}", created("2025-02-01"),
     TRUE),
    ("not newer than days", "{path: createdAt, newer_than_days: 7}", created("2024-12-01"),
     FALSE),
    ("newer than days, absent", "{path: createdAt, newer_than_days: 7}", {}, UNKNOWN),
    ("newer than hours", "{path: createdAt, newer_than_hours: 1}",
     created("2024-12-31T23:30:00Z"), TRUE),
    ("newer than hours, other zone", "{path: createdAt, newer_than_hours: 1}",
     created("2024-12-31T18:30:00-05:00"), TRUE),
    ("not newer than hours", "{path: createdAt, newer_than_hours: 1}",
     created("2024-12-31T22:00:00Z"), FALSE),
    ("newer than hours, absent", "{path: createdAt, newer_than_hours: 1}", {}, UNKNOWN),
    ("within next days", "{path: createdAt, within_next_days: 30}", created("2025-01-20"), TRUE),
    ("within next days, boundary", "{path: createdAt, within_next_days: 30}",
     created("2025-01-31T00:00:00Z"), TRUE),
    ("within next days, already past", "{path: createdAt, within_next_days: 30}",
     created("2024-06-01"), TRUE),
    ("not within next days", "{path: createdAt, within_next_days: 30}", created("2025-03-01"),
     FALSE),
    ("within next days, absent", "{path: createdAt, within_next_days: 30}", {}, UNKNOWN),
    ("within next hours", "{path: createdAt, within_next_hours: 24}",
     created("2025-01-01T23:00:00Z"), TRUE),
    ("not within next hours", "{path: createdAt, within_next_hours: 24}",
     created("2025-01-02T01:00:00Z"), FALSE),
    ("not within next hours, other zone", "{path: createdAt, within_next_hours: 0}",
     created("2024-12-31T20:00:00-05:00"), FALSE),
    ("within next hours, absent", "{path: createdAt, within_next_hours: 24}", {}, UNKNOWN),
    ("past date matches", f"{{path: blueprintId, matches_past_date: {EOL}}}",
     {"blueprintId": "ubuntu_18_04"}, TRUE),
    ("past date, versioned id", f"{{path: blueprintId, matches_past_date: {EOL}}}",
     {"blueprintId": "ubuntu_18_04_2"}, TRUE),
    ("future date", f"{{path: blueprintId, matches_past_date: {EOL}}}",
     {"blueprintId": "ubuntu_24_04"}, FALSE),
    ("anchored pattern", f"{{path: blueprintId, matches_past_date: {EOL}}}",
     {"blueprintId": "ubuntu_18_040"}, FALSE),
    ("no pattern matches", f"{{path: blueprintId, matches_past_date: {EOL}}}",
     {"blueprintId": "debian_12"}, FALSE),
    ("last day before the scan date", f"{{path: blueprintId, matches_past_date: {EOL}}}",
     {"blueprintId": "edge"}, TRUE),
    ("last day is the scan date", f"{{path: blueprintId, matches_past_date: {EOL}}}",
     {"blueprintId": "today"}, FALSE),
    ("past date, absent", f"{{path: blueprintId, matches_past_date: {EOL}}}", {}, UNKNOWN),
)  # fmt: skip


@pytest.mark.parametrize(("cond", "resource", "expected"), TIME)
def test_time(cond: str, resource: dict[str, Any], expected: str) -> None:
    assert truth(cond, resource) == expected


def test_matches_past_date_captures_the_earliest_date() -> None:
    rule = rule_from_text(
        f"{MINIMAL_RULE}message: '{{{{ eol }}}}'\nfail_if: {{path: blueprintId, "
        "matches_past_date: [{pattern: ubuntu, date: 2024-01-01}, {pattern: '^ubuntu_18', "
        "date: 2023-05-31}], capture: eol}\n"
    )
    verdict = judge(rule, Instance.model_validate({"blueprintId": "ubuntu_18_04"}), NOW)
    assert verdict.message == "ubuntu_18_04 (ended 2023-05-31)"
    assert verdict.evidence == {"blueprintId": "ubuntu_18_04 (ended 2023-05-31)"}


# ---------------------------------------------------------------- coverage


def test_every_operator_has_cases() -> None:
    used = {name for name in OPERATORS for cond, _, _ in ALL_CASES if f" {name}:" in cond}
    assert used == set(OPERATORS)


def test_every_operator_is_true_false_and_unknown_somewhere() -> None:
    outcomes: dict[str, set[str]] = {name: set() for name in OPERATORS}
    for cond, _, expected in ALL_CASES:
        for name in OPERATORS:
            if f" {name}:" in cond:
                outcomes[name].add(expected)
    lacking = {n for n, seen in outcomes.items() if n != "exists" and len(seen) < 3}
    assert lacking == set()
