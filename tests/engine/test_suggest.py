"""Did-you-mean suggestions pick the choice a person most likely meant, the same every time."""

from __future__ import annotations

import pytest

from lslint.suggest import closest, suggest, suggest_any_case


@pytest.mark.parametrize(
    ("word", "choices", "meant"),
    [
        # Equally close by difflib's ratio: the one sharing the longer beginning wins.
        ("LS01", ["LS001", "LS101", "LS110"], "LS001"),
        ("LS11", ["LS011", "LS101", "LS110", "LS111"], "LS110"),
        ("ucp", ["tcp", "udp", "icmp"], "udp"),
        # A clearly closer choice wins whatever its beginning.
        (
            "bucket-public-reed",
            ["bucket-public-read", "bucket-access-logging-disabled"],
            "bucket-public-read",
        ),
    ],
)
def test_the_closest_choice_is_suggested(word: str, choices: list[str], meant: str) -> None:
    assert closest(word, choices) == meant
    assert closest(word, reversed(choices)) == meant  # the order of the choices never matters
    assert suggest(word, choices) == f" (did you mean '{meant}'?)"


def test_nothing_close_suggests_nothing() -> None:
    assert closest("zzz", ["LS001", "LS002"]) is None
    assert suggest("zzz", ["LS001", "LS002"]) == ""


def test_any_case_names_the_choice_as_spelt() -> None:
    assert suggest_any_case("ls01", ["LS101", "LS001"]) == " (did you mean 'LS001'?)"
    assert suggest("ls001", ["LS001"]) == " (did you mean 'LS001'?)"
