"""Per-resource overrides: a rule's parameters changed for the resources an entry selects
(by name or ARN glob, or by tag), with a reason and an expiry, and nothing more accepted."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from lslint.api import scan as api_scan
from lslint.config import load_config
from lslint.engine.evaluate import RuleVariant, run
from lslint.engine.loader import load_rules
from lslint.engine.rule import Rule
from lslint.findings import AppliedOverride
from lslint.inventory import Inventory, Resource
from lslint.models import Instance

from conftest import (
    BUILTIN_RULES,
    EXAMPLES,
    SCAN_TIME,
    CliResult,
    assert_one_error,
    passing_instance,
    run_lslint,
    world_open_port,
    write_config,
    write_fleet,
)
from conftest import scan_report as scan_all_rules

Cli = Callable[..., CliResult]
# The rules these tests override. The service-specific port rules (LS005 and later) would
# report the same SSH and PostgreSQL entries again, each under its own id.
FIRST_RULES = ("--select", "LS001,LS002,LS003,LS004")


def scan_report(cli: Cli, fleet: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    return scan_all_rules(cli, fleet, *FIRST_RULES, *args)


def instance(name: str, *ports: int, **fields: Any) -> dict[str, Any]:
    return passing_instance(
        name, networking={"ports": [world_open_port(p) for p in ports]}, **fields
    )


def role(value: str) -> list[dict[str, str]]:
    return [
        {"key": "Owner", "value": "ops"},
        {"key": "Environment", "value": "prod"},
        {"key": "Role", "value": value},
    ]


def day(offset: int) -> str:
    """The scan's date (the tests' SOURCE_DATE_EPOCH), moved by ``offset`` days."""
    return (SCAN_TIME.date() + timedelta(days=offset)).isoformat()


BASTION_SSH = """\
overrides:
  - rule: LS001
    resources: [bastion-*]
    params: {allowed_ports: [22, 80, 443]}
    reason: SSH bastions with MFA, reviewed by security (SEC-142)
"""


# ---------------------------------------------------------------- the bastion scenario


def test_bastion_may_expose_ssh_but_not_postgres(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, BASTION_SSH)
    fleet = write_fleet(tmp_path, instance("bastion-1", 22), instance("web-1", 443))
    code, report, stderr = scan_report(cli, fleet)
    assert code == 0, report
    assert report["findings"] == [] and report["warnings"] == [] and stderr == ""

    fleet = write_fleet(tmp_path, instance("bastion-1", 22, 5432), instance("web-1", 443))
    code, report, _ = scan_report(cli, fleet)
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["rule_id"], finding["resource_name"]) == ("LS001", "bastion-1")
    assert [p["fromPort"] for p in finding["evidence"]["networking.ports"]] == [5432]
    assert finding["suppressed"] is None
    assert finding["override"] == {
        "params": {"allowed_ports": [22, 80, 443]},
        "reason": "SSH bastions with MFA, reviewed by security (SEC-142)",
        "expires": None,
        "where": f"{config}:2:5",
    }
    text = cli(["scan", "--input", str(fleet)]).stdout
    assert "tcp/5432" in text and "[override: SSH bastions with MFA" in text


def test_override_applies_only_to_the_resources_it_selects(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, BASTION_SSH)
    fleet = write_fleet(tmp_path, instance("bastion-1", 22), instance("web-1", 22))
    code, report, _ = scan_report(cli, fleet)
    assert code == 1
    (finding,) = report["findings"]
    assert finding["resource_name"] == "web-1" and finding["override"] is None
    assert "tcp/22" in finding["message"]


def test_override_by_arn_glob(cli: Cli, tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "overrides:\n  - rule: port-open-to-world\n"
        "    resources: ['arn:aws:lightsail:us-east-1:111122223333:Instance/jump*']\n"
        "    params: {allowed_ports: [22]}\n    reason: jump hosts\n",
    )
    fleet = write_fleet(tmp_path, instance("jump-a", 22), instance("app", 22))
    code, report, _ = scan_report(cli, fleet)
    assert code == 1
    assert [f["resource_name"] for f in report["findings"]] == ["app"]


@pytest.mark.parametrize("value", ["bastion", "bast*"])
def test_override_by_tag(cli: Cli, tmp_path: Path, value: str) -> None:
    write_config(
        tmp_path,
        f"overrides:\n  - rule: LS001\n    tags: {{Role: '{value}'}}\n"
        "    params: {allowed_ports: [22]}\n    reason: tagged bastions\n",
    )
    fleet = write_fleet(
        tmp_path,
        instance("jump", 22, tags=role("bastion")),
        instance("api", 22, tags=role("api")),
        instance("untagged", 22),
    )
    code, report, _ = scan_report(cli, fleet)
    assert code == 1
    assert sorted(f["resource_name"] for f in report["findings"]) == ["api", "untagged"]


def test_names_and_tags_together_must_both_match(cli: Cli, tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "overrides:\n  - rule: LS001\n    resources: [bastion-*]\n    tags: {Role: bastion}\n"
        "    params: {allowed_ports: [22]}\n    reason: r\n",
    )
    fleet = write_fleet(
        tmp_path,
        instance("bastion-1", 22, tags=role("bastion")),
        instance("bastion-2", 22, tags=role("web")),
        instance("other", 22, tags=role("bastion")),
    )
    _, report, _ = scan_report(cli, fleet)
    assert sorted(f["resource_name"] for f in report["findings"]) == ["bastion-2", "other"]


def test_first_matching_override_wins(cli: Cli, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        BASTION_SSH + "  - rule: LS001\n    resources: [bastion-1]\n"
        "    params: {allowed_ports: [22, 5432]}\n    reason: later and narrower\n",
    )
    fleet = write_fleet(tmp_path, instance("bastion-1", 22, 5432))
    code, report, _ = scan_report(cli, fleet)
    assert code == 1
    assert report["findings"][0]["override"]["where"] == f"{config}:2:5"
    assert report["warnings"] == [
        f"override of LS001 for 'bastion-1' ({config}:6:5) is unused: it applied to no resource"
    ]


def test_override_keeps_the_configured_severity(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  LS001: {severity: low}\n" + BASTION_SSH)
    fleet = write_fleet(tmp_path, instance("bastion-1", 5432))
    code, report, _ = scan_report(cli, fleet, "--fail-on", "medium")
    assert code == 0
    assert report["findings"][0]["severity"] == "low"
    assert report["findings"][0]["override"] is not None


def test_override_and_rule_params_for_other_resources(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  LS001:\n    params: {allowed_ports: [443]}\n" + BASTION_SSH)
    fleet = write_fleet(tmp_path, instance("bastion-1", 22, 80), instance("web-1", 80))
    _, report, _ = scan_report(cli, fleet)
    assert [f["resource_name"] for f in report["findings"]] == ["web-1"]


# ---------------------------------------------------------------- expiry and unused entries


def test_expired_override_stops_applying_and_warns(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, BASTION_SSH + f"    expires: {day(-1)}\n")
    fleet = write_fleet(tmp_path, instance("bastion-1", 22), instance("bastion-2", 22))
    code, report, stderr = scan_report(cli, fleet)
    assert code == 1
    assert {f["resource_name"] for f in report["findings"]} == {"bastion-1", "bastion-2"}
    assert all(f["override"] is None for f in report["findings"])
    assert report["warnings"] == [
        f"override of LS001 for 'bastion-*' ({config}:2:5) expired on {day(-1)}: "
        "2 resources are checked with the rule's own parameters again"
    ]
    assert f"lslint: warning: override of LS001 for 'bastion-*' ({config}:2:5) expired" in stderr


def test_override_still_applies_on_its_expiry_date(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, BASTION_SSH + f"    expires: {day(0)}\n")
    fleet = write_fleet(tmp_path, instance("bastion-1", 22, 5432))
    _, report, _ = scan_report(cli, fleet)
    assert report["findings"][0]["override"]["expires"] == day(0)
    assert report["warnings"] == []


def test_unused_override_is_a_warning(cli: Cli, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        "overrides:\n  - rule: LS001\n    resources: [nothing-*]\n    tags: {Role: x}\n"
        "    params: {allowed_ports: [22]}\n    reason: r\n",
    )
    fleet = write_fleet(tmp_path, instance("web-1", 443))
    code, report, _ = scan_report(cli, fleet)
    assert code == 0
    assert report["warnings"] == [
        f"override of LS001 for 'nothing-*' and tag Role=x ({config}:2:5) is unused: "
        "it applied to no resource"
    ]


@pytest.mark.parametrize("option", [("--ignore", "LS001"), ("--select", "LS004")])
def test_override_of_a_rule_that_did_not_run_is_not_unused(
    cli: Cli, tmp_path: Path, option: tuple[str, str]
) -> None:
    write_config(tmp_path, BASTION_SSH)
    fleet = write_fleet(tmp_path, instance("web-1", 443))
    code, report, stderr = scan_all_rules(cli, fleet, *option)
    assert code == 0
    assert report["warnings"] == [] and stderr == ""


def test_an_override_does_not_select_its_rule(cli: Cli, tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  select: [LS004]\n" + BASTION_SSH)
    fleet = write_fleet(tmp_path, instance("bastion-1", 5432))
    code, report, _ = scan_all_rules(cli, fleet)
    assert code == 0 and report["findings"] == []


# ---------------------------------------------------------------- validation

OVERRIDE = "overrides:\n  - rule: LS001\n    resources: [bastion-*]\n"

OVERRIDE_ERRORS: list[Any] = [
    pytest.param(
        OVERRIDE + "    params: {allowed_port: [22]}\n    reason: r\n",
        "4:14",
        ("unknown parameter 'allowed_port' for LS001", "did you mean 'allowed_ports'"),
        id="unknown-param",
    ),
    pytest.param(
        OVERRIDE + "    params: {allowed_ports: [22, 70000]}\n    reason: r\n",
        "4:34",  # the list item at fault
        ("parameter 'allowed_ports'", "70000"),
        id="bad-port",
    ),
    pytest.param(
        OVERRIDE + "    params: {allowed_ports: 22}\n    reason: r\n",
        "4:14",
        ("parameter 'allowed_ports'", "list"),
        id="param-not-a-list",
    ),
    pytest.param(
        "overrides:\n  - rule: LS002\n    resources: [a]\n    params: {x: 1}\n    reason: r\n",
        "4:14",
        ("unknown parameter 'x' for LS002", "LS002 has no parameters"),
        id="rule-without-params",
    ),
    pytest.param(
        OVERRIDE + "    params: {allowed_ports: [22]}\n    reason: '  '\n",
        "5:5",
        ("'overrides.0.reason': must not be blank",),
        id="blank-reason",
    ),
    pytest.param(
        OVERRIDE + "    params: {allowed_ports: [22]}\n",
        "2:5",
        ("missing required key 'overrides.0.reason'",),
        id="no-reason",
    ),
    pytest.param(
        OVERRIDE + "    params: {}\n    reason: r\n",
        "4:5",
        ("'overrides.0.params': must set at least one parameter",),
        id="no-params",
    ),
    pytest.param(
        "overrides:\n  - rule: LS001\n    params: {allowed_ports: [22]}\n    reason: r\n",
        "2:5",
        ("'overrides.0'", "'resources'", "'tags'"),
        id="selects-nothing",
    ),
    pytest.param(
        "overrides:\n  - rule: LS0001\n    resources: [a]\n    params: {a: 1}\n    reason: r\n",
        "2:5",
        ("unknown rule 'LS0001' in overrides", "did you mean 'LS001'"),
        id="unknown-rule",
    ),
    pytest.param(
        "overrides:\n  - rule: LS001\n    resource: bastion-*\n"
        "    params: {allowed_ports: [22]}\n    reason: r\n",
        "3:5",
        ("unknown key 'overrides.0.resource'", "did you mean 'resources'"),
        id="resource-not-resources",
    ),
    pytest.param(
        OVERRIDE + "    params: {allowed_ports: [22]}\n    reason: r\n    expires: soon\n",
        "6:5",
        ("'overrides.0.expires'",),
        id="bad-expiry",
    ),
    pytest.param(
        "overrides:\n  - rule: LS001\n    tags: {Role: 1}\n"
        "    params: {allowed_ports: [22]}\n    reason: r\n",
        "3:12",
        ("'overrides.0.tags.Role'", "string"),
        id="tag-value-not-a-string",
    ),
    pytest.param(
        "overrides:\n  - rule: LS001\n    resources: bastion-*\n"
        "    params: {allowed_ports: [22]}\n    reason: r\n",
        "3:5",
        ("'overrides.0.resources'", "list"),
        id="resources-not-a-list",
    ),
]


@pytest.mark.parametrize(("text", "position", "fragments"), OVERRIDE_ERRORS)
def test_invalid_override_is_one_error_at_file_line_col(
    cli: Cli, tmp_path: Path, text: str, position: str, fragments: tuple[str, ...]
) -> None:
    config = write_config(tmp_path, text)
    fleet = write_fleet(tmp_path, instance("bastion-1", 22))
    result = cli(["scan", "--input", str(fleet)])
    assert_one_error(result, *fragments, where=f"{config}:{position}: ")


# ---------------------------------------------------------------- library and engine


def test_library_scan_applies_overrides(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, BASTION_SSH))
    fleet = write_fleet(tmp_path, instance("bastion-1", 22, 5432))
    result = api_scan([fleet], config=config, select=["LS001"])
    (finding,) = result.findings
    assert finding.override is not None and finding.override.params["allowed_ports"] == [
        22,
        80,
        443,
    ]
    assert "5432" in finding.message and "tcp/22" not in finding.message


def test_engine_evaluates_the_variant_a_callable_gives() -> None:
    (ls001,) = [rule for rule in load_rules([BUILTIN_RULES]) if rule.id == "LS001"]
    note = AppliedOverride({"allowed_ports": [22]}, "why", date(2030, 1, 1), "cfg:1:1")
    variant = RuleVariant(ls001.bind({"allowed_ports": [22]}), note)
    asked: list[tuple[str, str]] = []

    def variants(rule: Rule, resource: Resource) -> RuleVariant | None:
        asked.append((rule.id, resource.name))
        return variant if resource.name == "a" else None

    models = [Instance.model_validate(instance(name, 22)) for name in ("a", "b")]
    result = run([ls001], Inventory([Resource(m) for m in models]), variants)
    assert asked == [("LS001", "a"), ("LS001", "b")]
    assert [(f.resource_name, f.override) for f in result.findings] == [("b", None)]
    assert [c.status for c in result.checks] == ["pass", "fail"]


def test_checks_passing_under_an_override_are_counted_in_every_summary(tmp_path: Path) -> None:
    config = tmp_path / "cfg.yaml"
    config.write_text(
        "overrides:\n  - rule: LS004\n    resources: ['*']\n"
        "    params: {required_tags: []}\n    reason: tags are someone else's job\n"
    )
    fleet = str(EXAMPLES / "fleet.json")
    base = ["scan", "-i", fleet, "--config", str(config), "--select", "LS004"]
    report = json.loads(run_lslint([*base, "-f", "json"]).stdout)
    assert report["findings"] == []
    assert report["summary"]["overridden"] == report["summary"]["resources"] == 9
    assert "9 checks with overridden parameters" in run_lslint(base).stdout
    assert "9 with overridden parameters." in run_lslint([*base, "-f", "markdown"]).stdout
