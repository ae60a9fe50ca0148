"""Background work for live scans (lslint/sources/tasks.py)."""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest

from lslint.sources.tasks import Task, run_all


def test_results_come_back_in_order_with_the_limit_held() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def work(value: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02 * (5 - value))  # later works finish first
        with lock:
            running -= 1
        return value * 10

    assert run_all([partial(work, v) for v in range(5)], limit=2) == [0, 10, 20, 30, 40]
    assert most == 2


def test_an_error_in_the_work_is_raised_to_whoever_waits() -> None:
    def broken() -> int:
        raise ValueError("boom")

    task = Task(broken)
    with pytest.raises(ValueError, match="boom"):
        task.result()
    assert task.done()
    with pytest.raises(ValueError, match="boom"):
        run_all([lambda: 1, broken], limit=4)


def test_tasks_run_on_daemon_threads() -> None:
    release = threading.Event()
    task = Task(release.wait, name="lslint-test-task")
    [thread] = [t for t in threading.enumerate() if t.name == "lslint-test-task"]
    assert thread.daemon  # so an interrupted run does not wait for it at exit
    assert not task.done()
    release.set()
    assert task.result() is True
