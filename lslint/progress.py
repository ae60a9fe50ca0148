"""What a live fetch shows while it runs (a redrawn line on a terminal) and after it ends
(one note per region that had to retry, for CI logs where a redrawn line is noise).

Nothing here imports boto3: the records are plain data that ``lslint.sources.aws`` fills.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from lslint.models import RESOURCE_KINDS
from lslint.wording import plural


@dataclass(frozen=True)
class Progress:
    """One step of a region's fetch, for a progress display."""

    region: str
    regions: int  # how many regions this fetch lists
    pages: int
    resources: int
    done: bool = False
    failed: bool = False
    retries: int = 0  # requests of this region sent again so far
    kind: str | None = None  # the one kind listed (counts name it), or None for several


class ProgressLine:
    """A one-line progress display, redrawn on a terminal, ended with a newline when done."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.regions: dict[str, Progress] = {}

    def __call__(self, step: Progress) -> None:
        with self.lock:
            self.regions[step.region] = step
            finished = step.regions == 1 and step.done
            if step.regions == 1:
                line = self._single(step)
            else:
                line = self._several(step)
                finished = sum(1 for s in self.regions.values() if s.done) == step.regions
            self.stream.write(f"\r\x1b[K{line}")
            if finished:
                self.stream.write("\n")
            self.stream.flush()

    @staticmethod
    def _single(step: Progress) -> str:
        state = ("failed, " if step.failed else "done, ") if step.done else ""
        return f"listing {step.region}: {state}{_counts(step)}"

    def _several(self, step: Progress) -> str:
        seen = self.regions.values()
        done = sum(1 for s in seen if s.done)
        failed = sum(1 for s in seen if s.failed)
        totals = _counts(
            Progress(
                step.region,
                step.regions,
                sum(s.pages for s in seen),
                sum(s.resources for s in seen),
                retries=sum(s.retries for s in seen),
                kind=step.kind,
            )
        )
        line = f"listing regions: {done}/{step.regions} done, {totals}"
        if failed:
            line += f", {failed} failed"
        if done < step.regions and not step.done:
            line += f" ({step.region}: {_counts(step)})"
        return line


def _counts(step: Progress) -> str:
    listed = (
        RESOURCE_KINDS[step.kind].count(step.resources)
        if step.kind is not None
        else plural(step.resources, "resource")
    )
    text = f"{plural(step.pages, 'page')}, {listed}"
    if step.retries:
        text += f", {step.retries} {'retry' if step.retries == 1 else 'retries'}"
    return text


def retry_notes(retries: Mapping[str, Mapping[str, int]]) -> list[str]:
    """One line per region that retried, by region: ``eu-west-1: throttled, retried 3 times``.

    ``retries`` maps each region to why its requests were sent again (``throttled``, ``server
    error``, ...) and how often.
    """
    notes = []
    for region in sorted(retries):
        reasons = {reason: count for reason, count in retries[region].items() if count > 0}
        if not reasons:
            continue
        total = sum(reasons.values())
        times = "once" if total == 1 else f"{total} times"
        if len(reasons) == 1:
            [reason] = reasons
            notes.append(f"{region}: {reason}, retried {times}")
            continue
        ranked = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        detail = ", ".join(f"{reason} {count}" for reason, count in ranked)
        notes.append(f"{region}: retried {times} ({detail})")
    return notes
