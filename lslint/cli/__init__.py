"""The command line. The only part of lslint that prints, reads options or exits.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 the scan could
not be trusted (bad input, rules or config, source errors, indeterminate evaluations).

Commands are imported when they run, so that ``lslint --version`` loads neither the engine
nor the reporters.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from lslint import __version__
from lslint.cli.options import DEBUG, GITHUB_ERRORS, debug_option, printable
from lslint.errors import LslintError
from lslint.gate import EXIT_ERROR
from lslint.gctune import skip_collection_at_exit, tune_for_batch_run
from lslint.output import ForgivingStream
from lslint.output import discard_stdout as _discard_stdout
from lslint.wording import plural

MAX_ERRORS_SHOWN = 20  # a config with more problems than this is likely the wrong file
COMMANDS = {  # name: module and attribute, imported when the command is asked for
    "scan": ("lslint.cli.scan", "scan"),
    "fetch": ("lslint.cli.scan", "fetch"),
    "rules": ("lslint.cli.rules", "rules"),
}


class LslintGroup(click.Group):
    """Turns every lslint error into one line on stderr and exit code 2, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

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
        except BrokenPipeError:  # the reader went away (`lslint rules list | head`): not ours
            _discard_stdout()
            sys.exit(0)
        except OSError as exc:
            if exc.filename is not None:
                _fail_on_file(exc, ctx)
            _discard_stdout()  # standard output itself: full disk, closed descriptor
            click.echo(f"lslint: error: cannot write to standard output: {exc.strerror}",
                       err=True)  # fmt: skip
            sys.exit(EXIT_ERROR)
        except Exception as exc:  # noqa: BLE001 - last line of defence: no tracebacks
            if ctx.meta.get(DEBUG):
                traceback.print_exc()
            from lslint.redact import redact  # noqa: PLC0415

            message = printable(redact(str(exc)))  # an exception may quote an endpoint URL
            click.echo(f"lslint: internal error: {type(exc).__name__}: {message}", err=True)
            click.echo("hint: run with --debug for details, and please report this", err=True)
            sys.exit(EXIT_ERROR)


def _fail_on_file(exc: OSError, ctx: click.Context) -> NoReturn:
    """A file the system refused where lslint did not expect it: still one error line
    naming the file and the system's reason (the traceback only with --debug)."""
    if ctx.meta.get(DEBUG):
        traceback.print_exc()
    name = exc.filename
    where = os.fsdecode(name) if isinstance(name, str | bytes) else str(name)
    click.echo(f"lslint: error: {printable(where)}: {exc.strerror or exc}", err=True)
    sys.exit(EXIT_ERROR)


def _fail(exc: LslintError, ctx: click.Context) -> NoReturn:
    """One ``lslint: error:`` line per problem (up to a cap), each with its hint."""
    if ctx.meta.get(DEBUG):
        traceback.print_exc()
    problems = exc.problems
    for problem in problems[:MAX_ERRORS_SHOWN]:
        if ctx.meta.get(GITHUB_ERRORS):  # -f github: the error also annotates its file
            from lslint.api import report_root  # noqa: PLC0415
            from lslint.reporters.github import error_annotation  # noqa: PLC0415

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
        click.echo(f"lslint: error: ... and {plural(hidden, 'more problem')}",
                   err=True)  # fmt: skip
    sys.exit(EXIT_ERROR)


@click.group(cls=LslintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lslint")
@debug_option
def main() -> None:
    """lslint: a security and compliance linter for Amazon Lightsail."""


def entry_point() -> None:
    """The ``lslint`` command: one run of the CLI in its own process."""
    tune_for_batch_run()
    # CI cancels a job with SIGTERM: end the run the way Ctrl-C does, so a write in progress
    # removes its temporary file instead of leaving it behind.
    signal.signal(signal.SIGTERM, _terminate)
    sys.stderr = ForgivingStream(sys.stderr)  # a lost stderr must not change the exit code
    try:
        main()
    finally:  # every report is written and closed by now; the process is about to end
        skip_collection_at_exit()


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
