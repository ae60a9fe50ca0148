import json
from collections.abc import Callable

from conftest import DOCS_SAMPLE, CliResult


def test_docs_sample_reports_exactly_the_expected_findings(cli: Callable[..., CliResult]) -> None:
    result = cli(["scan", "--input", str(DOCS_SAMPLE), "--format", "json"])
    # The API reference's sample was made without includeHealthStatus: the status check rule
    # cannot tell whether those instances are healthy, and says so instead of passing them.
    assert result.exit_code == 2, result.stderr
    findings = json.loads(result.stdout)["findings"]
    got = sorted((f["resource_name"], f["rule_id"], f["status"]) for f in findings)
    assert got == sorted(
        [
            ("WordPress-1", "LS005", "fail"),
            ("WordPress-1", "LS012", "fail"),
            ("WordPress-1", "LS014", "error"),
            ("Amazon_Linux-1", "LS005", "fail"),
            ("Amazon_Linux-1", "LS011", "fail"),
            ("Amazon_Linux-1", "LS012", "fail"),
            ("Amazon_Linux-1", "LS014", "error"),
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


def test_a_snapshot_without_health_status_is_indeterminate_for_status_checks(
    cli: Callable[..., CliResult],
) -> None:
    result = cli(["scan", "--input", str(DOCS_SAMPLE), "--select", "LS014", "--format", "json"])
    assert result.exit_code == 2
    messages = {f["message"] for f in json.loads(result.stdout)["findings"]}
    assert messages == {"indeterminate: instanceStatus.status absent; systemStatus.status absent"}
