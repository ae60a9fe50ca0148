"""SARIF locations are RFC 3986 URI references whatever the file and resource names hold;
GitHub annotations and GitLab reports keep plain relative paths."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from lslint.engine.evaluate import run
from lslint.engine.loader import load_rules
from lslint.findings import ScanResult
from lslint.inventory import Inventory, Resource
from lslint.models import Instance
from lslint.reporters.context import ReportContext
from lslint.reporters.locations import absolute_uri, path_segment, synthetic_path, uri_reference
from lslint.reporters.sarif import render_sarif

from conftest import BUILTIN_RULES, SCAN_TIME, SCHEMAS, CliResult, passing_instance

Cli = Callable[..., CliResult]
SARIF_SCHEMA = SCHEMAS / "sarif-schema-2.1.0.json"

# RFC 3986, section 3.3 and 4.2: a relative reference made of a path only (no query, no
# fragment, no scheme-like first segment). The SARIF schema says "uri-reference", but
# jsonschema checks that format only with an optional package; this is the grammar itself.
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-F]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_FIRST_SEGMENT = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}@]|{_PCT})+"
PATH_ONLY_REFERENCE = re.compile(rf"{_FIRST_SEGMENT}(?:/{_PCHAR}*)*")
ABSOLUTE_URI = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.\-]*:(?:[{_UNRESERVED}{_SUB_DELIMS}:@/?#\[\]]|{_PCT})*"
)

HOSTILE_FILES = [
    "my fleet #1 100%.json",
    "ünïcödé 名前.json",
    "q?x;y=z&w.json",
    ":colon-first.json",
    "dir with space/[a]+b@c.json",
    "%41 not an escape.json",
]


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def assert_uri_reference(uri: str) -> None:
    assert PATH_ONLY_REFERENCE.fullmatch(uri), uri


def write_snapshots(root: Path) -> dict[str, str]:
    """One snapshot per hostile file name, each with one failing instance; name -> file."""
    files = {}
    for index, relative in enumerate(HOSTILE_FILES):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        name = f"host-{index}"
        instance = passing_instance(name, tags=[])  # LS004 fails
        path.write_text(json.dumps({"instances": [instance]}, indent=2), encoding="utf-8")
        files[name] = relative
    return files


def inputs(files: dict[str, str]) -> list[str]:
    return [arg for relative in files.values() for arg in ("--input", relative)]


def test_sarif_uris_for_hostile_file_names_are_encoded_and_valid(
    cli: Cli, tmp_path: Path, sarif_validator: jsonschema.Draft4Validator
) -> None:
    files = write_snapshots(tmp_path)
    result = cli(["scan", *inputs(files), "-f", "sarif"])
    assert result.exit_code == 1, result.stderr
    document = json.loads(result.stdout)
    sarif_validator.validate(document)
    located = {}
    for finding in document["runs"][0]["results"]:
        (location,) = finding["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert_uri_reference(uri)
        located[location["logicalLocations"][0]["name"]] = unquote(uri)
        assert location["physicalLocation"]["region"]["startLine"] == 3
    assert located == files


def test_sarif_uri_keeps_reserved_characters_inside_the_file_name() -> None:
    assert uri_reference("my fleet #1 100%.json") == "my%20fleet%20%231%20100%25.json"
    assert uri_reference("a?b/c:d.json") == "a%3Fb/c%3Ad.json"
    assert uri_reference(":x/y.json") == "%3Ax/y.json"  # not a scheme
    assert uri_reference("ü/名.json") == "%C3%BC/%E5%90%8D.json"
    assert uri_reference("plain/fleet-1_a.b~c.json") == "plain/fleet-1_a.b~c.json"


def test_sarif_uri_of_a_file_name_that_is_not_utf8_keeps_its_bytes(
    cli: Cli, tmp_path: Path, sarif_validator: jsonschema.Draft4Validator
) -> None:
    name = os.fsdecode(b"caf\xe9 fleet.json")
    try:
        (tmp_path / name).write_text(
            json.dumps({"instances": [passing_instance("latin", tags=[])]}), encoding="utf-8"
        )
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system refuses file names that are not UTF-8")
    result = cli(["scan", "--input", name, "-f", "sarif"])
    document = json.loads(result.stdout)
    sarif_validator.validate(document)
    (finding,) = document["runs"][0]["results"]
    uri = finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "caf%E9%20fleet.json"


def test_github_annotations_keep_plain_paths(cli: Cli, tmp_path: Path) -> None:
    files = write_snapshots(tmp_path)
    result = cli(["scan", *inputs(files), "-f", "github"])
    lines = result.stdout.splitlines()
    for relative in files.values():
        # Only the workflow-command escaping, which the runner undoes: no URI encoding.
        escaped = relative.replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
        assert any(f"file={escaped},line=3" in line for line in lines), (relative, lines)


def test_gitlab_report_keeps_plain_paths(cli: Cli, tmp_path: Path) -> None:
    files = write_snapshots(tmp_path)
    result = cli(["scan", *inputs(files), "-f", "gitlab"])
    paths = {issue["location"]["path"] for issue in json.loads(result.stdout)}
    assert paths == set(files.values())


# ---------------------------------------------------------------- synthetic paths


def live_result(region: str, name: str) -> ScanResult:
    raw = passing_instance(name, tags=[], location={"regionName": region})
    return run(
        load_rules([BUILTIN_RULES]),
        Inventory([Resource(Instance.model_validate(raw))]),
        now=SCAN_TIME,
    )


@pytest.mark.parametrize(
    ("region", "name", "expected"),
    [
        ("us-east-1", "web.1", "lightsail/us-east-1/instances/web.1"),
        ("../../etc", "passwd", "lightsail/.._.._etc/instances/passwd"),
        ("us east/1", "a b/../c", "lightsail/us_east_1/instances/a_b_.._c"),
        ("..", "..", "lightsail/__/instances/__"),
        ("", "", "lightsail/unknown/instances/unnamed"),
        ("eu-west-1", "café #1 100%?", "lightsail/eu-west-1/instances/café__1_100__"),
    ],
)
def test_synthetic_paths_sanitise_region_and_name(region: str, name: str, expected: str) -> None:
    path = synthetic_path(region, "instance", name)
    assert path == expected
    assert not {".", ".."} & set(path.split("/"))


@pytest.mark.parametrize(
    ("region", "name"),
    [("../../x y", "a#b?c%d"), ("us-east-1", "ünïcödé 名前"), ("..", ".."), ("a:b", ":c")],
)
def test_sarif_uris_for_live_resources_are_valid(
    region: str, name: str, sarif_validator: jsonschema.Draft4Validator
) -> None:
    document = json.loads(render_sarif(live_result(region, name), ReportContext()))
    sarif_validator.validate(document)
    (finding,) = document["runs"][0]["results"]
    uri = finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert_uri_reference(uri)
    assert unquote(uri) == synthetic_path(region, "instance", name)
    assert unquote(uri).startswith("lightsail/")
    assert finding["locations"][0]["logicalLocations"][0]["name"] == name


# ---------------------------------------------------------------- rule links


@pytest.mark.parametrize(
    ("reference", "help_uri"),
    [
        ("https://docs.aws.amazon.com/a/b.html#x", "https://docs.aws.amazon.com/a/b.html#x"),
        ("https://wiki.example/Rules/Port Policy ü", "https://wiki.example/Rules/Port%20Policy%20%C3%BC"),
        ("https://x.example/100%/a%20b", "https://x.example/100%25/a%20b"),
        ("see the wiki page", None),
        ("", None),
    ],
)  # fmt: skip
def test_sarif_help_uri_is_a_valid_uri_or_left_out(
    reference: str, help_uri: str | None, sarif_validator: jsonschema.Draft4Validator
) -> None:
    result = live_result("us-east-1", "web-1")
    result.rules[0] = replace(result.rules[0], references=(reference,))
    document = json.loads(render_sarif(result, ReportContext()))
    sarif_validator.validate(document)
    described = document["runs"][0]["tool"]["driver"]["rules"][0]
    assert described.get("helpUri") == help_uri
    if help_uri is not None:
        assert ABSOLUTE_URI.fullmatch(help_uri)
    assert absolute_uri(reference) == help_uri


def test_builtin_rule_links_are_kept_as_written() -> None:
    for rule in load_rules([BUILTIN_RULES]):
        for reference in rule.references:
            assert absolute_uri(reference) == reference


def test_a_path_segment_keeps_letters_digits_and_dashes_of_every_script() -> None:
    every = "".join(map(chr, range(0x20, 0x3400))) + "\U0001d7d8\U00020000\U000e0041"
    expected = "".join(c if c.isalnum() or c in "-_." else "_" for c in every)
    assert path_segment(every, empty="x") == expected
