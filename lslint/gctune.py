"""Garbage-collector settings for one command-line run.

An lslint run builds a large graph of objects that live until it exits (the AWS SDK's service
model, the rules, every instance as a model) and makes few reference cycles: an offline scan
leaves the same few dozen cyclic objects whatever the size of the fleet, and a live fetch
leaves its SDK clients once plus about 3 objects per page (``tests/project/test_gc.py`` holds lslint
to that). With CPython's default thresholds the collector walks that live graph again and
again, and in a live fetch it does so holding the interpreter lock the region threads share.
So the CLI process runs without automatic cyclic collection; reference counting still frees
everything outside a cycle, and the process ends when the run does.

What it buys (2 cores, Python 3.11; a live session is one run of the benchmark, 5 to 9 fetches
of each size, and the figure is the median of the sessions' medians)::

                                                               this     CPython's
                                                               setting  defaults
    live fetch, 20 regions x 200 instances, 50 ms a request    0.93 s   1.08 s   (5 sessions)
      20 regions against one region (bench target <= 1.5x)     1.44x    1.78x
    live fetch, the same at 100 ms a request                   1.32 s   1.75 s   (3 sessions)
    offline scan, 1,000 instances                              0.34 s   0.37 s   (5 runs)
    offline scan, 10,000 instances                             3.79 s   5.57 s   (5 runs)

The live fetch is why: without the setting the parallel fetch missed the benchmark's target in
every session at 50 ms. Offline, a fleet of realistic size gains nothing measurable; only
fleets far beyond one account's quotas do. Reproduce with::

    python bench/live_regions.py --gc cli       # and --gc default; add --latency 0.1
    python bench/scan_fleet.py --instances 1000 --gc cli    # and --gc default; 10000
"""

from __future__ import annotations

import gc


def tune_for_batch_run() -> None:
    """Turn automatic cyclic collection off; for the CLI process, not programs importing lslint."""
    gc.disable()


def skip_collection_at_exit() -> None:
    """Spare the interpreter's last collection, as the process ends, the walk of every object.

    Python collects once more while it shuts down, whether or not collection is on: with the
    models, the rules and the SDK loaded that walk took about 40 ms, a tenth of a small scan.
    Frozen objects are left out of it. Call this only when the run's output is written and its
    files closed: an object in a reference cycle is then never finalized (the standard streams
    are still flushed by the interpreter, as always).
    """
    gc.freeze()
