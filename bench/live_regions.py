"""Benchmark a live multi-region fetch against the local Lightsail stand-in; prints figures.

    python bench/live_regions.py [--regions 20] [--pages 8] [--latency 0.05] [--repeat 5]
                                 [--gc cli|default]

Every request to the stand-in takes ``--latency`` seconds. Both runs list regions as
``lslint scan --all-regions`` does (GetRegions, then every page of each region), once with one
region and once with ``--regions``, alternately, ``--repeat`` times each; the medians are
compared. lslint lists regions in parallel, so the whole fetch should take close to one
region's chain, not the sum. Target: the 20-region median at most 1.5x the one-region median.
The ratio to the ideal chain ((pages + 1) x latency, as if lslint used no CPU) is printed too.

The stand-in runs in its own process. What remains in lslint's process is CPU work that
threads cannot overlap: about 5 ms to create each region's client (overlapped with the wait
for GetRegions where it can be) and about 2.5 ms per page (botocore's signing, events and
HTTP, then validating the instances). At 50 ms per request that work, not the network, sets
the wall time; with the latencies of real AWS regions (100 ms and more per call) the ratio
falls (try ``--latency 0.1``). The process runs with the CLI's garbage-collector settings
unless ``--gc default`` asks for CPython's, to compare.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import resource
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from standin import LightsailStandIn, RegionPlan, make_instances

from lslint.gctune import tune_for_batch_run
from lslint.sources.aws import AwsSource

REGIONS = [
    "us-east-1", "us-east-2", "us-west-2", "mx-central-1", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-2",
    "ap-south-1", "ap-east-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-5", "ap-northeast-1", "ap-northeast-2",
]  # fmt: skip


def serve(plans: dict[str, RegionPlan], pipe: Connection) -> None:
    with LightsailStandIn(plans) as standin:
        pipe.send(standin.url)
        pipe.recv()
        pipe.send(standin.max_in_flight)


def timed_fetch(plans: dict[str, RegionPlan]) -> tuple[float, int, int]:
    """List every region the stand-in offers, as ``lslint scan --all-regions`` does.

    The stand-in runs in its own process, as AWS would: its CPU work must not compete with
    lslint's threads for this process's interpreter lock. It is spawned, not forked: a forked
    child shares this process's memory copy-on-write, so every object lslint touches while the
    child lives would cost a page copy that a remote endpoint never causes.
    """
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=serve, args=(plans, child), daemon=True)
    server.start()
    try:
        os.environ["AWS_ENDPOINT_URL_LIGHTSAIL"] = parent.recv()
        start = time.perf_counter()
        inventory = AwsSource(all_regions=True).collect()
        elapsed = time.perf_counter() - start
        parent.send("stop")
        peak: int = parent.recv()
    finally:
        server.join(timeout=10)
    if inventory.errors:
        raise SystemExit(f"fetch failed: {inventory.errors[0]}")
    gc.collect()  # what a CLI run leaves in cycles ends with its process; so here, with the run
    return elapsed, len(inventory.resources), peak


def spread(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", type=int, default=20, choices=range(1, len(REGIONS) + 1))
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--page-size", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; medians compared")
    parser.add_argument(
        "--gc", choices=["cli", "default"], default="cli",
        help="the CLI's garbage-collector settings, or CPython's defaults (to compare)",
    )  # fmt: skip
    args = parser.parse_args()
    plans = {
        r: RegionPlan(
            make_instances(r, args.pages * args.page_size), args.page_size, latency=args.latency
        )
        for r in REGIONS[: args.regions]
    }
    os.environ.update(
        AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )  # fmt: skip
    if args.gc == "cli":
        tune_for_batch_run()
    one_region = {"us-east-1": plans["us-east-1"]}
    timed_fetch(one_region)  # warm-up: the first run pays for imports that a CLI run pays once
    ones: list[float] = []
    manys: list[float] = []
    for _ in range(max(1, args.repeat)):  # interleaved, so drift on the machine hits both
        ones.append(timed_fetch(one_region)[0])
        elapsed, count, peak = timed_fetch(plans)
        manys.append(elapsed)
    one, many = statistics.median(ones), statistics.median(manys)
    chain = (args.pages + 1) * args.latency  # GetRegions, then the pages
    print(f"stand-in latency:      {args.latency * 1000:.0f} ms per request")
    print(f"ideal chain:           {chain:.3f} s (GetRegions, then {args.pages} pages)")
    print(f"one region:            {spread(ones)}, {len(ones)} runs")
    print(f"{len(plans)} regions:            {spread(manys)}, {count} instances")
    print(f"ratio of medians:      {many / one:.2f}x (target <= 1.5x)")
    print(f"ratio to ideal chain:  {many / chain:.2f}x (no CPU work at all; for reference)")
    print(f"requests in flight:    {peak} at most")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS:              {peak_mib:.0f} MiB (lslint's process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
