import json
from collections.abc import Callable

from conftest import DOCS_SAMPLE, CliResult


def test_docs_sample_reports_exactly_the_expected_findings(cli: Callable[..., CliResult]) -> None:
    result = cli(["scan", "--input", str(DOCS_SAMPLE), "--format", "json"])
    assert result.exit_code == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    got = sorted((f["resource_name"], f["rule_id"], f["status"]) for f in findings)
    assert got == sorted(
        [
            ("WordPress-1", "LS001", "fail"),
            ("WordPress-1", "LS002", "fail"),
            ("WordPress-1", "LS004", "fail"),
            ("Amazon_Linux-1", "LS001", "fail"),
            ("Amazon_Linux-1", "LS002", "fail"),
            ("Amazon_Linux-1", "LS003", "fail"),
            ("Amazon_Linux-1", "LS004", "fail"),
            ("Amazon_Linux-1", "LS030", "fail"),  # the first Amazon Linux, past its support
        ]
    )
