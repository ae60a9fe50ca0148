"""Did-you-mean suggestions pick the choice a person most likely meant, the same every time;
a rule id with the wrong zeros names the rule with that number."""

from __future__ import annotations

import pytest

from lslint.suggest import closest, suggest, suggest_any_case

IDS = [f"LS{number:03d}" for number in range(1, 20)]


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


@pytest.mark.parametrize(
    ("word", "meant"),
    [("LS01", "LS001"), ("ls01", "LS001"), ("LS0004", "LS004"), ("LS04", "LS004"),
     ("ls14", "LS014"), ("LS0019", "LS019")],
)  # fmt: skip
def test_a_rule_id_with_the_wrong_zeros_suggests_the_same_number(word: str, meant: str) -> None:
    assert suggest_any_case(word, IDS) == f" (did you mean '{meant}'?)"


def test_other_misspellings_still_get_the_closest_choice() -> None:
    assert suggest_any_case("imdsv1-alowed", ["imdsv1-allowed", "LS002"]) == (
        " (did you mean 'imdsv1-allowed'?)"
    )
    assert suggest_any_case("LS999", IDS).startswith(" (did you mean 'LS")
    assert suggest_any_case("zzz", IDS) == ""
