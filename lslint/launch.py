"""The ``lslint`` command's first code, before anything heavy is imported.

Ctrl-C while Python is still importing lslint would otherwise end in a traceback: until the
command's own handlers exist, an interrupt ends the run quietly with the usual exit code.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _interrupted_early(_signum: int, _frame: FrameType | None) -> None:
    sys.stderr.write("lslint: interrupted\n")
    sys.stderr.flush()
    os._exit(130)  # nothing is open yet that needs closing


def _print_version() -> None:
    """What ``--version`` prints, without importing the command line: a check that lslint is
    installed should not pay for loading all of it. Failing writes end as the other commands'
    do."""
    from lslint import __version__  # noqa: PLC0415 - imported under the guard

    try:
        sys.stdout.write(f"lslint, version {__version__}\n")
        sys.stdout.flush()
    except OSError as exc:
        from lslint.output import discard_stdout  # noqa: PLC0415 - only when writing failed

        discard_stdout()
        if isinstance(exc, BrokenPipeError):  # the reader went away: not ours
            return
        sys.stderr.write(f"lslint: error: cannot write to standard output: {exc.strerror}\n")
        sys.exit(2)


def main() -> None:
    """The console script: guard the imports, then run the command line."""
    signal.signal(signal.SIGINT, _interrupted_early)
    if sys.argv[1:] == ["--version"]:
        _print_version()
        return
    from lslint.cli import entry_point  # noqa: PLC0415 - imported under the guard

    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C handling takes over
    entry_point()
