"""Reports written in pieces: the JSON and SARIF texts are made finding by finding as they are
written, byte for byte the text of the whole document, and a piece that cannot be made leaves
no report behind."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path, PurePath
from typing import Any

import pytest

from lslint import jsontext
from lslint.escape import without_surrogates
from lslint.findings import (
    Acceptance,
    AppliedOverride,
    Finding,
    RuleInfo,
    ScanError,
    ScanResult,
    Severity,
)
from lslint.output import write_all
from lslint.reporters import render, render_chunks
from lslint.reporters.context import ReportContext
from lslint.reporters.json import (
    FindingText,
    error_to_dict,
    finding_to_dict,
    scan_to_dict,
    summary,
)
from lslint.reporters.sarif import ResultText, _result

LONE = json.loads('"\\ud800"')
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def finding(index: int, **fields: Any) -> Finding:
    base: dict[str, Any] = {
        "rule_id": f"LS00{index % 3 + 1}",
        "rule_name": "port-open-to-world",
        "severity": list(Severity)[index % 5],
        "status": "error" if index % 7 == 0 else "fail",
        "resource_kind": "instance",
        "resource_arn": f"arn:aws:lightsail:us-east-1:111122223333:Instance/web-{index}",
        "resource_name": f"web-{index} caf\u00e9 \u202e",
        "region": "us-east-1",
        "message": f'web-{index}: "quoted"\nline two\t\x1b[31m',
        "evidence": {
            "networking.ports": [{"fromPort": 22, "cidrs": ["0.0.0.0/0"], "ipv6Cidrs": []}]
            * (index % 3),
            "metadataOptions.httpTokens": None if index % 2 else "optional",
            "score": index / 7,
            "nested": {"a": {"b": [1, [2, {}]]}, "empty": {}},
        },
        "remediation_text": "Close it.\naws lightsail close-instance-public-ports --port-info x",
        "fingerprint": f"{index:032x}",
        "source_path": "snapshots/fleet.json" if index % 4 else "",
        "source_line": index + 1,
    }
    base.update(fields)
    return Finding(**base)


def findings() -> list[Finding]:
    many = [finding(i) for i in range(40)]
    many += [
        finding(
            40,
            suppressed=Acceptance("config", "reviewed", date(2027, 3, 31), "cfg:3:5", "ab" * 16),
        ),
        finding(41, baselined=True, evidence={}),
        finding(
            42,
            override=AppliedOverride(
                {"allowed_ports": [22, "8000-8080"]}, "bastion", None, "c:1:1"
            ),
        ),
        finding(43, message=f"lone {LONE} surrogate", evidence={"tags.key": [f"k{LONE}"]}),
    ]
    return many


RULES = [
    RuleInfo(
        id=f"LS00{n}", name=f"rule-{n}", title="Title", severity=Severity.HIGH,
        description="Why.", remediation="Fix.", remediation_command="aws lightsail x",
        references=("https://example.com/doc",), tags=("network",),
        compliance={"cis-aws-compute-1.0.0": ("3.1", "3.2")} if n == 2 else {},
    )
    for n in (1, 2, 3)
]  # fmt: skip


def result() -> ScanResult:
    return ScanResult(
        rules=list(RULES),
        findings=findings(),
        errors=[ScanError("fleet.json", "GetInstances", "Throttling", "slow down", "us-east-1")],
        warnings=["a warning"],
        resource_count=44,
    )


def whole_json(scan: ScanResult, context: ReportContext) -> str:
    """The JSON report as the whole document of dictionaries, as it was written before."""
    compliance = {rule.id: rule.compliance for rule in scan.rules}
    document = {
        "tool": {"name": "lslint", "version": context.tool_version},
        "report_version": 1,
        "scan": scan_to_dict(context.scan),
        "findings": [finding_to_dict(f, compliance.get(f.rule_id, {})) for f in scan.findings],
        "errors": [error_to_dict(e) for e in scan.errors],
        "warnings": list(scan.warnings),
        "summary": summary(scan, context),
    }
    return jsontext.dumps(document)


def test_a_findings_text_is_that_of_its_dictionary() -> None:
    compliance = {rule.id: rule.compliance for rule in RULES}
    text = FindingText(compliance)
    encode = jsontext.encoder()
    for item in findings():
        for level in (0, 2, 5):
            expected = encode(finding_to_dict(item, compliance.get(item.rule_id, {})), level)
            assert text(item, level) == expected


@pytest.mark.parametrize(
    "roots",
    [(None, None), (PurePath("/repo"), PurePath("/repo/snapshots/..")), (PurePath("/"), None)],
)
def test_a_sarif_results_text_is_that_of_its_dictionary(
    roots: tuple[PurePath | None, PurePath | None],
) -> None:
    rule_index = {rule.id: index for index, rule in enumerate(RULES)}
    text = ResultText(rule_index, roots)
    encode = jsontext.encoder()
    for item in findings():
        for level in (0, 4):
            expected = encode(without_surrogates(_result(item, rule_index, roots)), level)
            assert text(item, level) == expected


def test_the_json_report_in_pieces_is_the_whole_documents_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jsontext, "CHUNK", 200)  # many pieces
    scan, context = result(), ReportContext()
    pieces = list(render_chunks("json", scan, context))
    assert len(pieces) > 10
    assert "".join(pieces) == whole_json(scan, context) == render("json", scan, context)


def test_sarif_in_pieces_shows_lone_surrogates_escaped_as_the_whole_document_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jsontext, "CHUNK", 200)
    scan = result()
    text = "".join(render_chunks("sarif", scan, ReportContext()))
    text.encode("utf-8")  # no lone surrogate left in the text itself
    document = json.loads(text)
    # The whole document rendered at once and then walked for surrogates gives the same text.
    assert text == jsontext.dumps(without_surrogates(document))
    shown = [r["message"]["text"] for r in document["runs"][0]["results"]]
    assert "lone \\ud800 surrogate" in shown
    evidence = [r["properties"]["evidence"] for r in document["runs"][0]["results"]]
    assert {"tags.key": ["k\\ud800"]} in evidence


def test_redo_rewrites_only_the_values_whose_text_matches() -> None:
    document = {"a": [f"x{i}" for i in range(100)] + [LONE], "b": {"c": LONE, "d": "plain"}}
    redone = "".join(jsontext.chunks(document, redo_if=SURROGATE_ESCAPE, redo=without_surrogates))
    assert redone == jsontext.dumps(without_surrogates(document))


def test_findings_are_read_as_the_text_reaches_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsontext, "CHUNK", 1000)
    read: list[int] = []

    def items() -> Iterator[dict[str, int]]:
        for index in range(500):
            read.append(index)
            yield {"index": index}

    pieces = jsontext.chunks({"head": 1, "findings": jsontext.Each(items()), "tail": []})
    first = next(pieces)
    assert 0 < len(read) < 100  # not every item was read (or held) for the first piece
    rest = "".join(pieces)
    assert first + rest == jsontext.dumps(
        {"head": 1, "findings": [{"index": i} for i in range(500)], "tail": []}
    )
    assert jsontext.dumps({"empty": jsontext.Each(iter(()))}) == '{\n  "empty": []\n}\n'


def failing_pieces() -> Iterator[str]:
    yield '{"findings": ['
    raise ValueError("Out of range float values are not JSON compliant: nan")


def test_a_report_that_fails_midway_leaves_no_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text("previous report\n", encoding="utf-8")
    new = tmp_path / "new.json"
    with pytest.raises(ValueError, match="JSON compliant"):
        write_all([(str(new), iter(["fine\n"])), (str(old), failing_pieces())])
    assert old.read_text(encoding="utf-8") == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]  # no temporary files


def test_pieces_for_a_stream_are_made_before_anything_is_written_there(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("kept\n", encoding="utf-8")
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        with pytest.raises(ValueError):
            write_all([(f"/dev/fd/{fd}", failing_pieces())])
        write_all([(f"/dev/fd/{fd}", iter(["one ", "two\n"]))])
    finally:
        os.close(fd)
    assert log.read_text(encoding="utf-8") == "kept\none two\n"


def test_pieces_are_written_into_a_regular_file(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "lslint.json"
    write_all([(str(target), iter(["{", "}\n"]))])
    assert target.read_text(encoding="utf-8") == "{}\n"
