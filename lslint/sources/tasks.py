"""Work on background threads that never keep the process alive.

``concurrent.futures`` joins its worker threads when the interpreter exits, so a Ctrl-C during
a live scan would wait for every request still on the network (up to the read timeout, with
retries). These tasks run on daemon threads instead: an interrupted run exits at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Generic, TypeVar, cast

T = TypeVar("T")


class Task(Generic[T]):
    """Runs ``work`` on a daemon thread from the moment it is made."""

    def __init__(self, work: Callable[[], T], name: str = "lslint-task") -> None:
        self._work = work
        self._finished = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the result
            self._error = exc
        finally:
            self._finished.set()

    def done(self) -> bool:
        return self._finished.is_set()

    def result(self) -> T:
        """The work's return value, or its exception raised here; waits (Ctrl-C still works)."""
        self._finished.wait()
        if self._error is not None:
            raise self._error
        return cast(T, self._value)


def run_all(works: Sequence[Callable[[], T]], limit: int) -> list[T]:
    """Every work's result, in order, with at most ``limit`` running at the same moment."""
    gate = threading.BoundedSemaphore(max(1, limit))

    def gated(work: Callable[[], T]) -> T:
        with gate:
            return work()

    tasks = [Task(partial(gated, work), f"lslint-task-{n}") for n, work in enumerate(works)]
    return [task.result() for task in tasks]
