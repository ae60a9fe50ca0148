"""Make resource-controlled text safe to show in a terminal or a log."""

from __future__ import annotations

import re

# C0/C1 controls (tab and newline included: a message is one line), DEL, bidirectional
# overrides and isolates, lone surrogates and the non-characters U+FFFE/U+FFFF.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def printable(text: str) -> str:
    """``text`` with every unsafe character shown as an escape (``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(escape_match, text)


def escape_match(found: re.Match[str]) -> str:
    """The matched character as a visible escape: ``\\x1b``, ``\\u202e``."""
    code = ord(found.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value: object) -> object:
    """``value`` (str, or lists and dicts of them) with lone surrogates shown escaped.

    They come from JSON such as ``"\\ud800"`` and are not Unicode: strict consumers (GitHub's
    SARIF ingestion among them) refuse a document that contains one.
    """
    if isinstance(value, str):
        return _SURROGATE.sub(escape_match, value)
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {key: without_surrogates(item) for key, item in value.items()}
    return value
