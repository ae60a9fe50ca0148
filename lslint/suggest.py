"""Did-you-mean suggestions for misspelt names."""

from __future__ import annotations

import difflib
import re
import typing

CUTOFF = 0.6  # difflib's default: below it, a choice is not "close"
# A rule id: letters and a number. Its zeros are the easiest part to get wrong (LS01, LS0004).
_RULE_ID = re.compile(r"^([a-z]+)0*(\d+)$")


def closest(word: str, choices: typing.Iterable[str]) -> str | None:
    """The choice most like ``word`` by difflib's ratio (at least ``CUTOFF``), or None.

    Of equally close choices the one that shares the longest beginning with ``word`` wins
    (people mistype the end of a name more often than its start), then the first in sorted
    order: ``LS01`` suggests ``LS001`` rather than ``LS101``, and ``ucp`` ``udp`` rather than
    ``tcp``. (difflib's own ``get_close_matches`` picks the last in sorted order.)"""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    scored: list[tuple[float, int, str]] = []
    for choice in sorted(set(choices)):
        matcher.set_seq1(choice)
        if (
            matcher.real_quick_ratio() >= CUTOFF
            and matcher.quick_ratio() >= CUTOFF
            and matcher.ratio() >= CUTOFF
        ):
            scored.append((-matcher.ratio(), -_shared_start(word, choice), choice))
    return min(scored)[2] if scored else None


def _shared_start(first: str, second: str) -> int:
    """How many leading characters two words share."""
    count = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        count += 1
    return count


def suggest(word: str, choices: typing.Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    choices = list(choices)
    close = closest(word, choices)
    if close is None:
        lowered = {c.lower(): c for c in choices}
        close = lowered.get(word.lower())
    return f" (did you mean '{close}'?)" if close else ""


def suggest_any_case(word: str, choices: typing.Iterable[str]) -> str:
    """Like :func:`suggest`, comparing without regard to case but naming the choice as spelt
    (``ls01`` -> ``LS001``). A rule id with too few or too many zeros names the rule with that
    number, however many other ids are as close."""
    spelt = {choice.lower(): choice for choice in sorted(choices)}
    close = _same_rule_number(word.lower(), spelt) or closest(word.lower(), spelt)
    if close in spelt:
        close = spelt[close]
    return f" (did you mean '{close}'?)" if close else ""


def _same_rule_number(word: str, spelt: typing.Mapping[str, str]) -> str:
    """The rule id with ``word``'s letters and number, zeros aside (``ls01`` -> ``ls001``)."""
    wanted = _RULE_ID.match(word)
    if not wanted:
        return ""
    for lowered in spelt:
        found = _RULE_ID.match(lowered)
        if found and (found[1], int(found[2])) == (wanted[1], int(wanted[2])):
            return lowered
    return ""
