"""The command line. The only module that prints, reads options or exits.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 the scan could
not be trusted (bad input, rules or config, source errors, indeterminate evaluations).
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from lslint import __version__
from lslint.api import Setup, builtin_rules_dir, evaluate, prepare
from lslint.baseline import load_baseline, render_baseline
from lslint.config import REPOSITORY_MARKER, Config, find_config, load_config
from lslint.engine.evaluate import case_failure
from lslint.engine.loader import check_unique_keys, discover_rule_files, load_rule_file
from lslint.engine.rule import Rule
from lslint.errors import ConfigError, ConfigErrors, InputError, LslintError
from lslint.findings import ScanError, ScanResult
from lslint.gate import (
    DEFAULT_FAIL_ON,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    FAIL_ON_CHOICES,
    parse_threshold,
)
from lslint.gctune import tune_for_batch_run
from lslint.inventory import Inventory
from lslint.models import count_resources
from lslint.output import STDOUT, ReadFile, check_outputs, same_file, write_all
from lslint.progress import ProgressLine, retry_notes
from lslint.redact import redact
from lslint.reporters import FORMATS, render
from lslint.reporters.context import ReportContext, ScanContext
from lslint.reporters.escape import printable
from lslint.reporters.github import error_annotation
from lslint.sources import collect_all
from lslint.sources.snapshot import STDIN, SnapshotSource, parse_snapshot
from lslint.suggest import suggest
from lslint.yamldoc import read_text

if TYPE_CHECKING:
    from lslint.sources.aws import AwsSource

DEBUG = "lslint.debug"  # context meta keys, shared by the group and its commands
GITHUB_ERRORS = "lslint.github-errors"


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


class LslintGroup(click.Group):
    """Turns every lslint error into one line on stderr and exit code 2, never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False  # so usage errors come here, not to click's printer
        try:
            return super().main(*args, **kwargs)
        except click.UsageError as exc:
            click.echo(f"lslint: error: {printable(exc.format_message())}", err=True)
            command = exc.ctx.command_path if exc.ctx else "lslint"
            click.echo(f"hint: see '{command} --help'", err=True)
            sys.exit(EXIT_ERROR)
        except click.ClickException as exc:
            click.echo(f"lslint: error: {printable(exc.format_message())}", err=True)
            sys.exit(EXIT_ERROR)
        except click.Abort:
            click.echo("lslint: interrupted", err=True)
            sys.exit(130)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LslintError as exc:
            _fail(exc, ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("lslint: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - last line of defence: no tracebacks
            if ctx.meta.get(DEBUG):
                traceback.print_exc()
            message = printable(redact(str(exc)))  # an exception may quote an endpoint URL
            click.echo(f"lslint: internal error: {type(exc).__name__}: {message}", err=True)
            click.echo("hint: run with --debug for details, and please report this", err=True)
            sys.exit(EXIT_ERROR)


MAX_ERRORS_SHOWN = 20  # a config with more problems than this is likely the wrong file


def _fail(exc: LslintError, ctx: click.Context) -> NoReturn:
    """One ``lslint: error:`` line per problem (up to a cap), each with its hint."""
    if ctx.meta.get(DEBUG):
        traceback.print_exc()
    problems = exc.problems
    for problem in problems[:MAX_ERRORS_SHOWN]:
        if ctx.meta.get(GITHUB_ERRORS):  # -f github: the error also annotates its file
            click.echo(
                error_annotation(
                    problem.message, problem.where, root=report_root(), base=Path.cwd()
                )
            )
        click.echo(f"lslint: error: {printable(str(problem))}", err=True)
        if problem.hint:
            click.echo(f"hint: {problem.hint}", err=True)
    hidden = len(problems) - MAX_ERRORS_SHOWN
    if hidden > 0:
        click.echo(f"lslint: error: ... and {hidden} more problem{'s' if hidden != 1 else ''}",
                   err=True)  # fmt: skip
    sys.exit(EXIT_ERROR)


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[DEBUG] = True


# Accepted before and after the command name: `lslint --debug scan` and `lslint scan --debug`.
_debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
    help="Show tracebacks for errors.",
)  # fmt: skip


@click.group(cls=LslintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lslint")
@_debug_option
def main() -> None:
    """lslint: a security and compliance linter for Amazon Lightsail."""


def _split(values: Sequence[str]) -> list[str]:
    """Repeated options that also accept comma-separated lists (``--select LS001,LS002``)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _load_config(path: str | None, *, checked: bool = False) -> Config:
    """The config (none found: no settings). Its problems are raised by ``_setup``, together
    with those that need the rules, so that each run reports all of them; commands that load
    no rules ask for a ``checked`` config instead."""
    found = find_config(path, Path.cwd())
    config = load_config(found) if found else Config()
    if checked and config.problems:
        raise ConfigErrors(config.problems)
    return config


def _setup(
    config: Config, rules: Sequence[str], select: Sequence[str], ignore: Sequence[str]
) -> Setup:
    return prepare(
        config,
        rule_paths=[Path(p) for p in rules],
        select=_split(select),
        ignore=_split(ignore),
    )


_config_option = click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file (default: the nearest .lslint.yaml, up to the repository root).",
)
_rules_option = click.option(
    "--rules", "rule_paths", multiple=True, metavar="PATH", help="Extra rule file or folder."
)


_region_options = [
    click.option("--region", "-r", "regions", multiple=True, metavar="REGION",
                 help="Region to list (repeat or comma-separate; default: the config's, "
                 "else the profile's)."),
    click.option("--all-regions", is_flag=True, help="List every region Lightsail offers."),
    click.option("--exclude-region", "exclude_regions", multiple=True, metavar="REGION",
                 help="With --all-regions: a region not to list (repeat or comma-separate)."),
    click.option("--profile", metavar="NAME",
                 help="AWS profile (default: the config's, else the standard chain)."),
    click.option("--concurrency", type=click.IntRange(1, 64), default=None, metavar="N",
                 help="Regions listed at once (default: all of them, up to 32)."),
    click.option("--quiet", "-q", is_flag=True,
                 help="No progress display or retry notes on stderr."),
]  # fmt: skip


def _with_options(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def apply(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function

    return apply


@main.command()
@click.option(
    "--input", "-i", "inputs", multiple=True, metavar="PATH",
    help="Snapshot to scan instead of AWS ('aws lightsail get-instances' output or "
    "'lslint fetch'); '-' reads stdin. Repeat to merge several.",
)  # fmt: skip
@_with_options(_region_options)
@_config_option
@_rules_option
@click.option("--select", multiple=True, metavar="ID", help="Run only these rules (id or name).")
@click.option("--ignore", multiple=True, metavar="ID", help="Skip these rules (id or name).")
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
@click.option("--color/--no-color", default=None, help="Colour text output (default: on a TTY).")
@_debug_option
def scan(
    inputs: tuple[str, ...],
    regions: tuple[str, ...],
    all_regions: bool,
    exclude_regions: tuple[str, ...],
    profile: str | None,
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
    color: bool | None,
) -> None:
    """Scan Lightsail resources with the rules and report the findings.

    Without --input, lists every kind of resource from AWS with the standard credential chain.
    """
    started_at = scan_time()
    if fmt == "github":
        click.get_current_context().meta[GITHUB_ERRORS] = True
    if inputs:
        live_only = {"--region": regions, "--all-regions": all_regions,
                     "--exclude-region": exclude_regions, "--profile": profile,
                     "--snapshot": snapshot}  # fmt: skip
        for option, given in live_only.items():
            if given:
                raise ConfigError(f"{option} applies to live scans and cannot be used with --input")
        if inputs.count(STDIN) > 1:
            raise ConfigError("'--input -' (standard input) can be given only once")
        inputs = _distinct_inputs(inputs)
    output = None if output == STDOUT else output
    extra_reports = _parse_reports(reports)
    outputs = [("--output", output or STDOUT), ("--snapshot", snapshot),
               ("--write-baseline", write_baseline)]  # fmt: skip
    outputs += [(f"--report {f}", p) for f, p in extra_reports]
    _one_on_stdout(outputs)
    config = _load_config(config_path)
    setup = _setup(config, rule_paths, select, ignore)
    read = _files_read(inputs, baseline, config, setup)
    if baseline and write_baseline and same_file(baseline, write_baseline):
        read = [r for r in read if r.path is None or not same_file(r.path, baseline)]  # refresh
    check_outputs(outputs, read)
    known = load_baseline(Path(baseline)) if baseline else None

    snapshot_text = ""
    if inputs:
        inventory = collect_all([SnapshotSource(path) for path in inputs])
        listed_regions: list[str] = []
    else:
        source = _aws_source(
            config, regions, all_regions, exclude_regions, profile, concurrency, quiet
        )
        inventory = _collect_live(source, quiet)
        listed_regions = source.regions
        if snapshot:
            snapshot_text = _snapshot_text(source, inventory.errors, started_at)
            if snapshot != STDOUT:
                # Scan what is saved, so findings point into the snapshot file (SARIF, GitHub).
                inventory = parse_snapshot(snapshot_text, snapshot)
    result = evaluate(setup, inventory, baseline=known, baseline_source=baseline or "")

    threshold = parse_threshold(fail_on or config.fail_on or DEFAULT_FAIL_ON)
    context = ReportContext(
        fail_on=threshold,
        root=report_root(),  # report paths are relative to the repository
        base=Path.cwd(),
        scan=scan_context(inventory, started_at, inputs=inputs, regions=listed_regions),
        recording_baseline=bool(write_baseline),
    )
    gate = context.gate(result)
    if fmt != "text" or output is not None:  # a text report on stdout shows warnings itself
        for warning in result.warnings:
            click.echo(f"lslint: warning: {printable(warning)}", err=True)
    _explain_untrusted(result)

    pending = [
        (path, render(report_format, result, context)) for report_format, path in extra_reports
    ]
    use_color = _use_color(color) and output is None
    pending.append((output or STDOUT, render(fmt, result, replace(context, color=use_color))))
    if snapshot and not inputs:
        pending.append((snapshot, snapshot_text))
    if write_baseline:
        pending.append((write_baseline, _baseline_text(write_baseline, result, started_at)))
    write_all(pending)  # all or none: no report may claim a verdict this run did not reach
    if write_baseline:
        count = sum(1 for f in result.findings if f.status == "fail" and f.suppressed is None)
        where = "standard output" if write_baseline == STDOUT else write_baseline
        click.echo(
            f"lslint: wrote baseline {where}: {count} finding{'s' if count != 1 else ''}", err=True
        )
    sys.exit(gate.exit_code)


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


def report_root() -> Path:
    """The folder report paths are relative to: the GitHub workspace when lslint runs inside
    it, else the repository lslint runs in (found upwards, as the config is), else here."""
    here = Path.cwd()
    workspace = os.environ.get("GITHUB_WORKSPACE", "")
    if workspace and here.is_relative_to(Path(workspace).resolve()):
        return Path(workspace).resolve()
    return next((f for f in (here, *here.parents) if (f / REPOSITORY_MARKER).exists()), here)


def scan_time() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so reports can be reproduced byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            raise ConfigError(
                f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {epoch!r}"
            ) from None
    return datetime.now(UTC).replace(microsecond=0)


def scan_context(
    inventory: Inventory, started_at: datetime, *, inputs: Sequence[str], regions: Sequence[str]
) -> ScanContext:
    """What was scanned: the inputs, and the regions and accounts listed or seen."""
    seen_regions = {r.region for r in inventory.resources if r.region}
    accounts = {parts[4] for r in inventory.resources if len(parts := r.arn.split(":")) > 4}
    return ScanContext(
        started_at=started_at,
        inputs=tuple(sorted(inputs)),
        regions=tuple(sorted(set(regions) | seen_regions)),
        accounts=tuple(sorted(a for a in accounts if a)),
    )


MAX_EXPLAINED = 5  # indeterminate checks named on stderr; the reports list all of them


def _explain_untrusted(result: ScanResult) -> None:
    """Exit code 2 always says why on stderr, whatever the format and output."""
    for error in result.errors:
        click.echo(
            f"lslint: error: {printable(error.source)}: could not be read completely: "
            f"{printable(error.describe())}",
            err=True,
        )
    problems = [f for f in result.findings if f.status == "error"]
    if problems:
        count = len(problems)
        click.echo(
            f"lslint: error: {count} check{'s' if count != 1 else ''} indeterminate "
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


def _one_on_stdout(outputs: Sequence[tuple[str, str | None]]) -> None:
    """Standard output can take one report, snapshot or baseline, not two mixed together."""
    on_stdout = [option for option, target in outputs if target == STDOUT]
    if len(on_stdout) > 1:
        raise ConfigError(
            f"{' and '.join(on_stdout)}: only one output can go to standard output",
            hint="the report goes there unless -o names a file; give the others files",
        )


def _baseline_text(path: str, result: ScanResult, created_at: datetime) -> str:
    """Today's violations as a baseline; an incomplete scan cannot be one."""
    if result.indeterminate:
        raise ConfigError(
            f"--write-baseline {path}: not written, because the scan is incomplete "
            "(see the errors above)",
            hint="a baseline recorded from a partial scan would hide findings later",
        )
    return render_baseline(result, lslint_version=__version__, created_at=created_at)


def _files_read(
    inputs: Sequence[str], baseline: str | None, config: Config, setup: Setup
) -> list[ReadFile]:
    """Every file this scan reads: no output may replace one of them."""
    read = [ReadFile(f"the input file {p}", None if p == STDIN else Path(p)) for p in inputs]
    if baseline:
        read.append(ReadFile(f"the baseline {baseline}", Path(baseline)))
    if config.source:
        read.append(ReadFile(f"the config file {config.source}", Path(config.source)))
    read += [ReadFile(f"the rule file {path}", path) for path in setup.rule_files]
    return read


@main.command()
@_debug_option
@_with_options(_region_options)
@_config_option
@click.option(
    "--output", "-o", required=True, metavar="PATH", help="Snapshot file to write ('-': stdout)."
)
def fetch(
    regions: tuple[str, ...],
    all_regions: bool,
    exclude_regions: tuple[str, ...],
    profile: str | None,
    concurrency: int | None,
    quiet: bool,
    config_path: str | None,
    output: str,
) -> None:
    """Save a snapshot of Lightsail resources from AWS, to scan later with --input.

    Regions, excluded regions and the profile come from the options, else from the config's
    'aws' section. Regions that could not be listed are recorded in the snapshot (a scan of
    it exits 2) and make this command exit 2.
    """
    started_at = scan_time()
    config = _load_config(config_path, checked=True)
    if config.source:  # the only file fetch reads
        check_outputs([("--output", output)], [ReadFile(f"the config file {config.source}",
                                                        Path(config.source))])  # fmt: skip
    source = _aws_source(config, regions, all_regions, exclude_regions, profile, concurrency, quiet)
    inventory = _collect_live(source, quiet)
    write_all([(output, _snapshot_text(source, inventory.errors, started_at))])
    for error in inventory.errors:
        click.echo(f"lslint: error: {printable(error.describe())}", err=True)
    click.echo(
        f"wrote {'standard output' if output == STDOUT else output}: "
        f"{count_resources(source.counts(inventory))} from "
        f"{len(source.regions)} region{'s' if len(source.regions) != 1 else ''}"
        + (f", {len(inventory.errors)} error(s)" if inventory.errors else ""),
        err=True,
    )
    sys.exit(EXIT_ERROR if inventory.errors else EXIT_OK)


def _aws_source(
    config: Config, regions: Sequence[str], all_regions: bool, exclude_regions: Sequence[str],
    profile: str | None, concurrency: int | None, quiet: bool,
) -> AwsSource:  # fmt: skip
    """The live source: regions, exclusions and profile from the options, else the config."""
    if regions and all_regions:
        raise ConfigError("--region and --all-regions cannot be used together")
    settings = config.aws
    origins: dict[str, str] = {}
    if regions or all_regions:  # the command line chooses the regions; the config's are unused
        chosen, every = _split(regions), all_regions
    else:
        chosen, every = settings.regions, settings.all_regions
        origins.update(_origins(config, "regions", chosen))
    excluded = _split(exclude_regions)
    if excluded and not every:
        raise ConfigError(
            "--exclude-region applies only with --all-regions",
            hint="name the regions to list with --region instead",
        )
    if every and not excluded:
        excluded = settings.exclude_regions
        origins.update(_origins(config, "exclude_regions", excluded))
    # Imported here so that offline scans and --version never load boto3.
    from lslint.sources.aws import MAX_CONCURRENCY, AwsSource  # noqa: PLC0415

    return AwsSource(
        chosen,
        all_regions=every,
        exclude=excluded,
        profile=profile or settings.profile,
        concurrency=concurrency or MAX_CONCURRENCY,
        progress=ProgressLine(sys.stderr) if not quiet and _on_terminal() else None,
        origins=origins,
    )


def _origins(config: Config, key: str, names: Sequence[str]) -> dict[str, str]:
    """Where each region name of ``aws.KEY`` is in the config file, for error messages."""
    return {name: config.where(("aws", key, index)) for index, name in enumerate(names)}


def _on_terminal() -> bool:
    return sys.stderr.isatty()


def _collect_live(source: AwsSource, quiet: bool) -> Inventory:
    """Fetch, then (off a terminal, where no progress was drawn) note each region's retries."""
    inventory = source.collect()
    if not quiet and not _on_terminal():
        for note in retry_notes(source.retries):
            click.echo(f"lslint: note: {note}", err=True)
    return inventory


def _snapshot_text(source: AwsSource, errors: Sequence[ScanError], created_at: datetime) -> str:
    from lslint.sources.snapshot import render_snapshot  # noqa: PLC0415

    return render_snapshot(
        source.raw_resources,
        regions=source.regions,
        errors=list(errors),
        lslint_version=__version__,
        created_at=created_at,
    )


def _use_color(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    stdout = sys.stdout  # None when lslint was started with stdout closed
    return "NO_COLOR" not in os.environ and stdout is not None and stdout.isatty()


# ---------------------------------------------------------------- rules


@main.group()
def rules() -> None:
    """List, show, validate and test rules."""


@rules.command("list")
@_debug_option
@_config_option
@_rules_option
def rules_list(config_path: str | None, rule_paths: tuple[str, ...]) -> None:
    """List the rules that a scan would run."""
    loaded = _setup(_load_config(config_path), rule_paths, (), ()).rules
    id_width = max((len(r.id) for r in loaded), default=2)
    name_width = max((len(r.name) for r in loaded), default=4)
    click.echo(f"{'ID':<{id_width}}  {'NAME':<{name_width}}  {'SEVERITY':<8}  TITLE")
    for rule in loaded:
        click.echo(
            printable(
                f"{rule.id:<{id_width}}  {rule.name:<{name_width}}  {rule.severity.value:<8}  "
                f"{rule.title}"
            )
        )


@rules.command("show")
@_debug_option
@click.argument("rule_id", metavar="ID")
@_config_option
@_rules_option
def rules_show(rule_id: str, config_path: str | None, rule_paths: tuple[str, ...]) -> None:
    """Show one rule (by id or name, any case) in full, with its condition."""
    loaded = _setup(_load_config(config_path), rule_paths, (), ()).rules
    wanted = rule_id.lower()
    rule = next((r for r in loaded if wanted in (r.id.lower(), r.name.lower())), None)
    if rule is None:
        keys = [key for r in loaded for key in (r.id, r.name)]
        raise ConfigError(
            f"no rule '{rule_id}'" + suggest(rule_id, keys), hint="see 'lslint rules list'"
        )
    click.echo(printable(f"{rule.id} {rule.name} ({rule.severity.value})"))
    click.echo(printable(rule.title))
    click.echo("")
    _echo_rule_text(rule.description)
    if rule.params:
        click.echo("\nParameters:")
        for name, spec in rule.params.items():
            value = rule.param_values[name]
            _echo_rule_text(f"  {name} ({spec.type}) = {value!r}: {spec.description}")
    click.echo("\nCondition:")
    _echo_rule_text(_indent(rule_conditions(Path(rule.source)), "  ").removesuffix("\n"))
    _echo_rule_text(f"\nRemediation: {rule.remediation_text}")
    if rule.remediation_cli is not None:
        click.echo(printable(f"  {rule.remediation_cli.source}"))
    for reference in rule.references:
        click.echo(printable(f"Reference: {reference}"))
    click.echo(printable(f"Source: {rule.source}"))


def _echo_rule_text(text: str) -> None:
    """Print a block of rule-file text with its line breaks and every other control
    character shown escaped: rule packs may come from anyone, and a description such as
    ``\\x1b]0;...`` must not reach the terminal raw. (One-line fields go through
    :func:`printable` whole.)"""
    for line in text.split("\n"):
        click.echo(printable(line))


def rule_conditions(path: Path) -> str:
    """The rule file's ``applies_if`` and ``fail_if``, as written there (YAML)."""
    from io import StringIO  # noqa: PLC0415 - only `rules show` needs these

    from ruamel.yaml import YAML  # noqa: PLC0415
    from ruamel.yaml.comments import CommentedMap  # noqa: PLC0415

    yaml = YAML()  # round trip: keeps the author's flow style and comments
    yaml.width = 96
    document = yaml.load(read_text(path, what="rule file", error=InputError))
    shown = CommentedMap((k, document[k]) for k in ("applies_if", "fail_if") if k in document)
    buffer = StringIO()
    yaml.dump(shown, buffer)
    return buffer.getvalue()


def _indent(text: str, prefix: str) -> str:
    return "".join(f"{prefix}{line}" if line.strip() else line for line in text.splitlines(True))


def _scan_rule_paths(config_path: str | None) -> list[str]:
    """The rule paths a scan would load: the built-in rules, then the config's rules.paths."""
    config = _load_config(config_path, checked=True)
    return [str(builtin_rules_dir()), *(str(p) for p in config.rule_paths)]


@rules.command("validate")
@_debug_option
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@_config_option
def rules_validate(paths: tuple[str, ...], config_path: str | None) -> None:
    """Check rule files (or folders of them); exit 2 on any problem.

    Without PATH, checks the rules a scan would run (built-in plus the config's rules.paths).
    A custom rule whose id or name clashes with a built-in rule is a problem too.
    """
    loaded, problems = _load_each(paths or _scan_rule_paths(config_path))
    for rule in loaded:
        click.echo(printable(f"ok: {rule.source}: {rule.id} {rule.name}"))
    for problem in problems:
        click.echo(f"lslint: error: {printable(problem)}", err=True)
    click.echo(f"{len(loaded)} valid, {len(problems)} invalid", err=bool(problems))
    sys.exit(EXIT_ERROR if problems else EXIT_OK)


def _load_each(paths: Sequence[str]) -> tuple[list[Rule], list[str]]:
    """Load every rule file under ``paths``, collecting one problem line per bad file.

    Ids and names are compared without case, and with the built-in rules too: a scan loads
    those alongside, so a clash would stop it.
    """
    loaded: list[Rule] = []
    problems: list[str] = []
    seen: dict[str, Rule] = {}
    # The built-in rules, by content: a copy of one (the checkout's rules/ folder while the
    # installed package holds the same files) is that rule, not a clash with it.
    builtin_files = {p.read_bytes(): p for p in discover_rule_files([builtin_rules_dir()])}
    checked: set[bytes] = set()
    for raw in paths:
        try:
            files = discover_rule_files([Path(raw)])
        except LslintError as exc:
            problems.append(str(exc))
            continue
        if not files:
            problems.append(f"{raw}: no rule files (*.yaml, *.yml) found")
        for path in files:
            try:
                rule = load_rule_file(path)
            except LslintError as exc:
                problems.append(str(exc) + (f" (hint: {exc.hint})" if exc.hint else ""))
                continue
            with contextlib.suppress(LslintError):  # read as safely as it was just loaded
                checked.add(read_text(path, what="rule file", error=InputError).encode())
            try:
                check_unique_keys(rule, seen)  # the same check a scan makes
            except LslintError as exc:
                problems.append(str(exc))
                continue
            loaded.append(rule)
    unchecked = sorted(path for text, path in builtin_files.items() if text not in checked)
    for path in unchecked:  # clashes with built-in rules not checked above
        builtin = load_rule_file(path)
        clashes = {seen[k.lower()].id: seen[k.lower()] for k in (builtin.id, builtin.name)
                   if k.lower() in seen}  # fmt: skip
        problems += [
            f"{rule.location}: rule {rule.id} {rule.name} clashes with the built-in rule "
            f"{builtin.id} {builtin.name} (ids and names must differ in more than case)"
            for rule in sorted(clashes.values(), key=lambda r: r.location)
        ]
        loaded = [rule for rule in loaded if rule.id not in clashes]
    return loaded, problems


@rules.command("test")
@_debug_option
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@_config_option
@click.option("--verbose", "-v", is_flag=True, help="List every test case, passed ones too.")
def rules_test(paths: tuple[str, ...], config_path: str | None, verbose: bool) -> None:
    """Run the tests embedded in rule files.

    Without PATH, tests the rules a scan would run (built-in plus the config's rules.paths).
    """
    loaded, problems = _load_each(paths or _scan_rule_paths(config_path))
    for problem in problems:
        click.echo(f"lslint: error: {printable(problem)}", err=True)
    passed = failed = 0
    for rule in loaded:
        for case in rule.tests:
            failure = case_failure(rule, case)
            if failure is None:
                passed += 1
                if verbose:
                    click.echo(printable(f"ok   {case.doc_line}: {rule.id} '{case.name}' "
                                         f"({case.expect})"))  # fmt: skip
                continue
            failed += 1
            click.echo(printable(f"FAIL {case.doc_line}: {rule.id} '{case.name}': {failure}"))
    click.echo(f"{passed} passed, {failed} failed")
    if problems:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def entry_point() -> None:
    """The ``lslint`` command: one run of the CLI in its own process."""
    tune_for_batch_run()
    main()


if __name__ == "__main__":  # pragma: no cover
    entry_point()
