"""JUnit reports show hostile resource data escaped, as every other format does: line breaks,
C0 and C1 controls, ANSI escapes, bidirectional overrides and invisible characters."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
import xmlschema

from lslint.engine.evaluate import run
from lslint.engine.loader import load_rules
from lslint.escape import printable
from lslint.findings import Acceptance, Check, Finding, ScanError, ScanResult, Severity
from lslint.inventory import Inventory, Origin, Resource
from lslint.models import Instance
from lslint.reporters.context import ReportContext
from lslint.reporters.junit import render_junit, xml_text

from conftest import BUILTIN_RULES, SCAN_TIME, SCHEMAS, passing_instance

SCHEMA = SCHEMAS / "junit-10.xsd"

# Each hostile string, and what must show in its place.
HOSTILE = {
    "line\nRule: LS000 forged (info)": "line\\x0aRule: LS000 forged (info)",
    "cr\rtab\t": "cr\\x0dtab\\x09",
    "\x1b[31mred\x1b[0m": "\\x1b[31mred\\x1b[0m",
    "c1\x85next-line\x9bcsi": "c1\\x85next-line\\x9bcsi",
    "rtl\u202egnp.exe": "rtl\\u202egnp.exe",
    "isolate\u2066x\u2069": "isolate\\u2066x\\u2069",
    "line-separator\u2028para\u2029": "line-separator\\u2028para\\u2029",
    "zero\u200bwidth\u2060joiner": "zero\\u200bwidth\\u2060joiner",
    "soft\xadhyphen": "soft\\xadhyphen",
    "tag\U000e0041chars": "tag\\U000e0041chars",
    "nul\x00del\x7f": "nul\\x00del\\x7f",
}
# What may never appear raw in an attribute (and, but for lslint's own line breaks, in text).
RAW = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u200b\u2028-\u202e\u2060-\u2069\ud800-\udfff\U000e0000-\U000e007f]"
)


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA))


@pytest.fixture(scope="module")
def hostile_result() -> ScanResult:
    fleet = [
        passing_instance(
            name,
            arn=f"arn:aws:lightsail:us-east-1:111122223333:Instance/{index}",
            tags=[{"key": "Owner", "value": name}],  # no Environment tag: LS004 fails
        )
        for index, name in enumerate(HOSTILE)
    ]
    resources = [
        Resource(Instance.model_validate(item), Origin("snap.json", index + 2))
        for index, item in enumerate(fleet)
    ]
    result = run(load_rules([BUILTIN_RULES]), Inventory(resources), now=SCAN_TIME)
    assert len(result.findings) == len(HOSTILE)
    reasons = list(HOSTILE)
    accepted = {
        reasons[3]: {"baselined": True},
        reasons[2]: {"suppressed": Acceptance("config", reasons[1])},
    }
    result.findings = [replace(f, **accepted.get(f.resource_name, {})) for f in result.findings]
    result.errors = [
        ScanError("aws", "GetInstances", code, message, "us-east-1")
        for code, message in zip(["Throttling\x1b[2J", "Denied\u202e"], reasons, strict=False)
    ]
    return result


def attributes_and_texts(xml: str) -> tuple[list[str], list[str]]:
    root = ET.fromstring(xml.encode("utf-8"))
    attributes = [value for element in root.iter() for value in element.attrib.values()]
    texts = [element.text for element in root.iter() if element.text and element.text.strip()]
    return attributes, texts


def test_hostile_data_is_shown_escaped_everywhere(
    hostile_result: ScanResult, junit_schema: xmlschema.XMLSchema
) -> None:
    xml = render_junit(hostile_result, ReportContext())
    junit_schema.validate(xml)
    attributes, texts = attributes_and_texts(xml)
    for value in attributes:
        assert not RAW.search(value), value
    for text in texts:
        for line in text.split("\n"):
            assert not RAW.search(line), line
    everything = "\n".join(attributes + texts)
    for raw, shown in HOSTILE.items():
        assert shown in everything, (raw, shown)


def test_failure_details_cannot_be_forged(hostile_result: ScanResult) -> None:
    root = ET.fromstring(render_junit(hostile_result, ReportContext()).encode("utf-8"))
    failures = list(root.iter("failure"))
    assert len(failures) == len(HOSTILE) - 2  # one suppressed, one baselined
    for failure in failures:
        assert failure.text is not None
        first, *fields = failure.text.split("\n")
        assert first == failure.attrib["message"]
        assert [line.split(":")[0] for line in fields[:4]] == [
            "Rule", "Resource", "Region", "Remediation",
        ]  # fmt: skip
        assert all(line.startswith("  aws lightsail ") for line in fields[4:]), fields
    assert "\nRule: LS000" not in render_junit(hostile_result, ReportContext())


def test_suppression_reasons_and_source_errors_are_escaped(hostile_result: ScanResult) -> None:
    root = ET.fromstring(render_junit(hostile_result, ReportContext()).encode("utf-8"))
    skipped = [element.attrib["message"] for element in root.iter("skipped")]
    assert "suppressed: cr\\x0dtab\\x09" in skipped
    assert (
        "baselined: c1\\x85next-line\\x9bcsi: required tags missing or blank: Environment"
        in skipped
    )
    errors = {element.attrib["type"]: element for element in root.iter("error")}
    assert set(errors) == {"Throttling\\x1b[2J", "Denied\\u202e"}
    throttled = errors["Throttling\\x1b[2J"]
    assert throttled.attrib["message"].endswith("line\\x0aRule: LS000 forged (info)")
    assert throttled.text is not None and "\n" not in throttled.text


def test_each_remediation_command_is_its_own_line() -> None:
    ports = [
        {"fromPort": port, "toPort": port, "protocol": "tcp", "cidrs": ["0.0.0.0/0"]}
        for port in (22, 3306)
    ]
    model = Instance.model_validate(passing_instance("web\n1", networking={"ports": ports}))
    rules = [r for r in load_rules([BUILTIN_RULES]) if r.id == "LS001"]
    result = run(rules, Inventory([Resource(model)]), now=SCAN_TIME)
    (failure,) = ET.fromstring(render_junit(result, ReportContext()).encode("utf-8")).iter(
        "failure"
    )
    assert failure.text is not None
    lines = failure.text.split("\n")
    advice = next(i for i, line in enumerate(lines) if line.startswith("Remediation: "))
    commands = lines[advice + 1 :]
    assert [c.split("--port-info ")[1] for c in commands] == [
        "fromPort=22,toPort=22,protocol=tcp",
        "fromPort=3306,toPort=3306,protocol=tcp",
    ]
    assert all(c.startswith("  aws lightsail close-instance-public-ports ") for c in commands)


def test_messages_keep_their_spaces() -> None:
    message = 'web: required tags missing or blank: Owner="  "'
    finding = Finding(
        "T001", "t", Severity.LOW, "fail", "instance", "arn:t", "web", "us-east-1", message, {},
        "", "f" * 32,
    )  # fmt: skip
    result = ScanResult(
        findings=[finding], checks=[Check("T001", "instance", "arn:t", "web", "us-east-1", "fail")]
    )
    (failure,) = ET.fromstring(render_junit(result, ReportContext()).encode("utf-8")).iter(
        "failure"
    )
    assert failure.attrib["message"] == message


def test_xml_text_leaves_only_characters_xml_allows() -> None:
    allowed = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    forbidden = [chr(c) for c in (*range(0x20), 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xFFFE, 0xFFFF)]
    shown = xml_text("".join(forbidden))
    assert all(allowed.fullmatch(char) for char in shown)
    assert shown.count("\\") == len(forbidden)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("soft\xadhyphen", "soft\\xadhyphen"),
        ("word\u2060joiner\u2064", "word\\u2060joiner\\u2064"),
        ("hangul\u3164filler\u115f", "hangul\\u3164filler\\u115f"),
        ("tag\U000e0041\U000e007f", "tag\\U000e0041\\U000e007f"),
        ("emoji \U0001f469\u200d\U0001f4bb\ufe0f", "emoji \U0001f469\u200d\U0001f4bb\ufe0f"),
        ("ascii <&> stays", "ascii <&> stays"),
    ],
)
def test_printable_escapes_invisible_characters_and_keeps_joiners(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_printable_escapes_reparse_to_the_original() -> None:
    raw = "".join(HOSTILE)
    escaped = printable(raw)
    decoded = escaped.encode("ascii", "backslashreplace").decode("unicode_escape")
    assert decoded == raw
