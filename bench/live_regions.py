"""Benchmark a live fetch of every resource kind in many regions against the local stand-in.

    python bench/live_regions.py [--regions 20] [--pages 8] [--page-size 25] [--latency 0.05]
                                 [--repeat 5] [--kind KIND ...] [--concurrency N]
                                 [--gc cli|default] [--profile]

Every request to the stand-in takes ``--latency`` seconds, and every kind of every region holds
``--pages`` pages of ``--page-size`` resources. Each fetch lists regions as
``lslint scan --all-regions`` does: GetRegions, then every page of every kind of each region,
each kind-and-region page chain on a thread of its own. Three fetches are timed, interleaved
``--repeat`` times so that drift on the machine hits each alike, and their medians compared:

- one chain: one region, one kind (the longest single kind-and-region page chain);
- one region: one region, every kind;
- N regions: ``--regions`` regions, every kind.

Target: N regions at most 1.5x one chain. Ratios to one region and to the ideal chain
((pages + 1) x latency, as if lslint used no CPU) are printed too, as are lslint's CPU time (all
its threads), its CPU per request and per listed resource, and the most requests in flight.

It also does the same work in one thread with bare clients (make every client, send every
request one after another, validate every resource): the CPU that botocore and pydantic need
whatever lslint does around them. Threads overlap the network waits, not CPU work (the
interpreter lock), so that CPU, plus one chain's time off the network and the last answer's
wait, estimates the floor of the N-region wall time.

The stand-in runs in a process of its own, spawned once and reused, so that its CPU work never
competes with lslint's threads for lslint's interpreter lock (it still shares the machine's
cores, as any local server would). ``--profile`` runs the N-region fetch once more with every
thread under cProfile and prints where lslint's CPU goes, by area and by function. The process
runs with the CLI's garbage-collector settings unless ``--gc default`` asks for CPython's.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import multiprocessing
import os
import pstats
import resource
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import botocore.session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from standin import LightsailStandIn, RegionPlan, make_resources  # type: ignore[import-not-found]

from lslint.gctune import tune_for_batch_run
from lslint.models import RESOURCE_KINDS
from lslint.sources import tasks
from lslint.sources.aws import AwsSource, client_config

REGIONS = [
    "us-east-1", "us-east-2", "us-west-2", "mx-central-1", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-2",
    "ap-south-1", "ap-east-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-5", "ap-northeast-1", "ap-northeast-2",
]  # fmt: skip


def serve(plans: dict[str, RegionPlan], pipe: Connection) -> None:
    """The stand-in's process. Commands: ``("regions", names)`` serves those regions from then
    on (counters reset); ``("latency", seconds)`` answers that fast from then on; ``("stats",
    None)`` answers the requests served and the most in flight since; ``("stop", None)``."""
    with LightsailStandIn(plans) as standin:
        pipe.send(standin.url)
        while True:
            command, argument = pipe.recv()
            if command == "stop":
                return
            if command == "stats":
                pipe.send((len(standin.requests), standin.max_in_flight))
                continue
            if command == "latency":
                for plan in plans.values():
                    plan.latency = argument
            else:
                standin.regions = argument
                standin.requests.clear()
                standin.max_in_flight = 0
            pipe.send("ok")


@dataclass
class Run:
    wall: float
    cpu: float  # lslint's process, every thread
    resources: int
    requests: int
    in_flight: int


class Bench:
    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.options: dict[str, Any] = {}  # for AwsSource

    def fetch(self, regions: Sequence[str], kinds: Sequence[str]) -> Run:
        """One fetch of ``kinds`` as ``lslint scan --all-regions`` does it, with the stand-in
        offering ``regions``."""
        self.pipe.send(("regions", list(regions)))
        self.pipe.recv()
        gc.collect()  # what the previous run left in cycles ended with its CLI process
        cpu, start = time.process_time(), time.perf_counter()
        inventory = AwsSource(all_regions=True, kinds=kinds, **self.options).collect()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        if inventory.errors:
            raise SystemExit(f"fetch failed: {inventory.errors[0]}")
        self.pipe.send(("stats", None))
        requests, in_flight = self.pipe.recv()
        return Run(wall, cpu, len(inventory.resources), requests, in_flight)


@dataclass
class Floor:
    """The CPU work of a fetch done in one thread, one call after another, with answers sent
    at once (a process that waits between calls pays more CPU for each: cold caches): what
    no structure of lslint's can avoid while it uses botocore and pydantic."""

    clients: float  # making every region's client
    requests: float  # every call, botocore's request and answer (lslint's raw JSON parser)
    validation: float  # every resource validated by its model
    made: int
    sent: int
    validated: int

    @property
    def total(self) -> float:
        return self.clients + self.requests + self.validation


def floor(bench: Bench, regions: Sequence[str], kinds: Sequence[str], latency: float) -> Floor:
    bench.pipe.send(("regions", list(regions)))
    bench.pipe.recv()
    bench.pipe.send(("latency", 0.0))
    bench.pipe.recv()
    try:
        return _floor(regions, kinds)
    finally:
        bench.pipe.send(("latency", latency))
        bench.pipe.recv()


def _floor(regions: Sequence[str], kinds: Sequence[str]) -> Floor:
    source = AwsSource(regions=regions, kinds=kinds)
    session = source._session(botocore.session.Session())
    config = client_config()
    session.client("lightsail", region_name=regions[0], config=config)  # warm the loaders
    start = time.process_time()
    clients = [session.client("lightsail", region_name=r, config=config) for r in regions]
    made = time.process_time()
    pages: list[tuple[type[Any], list[Any]]] = []
    for client in clients:
        for kind in source.kinds:
            call = getattr(client, botocore.xform_name(kind.operation))
            token = None
            while True:
                answer = call(**kind.request, **({"pageToken": token} if token else {}))
                pages.append((kind.model, answer[kind.response_key]))
                token = answer.get("nextPageToken")
                if not token:
                    break
    sent = time.process_time()
    validated = sum(len([model.model_validate(item) for item in page]) for model, page in pages)
    done = time.process_time()
    return Floor(made - start, sent - made, done - sent, len(clients), len(pages), validated)


@contextmanager
def standin_process(plans: dict[str, RegionPlan]) -> Iterator[Bench]:
    """The stand-in in a process of its own. It is spawned, not forked: a forked child shares
    this process's memory copy-on-write, so every object lslint touches while the child lives
    would cost a page copy that a remote endpoint never causes."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=serve, args=(plans, child), daemon=True)
    server.start()
    try:
        os.environ["AWS_ENDPOINT_URL_LIGHTSAIL"] = parent.recv()
        yield Bench(parent)
        parent.send(("stop", None))
    finally:
        server.join(timeout=10)


def spread(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


# Where a function's own time is counted when profiling: the first area with a fragment that
# its file or name holds.
AREAS = [
    ("signing (SigV4)", "botocore/auth.py botocore/signers.py hmac _hashlib sha256"),
    ("endpoint resolution", "endpoint_provider regions.py botocore/endpoint.py"),
    ("events and handlers", "botocore/hooks.py botocore/handlers.py botocore/utils.py"),
    ("request building", "botocore/serialize.py botocore/validate.py botocore/awsrequest.py"),
    ("client call and parsing", "botocore/client.py botocore/parsers.py botocore/context.py"),
    ("HTTP (urllib3, http.client)", "urllib3 http/client.py socket ssl email/ httpsession"),
    ("JSON parsing", "json/ _json"),
    ("models (pydantic)", "pydantic lslint/models.py"),
    ("making clients", "loaders.py session.py boto3/ credentials.py configprovider.py args.py"),
    ("lslint's fetch (paging, retries, progress)", "lslint/"),
    ("threads and locks", "threading.py"),
]


def area_of(function: tuple[str, int, str]) -> str:
    where = f"{function[0]}:{function[2]}"
    for area, fragments in AREAS:
        if any(fragment in where for fragment in fragments.split()):
            return area
    return "other"


def profiled(fetch: Callable[[], Run]) -> tuple[Run, pstats.Stats]:
    """``fetch()`` with every thread it starts (and this one) under cProfile of its own."""
    profiles: list[cProfile.Profile] = []
    original = tasks.Task._run

    def run_profiled(task: Any) -> None:
        profile = cProfile.Profile(time.thread_time)  # CPU time: waiting is not work
        profiles.append(profile)
        profile.runcall(original, task)

    tasks.Task._run = run_profiled  # type: ignore[method-assign,assignment]
    main = cProfile.Profile(time.thread_time)
    try:
        run = main.runcall(fetch)
    finally:
        tasks.Task._run = original  # type: ignore[method-assign]
    stats = pstats.Stats(main)
    for profile in profiles:
        stats.add(profile)
    return run, stats


def own_times(stats: pstats.Stats) -> dict[tuple[str, int, str], float]:
    """Each Python function's own CPU time, with the time of the built-in functions it calls
    (``str.split``, ``dict.get``, socket calls: no file of their own) counted as its own."""
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = stats.stats  # type: ignore[attr-defined]
    own: dict[tuple[str, int, str], float] = defaultdict(float)
    for function, (_, _, tottime, _, callers) in table.items():
        if function[0] != "~" or not callers:
            own[function] += tottime
            continue
        spent = sum(entry[2] for entry in callers.values()) or 1.0
        for caller, entry in callers.items():
            own[caller] += tottime * entry[2] / spent
    return own


# Steps of a fetch, by the function that does each: (file, function, what it is).
STEPS = [
    ("botocore/session.py", "create_client", "making the regions' clients"),
    ("botocore/client.py", "_make_api_call", "botocore API calls, all told:"),
    ("botocore/client.py", "_convert_to_request_dict", "  building the request"),
    ("botocore/client.py", "_resolve_endpoint_ruleset", "  resolving the endpoint"),
    ("botocore/signers.py", "sign", "  signing (SigV4)"),
    ("botocore/httpsession.py", "send", "  HTTP (urllib3, http.client)"),
    ("lslint/sources/aws.py", "parse_answer", "  reading the answer (JSON, checks)"),
    ("lslint/sources/aws.py", "_add_page", "validating resources (pydantic)"),
]


def print_profile(stats: pstats.Stats, requests: int, top: int = 20) -> None:
    own = own_times(stats)
    own = {function: time for function, time in own.items() if function[0] != __file__}
    total = sum(own.values())
    print(
        f"\nprofile (cProfile, CPU time of every thread; profiling inflates small calls): "
        f"{total:.3f} s, {total / requests * 1000:.2f} ms per request"
    )
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = stats.stats  # type: ignore[attr-defined]
    for path, name, label in STEPS:
        spent = sum(
            entry[3] for function, entry in table.items()
            if function[0].endswith(path) and function[2] == name
        )  # fmt: skip
        print(f"  {spent / requests * 1000:6.3f} ms/request  {spent / total:5.1%}  {label}")
    areas: dict[str, float] = defaultdict(float)
    for function, seconds in own.items():
        areas[area_of(function)] += seconds
    print("\nby area (own time of each function, built-ins counted in their callers):")
    for area, seconds in sorted(areas.items(), key=lambda item: -item[1]):
        print(f"  {seconds / requests * 1000:6.3f} ms/request  {seconds / total:5.1%}  {area}")
    print(f"\ntop {top} functions by own time:")
    for function, seconds in sorted(own.items(), key=lambda item: -item[1])[:top]:
        where = f"{function[0].split('site-packages/')[-1]}:{function[1]}({function[2]})"
        print(f"  {seconds / requests * 1000:6.3f} ms/request  {where}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", type=int, default=20, choices=range(1, len(REGIONS) + 1))
    parser.add_argument("--pages", type=int, default=8, help="pages of each kind in each region")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--page-size", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; medians compared")
    parser.add_argument(
        "--kind", action="append", choices=list(RESOURCE_KINDS), default=[],
        help="kinds to list (repeatable; default every kind)",
    )  # fmt: skip
    parser.add_argument(
        "--gc", choices=["cli", "default"], default="cli",
        help="the CLI's garbage-collector settings, or CPython's defaults (to compare)",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="profile one N-region fetch")
    parser.add_argument("--concurrency", type=int, help="page chains at once (default: lslint's)")
    args = parser.parse_args()
    kinds = args.kind or list(RESOURCE_KINDS)
    count = args.pages * args.page_size
    plans = {
        region: RegionPlan(
            make_resources("instance", region, count),
            args.page_size,
            resources={kind: make_resources(kind, region, count) for kind in kinds},
            latency=args.latency,
        )
        for region in REGIONS[: args.regions]
    }
    os.environ.update(
        AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )  # fmt: skip
    if args.gc == "cli":
        tune_for_batch_run()
    home, many = ["us-east-1"], REGIONS[: args.regions]
    runs: dict[str, list[Run]] = {"chain": [], "region": [], "many": []}
    with standin_process(plans) as bench:
        if args.concurrency:
            bench.options["concurrency"] = args.concurrency
        bench.fetch(home, kinds)  # warm-up: the first run pays for imports a CLI run pays once
        for _ in range(max(1, args.repeat)):  # interleaved, so drift on the machine hits all
            runs["chain"].append(bench.fetch(home, kinds[:1]))
            runs["region"].append(bench.fetch(home, kinds))
            runs["many"].append(bench.fetch(many, kinds))
        serial = min(
            (floor(bench, many, kinds, args.latency) for _ in range(3)), key=lambda f: f.total
        )
        profile = profiled(lambda: bench.fetch(many, kinds)) if args.profile else None
    walls = {name: [run.wall for run in done] for name, done in runs.items()}
    chain, region, whole = (statistics.median(walls[name]) for name in ("chain", "region", "many"))
    last = runs["many"][-1]
    cpu = statistics.median(run.cpu for run in runs["many"])
    ideal = (args.pages + 1) * args.latency  # GetRegions, then the pages
    print(f"machine:               {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"stand-in latency:      {args.latency * 1000:.0f} ms per request")
    pages = f"{args.pages} page{'s' * (args.pages != 1)}"
    print(f"ideal chain:           {ideal:.3f} s (GetRegions, then {pages})")
    print(f"one chain:             {spread(walls['chain'])} (1 region, {kinds[0]} only)")
    print(f"one region:            {spread(walls['region'])} ({len(kinds)} kinds)")
    print(
        f"{len(many)} regions:            {spread(walls['many'])} ({len(kinds)} kinds, "
        f"{len(many) * len(kinds)} chains, {last.resources} resources, {last.requests} requests)"
    )
    print(
        f"ratio to one chain:    {whole / chain:.2f}x (target <= 1.5x), {len(walls['many'])} runs"
    )
    print(f"ratio to one region:   {whole / region:.2f}x")
    print(f"ratio to ideal chain:  {whole / ideal:.2f}x (no CPU work at all; for reference)")
    print(
        f"lslint CPU:            {cpu:.3f} s for {len(many)} regions (median), "
        f"{cpu / last.requests * 1000:.2f} ms per request, "
        f"{cpu / last.resources * 1e6:.0f} us per resource"
    )
    for name, label in (("chain", "one chain"), ("region", "one region")):
        single = statistics.median(run.cpu for run in runs[name])
        print(f"  {label + ':':19}  {single:.3f} s CPU ({runs[name][-1].requests} requests)")
    print(f"requests in flight:    {last.in_flight} at most ({len(many)} regions)")
    print(
        f"bare, in one thread:   {serial.total:.3f} s CPU (best of 3) = "
        f"{serial.made} clients x {serial.clients / serial.made * 1000:.2f} ms + "
        f"{serial.sent} requests x {serial.requests / serial.sent * 1000:.2f} ms + "
        f"{serial.validated} resources x {serial.validation / serial.validated * 1e6:.1f} us"
    )
    # One chain's work outside the network (start-up, session), then that CPU work, which
    # overlaps GetRegions at best, then the wait for the last answer.
    estimate = chain - ideal + max(args.latency, serial.total) + args.latency
    print(
        f"floor (estimate):      {estimate:.3f} s for {len(many)} regions = "
        f"{estimate / chain:.2f}x one chain (its time off the network + the CPU above + "
        f"the last answer's wait)"
    )
    print(
        f"lslint over bare:      {cpu - serial.total:+.3f} s CPU (start-up, threads, paging, "
        f"checks, and cold caches between waits)"
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS:              {peak_mib:.0f} MiB (lslint's process)")
    if profile is not None:
        print_profile(profile[1], profile[0].requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
