"""Did-you-mean suggestions for misspelt names."""

from __future__ import annotations

import difflib
import re
import typing

# A rule id: letters and a number. Its zeros are the easiest part to get wrong (LS01, LS0004).
_RULE_ID = re.compile(r"^([a-z]+)0*(\d+)$")


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
    same_number = _same_rule_number(word.lower(), spelt)
    if same_number:
        return f" (did you mean '{same_number}'?)"
    close = difflib.get_close_matches(word.lower(), sorted(spelt), n=1, cutoff=0.6)
    return f" (did you mean '{spelt[close[0]]}'?)" if close else ""


def _same_rule_number(word: str, spelt: typing.Mapping[str, str]) -> str:
    """The rule id with ``word``'s letters and number, zeros aside (``ls01`` -> ``LS001``)."""
    wanted = _RULE_ID.match(word)
    if not wanted:
        return ""
    for lowered, choice in spelt.items():
        found = _RULE_ID.match(lowered)
        if found and (found[1], int(found[2])) == (wanted[1], int(wanted[2])):
            return choice
    return ""
