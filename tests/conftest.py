"""Shared fixtures: bundled data paths, and a CLI runner that keeps stdout and stderr apart."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from standin import LightsailStandIn, RegionPlan

from lslint.cli import main
from lslint.engine.loader import build_rule
from lslint.engine.rule import Rule
from lslint.errors import RuleError
from lslint.models import Instance, LightsailModel
from lslint.sources.snapshot import parse_snapshot
from lslint.yamldoc import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"
BUILTIN_RULES = ROOT / "rules"
DOCS_SAMPLE = DATA / "get-instances-docs-sample.json"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
# Property-based tests (tests/inputs/test_fuzz.py): short and the same every run by default; a long,
# randomised campaign with `pytest -m fuzz --hypothesis-profile=fuzz`.
_FUZZ_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile(
    "lslint", max_examples=30, deadline=None, derandomize=True, suppress_health_check=_FUZZ_CHECKS
)
settings.register_profile(
    "fuzz", max_examples=3000, deadline=None, suppress_health_check=_FUZZ_CHECKS
)
settings.load_profile("lslint")  # --hypothesis-profile, when given, is applied after this

SCAN_EPOCH = 1795000000  # 2026-11-18T11:06:40Z: the scan time of every test's reports
SCAN_TIME = datetime.fromtimestamp(SCAN_EPOCH, UTC)  # the same, for the engine's `now`


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_lslint(args: Sequence[str], stdin: str | None = None) -> CliResult:
    """Run the CLI in-process; the exit code is what ``sys.exit`` received."""
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


# The smallest valid rule without fail_if and message; tests append those.
MINIMAL_RULE = """\
lslint: 1
id: T001
name: t-rule
title: T
severity: low
resource: instance
description: d
remediation: {text: r}
tests:
  - {name: a, expect: pass, resource: {}}
  - {name: b, expect: fail, resource: {}}
"""


def world_open_port(port: int) -> dict[str, Any]:
    """A firewall entry that opens tcp ``port`` to every IPv4 address."""
    return {"protocol": "tcp", "fromPort": port, "toPort": port, "accessFrom": "Custom",
            "cidrs": ["0.0.0.0/0"]}  # fmt: skip


def write_fleet(folder: Path, *instances: dict[str, Any], name: str = "fleet.json") -> Path:
    """A snapshot of ``instances`` in the AWS CLI's shape, written to ``folder/name``."""
    path = folder / name
    path.write_text(json.dumps({"instances": list(instances)}), encoding="utf-8")
    return path


def write_config(folder: Path, text: str, name: str = ".lslint.yaml") -> Path:
    """A config file, by default the one lslint discovers in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def scan_report(
    cli: Callable[..., CliResult], fleet: Path, *args: str
) -> tuple[int, dict[str, Any], str]:
    """``lslint scan --input fleet -f json ARGS``: the exit code, the report and stderr."""
    result = cli(["scan", "--input", str(fleet), "--format", "json", *args])
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


def declared_safe(text: str, *paths: str) -> str:
    """A rule's text with ``paths`` declared under ``safe_defaults`` (for tests of what a
    default does, where the rule's own reasons are beside the point)."""
    if not paths:
        return text
    return text + "safe_defaults:\n" + "".join(f"  {path}: a test of defaults\n" for path in paths)


def rule_from_text(text: str) -> Rule:
    """Load a rule from YAML text, reported as ``t.yaml``."""
    return build_rule(parse_yaml(text, "t.yaml", error=RuleError))


def assert_one_error(result: CliResult, *fragments: str, where: str = "") -> str:
    """Exit 2, nothing on stdout, one ``lslint: error:`` line (maybe a hint), no traceback.

    ``where`` is what the error line must start with (a file, or ``file:line:col``).
    """
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("lslint: error:")]
    assert len(errors) == 1, result.stderr
    assert all(line.startswith("hint:") for line in lines if line not in errors), result.stderr
    assert len(lines) <= 2, result.stderr
    assert errors[0].startswith(f"lslint: error: {where}"), errors[0]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def passing_instance(name: str, **fields: Any) -> dict[str, Any]:
    """An instance that passes every built-in rule unless ``fields`` change that."""
    base: dict[str, Any] = {
        "name": name,
        "arn": f"arn:aws:lightsail:us-east-1:111122223333:Instance/{name}",
        "location": {"availabilityZone": "us-east-1a", "regionName": "us-east-1"},
        "blueprintId": "ubuntu_24_04",
        "tags": [{"key": "Owner", "value": "ops"}, {"key": "Environment", "value": "production"}],
        "metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled"},
        "addOns": [{"name": "AutoSnapshot", "status": "Enabled"}],
        "networking": {"ports": []},
        "sshKeyName": "ops-2025",
        "ipAddressType": "ipv4",
        "isStaticIp": True,
        "hardware": {"disks": [{"isSystemDisk": True, "path": "/dev/xvda"}]},
        "instanceStatus": {"status": "ok"},
        "systemStatus": {"status": "ok"},
    }
    base.update(fields)
    return base


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    """``cli(["scan", ...], stdin=None)`` runs lslint in-process."""
    return run_lslint


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in an empty directory, so no stray .lslint.yaml is picked up."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    # Reports record the scan time; a fixed one keeps them comparable run to run.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(SCAN_EPOCH))
    return tmp_path


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Live scans: fake credentials, no real AWS config, fast retries (backoff bases scaled)."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
                 "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Waits of a millisecond or so instead of up to seconds between attempts. (Imported here:
    # botocore stays unloaded in tests that check offline scans never load it.)
    from lslint.sources import retry  # noqa: PLC0415

    fast = retry.RetryPolicy(throttling_base=0.001, other_base=0.001)
    monkeypatch.setattr(retry, "DEFAULT_POLICY", fast)


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., LightsailStandIn]]:
    """``standin({region: RegionPlan})`` starts a stand-in and points boto3 at it."""
    started: list[LightsailStandIn] = []

    def start(
        plans: dict[str, RegionPlan], regions: list[str] | None = None, **options: Any
    ) -> LightsailStandIn:
        server = LightsailStandIn(plans, regions, **options).__enter__()
        started.append(server)
        monkeypatch.setenv("AWS_ENDPOINT_URL_LIGHTSAIL", server.url)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite tests/golden/* from the current output instead of comparing.",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, text)`` compares ``text`` with tests/golden/NAME (or rewrites it)."""
    update = bool(request.config.getoption("--update-goldens"))

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            return
        assert path.exists(), f"missing golden file {path}; run pytest --update-goldens"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"{name} differs from its golden file; review, then --update-goldens"
        )

    return check


# ---------------------------------------------------------------- generated resources

# Values chosen to reach every branch: absent, null, invalid, case variants, world CIDRs.
CIDRS = ["0.0.0.0/0", "0.0.0.0/00", "::/0", "10.0.0.0/8", "not-a-cidr", "2001:db8::/32", ""]
PROTOCOLS = ["tcp", "TCP", "udp", "all", "icmp", "icmpv6", None]
_ABSENT = object()


def _maybe(rng: random.Random, value: Any) -> Any:
    """``value``, or null, or absent (the key dropped by :func:`_present`)."""
    return rng.choice([value, value, value, None, _ABSENT])


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not _ABSENT}


def _random_port(rng: random.Random) -> dict[str, Any]:
    low = rng.choice([0, 22, 80, 443, 3306, 8080, -1, 3])
    return _present({
        "protocol": _maybe(rng, rng.choice(PROTOCOLS)),
        "fromPort": _maybe(rng, low),
        "toPort": _maybe(rng, low + rng.choice([0, 0, 10])),
        "accessDirection": _maybe(rng, rng.choice(["inbound", "outbound", "Inbound"])),
        "accessFrom": _maybe(rng, rng.choice(["Anywhere (0.0.0.0/0)", "Custom", "anywhere"])),
        "cidrs": _maybe(rng, rng.sample(CIDRS, rng.choice([0, 1, 2]))),
        "ipv6Cidrs": _maybe(rng, rng.sample(CIDRS, rng.choice([0, 1]))),
        "cidrListAliases": _maybe(rng, rng.choice([[], ["lightsail-connect"]])),
    })  # fmt: skip


def _random_disk(rng: random.Random) -> dict[str, Any]:
    return _present({
        "name": _maybe(rng, rng.choice(["d1", "d2"])),
        "sizeInGb": _maybe(rng, rng.choice([8, 80, 512])),
        "isSystemDisk": _maybe(rng, rng.choice([True, False])),
        "autoMountStatus": _maybe(rng, rng.choice(["Failed", "Mounted", "notmounted"])),
        "addOns": _maybe(rng, [_present({"status": _maybe(rng, rng.choice(["Enabled", "Failed"]))})
                               for _ in range(rng.choice([0, 1, 2]))]),
    })  # fmt: skip


def random_instance(rng: random.Random, index: int) -> Instance:
    """An instance whose every field the rules read may be present, null or absent, with
    values that reach every branch of the operators."""
    tags = [_present({"key": _maybe(rng, rng.choice(["Owner", "Environment", "owner"])),
                      "value": _maybe(rng, rng.choice(["", " ", "ops", "production"]))})
            for _ in range(rng.choice([0, 1, 2, 3]))]  # fmt: skip
    details = [_present({"status": _maybe(rng, rng.choice(["passed", "failed", "FAILED"]))})
               for _ in range(rng.choice([0, 1, 2]))]  # fmt: skip
    return Instance.model_validate(_present({
        "name": _maybe(rng, f"i-{index}"),
        "blueprintId": _maybe(rng, rng.choice(["ubuntu_18_04", "ubuntu_24_04", "centos_7_2"])),
        "ipAddressType": _maybe(rng, rng.choice(["ipv4", "dualstack", "ipv6", "IPV4"])),
        "createdAt": _maybe(rng, rng.choice(["2020-01-01T00:00:00Z", "2026-11-01T00:00:00Z",
                                             "2026-11-17T23:00:00Z", "2027-01-01T00:00:00Z"])),
        "isStaticIp": _maybe(rng, rng.choice([True, False])),
        "sshKeyName": _maybe(rng, rng.choice(["LightsailDefaultKeyPair", "ops"])),
        "ipv6Addresses": _maybe(rng, rng.choice([[], ["2600:1f18::1"]])),
        "tags": _maybe(rng, tags),
        "addOns": _maybe(rng, [_present({
            "name": _maybe(rng, "AutoSnapshot"),
            "status": _maybe(rng, rng.choice(["Enabled", "Failed"])),
        })]),
        "hardware": _maybe(rng, _present({
            "cpuCount": _maybe(rng, rng.choice([1, 2, 4])),
            "ramSizeInGb": _maybe(rng, rng.choice([0.5, 2, 8.0])),
            "disks": _maybe(rng, [_random_disk(rng) for _ in range(rng.choice([0, 1, 3]))]),
        })),
        "metadataOptions": _maybe(rng, _present({
            "httpTokens": _maybe(rng, rng.choice(["required", "optional", "Optional"])),
            "httpEndpoint": _maybe(rng, rng.choice(["enabled", "disabled"])),
            "httpPutResponseHopLimit": _maybe(rng, rng.choice([1, 2, 64])),
            "httpProtocolIpv6": _maybe(rng, rng.choice(["enabled", "disabled"])),
        })),
        "instanceStatus": _maybe(rng, _present({
            "status": _maybe(rng, rng.choice(["ok", "impaired"])),
            "details": _maybe(rng, details),
        })),
        "networking": _maybe(rng, _present({
            "ports": _maybe(rng, [_random_port(rng) for _ in range(rng.choice([0, 2, 5]))]),
        })),
    }))  # fmt: skip


def example_resources() -> list[LightsailModel]:
    """Every resource of every kind the examples hold, as the scan reads them."""
    models = []
    for path in sorted(EXAMPLES.glob("*.json")):
        inventory = parse_snapshot(path.read_text(encoding="utf-8"), str(path))
        models += [resource.model for resource in inventory.resources]
    return models
