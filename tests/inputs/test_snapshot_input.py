"""Snapshot inputs: bad files fail cleanly (exit 2, one error line); good ones in every form."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, CliResult, assert_one_error, passing_instance

Cli = Callable[..., CliResult]
FLEET = EXAMPLES / "fleet.json"

# A rule that reads a timestamp, so ISO and epoch forms of createdAt must agree.
OLD_INSTANCE_RULE = """\
lslint: 1
id: OLD001
name: created-before-2022
title: Instance created before 2022
severity: low
resource: instance
description: Old instances.
remediation:
  text: Rebuild it.
fail_if: {path: createdAt, lt: "2022-01-01T00:00:00+00:00", capture: created}
message: "{{ resource.name }} created {{ created }}"
tests:
  - {name: old, expect: fail, resource: {createdAt: "2020-01-01T00:00:00+00:00"}}
  - {name: new, expect: pass, resource: {createdAt: "2023-01-01T00:00:00+00:00"}}
"""

# A rule that compares an enum-like field, to show that case does not matter.
PUBLIC_PORT_RULE = """\
lslint: 1
id: PUB001
name: public-port
title: A port is public
severity: low
resource: instance
description: Public ports.
remediation:
  text: Close it.
fail_if:
  some:
    path: networking.ports
    as: port
    where: {path: port.accessType, equals: Public}
message: "{{ resource.name }} has a public port"
tests:
  - {name: public, expect: fail, resource: {networking: {ports: [{accessType: public}]}}}
  - {name: private, expect: pass, resource: {networking: {ports: [{accessType: private}]}}}
"""


def write_json(path: Path, document: Any, *, indent: int | None = 2) -> Path:
    path.write_text(json.dumps(document, indent=indent), encoding="utf-8")
    return path


def write_rule(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def json_report(result: CliResult) -> dict[str, Any]:
    assert "Traceback" not in result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


# ---------------------------------------------------------------- bad inputs

BAD_INPUTS: list[Any] = [
    pytest.param(b"", (), id="empty-file"),
    pytest.param(b"  \n\t \r\n", (), id="whitespace-only"),
    pytest.param(b'{"instances": [{"name": "\xff\xfe"}]}', ("UTF-8",), id="not-utf8"),
    pytest.param(b"[]", (), id="top-level-list"),
    pytest.param(b'"instances"', (), id="top-level-string"),
    pytest.param(b'{"Instances": []}', ("instances",), id="no-instances-key"),
    pytest.param(b'{"instances": {}}', ("instances",), id="instances-not-a-list"),
    pytest.param(b'{"instances": null}', ("instances",), id="instances-null"),
    pytest.param(b'{"instances": ["web-1"]}', ("instances[0]",), id="instance-is-string"),
    pytest.param(b'{"instances": [{}, 42]}', ("instances[1]",), id="instance-is-number"),
    pytest.param(
        b'{"instances": [{"hardware": {"cpuCount": "x"}}]}',
        ("instances[0]", "cpuCount"),
        id="field-of-wrong-type",
    ),
    pytest.param(
        b'{"instances": [{"networking": {"ports": {"fromPort": 22}}}]}',
        ("ports",),
        id="list-field-is-object",
    ),
    pytest.param(b'{"instances": [], "Reservations": []}', ("Reservations",), id="unknown-key"),
    pytest.param(
        b'{"instances": [{}], "nextPageToken": "eyJ2IjoyfQ=="}',
        ("nextPageToken",),
        id="aws-cli-page-with-next-token",
    ),
    pytest.param(
        b'{"format": "lslint-snapshot", "version": 3, "kinds": ["instance"], "instances": []}',
        ("version 3", "reads 1 and 2"),
        id="snapshot-version-3",
    ),
    pytest.param(
        b'{"format": "lslint-snapshot", "version": 2, "kinds": ["instance", "bucket"], '
        b'"instances": []}',
        ("'kinds' names bucket but there is no 'buckets' list",),
        id="snapshot-v2-kind-without-its-list",
    ),
    pytest.param(
        b'{"format": "lslint-snapshot", "version": 2, "kinds": ["instance"], "instances": [], '
        b'"buckets": []}',
        ("'buckets' is not a list of a kind named in 'kinds'",),
        id="snapshot-v2-list-of-a-kind-not-named",
    ),
    pytest.param(
        b'{"format": "lslint-snapshot", "version": 2, "kinds": ["instance", "widget"], '
        b'"instances": []}',
        ("unknown resource kind 'widget' in 'kinds'",),
        id="snapshot-v2-unknown-kind",
    ),
    pytest.param(
        b'{"format": "lslint-snapshot", "version": 2, "instances": []}',
        ("'kinds' must be a list",),
        id="snapshot-v2-without-kinds",
    ),
    pytest.param(
        b'{"buckets": [], "nextPageToken": "b2"}',
        ("only one page",),
        id="aws-cli-first-page-of-get-buckets",
    ),
    pytest.param(
        b'{"certificates": [], "nextPageToken": "c2"}',
        ("only one page",),
        id="aws-cli-first-page-of-get-certificates",
    ),
    pytest.param(
        b'{"format": "lslint-snapshot", "version": "1", "instances": []}',
        ("version",),
        id="snapshot-version-string",
    ),
    pytest.param(
        b'{"format": "lslint-snapshot", "instances": []}', ("version",), id="snapshot-no-version"
    ),
    pytest.param(
        b'{"format": "lslint-snapshot", "version": 1, "instances": [], "errors": {}}',
        ("errors",),
        id="snapshot-errors-not-a-list",
    ),
    pytest.param(
        b'{"format": "lslint-snapshot", "version": true, "instances": []}',
        ("version",),
        id="snapshot-version-true",
    ),
    pytest.param(
        b'{"instances": [{"name": "a", "hardware": {"ramSizeInGb": NaN}}]}',
        (),
        id="nan-is-not-json",
    ),
    pytest.param(
        b'{"instances": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", (), id="deeply-nested"
    ),
    pytest.param(
        b'{"instances": [{"hardware": {"cpuCount": ' + b"1" * 5000 + b"}}]}",
        (),
        id="integer-with-5000-digits",
    ),
]


@pytest.mark.parametrize(("content", "fragments"), BAD_INPUTS)
def test_bad_input_is_one_error_naming_the_file(
    cli: Cli, tmp_path: Path, content: bytes, fragments: tuple[str, ...]
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    assert_one_error(cli(["scan", "--input", str(path)]), str(path), *fragments)


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("buckets", "hint: 'aws lightsail get-buckets' prints only the first page; save every "
         "page with 'lslint fetch --kind bucket -o FILE'"),
        ("certificates", "hint: 'aws lightsail get-certificates' prints only the first page; "
         "save every page with 'lslint fetch --kind certificate -o FILE'"),
        ("disks", "hint: run 'aws lightsail get-disks' without --no-paginate/--max-items"),
    ],
)  # fmt: skip
def test_a_first_page_of_the_aws_cli_says_how_to_save_every_page(
    cli: Cli, tmp_path: Path, key: str, hint: str
) -> None:
    # botocore has no paginator for GetBuckets and GetCertificates: the AWS CLI prints their
    # first page only, so only lslint fetch can save them whole.
    path = tmp_path / "page.json"
    path.write_text(json.dumps({key: [], "nextPageToken": "next"}), encoding="utf-8")
    result = cli(["scan", "--input", str(path)])
    assert_one_error(result, str(path), "only one page")
    assert result.stderr.splitlines()[-1] == hint


def test_missing_input_file_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    assert_one_error(cli(["scan", "--input", str(path)]), str(path), "not found")


def test_directory_as_input_is_an_error(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    assert_one_error(cli(["scan", "--input", str(folder)]), str(folder), "directory")


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ('{\n  "instances": [\n    {"name": "a",}\n  ]\n}\n', "3:18"),
        ('{\n  "instances": [\n    {"name": "a"}\n    {"name": "b"}\n  ]\n}\n', "4:5"),
        ('{"instances": [}', "1:16"),
        ('{\n\t"instances": [\n\t\t{"name": \'a\'}\n\t]\n}\n', "3:12"),
        ('{"instances": []}\n{"instances": []}\n', "2:1"),
    ],
    ids=["trailing-comma", "missing-comma", "bad-close", "single-quotes", "two-documents"],
)
def test_invalid_json_names_line_and_column(
    cli: Cli, tmp_path: Path, text: str, position: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    assert_one_error(cli(["scan", "--input", str(path)]), f"{path}:{position}:", "invalid JSON")


TWO = json.dumps("two")


def test_invalid_field_error_names_the_line_and_column_of_that_field(
    cli: Cli, tmp_path: Path
) -> None:
    path = write_json(
        tmp_path / "fleet.json",
        {
            "instances": [
                passing_instance("ok-1", hardware={"cpuCount": 2}),
                passing_instance("bad", hardware={"cpuCount": "two"}),
            ]
        },
    )
    assert_one_error(
        cli(["scan", "--input", str(path)]),
        "instances[1].hardware.cpuCount: ",
        where=f"{path}:{at_text(path, TWO)}: ",
    )


def test_a_field_of_a_list_item_is_located_by_its_index(cli: Cli, tmp_path: Path) -> None:
    # The second tag's key, on a line holding both tags: its own column, not the first tag's.
    path = tmp_path / "fleet.json"
    path.write_text('{"instances": [\n  {"name": "a",\n   "tags": [{"key": "k"}, {"key": 5}]}\n]}')
    result = cli(["scan", "--input", str(path)])
    assert f"{path}:3:35: instances[0].tags.1.key: " in result.stderr, result.stderr


def at_text(path: Path, needle: str) -> str:
    """``line:column`` of the first ``needle`` in the file at ``path``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return f"{number}:{line.index(needle) + 1}"
    raise AssertionError(f"{needle} not in {path}")


# Times of year 1 or 9999 whose offset moves them outside the years a datetime holds in UTC.
OUT_OF_UTC = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


@pytest.mark.parametrize("stamp", OUT_OF_UTC)
@pytest.mark.parametrize(
    ("key", "field", "resource"),
    [
        ("instances", "createdAt", lambda t: {"name": "bad", "createdAt": t}),
        (
            "certificates",
            "certificateDetail.notAfter",
            lambda t: {"certificateName": "bad", "certificateDetail": {"notAfter": t}},
        ),
    ],
    ids=["instance", "certificate-detail"],
)
def test_a_time_out_of_utc_range_is_an_invalid_field_at_its_line(
    cli: Cli,
    tmp_path: Path,
    stamp: str,
    key: str,
    field: str,
    resource: Callable[[str], dict[str, Any]],
) -> None:
    fine = resource("2024-01-01T00:00:00Z")
    path = write_json(tmp_path / "fleet.json", {key: [fine, resource(stamp)]})
    assert_one_error(
        cli(["scan", "--input", str(path)]),
        f"{key}[1].{field}: Input should be a valid datetime, {stamp} is out of range: in UTC it "
        "falls before year 1 or after year 9999",
        where=f"{path}:{at_text(path, json.dumps(stamp))}: ",  # the field's own place
    )


def test_invalid_json_on_stdin_is_named_stdin(cli: Cli) -> None:
    result = cli(["scan", "--input", "-"], stdin='{"instances": [,]}')
    assert_one_error(result, "<stdin>:1:16:", "invalid JSON")


def test_empty_stdin_is_an_error(cli: Cli) -> None:
    assert_one_error(cli(["scan", "--input", "-"], stdin=""), "<stdin>", "empty")


def test_stdin_given_twice_is_an_error(cli: Cli) -> None:
    result = cli(["scan", "--input", "-", "--input", "-"], stdin='{"instances": []}')
    assert_one_error(result, "--input -")


def test_non_utf8_stdin_is_refused_like_a_non_utf8_file(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUTF8": "1", "LC_ALL": "C.UTF-8"}
    env.pop("NO_COLOR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "lslint.cli", "scan", "--input", "-"],
        input=b'{"instances": [{"name": "\xff\xfe", "arn": "arn:x"}]}',
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout.decode()
    assert proc.stderr.decode().startswith("lslint: error: <stdin>")


def test_output_path_equal_to_input_is_refused_and_input_unchanged(
    cli: Cli, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "fleet.json", {"instances": [passing_instance("a", tags=[])]})
    before = path.read_bytes()
    for output in (str(path), "fleet.json", f"{tmp_path}/./sub/../fleet.json"):
        assert_one_error(cli(["scan", "--input", str(path), "-o", output]), "fleet.json")
        assert path.read_bytes() == before


def test_output_path_that_is_a_symlink_to_the_input_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "fleet.json", {"instances": [passing_instance("a", tags=[])]})
    before = path.read_bytes()
    link = tmp_path / "report.txt"
    link.symlink_to(path)
    assert_one_error(cli(["scan", "--input", str(path), "-o", str(link)]))
    assert path.read_bytes() == before
    assert link.is_symlink()


# ---------------------------------------------------------------- snapshot errors


def lslint_snapshot(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "lslint-snapshot",
        "version": 1,
        "instances": [passing_instance("web-1")],
        "errors": errors,
    }


DENIED = {
    "region": "eu-west-1",
    "operation": "GetInstances",
    "code": "AccessDeniedException",
    "message": "User is not authorized to perform lightsail:GetInstances",
}


@pytest.mark.parametrize("fail_on", ["low", "never"])
def test_snapshot_errors_make_the_scan_exit_2(cli: Cli, tmp_path: Path, fail_on: str) -> None:
    path = write_json(tmp_path / "snap.json", lslint_snapshot([DENIED]))
    result = cli(["scan", "--input", str(path), "--fail-on", fail_on])
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr


def test_snapshot_errors_appear_in_text_output(cli: Cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "snap.json", lslint_snapshot([DENIED]))
    result = cli(["scan", "--input", str(path)])
    assert result.exit_code == 2
    error_lines = [line for line in result.stdout.splitlines() if "AccessDeniedException" in line]
    assert len(error_lines) == 1
    assert "eu-west-1" in error_lines[0]
    assert "GetInstances" in error_lines[0]
    assert DENIED["message"] in error_lines[0]
    assert "incomplete" in result.stdout.splitlines()[-1]


def test_snapshot_errors_appear_in_json_output(cli: Cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "snap.json", lslint_snapshot([DENIED]))
    result = cli(["scan", "--input", str(path), "--format", "json"])
    assert result.exit_code == 2
    report = json_report(result)
    assert len(report["errors"]) == 1
    error = report["errors"][0]
    assert {k: error[k] for k in DENIED} == DENIED
    assert report["summary"]["errors"] == 1


def test_snapshot_without_errors_scans_cleanly(cli: Cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "snap.json", lslint_snapshot([]))
    result = cli(["scan", "--input", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json_report(result)["errors"] == []


def test_snapshot_error_message_with_escape_characters_is_shown_escaped(
    cli: Cli, tmp_path: Path
) -> None:
    error = {**DENIED, "message": "denied\x1b[2J\nforged line"}
    path = write_json(tmp_path / "snap.json", lslint_snapshot([error]))
    result = cli(["scan", "--input", str(path)])
    assert result.exit_code == 2
    assert "\x1b" not in result.stdout
    assert "denied\\x1b[2J\\x0aforged line" in result.stdout


# ---------------------------------------------------------------- good inputs


def test_utf8_byte_order_mark_is_accepted(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    text = json.dumps({"instances": [passing_instance("web-1", tags=[])]})
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = cli(["scan", "--input", str(path), "--format", "json"])
    assert result.exit_code == 1, result.stderr
    assert [f["rule_id"] for f in json_report(result)["findings"]] == ["LS004"]


def test_aws_cli_output_with_null_next_token_is_complete(cli: Cli, tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "page.json", {"instances": [passing_instance("a")], "nextPageToken": None}
    )
    result = cli(["scan", "--input", str(path)])
    assert result.exit_code == 0, result.stderr


def test_stdin_input_is_scanned(cli: Cli) -> None:
    text = json.dumps({"instances": [passing_instance("from-stdin", tags=[])]})
    result = cli(["scan", "--input", "-", "--format", "json"], stdin=text)
    assert result.exit_code == 1, result.stderr
    findings = json_report(result)["findings"]
    assert [(f["resource_name"], f["rule_id"]) for f in findings] == [("from-stdin", "LS004")]
    assert findings[0]["location"] == {"path": "<stdin>", "line": 1}


def test_several_inputs_merge(cli: Cli, tmp_path: Path) -> None:
    first = write_json(tmp_path / "a.json", {"instances": [passing_instance("alpha", tags=[])]})
    second = write_json(tmp_path / "b.json", {"instances": [passing_instance("beta", addOns=[])]})
    text = json.dumps({"instances": [passing_instance("gamma", metadataOptions=None)]})
    result = cli(["scan", "-i", str(first), "-i", "-", "-i", str(second), "-f", "json"], stdin=text)
    assert result.exit_code == 1, result.stderr
    report = json_report(result)
    got = {(f["resource_name"], f["rule_id"], f["location"]["path"]) for f in report["findings"]}
    assert got == {
        ("alpha", "LS004", str(first)),
        ("beta", "LS003", str(second)),
        ("gamma", "LS002", "<stdin>"),
    }
    assert report["summary"]["resources"] == 3


def to_epoch(document: Any) -> Any:
    """The same data with every ``createdAt`` as epoch seconds, as the API and CLI v1 give it."""
    if isinstance(document, dict):
        return {
            k: datetime.fromisoformat(v).timestamp() if k == "createdAt" else to_epoch(v)
            for k, v in document.items()
        }
    if isinstance(document, list):
        return [to_epoch(item) for item in document]
    return document


def finding_keys(result: CliResult) -> list[tuple[str, ...]]:
    assert result.exit_code in (0, 1), result.stderr
    findings = json_report(result)["findings"]
    return sorted(
        (f["rule_id"], f["resource_name"], f["message"], f["fingerprint"]) for f in findings
    )


def test_fleet_with_epoch_timestamps_gives_the_same_findings(cli: Cli, tmp_path: Path) -> None:
    fleet = json.loads(FLEET.read_text(encoding="utf-8"))
    epoch = write_json(tmp_path / "epoch.json", to_epoch(fleet))
    assert '"createdAt": 1' in epoch.read_text(encoding="utf-8")
    iso_keys = finding_keys(cli(["scan", "--input", str(FLEET), "-f", "json"]))
    assert iso_keys
    assert finding_keys(cli(["scan", "--input", str(epoch), "-f", "json"])) == iso_keys


ISO_FORMS = {
    "utc-offset": "2020-05-29T16:53:12.493000+00:00",
    "zulu": "2020-05-29T16:53:12.493Z",
    "plus-two-hours": "2020-05-29T18:53:12.493+02:00",
    "no-offset": "2020-05-29T16:53:12.493",
}


def test_iso_and_epoch_timestamps_give_the_same_finding(cli: Cli, tmp_path: Path) -> None:
    rules = write_rule(tmp_path / "rules", "OLD001.yaml", OLD_INSTANCE_RULE)
    forms: dict[str, Any] = {"epoch": 1590771192.493, **ISO_FORMS}
    by_form = {}
    inputs = []
    for label, created in forms.items():
        path = write_json(
            tmp_path / f"{label}.json", {"instances": [passing_instance("w", createdAt=created)]}
        )
        inputs += ["--input", str(path)]
        args = ["--rules", str(rules), "--select", "OLD001", "-f", "json"]
        result = cli(["scan", *args, "-i", path])
        assert result.exit_code == 1, result.stderr
        (finding,) = json_report(result)["findings"]
        by_form[label] = (finding["message"], finding["evidence"], finding["fingerprint"])
    assert "2020-05-29" in by_form["epoch"][0]
    for label in ISO_FORMS:
        assert by_form[label] == by_form["epoch"], label
    # All the files hold the same instance, so together they are one resource.
    merged = cli(["scan", "--rules", str(rules), "--select", "OLD001", "-f", "json", *inputs])
    assert merged.exit_code == 1, merged.stderr
    assert len(json_report(merged)["findings"]) == 1
    assert merged.stderr.count("scanned once") == len(ISO_FORMS)


def test_access_type_is_accepted_and_compared_in_any_case(cli: Cli, tmp_path: Path) -> None:
    rules = write_rule(tmp_path / "rules", "PUB001.yaml", PUBLIC_PORT_RULE)
    spellings = ["public", "Public", "PUBLIC", "private", "Private"]
    instances = [
        passing_instance(spelling, networking={"ports": [{"fromPort": 22, "accessType": spelling}]})
        for spelling in spellings
    ]
    path = write_json(tmp_path / "in.json", {"instances": instances})
    result = cli(
        ["scan", "--input", str(path), "--rules", str(rules), "--select", "PUB001", "-f", "json"]
    )
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    report = json_report(result)
    assert {f["resource_name"] for f in report["findings"]} == {"public", "Public", "PUBLIC"}
    assert report["summary"]["passed"] == 2


def test_unknown_instance_fields_are_kept_without_error(cli: Cli, tmp_path: Path) -> None:
    port = {
        "fromPort": 22,
        "toPort": 22,
        "protocol": "tcp",
        "cidrs": ["0.0.0.0/0"],
        "futurePortField": {"x": 1},
    }
    doc = {
        "instances": [
            passing_instance(
                "a", networking={"ports": [port], "futureNetField": 1}, futureField=[1, 2]
            )
        ]
    }
    path = write_json(tmp_path / "in.json", doc)
    result = cli(["scan", "--input", str(path), "-f", "json"])
    assert result.exit_code == 1
    assert result.stderr == ""
    findings = json_report(result)["findings"]
    assert [f["rule_id"] for f in findings] == ["LS001", "LS005"]  # SSH open to the world
    assert findings[0]["evidence"]["networking.ports"][0]["futurePortField"] == {"x": 1}


def locations(result: CliResult) -> dict[str, int]:
    assert result.exit_code in (0, 1), result.stderr
    lines: dict[str, set[int]] = {}
    for finding in json_report(result)["findings"]:
        lines.setdefault(finding["resource_name"], set()).add(finding["location"]["line"])
    assert all(len(found) == 1 for found in lines.values()), lines
    return {name: found.pop() for name, found in lines.items()}


def test_fleet_locations_point_at_the_line_where_each_instance_starts(cli: Cli) -> None:
    text = FLEET.read_text(encoding="utf-8").splitlines()
    got = locations(cli(["scan", "--input", str(FLEET), "-f", "json"]))
    assert len(got) >= 3
    for name, line in got.items():
        assert text[line - 1].strip() == "{", (name, line)
        assert text[line].strip() == f'"name": "{name}",', (name, line)


TRICKY_LAYOUT = """\
{
  "format": "lslint-snapshot", "version": 1,
  "regions": ["us-east-1", "{[\\"]}"],
  "created_at": "\\"instances\\": [",
  "errors": [],
  "instances": [{"name": "a", "tags": []},

    {"name": "b",
     "tags": [{"key": "}", "value": "]"}]}
    ,
    {
      "name": "c", "tags": [{"key": "[{\\u005b"}]
    }
  ]
}
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_locations_follow_the_file_layout(cli: Cli, tmp_path: Path, newline: str) -> None:
    path = tmp_path / "tricky.json"
    path.write_bytes(TRICKY_LAYOUT.replace("\n", newline).encode("utf-8"))
    expected = {
        name: TRICKY_LAYOUT[: TRICKY_LAYOUT.index(marker)].count("\n") + 1
        for name, marker in [("a", '{"name": "a"'), ("b", '{"name": "b"'), ("c", "{\n      ")]
    }
    assert expected == {"a": 6, "b": 8, "c": 11}
    result = cli(["scan", "--input", str(path), "--select", "LS004", "-f", "json"])
    assert locations(result) == expected


@pytest.mark.parametrize(
    ("key", "resource", "message"),
    [
        ("disks", {"name": "StaticIp-1", "resourceType": "StaticIp", "isAttached": False},
         "disks[0] is a static ip (resourceType StaticIp), not a disk: 'disks' holds only "
         "disks"),
        ("instances", passing_instance("db-1", resourceType="RelationalDatabase"),
         "instances[0] is a relational database (resourceType RelationalDatabase), not an "
         "instance: 'instances' holds only instances"),
    ],
)  # fmt: skip
def test_a_resource_under_another_kinds_key_is_refused(
    cli: Cli, tmp_path: Path, key: str, resource: dict[str, Any], message: str
) -> None:
    # Judged as the key's kind, a static IP in a list of disks would be "an unattached disk".
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps({key: [resource]}, indent=2))
    assert_one_error(cli(["scan", "--input", str(path)]), message, where=f"{path}:3")


def test_the_resource_type_is_compared_in_any_case(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "disks.json"
    disk = {"name": "d", "arn": "arn:aws:lightsail:us-east-1:111122223333:Disk/d",
            "resourceType": "disk", "isAttached": True, "addOns": []}  # fmt: skip
    path.write_text(json.dumps({"disks": [disk]}))
    assert cli(["scan", "--input", str(path), "--select", "disk-unattached"]).exit_code == 0


def test_resources_without_an_arn_are_warned_about(cli: Cli, tmp_path: Path) -> None:
    # Two hand-written disks of one name: their findings share a fingerprint.
    path = tmp_path / "disks.json"
    disks = [{"name": "d1", "isAttached": False}, {"name": "d1", "isAttached": False}]
    path.write_text(json.dumps({"disks": disks}, indent=2))
    result = cli(["scan", "--input", str(path), "--select", "disk-unattached", "-f", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["warnings"] == [
        f"{path}:3: 2 resources without an arn: baselines and pinned suppressions cannot tell "
        "their findings apart; scan what the Lightsail API returns"
    ]
