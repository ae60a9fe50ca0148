"""Did-you-mean suggestions for rule ids: a number with too few or too many zeros names the
rule with that number, however many rules have a close id."""

from __future__ import annotations

import pytest

from lslint.suggest import suggest_any_case

IDS = [f"LS{number:03d}" for number in range(1, 20)]


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
