"""A default that can let a rule pass or skip a resource that lacks the field must be declared
safe, with a reason, in every rule file: otherwise the rule does not load."""

from __future__ import annotations

import pytest

from lslint.errors import RuleError

from conftest import EXAMPLES, MINIMAL_RULE, declared_safe, rule_from_text

REFUSED = "can make the rule {outcome} a resource that lacks it: declare it under safe_defaults"


def rule(fail_if: str, *, applies_if: str = "", safe: tuple[str, ...] = ()) -> str:
    text = MINIMAL_RULE + f"message: m\nfail_if: {fail_if}\n"
    if applies_if:
        text += f"applies_if: {applies_if}\n"
    return declared_safe(text, *safe)


QUIET = {
    "a leaf whose default is false": ("{path: isStaticIp, equals: false, default: true}",
                                      "isStaticIp", "true"),
    "some over a default empty list": (
        "{some: {path: tags, as: t, where: {path: t.key, equals: Owner}, default: []}}",
        "tags", "[]"),
    "a default under not that makes the leaf true": (
        "{not: {path: sshKeyName, equals: ops-2025, default: ops-2025}}", "sshKeyName",
        '"ops-2025"'),
    "every over items whose default leads away": (
        "{every: {path: tags, as: t, where: {path: t.value, equals: '', default: x}}}",
        "tags.value", '"x"'),
    "none turns the direction around": (
        "{none: {path: tags, as: t, where: {path: t.key, equals: Owner, default: Owner}}}",
        "tags.key", '"Owner"'),
    "counting fewer items than the default counts": (
        "{count: {path: networking.ports, as: p, where: {path: p.accessDirection, "
        "equals: inbound, default: inbound}, fewer_than: 1}}",
        "networking.ports.accessDirection", '"inbound"'),
    "a match over a default list": (
        "{path: tags.key, contains: Owner, default: []}", "tags.key", "[]"),
}  # fmt: skip


@pytest.mark.parametrize(("fail_if", "path", "shown"), QUIET.values(), ids=QUIET.keys())
def test_an_undeclared_default_that_can_let_the_rule_pass_is_refused(
    fail_if: str, path: str, shown: str
) -> None:
    with pytest.raises(RuleError) as refused:
        rule_from_text(rule(fail_if))
    message = str(refused.value)
    assert message.startswith("t.yaml:")  # at the fail_if key
    assert f"the default of '{path}' ({shown}) " + REFUSED.format(outcome="pass") in message
    rule_from_text(rule(fail_if, safe=(path,)))  # declared, with a reason: it loads


def test_an_undeclared_default_that_can_skip_the_rule_is_refused() -> None:
    text = rule("{path: name, exists: true}", applies_if="{path: isStaticIp, equals: true, "
                "default: false}")  # fmt: skip
    with pytest.raises(RuleError, match=REFUSED.format(outcome="skip")):
        rule_from_text(text)


TOWARDS_A_FINDING = {
    "a leaf whose default is true": "{path: metadataOptions.httpTokens, equals: optional, "
                                    "default: optional}",
    "every over a default empty list": "{every: {path: tags, as: t, where: {path: t.key, "
                                       "equals: x}, default: []}}",
    "none over a default empty list": "{none: {path: tags, as: t, where: {path: t.key, "
                                      "equals: Owner}, default: []}}",
    "counting more items than the default counts": (
        "{count: {path: networking.ports, as: p, where: {path: p.accessDirection, "
        "not_equals: outbound, default: inbound}, more_than: 5}}"),
    "a default compared with another path": "{path: hardware.cpuCount, lt: {path: "
                                            "hardware.ramSizeInGb}, default: 1}",
}  # fmt: skip


@pytest.mark.parametrize("fail_if", TOWARDS_A_FINDING.values(), ids=TOWARDS_A_FINDING.keys())
def test_a_default_that_leads_to_a_finding_needs_no_declaration(fail_if: str) -> None:
    rule_from_text(rule(fail_if))


def test_the_example_rule_without_its_declaration_is_refused() -> None:
    path = EXAMPLES / "rules" / "ACME001-production-without-static-ip.yaml"
    text = path.read_text(encoding="utf-8")
    without = text[: text.index("safe_defaults:")] + text[text.index("message:") :]
    assert "safe_defaults" not in without
    with pytest.raises(RuleError, match="declare it under safe_defaults"):
        rule_from_text(without)
