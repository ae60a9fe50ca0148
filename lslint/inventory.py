"""What a source delivers: resources with where they came from, and what it could not read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lslint.findings import ScanError
from lslint.models import RESOURCE_KINDS, LightsailResource, ResourceKind, kind_of

# How a live scan's listing is named where an input's file name would be.
LIVE_LABEL = "the live scan"


@dataclass(frozen=True, slots=True)  # slots: one of each per resource
class Origin:
    """Where a resource's object starts: a snapshot file (or ``<stdin>``) and a 1-based line."""

    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Resource:
    model: LightsailResource  # the model of one kind in RESOURCE_KINDS
    origin: Origin | None = None

    @property
    def kind(self) -> ResourceKind:
        return kind_of(self.model)

    @property
    def arn(self) -> str:
        return self.model.arn or ""

    @property
    def name(self) -> str:
        return self.model.name or ""

    @property
    def region(self) -> str:
        return self.model.region


@dataclass
class Inventory:
    resources: list[Resource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. one resource in two inputs
    # The kind names each input listed, by its label (a file, or the AWS API): a kind listed
    # with no resources has none, but a kind not listed was never looked at.
    listed: dict[str, frozenset[str]] = field(default_factory=dict)

    def extend(self, other: Inventory) -> None:
        self.resources.extend(other.resources)
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
        for label, kinds in other.listed.items():
            self.listed[label] = self.listed.get(label, frozenset()) | kinds

    def unlisted(self, kinds: Iterable[str]) -> list[str]:
        """Those of ``kinds`` that no input listed, in the table's order.

        A kind that could not be listed (a source error names it) counts as listed: its error
        already makes the scan incomplete. So does the kind of any resource held, for sources
        that do not say what they listed.
        """
        wanted = set(kinds)
        missing = wanted.difference(*self.listed.values(), (e.kind for e in self.errors))
        if missing:
            held = {type(resource.model) for resource in self.resources}
            missing -= {kind.name for kind in RESOURCE_KINDS.values() if kind.model in held}
        return [name for name in RESOURCE_KINDS if name in missing] + sorted(
            missing - set(RESOURCE_KINDS)
        )
