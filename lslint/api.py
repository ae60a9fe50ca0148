"""The library entry point: the whole scan, from a request to an outcome.

The command line is a thin layer over :func:`run_scan`: it turns its options into a
:class:`ScanRequest`, prints, writes the outcome's texts and exits with its exit code.

    from lslint.api import ScanRequest, run_scan

    outcome = run_scan(ScanRequest(inputs=("examples/fleet.json",), fail_on="high"))
    for finding in outcome.result.findings:
        print(finding.rule_id, finding.resource_name, finding.message)
    print(outcome.gate.describe(), outcome.exit_code)
    print(outcome.report("sarif"))

Neither click nor boto3 is imported here; boto3 only when a live scan starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from lslint import __version__
from lslint.baseline import Baseline, Entry, load_baseline, render_baseline
from lslint.config import (
    Config,
    build_overrides,
    build_suppressor,
    configure_rules,
    is_repository_root,
    load_config,
)
from lslint.engine.evaluate import run
from lslint.engine.loader import (
    distinct_files,
    files_of_rule_path,
    load_rule_files,
    rule_files_at,
)
from lslint.engine.operators import OperandError, check_instant
from lslint.engine.rule import Rule
from lslint.errors import ConfigError, ConfigErrors, LslintError
from lslint.findings import ScanError, ScanResult, Severity
from lslint.gate import Gate, effective_threshold
from lslint.inventory import LIVE_LABEL, Inventory
from lslint.models import RESOURCE_KINDS
from lslint.output import STDOUT, ReadFile, check_outputs, same_file
from lslint.overrides import OverrideTable
from lslint.progress import ProgressLine, retry_notes
from lslint.reporters import render, render_chunks
from lslint.reporters.context import ReportContext, ScanContext
from lslint.sources import Source, collect_all
from lslint.sources.snapshot import STDIN, SnapshotSource, parse_snapshot
from lslint.suppressions import Suppressor
from lslint.triage import rules_that_ran, triage
from lslint.unlisted import refuse_unlisted, unlisted_warnings

if TYPE_CHECKING:
    from lslint.sources.aws import AwsSource
    from lslint.sources.retry import RetryPolicy

__all__ = [
    "LiveOptions",
    "ScanOutcome",
    "ScanRequest",
    "Setup",
    "builtin_rules_dir",
    "evaluate",
    "fetch",
    "prepare",
    "run_scan",
    "scan",
]


def builtin_rules_dir() -> Path:
    """The built-in rules: inside the installed package, or ``rules/`` in a source checkout."""
    packaged = Path(__file__).parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True)
class Setup:
    """The rules a scan runs, their per-resource overrides, and the suppressions it applies.

    Expiry is judged when a scan is evaluated, on the date of its scan time; each
    :func:`evaluate` dates its own copies of the suppressor and override table, which remember
    what matched for that scan's warnings.
    """

    rules: list[Rule]
    suppressor: Suppressor
    rule_files: tuple[Path, ...] = ()  # every rule file read, selected or not
    overrides: OverrideTable = field(default_factory=OverrideTable)


def prepare(
    config: Config | None = None,
    *,
    rule_paths: Sequence[str | Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    builtin: bool = True,
) -> Setup:
    """Built-in rules plus extra rule paths (config, then arguments), selected and configured,
    and the config's suppressions and overrides checked against every loaded rule.

    Raises :class:`ConfigErrors` with every problem of the config (those found when it was
    read, and those that need the rules) and of ``select``/``ignore`` at once.
    """
    config = config or Config()
    problems: list[LslintError] = list(config.problems)
    try:
        loaded = load_rule_files(_rule_files(config, rule_paths, builtin=builtin))
    except LslintError as exc:
        if problems:
            raise ConfigErrors([*problems, exc]) from None
        raise
    rules = loaded  # until configured; on a problem, only used to find more problems
    try:
        rules = configure_rules(loaded, config, select=select, ignore=ignore)
    except LslintError as exc:
        problems.append(exc)
    try:
        suppressor = build_suppressor(config, loaded)
    except LslintError as exc:
        problems.append(exc)
    try:
        overrides = build_overrides(config, loaded, rules)
    except LslintError as exc:
        problems.append(exc)
    if problems:
        raise ConfigErrors(problems)
    if not rules:  # an empty selection would pass every gate: never a silent pass
        raise ConfigError(
            "no rules to run: the selection leaves none",
            hint="check --select/--ignore and rules.select/rules.ignore in the config",
        )
    return Setup(rules, suppressor, tuple(Path(rule.source) for rule in loaded), overrides)


def _rule_files(config: Config, rule_paths: Sequence[str | Path], *, builtin: bool) -> list[Path]:
    """The rule files to load: built-in, the config's rules.paths, then ``rule_paths``; each
    file once, and each path naming at least one (a config's paths located in the file)."""
    seen: set[object] = set()
    files = distinct_files(rule_files_at(builtin_rules_dir()), seen) if builtin else []
    origins = config.rule_path_origins  # none for settings made in code
    for index, path in enumerate(config.rule_paths):
        origin = origins[index] if index < len(origins) else ""
        files += files_of_rule_path(path, origin, seen)
    for given in rule_paths:
        files += files_of_rule_path(given, "", seen)
    return files


def evaluate(
    setup: Setup,
    inventory: Inventory,
    *,
    baseline: Collection[str] | None = None,
    baseline_source: str = "baseline",
    now: datetime | None = None,
) -> ScanResult:
    """Run the rules (with their overrides) on ``inventory``, then triage the findings:
    suppressions, and the fingerprints of a baseline if given. ``now`` (default:
    :func:`scan_time`) is the scan time: conditions about time compare with it, and overrides
    and suppressions expire on its date (UTC)."""
    now = _in_utc(now, "now") if now else scan_time()
    # Rules that could judge nothing the inventory listed: an error, never an empty pass.
    refuse_unlisted(setup.rules, inventory)
    # One moment for both: a scan as of 2028 must not accept what expired in 2027.
    today = now.date()
    overrides = setup.overrides.on(today)
    result = run(setup.rules, inventory, overrides, now=now)
    triage(
        result, inventory, suppressor=setup.suppressor.on(today), overrides=overrides,
        baseline=baseline, baseline_source=baseline_source,
    )  # fmt: skip
    return result


# ---------------------------------------------------------------- the pipeline


@dataclass(frozen=True)
class LiveOptions:
    """Which Lightsail regions and resource kinds a live scan lists, and how. Empty fields
    fall back on the config's ``aws`` section, then on the profile's region and every kind.
    Region and kind lists may also be comma-separated (``("us-east-1,eu-west-1",)``)."""

    regions: tuple[str, ...] = ()
    all_regions: bool = False
    exclude_regions: tuple[str, ...] = ()
    profile: str | None = None
    kinds: tuple[str, ...] = ()  # resource kinds to list, also comma-separated (default: all)
    concurrency: int | None = None  # page chains listed at once (default: all, up to 160)
    progress: TextIO | None = None  # where to draw a progress line (a terminal), if anywhere
    retry_policy: RetryPolicy | None = None  # default: lslint.sources.retry.DEFAULT_POLICY


@dataclass(frozen=True)
class ScanRequest:
    """Everything one scan needs. Without ``inputs`` it is a live scan of AWS (``live``).

    ``baseline`` is a baseline file, or the fingerprints of one already read. ``snapshot``
    and ``write_baseline`` name where the caller will write the outcome's ``snapshot_text``
    and ``baseline_text``; ``outputs`` (``(what, path)`` pairs) lists every file the caller
    will write, so none may replace a file this scan reads.
    """

    inputs: tuple[str | Path | Source, ...] = ()  # snapshot files, '-' for stdin, or sources
    live: LiveOptions | None = None
    config: Config | str | Path | None = None  # settings, or the config file to read
    rule_paths: tuple[str | Path, ...] = ()  # rule files or folders besides the built-ins
    select: tuple[str, ...] = ()  # selectors as for --select (ids, names, tag:NAME, controls)
    ignore: tuple[str, ...] = ()
    baseline: str | Path | frozenset[str] | None = None
    fail_on: str | None = None  # severity name or "never" (default: config, else low)
    snapshot: str | None = None  # live scans: save what was fetched (and scan the saved file)
    write_baseline: str | None = None  # record the findings as a baseline instead of gating
    outputs: tuple[tuple[str, str], ...] = ()
    # The scan time: what rules about time compare with, and what reports show.
    started_at: datetime | None = None  # default: now, or SOURCE_DATE_EPOCH
    root: Path | None = None  # report paths are relative to it (default: report_root())
    base: Path | None = None  # where relative input paths start (default: the working folder)

    def __post_init__(self) -> None:
        # A bare string where a tuple belongs would be read one character at a time.
        for name in ("inputs", "rule_paths", "select", "ignore", "outputs"):
            if isinstance(getattr(self, name), str | Path):
                raise ConfigError(f"ScanRequest.{name} must be a tuple, not a single value")


@dataclass(frozen=True)
class ScanOutcome:
    """What a scan found, the gate's verdict on it and the texts the caller may write."""

    result: ScanResult
    threshold: Severity | None  # the effective --fail-on; None: never
    gate: Gate
    context: ReportContext  # what every report of this scan is rendered with
    notes: tuple[str, ...] = ()  # live scans: one per region that had to retry
    snapshot_text: str | None = None  # live scans with ``snapshot``: what was fetched
    # With ``write_baseline``: the findings as a baseline; None when the scan is incomplete,
    # since a baseline recorded from a partial scan would hide findings later.
    baseline_text: str | None = None
    # Entries of the baseline being refreshed in place that ``baseline_text`` kept, because
    # their rules did not run in this scan.
    baseline_kept: int = 0

    @property
    def exit_code(self) -> int:
        return self.gate.exit_code

    @property
    def warnings(self) -> list[str]:
        return self.result.warnings

    def report(self, fmt: str, *, color: bool = False) -> str:
        """The report in one of ``lslint.reporters.FORMATS``."""
        return render(fmt, self.result, replace(self.context, color=color))

    def report_chunks(self, fmt: str, *, color: bool = False) -> Iterator[str]:
        """The text of :meth:`report` in pieces, made as they are read: for writing a large
        report to a file without holding all of it (``lslint.output.write_all`` takes them)."""
        return render_chunks(fmt, self.result, replace(self.context, color=color))


def run_scan(request: ScanRequest) -> ScanOutcome:
    """Load the config and rules, read the baseline, collect the resources (snapshots or
    AWS), evaluate, triage and gate: the whole scan, without printing or writing anything.

    Raises :class:`lslint.errors.LslintError` (every problem of the config, rules and
    selection at once) when the scan cannot start.
    """
    started_at = _in_utc(request.started_at, "started_at") if request.started_at else scan_time()
    if request.inputs and (request.live is not None or request.snapshot):
        raise ConfigError("live options and a snapshot to save apply only without inputs")
    config = read_config(request.config)
    threshold = effective_threshold(request.fail_on, config.fail_on)
    setup = prepare(
        config,
        rule_paths=request.rule_paths,
        select=split(request.select, "--select"),
        ignore=split(request.ignore, "--ignore"),
    )
    check_outputs(request.outputs, _files_read(request, config, setup))
    known, baseline_source = _baseline(request.baseline)

    live = None
    if not request.inputs:
        live = live_source(config, request.live or LiveOptions())
        # The kinds a live scan lists are known before it lists them: a selection that could
        # judge none of them is refused before anything is fetched.
        asked = Inventory(listed={LIVE_LABEL: live.kind_names})
        refuse_unlisted(setup.rules, asked)
    collected = _collect(request, config, started_at, live)
    inventory = collected.inventory
    if request.select or config.select:  # a selection the user made: say what it left idle
        inventory.warnings += unlisted_warnings(setup.rules, inventory)
    result = evaluate(
        setup, inventory, baseline=known, baseline_source=baseline_source, now=started_at
    )

    context = ReportContext(
        fail_on=threshold,
        root=request.root or report_root(),
        base=request.base or Path.cwd(),
        scan=scan_context(inventory, started_at, inputs=request.inputs, regions=collected.regions),
        recording_baseline=bool(request.write_baseline),
    )
    baseline_text, kept = None, []
    if request.write_baseline and not result.indeterminate:
        kept = _kept_entries(request, known, result, inventory)
        baseline_text = render_baseline(
            result, lslint_version=__version__, created_at=started_at, kept=kept
        )
    return ScanOutcome(
        result,
        threshold,
        context.gate(result),
        context,
        notes=collected.notes,
        snapshot_text=collected.snapshot_text,
        baseline_text=baseline_text,
        baseline_kept=len(kept),
    )


@dataclass(frozen=True)
class _Collected:
    inventory: Inventory
    regions: tuple[str, ...] = ()  # listed (live scans)
    notes: tuple[str, ...] = ()
    snapshot_text: str | None = None


def _collect(
    request: ScanRequest, config: Config, started_at: datetime, live: AwsSource | None = None
) -> _Collected:
    """The resources to scan: from the inputs, else from AWS (``live``, made from the
    request's live options if not given) and saved, if asked."""
    if request.inputs:
        sources: list[Source] = [
            SnapshotSource(str(i)) if isinstance(i, (str, Path)) else i for i in request.inputs
        ]
        return _Collected(collect_all(sources))
    source = live or live_source(config, request.live or LiveOptions())
    inventory = source.collect()
    notes, regions = tuple(retry_notes(source.retries)), tuple(source.regions)
    if not request.snapshot:
        return _Collected(inventory, regions, notes)
    text = snapshot_text_of(source, inventory.errors, started_at)
    if request.snapshot != STDIN:
        # Scan what is saved, so findings point into the snapshot file (SARIF, GitHub).
        inventory = parse_snapshot(text, request.snapshot)
    return _Collected(inventory, regions, notes, text)


def scan(
    inputs: Sequence[str | Path | Source],
    *,
    config: Config | None = None,
    rule_paths: Sequence[str | Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    baseline: Collection[str] | None = None,
) -> ScanResult:
    """The result of :func:`run_scan` on snapshot files (paths, or ``-`` for stdin) or other
    sources. ``baseline`` is a set of fingerprints whose findings do not count."""
    for name, value in (("inputs", inputs), ("select", select), ("ignore", ignore)):
        if isinstance(value, str | Path):
            raise ConfigError(f"scan(): {name} must be a list, not a single value")
    request = ScanRequest(
        inputs=tuple(inputs),
        config=config,
        rule_paths=tuple(rule_paths),
        select=tuple(select),
        ignore=tuple(ignore),
        baseline=frozenset(baseline) if baseline is not None else None,
    )
    return run_scan(request).result


@dataclass(frozen=True)
class FetchOutcome:
    """A live fetch saved as a snapshot."""

    snapshot_text: str
    counts: dict[str, int]  # resources listed, by kind name (zeros included)
    regions: tuple[str, ...]
    errors: tuple[ScanError, ...]  # regions that could not be listed (also in the snapshot)
    notes: tuple[str, ...] = ()  # one per region that had to retry

    @property
    def exit_code(self) -> int:
        return 2 if self.errors else 0


def fetch(
    live: LiveOptions,
    *,
    config: Config | Path | None = None,
    started_at: datetime | None = None,
    outputs: Sequence[tuple[str, str]] = (),
) -> FetchOutcome:
    """List resources from AWS and render them as a snapshot, to scan later. ``outputs``:
    the ``(what, path)`` files the caller will write, which may not replace the config."""
    started_at = started_at or scan_time()
    settings = read_config(config)
    if settings.problems:
        raise ConfigErrors(settings.problems)
    if settings.source:  # the only file a fetch reads
        check_outputs(
            outputs, [ReadFile(f"the config file {settings.source}", Path(settings.source))]
        )
    source = live_source(settings, live)
    source.unused_as = "saved"  # a kind listed in part is left out of the snapshot
    inventory = source.collect()
    return FetchOutcome(
        snapshot_text_of(source, inventory.errors, started_at),
        source.counts(inventory),
        tuple(source.regions),
        tuple(inventory.errors),
        tuple(retry_notes(source.retries)),
    )


def split(values: Sequence[str], option: str) -> list[str]:
    """Repeated values that may also be comma-separated lists (``LS001,LS002``).

    A value that names nothing (``--region ""`` from an unset variable, ``--select ,``) is an
    error rather than no value: taken as "the default", it would scan or select what the user
    did not ask for without saying so."""
    parts: list[str] = []
    for value in values:
        named = [part.strip() for part in value.split(",") if part.strip()]
        if not named:
            raise ConfigError(
                f"{option} {value!r} names nothing",
                hint=f"leave {option} out for the default, or give it a value",
            )
        parts += named
    return parts


def read_config(config: Config | str | Path | None) -> Config:
    """``config`` itself, the settings of the file it names, or none. Problems found in the
    file are kept in ``Config.problems``: :func:`prepare` reports them with the rules'."""
    if isinstance(config, str | Path):
        return load_config(Path(config))
    return config or Config()


def _baseline(
    baseline: str | Path | frozenset[str] | None,
) -> tuple[Collection[str] | None, str]:
    """The fingerprints of the baseline, and what to call it in warnings."""
    if baseline is None:
        return None, ""
    if isinstance(baseline, (str, Path)):
        return load_baseline(Path(baseline)), str(baseline)
    return baseline, "baseline"


def _kept_entries(
    request: ScanRequest, known: Collection[str] | None, result: ScanResult, inventory: Inventory
) -> list[Entry]:
    """The entries to keep when ``write_baseline`` replaces the baseline that was read: those
    of rules this scan did not run (a narrower scan, ``--select``, or inputs that do not list
    a rule's kind), which it could not judge. A baseline written anywhere else records only
    this scan's findings."""
    if not isinstance(known, Baseline) or request.write_baseline == STDOUT:
        return []
    if not _refreshes_baseline(request):
        return []
    return known.entries_not_of(rules_that_ran(result, inventory))


def _refreshes_baseline(request: ScanRequest) -> bool:
    """Whether the baseline written is the file of the baseline that was read."""
    baseline, target = request.baseline, request.write_baseline
    if not target or not isinstance(baseline, (str, Path)):
        return False
    return same_file(baseline, target)


def _files_read(request: ScanRequest, config: Config, setup: Setup) -> list[ReadFile]:
    """Every file this scan reads: no output may replace one of them."""
    read = [
        ReadFile(f"the input file {p}", None if p == STDIN else Path(p))
        for p in request.inputs
        if isinstance(p, (str, Path))
    ]
    baseline = request.baseline
    if isinstance(baseline, (str, Path)) and not _refreshes_baseline(request):
        read.append(ReadFile(f"the baseline {baseline}", Path(baseline)))  # else refreshed
    if config.source:
        read.append(ReadFile(f"the config file {config.source}", Path(config.source)))
    read += [ReadFile(f"the rule file {path}", path) for path in setup.rule_files]
    return read


def live_source(config: Config, live: LiveOptions) -> AwsSource:
    """The live source: regions, exclusions and profile from ``live``, else the config."""
    if live.regions and live.all_regions:
        raise ConfigError("--region and --all-regions cannot be used together")
    settings = config.aws
    origins: dict[str, str] = {}
    if live.regions or live.all_regions:  # the caller chooses the regions; the config's unused
        chosen, every = split(live.regions, "--region"), live.all_regions
    else:
        chosen, every = settings.regions, settings.all_regions
        origins.update(_origins(config, "regions", chosen))
    excluded = split(live.exclude_regions, "--exclude-region")
    if excluded and not every:
        raise ConfigError(
            "--exclude-region applies only with --all-regions",
            hint="name the regions to list with --region instead",
        )
    if every and not excluded:
        excluded = settings.exclude_regions
        origins.update(_origins(config, "exclude_regions", excluded))
    kinds = split(live.kinds, "--kind")
    if not kinds:
        kinds = settings.kinds
        origins.update(_origins(config, "kinds", kinds))
    # Imported here so that offline scans and library users never load boto3.
    from lslint.sources.aws import MAX_CONCURRENCY, AwsSource  # noqa: PLC0415

    return AwsSource(
        chosen,
        all_regions=every,
        exclude=excluded,
        profile=live.profile or settings.profile,
        concurrency=live.concurrency or MAX_CONCURRENCY,
        progress=ProgressLine(live.progress) if live.progress is not None else None,
        origins=origins,
        retry_policy=live.retry_policy,
        kinds=kinds,
    )


def _origins(config: Config, key: str, names: Sequence[str]) -> dict[str, str]:
    """Where each region or kind name of ``aws.KEY`` is in the config file, for messages."""
    return {name: config.where(("aws", key, index)) for index, name in enumerate(names)}


def snapshot_text_of(source: AwsSource, errors: Sequence[ScanError], created_at: datetime) -> str:
    from lslint.sources.snapshot import render_snapshot  # noqa: PLC0415

    return render_snapshot(
        source.raw_resources,
        regions=source.regions,
        errors=list(errors),
        lslint_version=__version__,
        created_at=created_at,
    )


def report_root() -> Path:
    """The folder report paths are relative to: the GitHub workspace when lslint runs inside
    it, else the repository lslint runs in (found upwards, as the config is), else here."""
    here = Path.cwd()
    workspace = os.environ.get("GITHUB_WORKSPACE", "")
    if workspace and here.is_relative_to(Path(workspace).resolve()):
        return Path(workspace).resolve()
    # os.path.exists: a folder that may not be searched holds no marker (Path.exists raises).
    marked = (f for f in (here, *here.parents) if is_repository_root(f))
    return next(marked, here)


def scan_time() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so reports can be reproduced byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(UTC).replace(microsecond=0)
    # ASCII digits only, as `date +%s` prints them: int() would also take a sign, "1_000"
    # and other scripts' digits.
    if not re.fullmatch(r"[0-9]+", epoch):
        raise ConfigError(
            f"SOURCE_DATE_EPOCH must be whole seconds since 1970 (an integer of at least 0), "
            f"not {epoch!r}"
        )
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        raise ConfigError(
            f"SOURCE_DATE_EPOCH {epoch!r} is out of range: after the year 9999"
        ) from None


def _in_utc(moment: datetime, name: str) -> datetime:
    """A scan time given by the caller, in UTC (the date expiry is judged on is UTC's). A time
    without a zone is UTC's, as ``--now`` and the resources' times read one: never the
    machine's zone, which would move expiry from one machine to another."""
    try:
        return check_instant(moment)
    except OperandError as exc:  # outside the years UTC can hold
        raise ConfigError(f"{name} {moment.isoformat()}: {exc}") from None


def scan_context(
    inventory: Inventory,
    started_at: datetime,
    *,
    inputs: Sequence[str | Path | Source],
    regions: Sequence[str],
) -> ScanContext:
    """What was scanned: the inputs, and the regions and accounts listed or seen."""
    seen_regions = {r.region for r in inventory.resources if r.region}
    accounts = {parts[4] for r in inventory.resources if len(parts := r.arn.split(":")) > 4}
    unlisted = set(inventory.unlisted(RESOURCE_KINDS))
    return ScanContext(
        started_at=started_at,
        kinds=tuple(name for name in RESOURCE_KINDS if name not in unlisted),
        inputs=tuple(sorted(str(i) for i in inputs if isinstance(i, (str, Path)))),
        regions=tuple(sorted(set(regions) | seen_regions)),
        accounts=tuple(sorted(a for a in accounts if a)),
    )
