"""Reading the files a user names: snapshots, rule files, the config, baselines.

Only regular files and standard input are read. Anything else is refused before a byte is
read: a named pipe would block forever waiting for a writer, and a device such as
``/dev/zero`` never ends. The check is made on the opened file descriptor, so the file cannot
be swapped between the check and the read, and the file is opened without blocking so that
even opening a named pipe returns at once.

Every input has a size limit, generous by default and the same for every file of one kind;
``LSLINT_MAX_INPUT_BYTES`` sets one other limit for all of them.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from lslint.errors import ConfigError, LslintError
from lslint.wording import plural

LIMIT_VARIABLE = "LSLINT_MAX_INPUT_BYTES"
KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
TIB = 1024 * GIB

# Far above anything real: a snapshot of 75,000 instances (more than Lightsail's quotas allow
# one account) is under 200 MiB; rule and config files are a few KiB.
SNAPSHOT_LIMIT = 1 * GIB
BASELINE_LIMIT = 256 * MIB
RULE_LIMIT = 1 * MIB  # rule files and config files

STDIN_LABEL = "<stdin>"
_CHUNK = 1 * MIB
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the open itself
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_SIZE = re.compile(r"^\s*(?P<number>\d+)\s*(?P<unit>(?:[kmgt](?:i?b)?)|b)?\s*$", re.IGNORECASE)
_UNITS = {"k": KIB, "m": MIB, "g": GIB, "t": TIB}


def read_text_file(
    path: Path, *, what: str, error: type[LslintError], limit: int, special_hint: str = ""
) -> str:
    """The UTF-8 text of a regular file, or one clear ``error`` naming it.

    ``what`` names the file in messages ("input file", "rule file"); ``limit`` is the default
    size limit in bytes for this kind of file (see :func:`size_limit`); ``special_hint`` says
    what to do instead when the path is a pipe or a device.
    """
    where = str(path)
    limit = size_limit(limit)
    try:
        # Checked before opening too: opening some devices has effects (a tape rewinds).
        _refuse_special(path.stat().st_mode, what, error, where, special_hint)
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise error(f"{what} not found", where=where) from None
    except IsADirectoryError:
        raise error(f"{what} is a directory, expected a file", where=where) from None
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror}", where=where) from None
    with os.fdopen(fd, "rb", buffering=0) as stream:
        try:
            info = os.fstat(fd)  # what was opened: the name may point elsewhere by now
            _refuse_special(info.st_mode, what, error, where, special_hint)
            if info.st_size > limit:
                raise _too_large(what, error, where, limit)
            data = _read_limited(stream, limit, expected=info.st_size)
        except OSError as exc:
            raise error(f"cannot read {what}: {exc.strerror}", where=where) from None
    if data is None:
        raise _too_large(what, error, where, limit)
    return _decode(data, what, error, where)


def path_status(path: Path, *, what: str, error: type[LslintError]) -> os.stat_result | None:
    """What ``path`` is (through symbolic links), or None when nothing is there.

    Any other failure to look (a name too long, a folder that may not be searched, a link
    loop) is one clear ``error`` naming the path and the system's reason: ``Path.is_dir()``
    and friends raise those, which would otherwise end the run with a traceback.
    """
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", where=str(path)) from None


def read_stdin(*, what: str, error: type[LslintError], limit: int) -> str:
    """Standard input as UTF-8 text: read in chunks, so endless data stops at the limit."""
    limit = size_limit(limit)
    stream = sys.stdin
    if stream is None:  # started with standard input closed (`<&-`)
        raise error(
            "cannot read standard input: it is closed",
            where=STDIN_LABEL,
            hint="pipe the snapshot into lslint, or give a file with --input PATH",
        )
    binary = getattr(stream, "buffer", None)  # absent if a program replaced sys.stdin
    try:
        if binary is None:
            data = stream.read(limit + 1).encode("utf-8", errors="surrogateescape")
            data = data if len(data) <= limit else None
        else:
            data = _read_limited(binary, limit, expected=0)
    except (OSError, ValueError) as exc:  # ValueError: a closed file object
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise error(f"cannot read standard input: {reason}", where=STDIN_LABEL) from None
    if data is None:
        raise _too_large(what, error, STDIN_LABEL, limit)
    return _decode(data, what, error, STDIN_LABEL)


def size_limit(default: int) -> int:
    """``LSLINT_MAX_INPUT_BYTES`` if set (for every kind of input), else ``default``."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not text:
        return default
    size = parse_size(text)
    if size is None or size < 1:
        raise ConfigError(
            f"{LIMIT_VARIABLE} must be a size such as 500MiB, 2G or 1048576, not {text!r}"
        )
    return size


def parse_size(text: str) -> int | None:
    """Bytes from ``123``, ``64K``/``64KiB`` (1024s) or ``64KB`` (1000s); ``None`` if invalid.

    Units follow GNU coreutils (``head -c``): a bare or ``iB`` unit counts in powers of 1024,
    ``B`` after it in powers of 1000. Case does not matter.
    """
    match = _SIZE.match(text)
    if match is None or len(match["number"]) > 30:  # no real limit has more digits
        return None
    number = int(match["number"])
    unit = (match["unit"] or "b").lower()
    if unit == "b":
        return number
    scale = _UNITS[unit[0]]
    if unit.endswith("b") and not unit.endswith("ib"):
        scale = 1000 ** (list(_UNITS).index(unit[0]) + 1)
    return number * scale


def format_size(size: int) -> str:
    """``1 GiB``, ``256 MiB``, ``1500 bytes``: exact, in the largest unit that divides it."""
    for name, scale in (("TiB", TIB), ("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {name}"
    return plural(size, "byte")


def _refuse_special(mode: int, what: str, error: type[LslintError], where: str, hint: str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise error(f"{what} is a directory, expected a file", where=where)
    raise error(
        f"{what} is {_file_kind(mode)}, not a regular file",
        where=where,
        hint=hint or "save it to a regular file first",
    )


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _too_large(what: str, error: type[LslintError], where: str, limit: int) -> LslintError:
    return error(
        f"{what} is larger than the limit of {format_size(limit)}",
        where=where,
        hint=f"set {LIMIT_VARIABLE} (e.g. {LIMIT_VARIABLE}=4GiB) to read larger inputs",
    )


def _read_limited(stream: BinaryIO, limit: int, *, expected: int) -> bytes | None:
    """At most ``limit`` bytes of ``stream``, or ``None`` if it holds more.

    ``expected`` (a regular file's size) lets the common case read in one piece, without a
    second copy; a file that grows meanwhile, or a pipe, is read in chunks.
    """
    chunks: list[bytes] = []
    total = 0
    want = min(expected, limit) + 1 if expected else _CHUNK
    while total <= limit:
        chunk = stream.read(min(want, limit + 1 - total))
        if chunk is None:  # a non-blocking pipe with nothing in it yet
            _wait_readable(stream)
            continue
        if not chunk:
            return b"".join(chunks)  # one chunk: joined without a copy
        chunks.append(chunk)
        total += len(chunk)
        want = _CHUNK
    return None


def _wait_readable(stream: BinaryIO) -> None:
    import select  # noqa: PLC0415 - only for standard input left non-blocking by a parent

    select.select([stream], [], [])


def _decode(data: bytes, what: str, error: type[LslintError], where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise error(
            f"{what} is not UTF-8 text ({exc.reason})", where=f"{where}:{line}:{column}"
        ) from None
