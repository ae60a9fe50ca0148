"""Small helpers for the words of messages and reports."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``1 finding``, ``2 findings``: the count and the noun, with an ``s`` unless it is one."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def a_or_an(noun: str) -> str:
    """``a disk``, ``an instance``: the noun with its indefinite article."""
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
