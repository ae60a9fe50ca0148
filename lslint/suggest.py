"""Did-you-mean suggestions for misspelt names."""

from __future__ import annotations

import difflib
import typing


def suggest(word: str, choices: typing.Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f" (did you mean '{close[0]}'?)" if close else ""


def suggest_any_case(word: str, choices: typing.Iterable[str]) -> str:
    """Like :func:`suggest`, comparing without regard to case but naming the choice as spelt
    (``ls01`` -> ``LS001``)."""
    spelt = {choice.lower(): choice for choice in sorted(choices)}
    close = difflib.get_close_matches(word.lower(), sorted(spelt), n=1, cutoff=0.6)
    return f" (did you mean '{spelt[close[0]]}'?)" if close else ""
