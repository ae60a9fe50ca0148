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
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

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
        if _is_special(path):
            continue  # a device or FIFO: written directly, and nothing is replaced
        for key in (_identity(path), _resolved(path)):
            if key is not None and key in taken:
                raise OutputError(f"{option} {target} would overwrite {taken[key]}")
        for key in (_identity(path), _resolved(path)):
            if key is not None:
                taken[key] = f"the file of {option}"


# What an output holds: its whole text, or its text in pieces, made as they are written.
Content = str | Iterable[str]


def write_output(path: Path, text: Content) -> None:
    """Write ``text`` to ``path``: atomically for regular files, directly for anything else."""
    write_all([(str(path), text)])


def _whole(content: Content) -> str:
    return content if isinstance(content, str) else "".join(content)


_STREAM_NAMES = {"/dev/stdout": 1, "/dev/stderr": 2}
_FD_PATH = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d+)$")


def stream_fd(target: str) -> int | None:
    """The file descriptor a path names (``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``).

    Such a path is the open stream, which may be a file opened for appending (``>> log``):
    it is written through the descriptor, never reopened, truncated or replaced."""
    if target in _STREAM_NAMES:
        return _STREAM_NAMES[target]
    match = _FD_PATH.match(target)
    return int(match[1]) if match else None


def write_all(outputs: Sequence[tuple[str, Content]]) -> None:
    """Write every ``(target, text)``, or, as far as the system allows, none of them.

    Regular files are first staged as temporary files beside their targets; devices, FIFOs
    and streams are written next; only then are the staged files renamed into place, so a
    report that cannot be written (a full disk, a missing permission) leaves no other report
    claiming a verdict the run did not reach. Standard output (``-``) comes last.

    A text given in pieces is written piece by piece into its temporary file, so a large
    report is never whole in memory; for any other target it is joined first, before
    anything is written there: if making a piece fails, nothing but temporary files (which
    are removed) has been written.
    """
    staged: list[tuple[Path, Path]] = []  # (temporary file, target)
    in_place: list[tuple[Path, str]] = []
    streams: list[tuple[int, str, str]] = []  # (descriptor, target, text)
    to_stdout: list[str] = []
    try:
        for target, text in outputs:
            if not target.strip() or target.endswith("/"):
                raise OutputError("cannot write output: not a file name", where=target or "''")
            if target == STDOUT:
                to_stdout.append(_whole(text))
            elif (fd := stream_fd(target)) is not None:
                streams.append((fd, target, _whole(text)))
            elif _is_special(Path(target)):
                in_place.append((Path(target), _whole(text)))
            else:
                path = Path(target)
                final = _resolved(path) if path.is_symlink() else path
                staged.append((_stage(final, text), final))
        for path, text in in_place:
            _write_in_place(path, text)
        for fd, target, text in streams:
            _write_stream(fd, target, text)
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
    for text in to_stdout:
        write_stdout(text)


def _write_stream(fd: int, target: str, text: str) -> None:
    if fd == 1:
        write_stdout(text)
        return
    if fd == 2:
        sys.stderr.flush()
    data = text.encode("utf-8", "surrogateescape")
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError as exc:
        raise OutputError(f"cannot write output: {exc.strerror}", where=target) from None


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


def _stage(path: Path, text: Content) -> Path:
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
            if isinstance(text, str):
                handle.write(text)
            else:
                for piece in text:
                    handle.write(piece)
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
        discard_stdout()
    except OSError as exc:
        discard_stdout()
        raise OutputError(f"cannot write to standard output: {exc.strerror}") from None


def discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class ForgivingStream:
    """Standard error that survives its reader: a closed pipe or a full disk silences it
    (messages cannot reach anyone then) instead of raising and turning exit code 2 into 1."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self._lost = stream is None

    def write(self, text: str) -> int:
        if not self._lost and self._stream is not None:
            try:
                return self._stream.write(text)
            except (OSError, ValueError):
                self._lose()
        return len(text)

    def flush(self) -> None:
        if not self._lost and self._stream is not None:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._lose()

    def _lose(self) -> None:
        self._lost = True
        try:  # later flushes of the real stream (at exit) then go nowhere, quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            pass

    def isatty(self) -> bool:
        return not self._lost and self._stream is not None and self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
