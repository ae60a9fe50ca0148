"""The error types lslint raises for bad input; the CLI turns each problem into one line and
exit 2."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lslint.wording import plural

_POSITION = re.compile(r"^(?P<source>.*):(?P<line>\d+):(?P<col>\d+)$")


class LslintError(Exception):
    """A problem with something the user gave: a file, a rule, a config or an option.

    ``where`` is a location such as ``rules/x.yaml:3:5`` (or empty), ``message`` says what is
    wrong, and ``hint`` (optional) says what to do about it.
    """

    def __init__(self, message: str, *, where: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    @property
    def problems(self) -> tuple[LslintError, ...]:
        """Each problem on its own: this error alone, unless it gathers several."""
        return (self,)


class InputError(LslintError):
    """A snapshot or other resource input could not be read."""


class RuleError(LslintError):
    """A rule file is invalid."""


class ConfigError(LslintError):
    """The configuration file or an option is invalid."""


class OutputError(LslintError):
    """A report, snapshot or baseline could not be written, or would overwrite something."""


class ConfigErrors(ConfigError):
    """Every problem found in one pass over a config file and the options that go with it,
    so that a user fixes them all at once instead of one per run.

    The problems are kept in file order (``file:line:col``); the first one is also this
    error's own ``message``, ``where`` and ``hint``.
    """

    def __init__(self, problems: Sequence[LslintError]) -> None:
        if not problems:
            raise ValueError("ConfigErrors needs at least one problem")
        flat = [single for problem in problems for single in problem.problems]
        ordered = tuple(sorted(flat, key=_position_key))
        first = ordered[0]
        super().__init__(first.message, where=first.where, hint=first.hint)
        self._problems = ordered

    @property
    def problems(self) -> tuple[LslintError, ...]:
        return self._problems

    def __str__(self) -> str:
        more = len(self._problems) - 1
        first = str(self._problems[0])
        return f"{first} (and {plural(more, 'more problem')})" if more else first


def _position_key(error: LslintError) -> tuple[str, int, int]:
    """Sort key: the source, then line and column as numbers (line 10 after line 9)."""
    match = _POSITION.match(error.where)
    if match is None:
        return (error.where, 0, 0)
    return (match["source"], int(match["line"]), int(match["col"]))
