"""Writing reports, snapshots and baselines without destroying anything.

A regular file (or a new path) is replaced atomically: a temporary file beside it, then a
rename, so a reader never sees half a report and an interrupted run leaves no temporary file.
Anything else that already exists (``/dev/null``, ``/dev/stdout``, a FIFO, a terminal) is
written directly: renaming over a device node would replace the device itself, which as root
turns ``/dev/null`` into a file. A symbolic link to a regular file keeps being a link: its
target is replaced.

No output may overwrite a file that the same run reads (an input, a rule, the config, the
baseline, or a file redirected to standard input), however the path is spelled: symbolic
links, ``..`` and hard links all lead to the same file identity.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lslint.errors import OutputError

STDOUT = "-"


@dataclass(frozen=True)
class ReadFile:
    """A file this run reads, with what to call it in an error."""

    what: str  # "the input file x.json", "the config file .lslint.yaml", ...
    path: Path | None  # None: standard input


def _resolved(path: Path) -> Path:
    """``path`` made absolute, through symbolic links where they lead somewhere."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop (RuntimeError before Python 3.13)
        return Path(os.path.abspath(path))  # noqa: PTH100 - resolve() is what failed


def same_file(first: str | Path, second: str | Path) -> bool:
    """Whether two spellings name one file (links, ``..`` and hard links included)."""
    a, b = Path(first), Path(second)
    identity = _identity(a)
    return _resolved(a) == _resolved(b) or (identity is not None and identity == _identity(b))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def _stdin_identity() -> tuple[int, int] | None:
    try:
        info = os.fstat(0)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def check_outputs(outputs: Sequence[tuple[str, str | None]], read: Iterable[ReadFile]) -> None:
    """Refuse an output that is a file this run reads, or the same file as another output."""
    taken: dict[object, str] = {}
    for item in read:
        identity = _stdin_identity() if item.path is None else _identity(item.path)
        if identity is not None:
            taken[identity] = item.what
        if item.path is not None:
            taken[_resolved(item.path)] = item.what
    for option, target in outputs:
        if not target or target == STDOUT:
            continue
        path = Path(target)
        if _exists(path) and not path.is_file():
            continue  # a device or FIFO: written directly, and nothing is replaced
        for key in (_identity(path), _resolved(path)):
            if key is not None and key in taken:
                raise OutputError(f"{option} {target} would overwrite {taken[key]}")
        for key in (_identity(path), _resolved(path)):
            if key is not None:
                taken[key] = f"the file of {option}"


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a symbolic link loop, on some Python versions
        return True


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path``: atomically for regular files, directly for anything else."""
    write_all([(str(path), text)])


def write_all(outputs: Sequence[tuple[str, str]]) -> None:
    """Write every ``(target, text)``, or, as far as the system allows, none of them.

    Regular files are first staged as temporary files beside their targets; only when every
    one is staged are they renamed into place. So a report that cannot be written (a full
    disk, a missing permission) leaves no other report claiming a verdict the run did not
    reach. Devices and FIFOs are written next, standard output (``-``) last.
    """
    staged: list[tuple[Path, Path]] = []  # (temporary file, target)
    in_place: list[tuple[Path, str]] = []
    to_stdout: list[str] = []
    try:
        for target, text in outputs:
            if target == STDOUT:
                to_stdout.append(text)
            elif _is_special(Path(target)):
                in_place.append((Path(target), text))
            else:
                path = Path(target)
                final = _resolved(path) if path.is_symlink() else path
                staged.append((_stage(final, text), final))
        for temp, final in staged:
            try:
                temp.replace(final)
            except OSError as exc:
                raise OutputError(
                    f"cannot write output: {exc.strerror}", where=str(final)
                ) from None
    finally:  # whatever was not renamed into place is removed, even on Ctrl-C
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
    for path, text in in_place:
        _write_in_place(path, text)
    for text in to_stdout:
        write_stdout(text)


def _is_special(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file (a directory is refused)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OutputError(f"cannot write output: {exc.strerror}", where=str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise OutputError("cannot write output: it is a directory", where=str(path))
    return not stat.S_ISREG(info.st_mode)


def _write_in_place(path: Path, text: str) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"cannot write output: {exc.strerror}", where=str(path)) from None


def _stage(path: Path, text: str) -> Path:
    """``text`` in a temporary file beside ``path``, with the mode ``path`` will have."""
    directory = path.parent if str(path.parent) else Path()
    try:
        directory.mkdir(parents=True, exist_ok=True)  # reports/junit.xml: make reports/
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write output: {exc.strerror}", where=str(path)) from None
    temp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # mkstemp creates the file 0600; give it the mode a plain write would have.
        temp.chmod(_file_mode(path))
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write output: {exc.strerror}", where=str(path)) from None
    except BaseException:  # Ctrl-C mid-write: leave nothing behind
        temp.unlink(missing_ok=True)
        raise
    return temp


def _file_mode(path: Path) -> int:
    """An existing file's mode, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_stdout(text: str) -> None:
    """Write to standard output; a closed or full stdout is an error, a reader that went away
    (``lslint scan | head``) is not, and the exit code stays the gate's."""
    stream = sys.stdout
    if stream is None:
        raise OutputError(
            "cannot write the report: standard output is closed",
            hint="give a file with -o PATH",
        )
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _discard_stdout()
    except OSError as exc:
        _discard_stdout()
        raise OutputError(f"cannot write to standard output: {exc.strerror}") from None


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
