"""Which rules ``--select``/``--ignore`` and the config's ``rules.select``/``rules.ignore`` name.

A selector is a rule id or name, ``tag:NAME``, a compliance framework, or one of its controls
(``FRAMEWORK:CONTROL``; a control also covers its sub-controls: ``cis-x:3`` takes ``3.4``).
Everything is matched without regard to case.

When a rule is both selected and ignored, the more specific selector wins: naming a rule by its
id or name beats a group (a tag, a framework or a control); at the same level, ignore wins. So
``--select tag:network --ignore LS001`` runs every network rule but LS001, and a config that
ignores ``tag:tagging`` still runs LS004 when ``--select LS004`` names it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lslint.engine.rule import Rule
from lslint.suggest import suggest_any_case

TAG_PREFIX = "tag:"
GROUP, RULE = 1, 2  # specificity: a selector naming one rule beats one naming a group


@dataclass(frozen=True)
class Selected:
    """The rules one selector names, and how specific it is."""

    rule_ids: frozenset[str]
    specificity: int


class UnknownSelector(Exception):
    """A selector that names nothing: what it looked like (``unknown tag 'x'``) and a
    suggestion (`` (did you mean 'tag:y'?)``) or list of known values, kept apart so that the
    caller can say where it was given in between."""

    def __init__(self, what: str, suggestion: str = "") -> None:
        super().__init__(what + suggestion)
        self.what = what
        self.suggestion = suggestion

    def placed(self, option: str) -> str:
        """``unknown tag 'x' in --select (did you mean 'tag:y'?)``."""
        return f"{self.what} in {option}{self.suggestion}"


class RuleSelector:
    """Resolves selectors against a set of rules."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = rules
        self.keys = {key: rule.id for rule in rules for key in (rule.id, rule.name)}
        self.lowered: dict[str, str] = {}
        for key, rule_id in self.keys.items():
            self.lowered.setdefault(key.lower(), rule_id)
        self.tags = _spelt(tag for rule in rules for tag in rule.tags)
        self.frameworks = _spelt(framework for rule in rules for framework in rule.compliance)

    def resolve(self, selector: str) -> Selected:
        """The rules ``selector`` names; raises :class:`UnknownSelector` if it names none."""
        key = selector.strip()
        rule_id = self.keys.get(key) or self.lowered.get(key.lower())
        if rule_id is not None:
            return Selected(frozenset({rule_id}), RULE)
        if key.lower().startswith(TAG_PREFIX):
            return self._tag(key, key[len(TAG_PREFIX) :])
        framework, colon, control = key.partition(":")
        if framework.lower() in self.frameworks:
            if control:
                return self._control(key, framework, control)
            if colon:  # "FRAMEWORK:" names no control: never an empty or silent selection
                return self._no_control(key, framework)
            return self._framework(key)
        if control:
            raise UnknownSelector(
                f"unknown compliance framework '{framework}'",
                suggest_any_case(framework, self.frameworks.values()),
            )
        choices = [*self.keys, *self.frameworks.values(), *self._tag_selectors()]
        raise UnknownSelector(f"unknown rule '{key}'", suggest_any_case(key, choices))

    def _tag(self, key: str, tag: str) -> Selected:
        ids = frozenset(r.id for r in self.rules if tag.lower() in {t.lower() for t in r.tags})
        if not ids:
            raise UnknownSelector(
                f"unknown tag '{tag}'", suggest_any_case(key, self._tag_selectors())
            )
        return Selected(ids, GROUP)

    def _framework(self, key: str) -> Selected:
        ids = frozenset(r.id for r in self.rules if key.lower() in _lowered(r.compliance))
        return Selected(ids, GROUP)

    def _control(self, key: str, framework: str, control: str) -> Selected:
        wanted = control.lower()
        ids = frozenset(
            rule.id
            for rule in self.rules
            for fw, controls in rule.compliance.items()
            if fw.lower() == framework.lower()
            and any(c.lower() == wanted or c.lower().startswith(f"{wanted}.") for c in controls)
        )
        if not ids:
            known = self._controls(framework)
            close = difflib.get_close_matches(wanted, sorted(known), n=1, cutoff=0.6)
            raise UnknownSelector(
                f"unknown compliance control '{key}'",
                f" (did you mean '{known[close[0]]}'?)"
                if close
                else f"; known: {', '.join(sorted(known.values()))}",
            )
        return Selected(ids, GROUP)

    def _no_control(self, key: str, framework: str) -> Selected:
        whole = self.frameworks[framework.lower()]
        known = ", ".join(sorted(self._controls(framework).values()))
        raise UnknownSelector(
            f"empty compliance control '{key}'",
            f"; give '{whole}' for the whole framework, or one of its controls: {known}",
        )

    def _controls(self, framework: str) -> dict[str, str]:
        """The controls of ``framework`` the rules cite, as ``FRAMEWORK:CONTROL`` selectors
        by their lower case."""
        return {
            c.lower(): f"{fw}:{c}"
            for r in self.rules
            for fw, cs in r.compliance.items()
            if fw.lower() == framework.lower()
            for c in cs
        }

    def _tag_selectors(self) -> list[str]:
        return [f"{TAG_PREFIX}{tag}" for tag in self.tags.values()]


def _spelt(words: Iterable[str]) -> dict[str, str]:
    """Each word by its lower case, spelt as first seen (sorted for determinism)."""
    spelt: dict[str, str] = {}
    for word in sorted(words):
        spelt.setdefault(word.lower(), word)
    return spelt


def _lowered(mapping: Mapping[str, object]) -> set[str]:
    return {key.lower() for key in mapping}


def chosen_rules(
    rules: Sequence[Rule], select: Sequence[Selected] | None, ignore: Sequence[Selected]
) -> list[Rule]:
    """``rules`` that ``select`` takes (``None``: every rule) and ``ignore`` does not leave out,
    the more specific selector winning (see the module docstring)."""
    kept = []
    for rule in rules:
        selected = 0 if select is None else _level(rule, select)
        if select is not None and not selected:
            continue
        ignored = _level(rule, ignore)
        if ignored and ignored >= selected:
            continue
        kept.append(rule)
    return kept


def _level(rule: Rule, selectors: Sequence[Selected]) -> int:
    return max((s.specificity for s in selectors if rule.id in s.rule_ids), default=0)
