"""Rules of kinds no input listed: what a scan could not judge.

A kind that was listed with no resources has none: its rules pass, truly. A kind that was
not listed at all (an ``aws lightsail get-instances`` file holds no databases, ``--kind
instance`` lists none) was never looked at, so its rules judge nothing. When that is all the
selected rules do, the scan checked nothing the user asked for: an error, never a pass. When
only some of an explicit selection is left idle, a warning says which kinds; with the default
selection (every rule) scanning one kind is the common case, and says nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from lslint.engine.rule import Rule
from lslint.errors import ConfigError
from lslint.inventory import LIVE_LABEL, Inventory
from lslint.models import RESOURCE_KINDS
from lslint.sources.snapshot import cli_command
from lslint.wording import plural

SHOWN = 3  # rule ids and inputs named in one line before "…"


def refuse_unlisted(rules: Sequence[Rule], inventory: Inventory) -> None:
    """Raises ConfigError when no rule of ``rules`` judges a kind the inventory listed."""
    unlisted = inventory.unlisted({rule.resource for rule in rules})
    if unlisted and all(rule.resource in unlisted for rule in rules):
        raise ConfigError(
            f"the selected rules judge {_and(unlisted)}, which no input lists: "
            f"{_inputs(inventory)}",
            hint=_hint(unlisted, live=LIVE_LABEL in inventory.listed),
        )


def unlisted_warnings(rules: Sequence[Rule], inventory: Inventory) -> list[str]:
    """The warning about the rules of a selection the user made (``--select`` or
    ``rules.select``) whose kind no input listed, when others did run."""
    unlisted = inventory.unlisted({rule.resource for rule in rules})
    idle = sorted(rule.id for rule in rules if rule.resource in unlisted)
    if not idle or len(idle) == len(rules):  # none idle, or all: refuse_unlisted's error
        return []
    named = ", ".join(idle[:SHOWN]) + (", …" if len(idle) > SHOWN else "")
    subject = f"selected rule {named} judges" if len(idle) == 1 else (
        f"{plural(len(idle), 'selected rule')} ({named}) judge"
    )  # fmt: skip
    return [
        f"{subject} {_and(unlisted)}, which no input lists: "
        f"{'it checked' if len(idle) == 1 else 'they checked'} nothing"
    ]


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _inputs(inventory: Inventory) -> str:
    """What each input listed: ``examples/fleet.json lists only instance``."""
    described = []
    for label, kinds in sorted(inventory.listed.items(), key=lambda item: item[0] != LIVE_LABEL):
        ordered = [name for name in RESOURCE_KINDS if name in kinds]
        listing = f"only {ordered[0]}" if len(ordered) == 1 else ", ".join(ordered) or "nothing"
        described.append(f"{label} lists {listing}")
    if not described:
        return "the inputs say nothing about what they listed"
    shown = "; ".join(described[:SHOWN])
    return shown + (f"; and {len(described) - SHOWN} more" if len(described) > SHOWN else "")


def _hint(unlisted: Sequence[str], live: bool) -> str:
    if live:
        return (
            f"list {'it' if len(unlisted) == 1 else 'them'} too with --kind "
            f"{','.join(unlisted)} (or leave --kind and aws.kinds out to list every kind), "
            "or select rules of the kinds listed"
        )
    commands = " or ".join(
        f"'{cli_command(RESOURCE_KINDS[name])}'" for name in unlisted if name in RESOURCE_KINDS
    )
    answer = f"the output of {commands} or " if commands else ""
    return (
        f"add an input that lists {'it' if len(unlisted) == 1 else 'them'} ({answer}a snapshot "
        "saved by 'lslint fetch'), or select rules of the kinds the inputs list"
    )
