"""The built-in rules' remediation commands are real AWS CLI invocations, checked against the
Lightsail API model botocore installs, and the rules describe themselves consistently.

Users paste these commands: a misspelt option, a missing required parameter or a value the
API does not accept turns a fix into an error, or worse into a different change."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

import botocore.session
import pytest
from botocore.model import ServiceModel, Shape, StructureShape

from lslint.engine.loader import load_rules
from lslint.engine.rule import Rule

from conftest import BUILTIN_RULES

RULES = load_rules([BUILTIN_RULES])
RULES_BY_ID = {rule.id: rule for rule in RULES}
MODEL: ServiceModel = botocore.session.get_session().get_service_model("lightsail")


def kebab(name: str) -> str:
    """The AWS CLI's spelling of an operation or member name: GetInstances, get-instances."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).lower()


OPERATIONS = {kebab(name): name for name in MODEL.operation_names}
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


def stand_in(value: str) -> bool:
    """A value lslint leaves for the user to fill in, such as <instance-name>."""
    return value.startswith("<") and value.endswith(">")


def command_words(rule: Rule) -> list[str]:
    assert rule.remediation_cli is not None
    return shlex.split(rule.remediation_cli.describe(rule.param_values))


def options(words: list[str]) -> Iterator[tuple[str, list[str]]]:
    """Each --option with the words that follow it up to the next option."""
    name: str | None = None
    values: list[str] = []
    for word in words:
        if word.startswith("--"):
            if name is not None:
                yield name, values
            name, values = word[2:], []
        else:
            values.append(word)
    if name is not None:
        yield name, values


def problems_with_value(shape: Shape, value: str) -> list[str]:
    """What the API model refuses in one option value (shorthand syntax for structures)."""
    if stand_in(value):
        return []
    if shape.type_name == "list" and value.startswith("["):
        return []  # JSON, which the CLI accepts for any list
    if shape.type_name == "list":
        return problems_with_value(shape.member, value)  # type: ignore[attr-defined]
    if isinstance(shape, StructureShape):
        found = []
        for pair in value.split(","):
            key, _, item = pair.partition("=")
            if key not in shape.members:
                found.append(f"{key!r} is not a member of {shape.name}")
            else:
                found += problems_with_value(shape.members[key], item)
        missing = set(shape.required_members) - {
            pair.partition("=")[0] for pair in value.split(",")
        }
        found += [f"{shape.name} needs {name!r}" for name in sorted(missing)]
        return found
    enum = shape.enum if shape.type_name == "string" else []
    if enum and value not in enum:
        return [f"{value!r} is not one of {enum}"]
    if shape.type_name == "boolean" and value not in ("true", "false"):
        return [f"{value!r} is not a boolean"]
    if shape.type_name == "integer" and not re.fullmatch(r"-?\d+", value):
        return [f"{value!r} is not an integer"]
    return []


def command_problems(words: list[str]) -> list[str]:
    """What the API model refuses in a command line: the command, its options, their values."""
    if words[:2] != ["aws", "lightsail"] or words[2] not in OPERATIONS:
        return [f"{' '.join(words[:3])} is not a Lightsail command"]
    request = MODEL.operation_model(OPERATIONS[words[2]]).input_shape
    assert request is not None
    members = {kebab(name): shape for name, shape in request.members.items()}
    found, given = [], set()
    for option, values in options(words[3:]):
        if option == "region":  # the AWS CLI's own option, valid for every command
            if len(values) != 1 or not (stand_in(values[0]) or REGION.fullmatch(values[0])):
                found.append(f"--region needs one region, not {values}")
            continue
        negated = option.startswith("no-") and option[3:] in members
        name = option[3:] if negated else option
        if name not in members:
            found.append(f"--{option} is not a parameter of {words[2]}")
            continue
        given.add(name)
        shape = members[name]
        if shape.type_name == "boolean":
            if values:
                found.append(f"--{option} is a flag and takes no value")
        elif not values:
            found.append(f"--{option} needs a value")
        elif shape.type_name != "list" and len(values) > 1:
            found.append(f"--{option} takes one value")
        else:
            found += [
                f"--{option}: {problem}"
                for v in values
                for problem in problems_with_value(shape, v)
            ]
    required = {kebab(name) for name in request.required_members}
    found += [f"--{name} is required" for name in sorted(required - given)]
    return found


WITH_COMMANDS = [rule for rule in RULES if rule.remediation_cli is not None]


def test_every_built_in_rule_has_a_command() -> None:
    assert [rule.id for rule in RULES if rule.remediation_cli is None] == []


@pytest.mark.parametrize("rule", WITH_COMMANDS, ids=lambda rule: rule.id)
def test_remediation_command_matches_the_lightsail_api(rule: Rule) -> None:
    assert command_problems(command_words(rule)) == []


FILLED = [
    pytest.param(command, id=f"{rule.id} {case.name}")
    for rule in WITH_COMMANDS
    for case in rule.tests
    for command in case.commands or ()
]


@pytest.mark.parametrize("command", FILLED)
def test_filled_in_commands_of_the_rule_tests_match_the_lightsail_api(command: str) -> None:
    """The commands as a finding prints them, with real ports, protocols and names."""
    assert command_problems(shlex.split(command)) == []


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("close-instance-port --instance-name x", "not a Lightsail command"),
        ("reboot-instance --name x", "--name is not a parameter"),
        ("reboot-instance", "--instance-name is required"),
        (
            "set-ip-address-type --resource-type instance --resource-name x --ip-address-type ipv4",
            "'instance' is not one of",
        ),
        (
            "update-bucket --bucket-name x --access-rules getObject=private,publicOverrides=false",
            "'publicOverrides' is not a member",
        ),
        (
            "update-relational-database --relational-database-name x --publicly-accessible no",
            "is a flag",
        ),
        (
            "enable-add-on --resource-name x --add-on-request autoSnapshotAddOnRequest=x",
            "needs 'addOnType'",
        ),
        ("update-bucket --bucket-name x --versioning Enabled Suspended", "takes one value"),
        ("delete-disk --region us-east --disk-name x", "--region needs one region"),
        ("update-instance-metadata-options --instance-name x --http-tokens", "needs a value"),
    ],
)
def test_the_check_finds_wrong_commands(command: str, problem: str) -> None:
    """The check above is only as good as what it refuses."""
    found = command_problems(["aws", "lightsail", *shlex.split(command)])
    assert any(problem in each for each in found), found


def test_replacement_certificates_cover_every_domain_of_the_old_one() -> None:
    """A new certificate requested for the primary domain alone drops the alternative names,
    and the sites on them break when it replaces the old one."""
    requesting = [rule for rule in WITH_COMMANDS if command_words(rule)[2] == "create-certificate"]
    assert requesting
    for rule in requesting:
        assert "--subject-alternative-names" in command_words(rule), rule.id


def test_tags_are_spelt_one_way() -> None:
    """--select tag:NAME must find every rule on a subject: no tag is another's plural."""
    tags = {tag for rule in RULES for tag in rule.tags}
    assert sorted(tag for tag in tags if tag.endswith("s") and tag[:-1] in tags) == []


def test_certificate_rules_share_their_tag() -> None:
    certificate_rules = [rule.id for rule in RULES if rule.resource == "certificate"]
    assert certificate_rules
    assert [rid for rid in certificate_rules if "certificate" not in RULES_BY_ID[rid].tags] == []


REGIONAL_KINDS = {"instance", "relational_database", "bucket", "load_balancer", "static_ip", "disk"}


@pytest.mark.parametrize(
    "rule",
    [rule for rule in WITH_COMMANDS if rule.resource in REGIONAL_KINDS],
    ids=lambda rule: rule.id,
)
def test_commands_run_in_the_resources_own_region(rule: Rule) -> None:
    """Names are unique per region only, and default ones (StaticIp-1, Disk-1) repeat: run in
    the CLI's default region, a release or delete could reach another region's namesake."""
    words = command_words(rule)
    assert words[3:5] == [
        "--region",
        "<" + rule.resource.replace("_", "-") + "-location-region-name>",
    ]


def test_dns_records_are_created_where_lightsail_keeps_dns_zones() -> None:
    """Lightsail's domain API answers in us-east-1 only."""
    (rule,) = [rule for rule in WITH_COMMANDS if command_words(rule)[2] == "create-domain-entry"]
    assert command_words(rule)[3:5] == ["--region", "us-east-1"]
