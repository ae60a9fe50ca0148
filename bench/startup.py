"""Benchmark how fast lslint starts: prints figures, asserts nothing.

    python bench/startup.py [--repeat 15] [--tree PATH]

Each in a fresh process, runs interleaved ``--repeat`` times and prints the median wall and
CPU time of:

- ``lslint --version`` (target: at most 0.15 s);
- ``lslint scan -i examples/fleet.json -o OUT`` and the same of ``examples/estate.json``, with
  every built-in rule (target: at most 0.4 s);

then how loading rules grows with their number: fresh processes each load the first N built-in
rule files (automatic garbage collection off, as in the command line; CPU time, the fastest of
7 runs), and a straight line through their times gives the cost of one more rule (target: not
tens of milliseconds) and the fixed cost of the first.

Python's bytecode cache is on in the runs (``PYTHONDONTWRITEBYTECODE`` is removed from their
environment) and one unmeasured run writes it first, as an installed lslint runs. ``--tree``
runs the lslint of another checkout (a ``git worktree`` of an older commit, say) with its own
examples and rules, to compare before and after in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: the CPU time of loading the first N rule files, after the
# imports, with the garbage collector set as the command line sets it.
LOAD_RULES = """
import gc, json, sys, time
from pathlib import Path
from lslint.engine.loader import discover_rule_files, load_rules
gc.disable()
files = discover_rule_files([Path("rules")])[: int(sys.argv[1])]
start = time.process_time()
load_rules(files)
print(json.dumps(time.process_time() - start))
"""


def child_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], tree: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=tree, env=child_environment(), stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: findings
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    return elapsed, usage.ru_utime + usage.ru_stime


def rule_load_time(tree: Path, count: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", LOAD_RULES, str(count)],
        cwd=tree, env=child_environment(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds: float = json.loads(done.stdout)
    return seconds


def straight_line(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Intercept and slope of the least-squares line through ``points``."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    slope = statistics.covariance(xs, ys) / statistics.variance(xs)
    return statistics.mean(ys) - slope * statistics.mean(xs), slope


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args()
    tree: Path = args.tree.resolve()
    lslint = [sys.executable, "-m", "lslint"]
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "lslint --version": [*lslint, "--version"],
            "scan of examples/fleet.json": [
                *lslint, "scan", "-i", "examples/fleet.json", "-o", f"{tmp}/fleet.txt"
            ],
            "scan of examples/estate.json": [
                *lslint, "scan", "-i", "examples/estate.json", "-o", f"{tmp}/estate.txt"
            ],
        }  # fmt: skip
        for command in commands.values():
            timed(command, tree)  # writes the bytecode cache; not measured
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                runs[name].append(timed(command, tree))
    print(f"{tree}: python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"medians of {args.repeat} runs")  # fmt: skip
    for name, measured in runs.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        print(f"  {name:30} wall {wall:.3f} s  CPU {cpu:.3f} s  (fastest {min(measured)[0]:.3f} s)")

    total = len(list((tree / "rules").glob("*.yaml")))
    counts = sorted({1, max(1, total // 4), max(1, total // 2), total})
    # The fastest of several: other work on the machine only ever adds to these few ms.
    loads = {n: min(rule_load_time(tree, n) for _ in range(7)) for n in counts}
    print("  loading the first N built-in rules (CPU, fresh process, fastest of 7):")
    for n, seconds in loads.items():
        print(f"    {n:3} rules  {seconds * 1000:6.1f} ms")
    if len(counts) > 1:
        first, per_rule = straight_line(list(loads.items()))
        print(f"  per rule {per_rule * 1000:.2f} ms; fixed {first * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
