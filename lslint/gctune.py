"""Garbage-collector settings for one command-line run.

An lslint run builds a large graph of objects that live until it exits (the AWS SDK's service
model, the rules, every instance as a model) and makes few reference cycles: an offline scan
leaves the same few dozen cyclic objects whatever the size of the fleet, and a live fetch
leaves its SDK clients once plus about 3 objects per page (``tests/test_gc.py`` holds lslint
to that). With CPython's default thresholds the collector walks the live graph again and
again: a third of an offline scan's time, and in a live fetch CPU that the region threads
share under the interpreter lock. Thresholds about 300 times higher, as mypy sets them, kept
most of that cost in the live fetch (``bench/``). So the CLI process runs without automatic
cyclic collection; reference counting still frees everything outside a cycle, and the
process ends when the run does.
"""

from __future__ import annotations

import gc


def tune_for_batch_run() -> None:
    """Turn automatic cyclic collection off; for the CLI process, not programs importing lslint."""
    gc.disable()
