"""Benchmark an offline scan of a large synthetic fleet; prints figures, asserts nothing.

    python bench/scan_fleet.py [--instances 10000] [--gc cli|default]

Target: 10,000 instances (far more than Lightsail quotas allow one account) scanned with the
built-in rules in under 10 s and 500 MiB peak RSS on the CI machine (2 cores, 24 GiB).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lslint.api import prepare, scan_time
from lslint.engine.evaluate import run
from lslint.gctune import tune_for_batch_run
from lslint.sources.snapshot import SnapshotSource

# One of them (ubuntu_18_04) is past its end of support, as in real fleets.
BLUEPRINTS = ("ubuntu_22_04", "debian_12", "amazon_linux_2023", "ubuntu_18_04")


def synthetic_instance(index: int, rng: random.Random) -> dict[str, Any]:
    region = rng.choice(["us-east-1", "us-west-2", "eu-west-2", "ap-southeast-1"])
    ports = [
        {"fromPort": p, "toPort": p, "protocol": "tcp", "accessFrom": "Custom",
         "accessType": "public", "accessDirection": "inbound",
         "cidrs": [rng.choice(["0.0.0.0/0", "203.0.113.0/24", "10.0.0.0/8"])],
         "ipv6Cidrs": rng.choice([[], ["::/0"]]), "cidrListAliases": []}
        for p in rng.sample([22, 80, 443, 3306, 5432, 8080, 3389], k=rng.randint(1, 4))
    ]  # fmt: skip
    tags = [{"key": k, "value": f"v{index}"} for k in rng.sample(["Owner", "Environment"], k=2)]
    return {
        "name": f"instance-{index:05d}",
        "arn": f"arn:aws:lightsail:{region}:111122223333:Instance/{index:08d}",
        "createdAt": 1_700_000_000 + index,
        "location": {"availabilityZone": f"{region}a", "regionName": region},
        "blueprintId": BLUEPRINTS[index % len(BLUEPRINTS)],
        "networking": {"ports": ports, "monthlyTransfer": {"gbPerMonthAllocated": 1024}},
        "metadataOptions": {"httpTokens": rng.choice(["optional", "required"]),
                            "httpEndpoint": "enabled"},
        "addOns": rng.choice([[], [{"name": "AutoSnapshot", "status": "Enabled"}]]),
        "tags": tags[: rng.randint(0, 2)],
        "hardware": {"cpuCount": 2, "ramSizeInGb": 4.0, "disks": [{"sizeInGb": 80}]},
        "state": {"code": 16, "name": "running"},
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument(
        "--gc", choices=["cli", "default"], default="cli",
        help="the CLI's garbage-collector settings, or CPython's defaults (to compare)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.gc == "cli":
        tune_for_batch_run()
    rng = random.Random(42)
    document = {"instances": [synthetic_instance(i, rng) for i in range(args.instances)]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fleet.json"
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        size_mib = path.stat().st_size / 2**20

        start = time.perf_counter()
        rules = prepare().rules
        loaded = time.perf_counter()
        inventory = SnapshotSource(str(path)).collect()
        parsed = time.perf_counter()
        result = run(rules, inventory, now=scan_time())
        done = time.perf_counter()

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"instances:        {args.instances} ({size_mib:.1f} MiB of JSON)")
    print(f"rules:            {len(rules)} loaded in {loaded - start:.3f} s")
    print(f"snapshot parse:   {parsed - loaded:.3f} s")
    print(f"evaluation:       {done - parsed:.3f} s ({len(result.checks)} checks, "
          f"{len(result.findings)} findings)")  # fmt: skip
    print(f"total:            {done - start:.3f} s")
    print(f"peak RSS:         {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
