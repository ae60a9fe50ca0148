"""Where resources come from. Every source turns something into an ``Inventory``."""

from __future__ import annotations

from typing import Protocol

from lslint.inventory import Inventory


class Source(Protocol):
    """Something that lists resources: a snapshot file, or (later) the AWS API."""

    @property
    def label(self) -> str: ...

    def collect(self) -> Inventory: ...


def collect_all(sources: list[Source]) -> Inventory:
    """Merge the inventories of several sources, in order."""
    merged = Inventory()
    for source in sources:
        merged.extend(source.collect())
    return merged
