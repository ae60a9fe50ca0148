"""The one error type lslint raises for bad input; the CLI turns it into one line and exit 2."""

from __future__ import annotations


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


class InputError(LslintError):
    """A snapshot or other resource input could not be read."""


class RuleError(LslintError):
    """A rule file is invalid."""


class ConfigError(LslintError):
    """The configuration file or an option is invalid."""


class OutputError(LslintError):
    """A report, snapshot or baseline could not be written, or would overwrite something."""
