"""Where resources come from. Every source turns something into an ``Inventory``."""

from __future__ import annotations

from typing import Protocol

from lslint.errors import InputError
from lslint.inventory import Inventory, Resource


class Source(Protocol):
    """Something that lists resources: a snapshot file, or the AWS API."""

    def collect(self) -> Inventory: ...


def collect_all(sources: list[Source]) -> Inventory:
    """Merge the inventories of several sources, in order; one ARN is one resource.

    The same resource saved twice (overlapping snapshots) is scanned once, with a warning;
    two different copies of one ARN are an error, since lslint cannot tell which is true, and
    so is one ARN twice in one file: that listing changed while it was paged.
    """
    merged = Inventory()
    for source in sources:
        merged.extend(source.collect())
    merged.resources, repeated = _unique(merged.resources)
    merged.warnings.extend(repeated)
    return merged


def _unique(resources: list[Resource]) -> tuple[list[Resource], list[str]]:
    first: dict[str, Resource] = {}
    kept: list[Resource] = []
    repeated: dict[tuple[str, str], list[tuple[Resource, Resource]]] = {}
    for resource in resources:
        arn = resource.arn
        if not arn:
            kept.append(resource)
            continue
        seen = first.get(arn)
        if seen is None:
            first[arn] = resource
            kept.append(resource)
        elif _same_file(seen, resource):
            # One listing that holds a resource twice changed while it was paged (the AWS
            # CLI pages as lslint does): others may have been skipped, as a live fetch says.
            raise InputError(
                f"{arn} appears twice in one listing, first at line {_line(seen)}: the list "
                "changed while it was paged, so other resources may be missing",
                where=_where(resource),
                hint="save the listing again ('lslint fetch' refuses such a listing)",
            )
        elif seen.model == resource.model:
            repeated.setdefault((_file(seen), _file(resource)), []).append((seen, resource))
        else:
            raise InputError(
                f"{arn} appears twice with different contents: in {_where(seen)} "
                f"and in {_where(resource)}",
                hint="scan snapshots of the same resources taken at one time, or one of them",
            )
    return kept, [_repeated_warning(pairs) for pairs in repeated.values()]


def _repeated_warning(pairs: list[tuple[Resource, Resource]]) -> str:
    """One warning per pair of inputs, however many resources they share."""
    seen, again = pairs[0]
    if len(pairs) == 1:
        return f"{seen.arn} appears in {_where(seen)} and again in {_where(again)}: scanned once"
    return (
        f"{len(pairs)} resources in {_file(again)} also appear in {_file(seen)} (the first: "
        f"{seen.arn} at {_where(seen)} and {_where(again)}): each scanned once"
    )


def _same_file(seen: Resource, again: Resource) -> bool:
    return bool(seen.origin and again.origin and seen.origin.path == again.origin.path)


def _line(resource: Resource) -> int:
    return resource.origin.line if resource.origin else 0


def _file(resource: Resource) -> str:
    return resource.origin.path if resource.origin else "the AWS API"


def _where(resource: Resource) -> str:
    origin = resource.origin
    return f"{origin.path}:{origin.line}" if origin else "the AWS API"
