"""lslint against Cloud Custodian on the same Lightsail stand-in: wall time, CPU, CPU per resource.

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -e . --group bench
    .venv-bench/bin/python bench/custodian.py [--regions 19] [--pages 8] [--latency 0.05]

Cloud Custodian (the `bench` dependency group) pins an older boto3 than lslint's own
environment may have, hence a virtual environment of its own.

Both tools list the same instances, databases and load balancers (the kinds Custodian knows in
Lightsail) from a stand-in in its own process, each tool in a fresh process of its own, with
equivalent checks: Custodian with value filters for a port open to the world and for IMDSv1,
lslint with its built-in rules. Custodian is warmed up by one run first (its first run
compiles and caches more). Figures are medians of ``--repeat`` runs of each, alternated.
Targets: lslint at least 10x faster in wall time, and less CPU per listed resource.
Prints figures, asserts nothing; writes only in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_regions import REGIONS, serve
from standin import RegionPlan, make_instances, make_resources

KINDS = {  # lslint's kind -> Custodian's resource
    "instance": "aws.lightsail-instance",
    "relational_database": "aws.lightsail-db",
    "load_balancer": "aws.lightsail-elb",
}
WORLD_OPEN = (
    "networking.ports[?contains(cidrs, '0.0.0.0/0') && fromPort != `80` && fromPort != `443`]"
)
POLICIES = """\
policies:
  - name: world-open-port
    resource: aws.lightsail-instance
    filters:
      - type: value
        key: "WORLD_OPEN"
        value_type: size
        op: gte
        value: 1
  - name: imdsv1-allowed
    resource: aws.lightsail-instance
    filters:
      - {type: value, key: metadataOptions.httpTokens, value: optional}
  - name: public-database
    resource: aws.lightsail-db
    filters:
      - {type: value, key: publiclyAccessible, value: true}
  - name: load-balancers
    resource: aws.lightsail-elb
""".replace("WORLD_OPEN", WORLD_OPEN)


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run of ``command`` in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    assert process.stderr is not None
    errors = process.stderr.read()
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{command[0]} failed:\n{errors[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", type=int, default=19, choices=range(1, len(REGIONS) + 1))
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--page-size", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    custodian = shutil.which("custodian") or str(Path(sys.executable).parent / "custodian")
    if not Path(custodian).exists():
        print("Cloud Custodian is not installed: pip install -e . --group bench")
        return 1
    # Custodian pins an older boto3: only the regions that its botocore knows too.
    known = set(boto3.session.Session().get_available_regions("lightsail"))
    regions = [region for region in REGIONS if region in known][: args.regions]
    count = args.pages * args.page_size
    plans = {
        region: RegionPlan(
            make_instances(region, count),
            args.page_size,
            resources={
                "relational_database": make_resources("relational_database", region, 3),
                "load_balancer": make_resources("load_balancer", region, 2),
            },
            latency=args.latency,
        )
        for region in regions
    }
    listed = len(regions) * (count + 5)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=serve, args=(plans, child), daemon=True)
    server.start()
    try:
        url = parent.recv()
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL_LIGHTSAIL": url,
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            # Custodian asks STS for the account id first; without a network the call would
            # wait for its timeouts. A closed port fails it at once, which is faster than a
            # real STS round trip: the comparison favours Custodian, if anything.
            "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
        }
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            policy = folder / "policy.yml"
            policy.write_text(POLICIES, encoding="utf-8")
            lslint = [
                sys.executable, "-m", "lslint", "scan", "--region", ",".join(regions),
                "--kind", ",".join(KINDS), "-f", "json", "-o", str(folder / "report.json"),
            ]  # fmt: skip
            c7n = [
                custodian, "run", "-s", str(folder / "out"), "--cache-period", "0",
                "--cache", str(folder / "cache"), str(policy),
                *(part for region in regions for part in ("-r", region)),
            ]  # fmt: skip
            run(c7n, env)  # warm-up
            ours, theirs = [], []
            for _ in range(max(1, args.repeat)):
                ours.append(run(lslint, env))
                theirs.append(run(c7n, env))
            report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
            scanned = report["summary"]["resources"]
            # What Custodian's policies matched, to show it listed the same resources.
            matched: dict[str, int] = {}
            for path in (folder / "out").rglob("resources.json"):
                found = len(json.loads(path.read_text(encoding="utf-8")))
                matched[path.parent.name] = matched.get(path.parent.name, 0) + found
    finally:
        parent.send(("stop", None))
        server.join(timeout=10)

    def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)

    (our_wall, our_cpu), (their_wall, their_cpu) = medians(ours), medians(theirs)
    print(
        f"{len(regions)} regions x {count} instances, 3 databases and 2 load balancers each "
        f"({listed} resources; lslint scanned {scanned}), {args.latency * 1000:.0f} ms per "
        f"request; medians of {len(ours)} runs"
    )
    print(f"Custodian matched: {dict(sorted(matched.items()))}")
    print("                 wall        CPU     CPU per resource")
    print(f"  lslint     {our_wall:7.3f} s  {our_cpu:7.3f} s  {our_cpu / listed * 1e6:8.0f} us")
    print(
        f"  Custodian  {their_wall:7.3f} s  {their_cpu:7.3f} s  {their_cpu / listed * 1e6:8.0f} us"
    )
    print(f"  Custodian / lslint: {their_wall / our_wall:.1f}x wall time (target >= 10x), "
          f"{their_cpu / our_cpu:.1f}x CPU")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
