"""Regular expressions in rules, run by RE2 so that no pattern can hang a scan.

Python's ``re`` backtracks: ``(a+)+$`` takes time exponential in the length of a resource
name, and names are chosen by whoever can create resources. RE2 matches in time linear in
the input for every pattern; in exchange it lacks the features that need backtracking
(backreferences, lookaround, atomic groups, possessive quantifiers, conditionals). Patterns
that use them are refused when the rule loads, with a message that names the feature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would also log each bad pattern to stderr

# RE2 reads `{,n}` as literal text where Python reads "at most n": refuse the ambiguity.
_OPEN_LOW_BOUND = re.compile(r"(?<!\\)(?:\\\\)*\{,\d*\}")

_UNSUPPORTED = (
    (re.compile(r"invalid escape sequence: \\[1-9]"), "a backreference"),
    (re.compile(r"invalid perl operator: \(\?P="), "a named backreference"),
    (re.compile(r"invalid perl operator: \(\?<?[=!]"), "a lookahead or lookbehind assertion"),
    (re.compile(r"invalid perl operator: \(\?>"), "an atomic group"),
    (re.compile(r"invalid perl operator: \(\?\("), "a conditional group"),
    (re.compile(r"bad repetition operator: [*+?}]\+"), "a possessive quantifier"),
    (re.compile(r"invalid escape sequence: \\Z"), r"\Z (write \z for the end of the text)"),
)


class RegexError(ValueError):
    """A pattern RE2 cannot compile, or one it would read differently from Python."""


@dataclass(frozen=True)
class Regex:
    """A compiled pattern; :meth:`search` runs in time linear in the text."""

    pattern: str
    _compiled: Any = field(repr=False, compare=False)

    def search(self, text: str) -> bool:
        """Whether the pattern is found anywhere in ``text`` (like ``re.search``)."""
        # Bytes, not str: the wrapper would encode strictly and fail on a lone surrogate,
        # which JSON input can carry; RE2 treats such bytes as matching no character.
        return self._compiled.search(text.encode("utf-8", "surrogatepass")) is not None


@lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> Regex:
    """``pattern`` compiled by RE2, or :class:`RegexError` saying what it cannot use.

    Remembered: a rule's tests bind its parameters again, one pattern list per test."""
    if any("\ud800" <= char <= "\udfff" for char in pattern):  # from a "\ud800" YAML escape
        raise RegexError("contains a lone surrogate, which is not a character")
    if _OPEN_LOW_BOUND.search(pattern):
        raise RegexError("'{,n}' is literal text in RE2; write '{0,n}' for 'at most n'")
    try:
        compiled = re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise RegexError(_explain(exc, pattern)) from None
    return Regex(pattern, compiled)


def _explain(exc: Exception, pattern: str) -> str:
    raw = exc.args[0] if exc.args else ""
    reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if "(?P" in reason and "(?P=" in pattern:  # RE2 names only the `(?P` it stopped at
        reason = "invalid perl operator: (?P="
    for found, feature in _UNSUPPORTED:
        if found.search(reason):
            return (
                f"uses {feature}, which lslint's regular expressions (RE2 syntax, linear time) "
                "do not support"
            )
    return reason or "invalid pattern"
