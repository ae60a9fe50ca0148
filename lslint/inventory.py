"""What a source delivers: resources with where they came from, and what it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field

from lslint.findings import ScanError
from lslint.models import LightsailResource, ResourceKind, kind_of


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

    def extend(self, other: Inventory) -> None:
        self.resources.extend(other.resources)
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
