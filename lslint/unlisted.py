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


def check_listed(
    rules: Sequence[Rule], inventory: Inventory, *, explicit: bool, live: bool
) -> list[str]:
    """The warnings about selected rules whose kind no input listed; raises ConfigError when
    no selected rule judges a listed kind. ``explicit``: the user chose the rules (``--select``
    or ``rules.select``); ``live``: the kinds came from ``--kind`` or the config, not files."""
    unlisted = inventory.unlisted({rule.resource for rule in rules})
    if not unlisted:
        return []
    idle = [rule for rule in rules if rule.resource in unlisted]
    if len(idle) == len(rules):
        raise ConfigError(
            f"the selected rules judge {_and(unlisted)}, which no input lists: "
            f"{_inputs(inventory)}",
            hint=_hint(unlisted, live),
        )
    if not explicit:
        return []
    ids = sorted(rule.id for rule in idle)
    named = ", ".join(ids[:SHOWN]) + (", …" if len(ids) > SHOWN else "")
    subject = f"selected rule {named} judges" if len(ids) == 1 else (
        f"{plural(len(ids), 'selected rule')} ({named}) judge"
    )  # fmt: skip
    return [
        f"{subject} {_and(unlisted)}, which no input lists: "
        f"{'it checked' if len(ids) == 1 else 'they checked'} nothing"
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
