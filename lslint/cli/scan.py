"""``lslint scan`` and ``lslint fetch``: options in, a request to the library, output out."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import click

from lslint.api import FetchOutcome, LiveOptions, ScanRequest, run_scan
from lslint.api import fetch as fetch_snapshot
from lslint.cli.options import (
    GITHUB_ERRORS,
    config_file,
    config_option,
    debug_option,
    error,
    on_terminal,
    printable,
    region_options,
    rules_option,
    with_options,
)
from lslint.engine.operators import OperandError, check_instant
from lslint.errors import ConfigError
from lslint.findings import ScanResult
from lslint.gate import DEFAULT_FAIL_ON, FAIL_ON_CHOICES
from lslint.models import count_resources
from lslint.output import STDOUT, Content, same_file, stream_fd, write_all
from lslint.reporters import FORMATS
from lslint.sources.snapshot import STDIN
from lslint.suggest import suggest
from lslint.wording import plural

MAX_EXPLAINED = 5  # indeterminate checks named on stderr; the reports list all of them


@click.command()
@click.option(
    "--input", "-i", "inputs", multiple=True, metavar="PATH",
    help="Snapshot to scan instead of AWS ('aws lightsail get-*' output, e.g. get-instances, "
    "or 'lslint fetch'); '-' reads stdin. Repeat to merge several.",
)  # fmt: skip
@with_options(region_options)
@config_option
@rules_option
@click.option("--select", multiple=True, metavar="SELECTOR",
              help="Run only these rules: id, name, tag:NAME, compliance framework or "
              "FRAMEWORK:CONTROL.")  # fmt: skip
@click.option(
    "--ignore",
    multiple=True,
    metavar="SELECTOR",
    help="Skip these rules (as --select; a rule named by id or name beats a group).",
)
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS, case_sensitive=False),
              default="text", show_default=True, help="Output format.")  # fmt: skip
@click.option(
    "--output", "-o", metavar="PATH", help="Write the report here ('-': stdout, the default)."
)
@click.option(
    "--report", "reports", multiple=True, metavar="FORMAT=PATH",
    help="Also write a report in FORMAT to PATH (repeatable), e.g. sarif=lslint.sarif.",
)  # fmt: skip
@click.option(
    "--fail-on", type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False), default=None,
    help=f"Lowest severity that makes the exit code 1 (default: config, else {DEFAULT_FAIL_ON}).",
)  # fmt: skip
@click.option("--snapshot", metavar="PATH", help="Live scans: also save what was fetched here.")
@click.option(
    "--baseline", metavar="PATH", help="Only findings not in this baseline count toward --fail-on."
)
@click.option(
    "--write-baseline",
    metavar="PATH",
    help="Record the current findings' fingerprints as a baseline (needs a complete scan).",
)
@click.option(
    "--now", "now_text", metavar="TIME",
    help="Scan as of this time (ISO 8601, or seconds since 1970): what rules about time "
    "compare with and what reports show. Default: the current time, or SOURCE_DATE_EPOCH.",
)  # fmt: skip
@click.option("--color/--no-color", default=None, help="Colour text output (default: on a TTY).")
@debug_option
def scan(
    inputs: tuple[str, ...],
    regions: tuple[str, ...],
    all_regions: bool,
    exclude_regions: tuple[str, ...],
    profile: str | None,
    kinds: tuple[str, ...],
    concurrency: int | None,
    quiet: bool,
    config_path: str | None,
    rule_paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fmt: str,
    output: str | None,
    reports: tuple[str, ...],
    fail_on: str | None,
    snapshot: str | None,
    baseline: str | None,
    write_baseline: str | None,
    now_text: str | None,
    color: bool | None,
) -> None:
    """Scan Lightsail resources with the rules and report the findings.

    Without --input, lists every kind of resource from AWS with the standard credential chain.
    """
    if fmt == "github":
        click.get_current_context().meta[GITHUB_ERRORS] = True
    live = None
    if inputs:
        live_only = {"--region": regions, "--all-regions": all_regions,
                     "--exclude-region": exclude_regions, "--profile": profile,
                     "--kind": kinds, "--snapshot": snapshot}  # fmt: skip
        for option, given in live_only.items():
            if given:
                raise ConfigError(f"{option} applies to live scans and cannot be used with --input")
        if any(not path.strip() for path in inputs):  # before they are compared as files
            raise ConfigError("--input: an empty path names no file")
        if inputs.count(STDIN) > 1:
            raise ConfigError("'--input -' (standard input) can be given only once")
        inputs = _distinct_inputs(inputs)
    else:
        live = _live_options(
            regions, all_regions, exclude_regions, profile, kinds, concurrency, quiet
        )
    for option, given in (
        ("--output", output),
        ("--snapshot", snapshot),
        ("--write-baseline", write_baseline),
        ("--baseline", baseline),
        *(("--rules", path) for path in rule_paths),
        # An empty FORMAT= is refused by _parse_reports, with the expected form.
        *(("--report", path) for value in reports if (path := value.partition("=")[2])),
    ):
        if given is not None and not given.strip():
            raise ConfigError(f"{option}: an empty path names no file")  # fmt: skip
    output = None if output == STDOUT else output
    extra_reports = _parse_reports(reports)
    outputs = [("--output", output or STDOUT), ("--snapshot", snapshot),
               ("--write-baseline", write_baseline)]  # fmt: skip
    outputs += [(f"--report {f}", p) for f, p in extra_reports]
    _one_on_stdout(outputs)
    request = ScanRequest(
        started_at=_scan_time(now_text),
        inputs=inputs,
        live=live,
        config=config_file(config_path),
        rule_paths=tuple(Path(p) for p in rule_paths),
        select=select,
        ignore=ignore,
        baseline=baseline,
        fail_on=fail_on,
        snapshot=snapshot,
        write_baseline=write_baseline,
        outputs=tuple((option, target) for option, target in outputs if target),
    )
    outcome = run_scan(request)

    _note_retries(outcome.notes, quiet)
    if fmt != "text" or output is not None:  # a text report on stdout shows warnings itself
        for warning in outcome.warnings:
            click.echo(f"lslint: warning: {printable(warning)}", err=True)
    _explain_untrusted(outcome.result)
    # Reports are made as they are written: into a file, piece by piece (see write_all).
    pending: list[tuple[str, Content]] = [
        (path, outcome.report_chunks(report_format)) for report_format, path in extra_reports
    ]
    use_color = _use_color(color) and output is None
    pending.append((output or STDOUT, outcome.report_chunks(fmt, color=use_color)))
    if snapshot and outcome.snapshot_text is not None:
        pending.append((snapshot, outcome.snapshot_text))
    if write_baseline:
        if outcome.baseline_text is None:
            raise ConfigError(
                f"--write-baseline {write_baseline}: not written, because the scan is "
                "incomplete (see the errors above)",
                hint="a baseline recorded from a partial scan would hide findings later",
            )
        pending.append((write_baseline, outcome.baseline_text))
    write_all(pending)  # all or none: no report may claim a verdict this run did not reach
    if write_baseline:
        count = sum(
            1 for f in outcome.result.findings if f.status == "fail" and f.suppressed is None
        )
        where = "standard output" if write_baseline == STDOUT else write_baseline
        kept = outcome.baseline_kept  # refreshed in place: entries of rules that did not run
        entries = "1 entry" if kept == 1 else f"{kept} entries"
        also = f", and {entries} of rules this scan did not run kept" if kept else ""
        click.echo(f"lslint: wrote baseline {where}: {plural(count, 'finding')}{also}", err=True)
    sys.exit(outcome.exit_code)


def _scan_time(text: str | None) -> datetime | None:
    """``--now`` as a time in UTC, whole seconds (as reports show it), or None."""
    if text is None:
        return None
    try:
        return check_instant(text.strip()).replace(microsecond=0)
    except OperandError as exc:
        raise ConfigError(
            f"--now {text!r}: {exc}", hint="e.g. --now 2024-06-30T12:00:00Z"
        ) from None


def _parse_reports(values: Sequence[str]) -> list[tuple[str, str]]:
    """``--report FORMAT=PATH`` values, checked."""
    reports = []
    for value in values:
        fmt, separator, path = value.partition("=")
        fmt = fmt.strip().lower()
        if not separator or not path:
            raise ConfigError(f"--report {value!r}: expected FORMAT=PATH, e.g. sarif=lslint.sarif")
        if fmt not in FORMATS:
            raise ConfigError(
                f"--report {value!r}: unknown format '{fmt}'" + suggest(fmt, FORMATS),
                hint=f"formats: {', '.join(FORMATS)}",
            )
        reports.append((fmt, path))
    return reports


def _distinct_inputs(inputs: Sequence[str]) -> tuple[str, ...]:
    """The inputs, each file once however it is spelled (a repeated one is read once)."""
    kept: list[str] = []
    for path in inputs:
        twin = next((k for k in kept if STDIN not in (k, path) and same_file(k, path)), None)
        if twin is None:
            kept.append(path)
        else:
            click.echo(f"lslint: warning: {printable(path)} is given twice (also as "
                       f"{printable(twin)}): read once", err=True)  # fmt: skip
    return tuple(kept)


def _one_on_stdout(outputs: Sequence[tuple[str, str | None]]) -> None:
    """Standard output can take one report, snapshot or baseline, not two mixed together."""
    on_stdout = [
        option
        for option, target in outputs
        if target is not None and (target == STDOUT or stream_fd(target) == 1)
    ]
    if len(on_stdout) > 1:
        raise ConfigError(
            f"{' and '.join(on_stdout)}: only one output can go to standard output",
            hint="the report goes there unless -o names a file; give the others files",
        )


def _live_options(
    regions: tuple[str, ...], all_regions: bool, exclude_regions: tuple[str, ...],
    profile: str | None, kinds: tuple[str, ...], concurrency: int | None, quiet: bool,
) -> LiveOptions:  # fmt: skip
    """The region and kind options; progress is drawn on a terminal unless --quiet."""
    return LiveOptions(
        regions=regions, all_regions=all_regions, exclude_regions=exclude_regions,
        profile=profile, kinds=kinds, concurrency=concurrency,
        progress=sys.stderr if not quiet and on_terminal() else None,
    )  # fmt: skip


def _note_retries(notes: Sequence[str], quiet: bool) -> None:
    """Off a terminal, where no progress was drawn, one note per region that retried."""
    if not quiet and not on_terminal():
        for note in notes:
            click.echo(f"lslint: note: {note}", err=True)


def _explain_untrusted(result: ScanResult) -> None:
    """Exit code 2 always says why on stderr, whatever the format and output."""
    for source_error in result.errors:
        error(f"{source_error.source}: could not be read completely: {source_error.describe()}")
    problems = [f for f in result.findings if f.status == "error"]
    if problems:
        count = len(problems)
        click.echo(
            f"lslint: error: {plural(count, 'check')} indeterminate "
            "(a value the rule needs is missing)" + (", first ones:" if count > 1 else ":"),
            err=True,
        )
        for finding in problems[:MAX_EXPLAINED]:
            click.echo(
                f"  {finding.rule_id} on {printable(finding.resource_name or finding.resource_arn)}"
                f" ({printable(finding.region)}): {printable(finding.message)}",
                err=True,
            )
        if count > MAX_EXPLAINED:
            click.echo(f"  ... and {count - MAX_EXPLAINED} more (see the report)", err=True)


def _use_color(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    stdout = sys.stdout  # None when lslint was started with stdout closed
    return "NO_COLOR" not in os.environ and stdout is not None and stdout.isatty()


@click.command()
@debug_option
@with_options(region_options)
@config_option
@click.option(
    "--output", "-o", required=True, metavar="PATH", help="Snapshot file to write ('-': stdout)."
)
def fetch(
    regions: tuple[str, ...],
    all_regions: bool,
    exclude_regions: tuple[str, ...],
    profile: str | None,
    kinds: tuple[str, ...],
    concurrency: int | None,
    quiet: bool,
    config_path: str | None,
    output: str,
) -> None:
    """Save a snapshot of Lightsail resources from AWS, to scan later with --input.

    Regions, excluded regions, kinds and the profile come from the options, else from the
    config's 'aws' section. Regions that could not be listed are recorded in the snapshot (a scan of
    it exits 2) and make this command exit 2.
    """
    live = _live_options(regions, all_regions, exclude_regions, profile, kinds, concurrency, quiet)
    outcome: FetchOutcome = fetch_snapshot(
        live, config=config_file(config_path), outputs=[("--output", output)]
    )
    _note_retries(outcome.notes, quiet)
    write_all([(output, outcome.snapshot_text)])
    for fetch_error in outcome.errors:
        error(fetch_error.describe())
    listed = len(outcome.regions)
    click.echo(
        f"wrote {'standard output' if output == STDOUT else output}: "
        f"{count_resources(outcome.counts)} from "
        f"{plural(listed, 'region')}"
        + (f", {len(outcome.errors)} error(s)" if outcome.errors else ""),
        err=True,
    )
    sys.exit(outcome.exit_code)
