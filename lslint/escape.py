"""Make resource-controlled text safe to show in a terminal or a log."""

from __future__ import annotations

import re

# C0/C1 controls (tab and newline included: a message is one line), DEL, the line and
# paragraph separators, bidirectional marks, overrides and isolates, lone surrogates, the
# non-characters U+FFFE/U+FFFF, and invisible characters that can hide or fake text: soft
# hyphen, zero width space, word joiner and invisible operators, deprecated format controls,
# Hangul fillers, interlinear annotations and tag characters. (Zero width joiners and
# variation selectors stay: emoji and many scripts need them.)
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ud800-\udfff\uffa0\ufff9-\ufffb\ufffe\uffff"
    "\U000e0000-\U000e007f]"
)


def printable(text: str) -> str:
    """``text`` with every unsafe character shown as an escape (``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(escape_match, text)


def escape_match(found: re.Match[str]) -> str:
    """The matched character as a visible escape: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    code = ord(found.group(0))
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


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
