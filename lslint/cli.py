"""The command line. The only module that prints, reads options or exits.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 the scan could
not be trusted (bad input, rules or config, source errors, indeterminate evaluations).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from lslint import __version__
from lslint.api import Setup, builtin_rules_dir, prepare
from lslint.baseline import apply_baseline, parse_baseline, render_baseline
from lslint.config import Config, find_config, load_config
from lslint.engine.evaluate import judge, run
from lslint.engine.loader import discover_rule_files, load_rule_file
from lslint.engine.rule import Rule
from lslint.errors import ConfigError, InputError, LslintError
from lslint.findings import ScanError, ScanResult, Severity
from lslint.gctune import tune_for_batch_run
from lslint.inventory import Inventory
from lslint.progress import ProgressLine, retry_notes
from lslint.reporters.escape import printable
from lslint.reporters.github import render_github
from lslint.reporters.json import render_json
from lslint.reporters.junit import render_junit
from lslint.reporters.markdown import render_markdown
from lslint.reporters.sarif import render_sarif
from lslint.reporters.text import render_text
from lslint.sources import collect_all
from lslint.sources.snapshot import STDIN, SnapshotSource, parse_snapshot
from lslint.suggest import suggest
from lslint.yamldoc import read_text

if TYPE_CHECKING:
    from lslint.sources.aws import AwsSource

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON_CHOICES = [s.value for s in Severity] + ["never"]
DEFAULT_FAIL_ON = "low"


FORMATS = ["text", "json", "sarif", "junit", "markdown", "github"]


def _render(fmt: str, result: ScanResult, *, color: bool = False) -> str:
    root = Path.cwd()  # report paths are relative to where lslint runs (the repository)
    if fmt == "json":
        return render_json(result)
    if fmt == "sarif":
        return render_sarif(result, root=root)
    if fmt == "junit":
        return render_junit(result)
    if fmt == "markdown":
        return render_markdown(result)
    if fmt == "github":
        return render_github(result, root=root)
    return render_text(result, color=color)


def _parse_reports(values: Sequence[str]) -> list[tuple[str, str]]:
    """``--report FORMAT=PATH`` values, checked."""
    reports = []
    for value in values:
        fmt, separator, path = value.partition("=")
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
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except LslintError as exc:
            _fail(exc, debug)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("lslint: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - last line of defence: no tracebacks
            if debug:
                traceback.print_exc()
            click.echo(
                f"lslint: internal error: {type(exc).__name__}: {printable(str(exc))}", err=True
            )
            click.echo("hint: run with --debug for details, and please report this", err=True)
            sys.exit(EXIT_ERROR)


def _fail(exc: LslintError, debug: bool) -> NoReturn:
    if debug:
        traceback.print_exc()
    click.echo(f"lslint: error: {printable(str(exc))}", err=True)
    if exc.hint:
        click.echo(f"hint: {exc.hint}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(cls=LslintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lslint")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """lslint: a security and compliance linter for Amazon Lightsail."""


def _split(values: Sequence[str]) -> list[str]:
    """Repeated options that also accept comma-separated lists (``--select LS001,LS002``)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _load_config(path: str | None) -> Config:
    found = find_config(path, Path.cwd())
    return load_config(found) if found else Config()


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
    "--config", "config_path", metavar="PATH", help="Config file (default: ./.lslint.yaml)."
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
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")  # fmt: skip
@click.option("--output", "-o", metavar="PATH", help="Write the report here instead of stdout.")
@click.option(
    "--report", "reports", multiple=True, metavar="FORMAT=PATH",
    help="Also write a report in FORMAT to PATH (repeatable), e.g. sarif=lslint.sarif.",
)  # fmt: skip
@click.option(
    "--fail-on", type=click.Choice(FAIL_ON_CHOICES), default=None,
    help=f"Lowest severity that makes the exit code 1 (default: config, else {DEFAULT_FAIL_ON}).",
)  # fmt: skip
@click.option("--snapshot", metavar="PATH", help="Live scans: also save what was fetched here.")
@click.option(
    "--baseline", metavar="PATH", help="Only findings not in this baseline count toward --fail-on."
)
@click.option(
    "--write-baseline",
    metavar="PATH",
    help="Record the current findings' fingerprints as a baseline.",
)
@click.option("--color/--no-color", default=None, help="Colour text output (default: on a TTY).")
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

    Without --input, lists instances from AWS with the standard credential chain.
    """
    if inputs:
        live_only = {"--region": regions, "--all-regions": all_regions,
                     "--exclude-region": exclude_regions, "--profile": profile,
                     "--snapshot": snapshot}  # fmt: skip
        for option, given in live_only.items():
            if given:
                raise ConfigError(f"{option} applies to live scans and cannot be used with --input")
        if inputs.count(STDIN) > 1:
            raise ConfigError("'--input -' (standard input) can be given only once")
    extra_reports = _parse_reports(reports)
    outputs = [("--output", output), ("--snapshot", snapshot), ("--write-baseline", write_baseline)]
    outputs += [(f"--report {f}", p) for f, p in extra_reports]
    _check_outputs(outputs, [*inputs, *([baseline] if baseline else [])])
    config = _load_config(config_path)
    setup = _setup(config, rule_paths, select, ignore)
    known = (
        parse_baseline(read_text(Path(baseline), what="baseline", error=InputError), baseline)
        if baseline
        else None
    )

    if inputs:
        inventory = collect_all([SnapshotSource(path) for path in inputs])
    else:
        source = _aws_source(
            config, regions, all_regions, exclude_regions, profile, concurrency, quiet
        )
        inventory = _collect_live(source, quiet)
        if snapshot:
            text = _snapshot_text(source, inventory.errors)
            write_atomic(Path(snapshot), text)
            # Scan what was saved, so findings point into the snapshot file (SARIF, GitHub).
            inventory = parse_snapshot(text, snapshot)
    result = run(setup.rules, inventory, setup.suppressor)
    if known is not None:
        apply_baseline(result, known)
    if fmt != "text" or output:  # the text report shows warnings itself
        for warning in result.warnings:
            click.echo(f"lslint: warning: {printable(warning)}", err=True)
    if write_baseline:
        stamp = datetime.now(UTC).replace(microsecond=0)
        write_atomic(
            Path(write_baseline),
            render_baseline(result, lslint_version=__version__, created_at=stamp),
        )

    threshold_name = fail_on or config.fail_on or DEFAULT_FAIL_ON
    threshold = None if threshold_name == "never" else Severity(threshold_name)
    for report_format, path in extra_reports:
        write_atomic(Path(path), _render(report_format, result))
    use_color = _use_color(color) and not output
    report = _render(fmt, result, color=use_color)
    if output:
        write_atomic(Path(output), report)
    else:
        click.echo(report, nl=False, color=use_color)
    sys.exit(result.exit_code(threshold))


@main.command()
@_with_options(_region_options)
@_config_option
@click.option("--output", "-o", required=True, metavar="PATH", help="Where to write the snapshot.")
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
    """Save a snapshot of Lightsail instances from AWS, to scan later with --input.

    Regions, excluded regions and the profile come from the options, else from the config's
    'aws' section. Regions that could not be listed are recorded in the snapshot (a scan of
    it exits 2) and make this command exit 2.
    """
    config = _load_config(config_path)
    source = _aws_source(config, regions, all_regions, exclude_regions, profile, concurrency, quiet)
    inventory = _collect_live(source, quiet)
    write_atomic(Path(output), _snapshot_text(source, inventory.errors))
    for error in inventory.errors:
        click.echo(f"lslint: error: {printable(error.describe())}", err=True)
    count = len(inventory.resources)
    click.echo(
        f"wrote {output}: {count} instance{'s' if count != 1 else ''} from "
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


def _snapshot_text(source: AwsSource, errors: Sequence[ScanError]) -> str:
    from lslint.sources.snapshot import render_snapshot  # noqa: PLC0415

    return render_snapshot(
        source.raw_instances,
        regions=source.regions,
        errors=list(errors),
        lslint_version=__version__,
        created_at=datetime.now(UTC).replace(microsecond=0),
    )


def _use_color(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _check_outputs(outputs: Sequence[tuple[str, str | None]], inputs: Sequence[str]) -> None:
    """Refuse an output path that would overwrite an input file or another output."""
    seen: dict[Path, str] = {}
    for path in inputs:
        if path != STDIN:
            seen[Path(path).resolve()] = f"the input file {path}"
    for option, target in outputs:
        if not target:
            continue
        resolved = Path(target).resolve()
        if resolved in seen:
            raise ConfigError(f"{option} {target} would overwrite {seen[resolved]}")
        seen[resolved] = f"the file of {option}"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half-written."""
    directory = path.parent if str(path.parent) else Path()
    try:
        directory.mkdir(parents=True, exist_ok=True)  # reports/junit.xml: make reports/
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror}", where=str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # mkstemp creates the file 0600; give it the mode a plain write would have.
        Path(temp).chmod(_file_mode(path))
        Path(temp).replace(path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise InputError(f"cannot write output: {exc.strerror}", where=str(path)) from None


def _file_mode(path: Path) -> int:
    """An existing file's mode, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# ---------------------------------------------------------------- rules


@main.group()
def rules() -> None:
    """List, show, validate and test rules."""


@rules.command("list")
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
            f"{rule.id:<{id_width}}  {rule.name:<{name_width}}  {rule.severity.value:<8}  "
            f"{rule.title}"
        )


@rules.command("show")
@click.argument("rule_id", metavar="ID")
@_config_option
@_rules_option
def rules_show(rule_id: str, config_path: str | None, rule_paths: tuple[str, ...]) -> None:
    """Show one rule (by id or name) in full."""
    loaded = _setup(_load_config(config_path), rule_paths, (), ()).rules
    rule = next((r for r in loaded if rule_id in (r.id, r.name)), None)
    if rule is None:
        keys = [key for r in loaded for key in (r.id, r.name)]
        raise ConfigError(
            f"no rule '{rule_id}'" + suggest(rule_id, keys), hint="see 'lslint rules list'"
        )
    click.echo(f"{rule.id} {rule.name} ({rule.severity.value})")
    click.echo(rule.title)
    click.echo("")
    click.echo(rule.description)
    if rule.params:
        click.echo("\nParameters:")
        for name, spec in rule.params.items():
            value = rule.param_values[name]
            click.echo(f"  {name} ({spec.type}) = {value!r}: {spec.description}")
    click.echo(f"\nRemediation: {rule.remediation_text}")
    if rule.remediation_cli is not None:
        click.echo(f"  {rule.remediation_cli.source}")
    for reference in rule.references:
        click.echo(f"Reference: {reference}")
    click.echo(f"Source: {rule.source}")


@rules.command("validate")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
def rules_validate(paths: tuple[str, ...]) -> None:
    """Check rule files (or folders of them); exit 2 on any problem."""
    loaded, problems = _load_each(paths)
    for rule in loaded:
        click.echo(f"ok: {rule.source}: {rule.id} {rule.name}")
    for problem in problems:
        click.echo(f"lslint: error: {printable(problem)}", err=True)
    click.echo(f"{len(loaded)} valid, {len(problems)} invalid", err=bool(problems))
    sys.exit(EXIT_ERROR if problems else EXIT_OK)


def _load_each(paths: Sequence[str]) -> tuple[list[Rule], list[str]]:
    """Load every rule file under ``paths``, collecting one problem line per bad file."""
    loaded: list[Rule] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
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
            clash = seen.get(rule.id) or seen.get(rule.name)
            if clash:
                problems.append(f"{rule.source}: duplicate rule id or name {rule.id} {rule.name} "
                                f"(also in {clash})")  # fmt: skip
                continue
            seen[rule.id] = seen[rule.name] = rule.source
            loaded.append(rule)
    return loaded, problems


@rules.command("test")
@click.argument("paths", nargs=-1, metavar="[PATH...]")
def rules_test(paths: tuple[str, ...]) -> None:
    """Run the tests embedded in rule files (default: the built-in rules)."""
    loaded, problems = _load_each(paths or (str(builtin_rules_dir()),))
    for problem in problems:
        click.echo(f"lslint: error: {printable(problem)}", err=True)
    passed = failed = 0
    for rule in loaded:
        for case in rule.tests:
            verdict = judge(rule.bind(case.params), case.resource)
            if verdict.status == case.expect:
                passed += 1
                continue
            failed += 1
            detail = f": {verdict.message}" if verdict.message else ""
            click.echo(
                f"FAIL {case.doc_line}: {rule.id} '{case.name}': expected {case.expect}, "
                f"got {verdict.status}{printable(detail)}"
            )
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
