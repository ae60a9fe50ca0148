"""Benchmark offline scans against the cost of reading the JSON: prints figures, asserts nothing.

    python bench/offline.py [--sizes 1000,10000,100000] [--repeat 3]

For each size it writes a varied synthetic snapshot (every field the built-in rules read,
with realistic values and sizes), then times, each in a fresh process (median of --repeat):

- ``json.load`` of the file, the floor: what any tool pays to read it;
- ``lslint scan --input FILE -f json -o OUT`` and ``-f sarif``, with every built-in rule;
- reading the file into lslint's models and nothing more: what any scan pays before its first
  rule, with the models of the full API shapes that the design asks for.

It prints each run's wall time and peak RSS against the floor's (targets: at most 3x the
time, at most 1.5x the memory), and how one in-process scan splits its time between reading,
parsing and validating, evaluating, triage, and rendering the report into its file (one
pass, as the CLI writes it), with the time of rendering JSON and SARIF alone. Last, the
least a scan making that report could take: reading into the models plus the standard
library's C encoder writing the report's data, compact, from objects built in advance.
Temporary files only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REGIONS = ["us-east-1", "us-west-2", "eu-west-2", "eu-central-1", "ap-southeast-1"]
BLUEPRINTS = [
    ("ubuntu_22_04", "Ubuntu", "ubuntu"),
    ("ubuntu_24_04", "Ubuntu", "ubuntu"),
    ("ubuntu_18_04", "Ubuntu", "ubuntu"),
    ("debian_12", "Debian", "admin"),
    ("debian_10", "Debian", "admin"),
    ("amazon_linux_2023", "Amazon Linux 2023", "ec2-user"),
    ("amazon_linux_2", "Amazon Linux 2", "ec2-user"),
    ("amazon_linux", "Amazon Linux", "ec2-user"),
    ("centos_7_2009_01", "CentOS", "centos"),
    ("wordpress", "WordPress", "bitnami"),
    ("windows_server_2019", "Windows Server 2019", "Administrator"),
    ("windows_server_2012", "Windows Server 2012 R2", "Administrator"),
]
SOURCES = ["0.0.0.0/0", "0.0.0.0/00", "203.0.113.0/24", "198.51.100.7/32", "10.0.0.0/8",
           "192.0.2.0/28", "100.64.0.0/10"]  # fmt: skip
PORTS = [(22, 22, "tcp"), (80, 80, "tcp"), (443, 443, "tcp"), (3306, 3306, "tcp"),
         (5432, 5432, "tcp"), (3389, 3389, "tcp"), (8080, 8090, "tcp"), (53, 53, "udp"),
         (123, 123, "udp"), (0, 65535, "all"), (-1, -1, "icmp"), (6379, 6379, "tcp"),
         (27017, 27017, "tcp"), (60000, 61000, "udp"), (5900, 5900, "tcp")]  # fmt: skip


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime(epoch))


def port_entry(rng: random.Random) -> dict[str, Any]:
    low, high, protocol = rng.choice(PORTS)
    cidrs = rng.sample(SOURCES, k=rng.choice([0, 1, 1, 1, 2]))
    ipv6 = rng.choice([[], [], ["::/0"], ["2001:db8::/32"]])
    world = any(c.startswith("0.0.0.0") for c in cidrs)
    return {
        "fromPort": low, "toPort": high, "protocol": protocol,
        "accessFrom": "Anywhere (0.0.0.0/0)" if world else "Custom",
        "accessType": "public", "commonName": "",
        "accessDirection": rng.choice(["inbound"] * 9 + ["outbound"]),
        "cidrListAliases": rng.choice([[], [], [], ["lightsail-connect"]]),
        "cidrs": cidrs, "ipv6Cidrs": ipv6,
    }  # fmt: skip


def synthetic_instance(index: int, rng: random.Random) -> dict[str, Any]:
    region = rng.choice(REGIONS)
    zone = f"{region}{rng.choice('abc')}"
    created = 1_600_000_000 + rng.randrange(150_000_000)
    blueprint, blueprint_name, user = rng.choice(BLUEPRINTS)
    name = f"{rng.choice(['web', 'api', 'db', 'worker', 'bastion', 'cache'])}-{index:06d}"
    uid = f"{index:08x}-{rng.getrandbits(16):04x}-4abc-8abc-{rng.getrandbits(48):012x}"
    tags = [{"key": "Owner", "value": rng.choice(["web-team", "data", "platform", ""])},
            {"key": "Environment", "value": rng.choice(["production", "staging", "dev", "prod"])},
            {"key": "CostCenter", "value": f"cc-{rng.randrange(100):03d}"}]  # fmt: skip
    disks = [{"createdAt": iso(created), "sizeInGb": rng.choice([40, 80, 160]),
              "isSystemDisk": True, "iops": 240, "path": "/dev/xvda",
              "attachedTo": name, "attachmentState": "attached"}]  # fmt: skip
    for extra in range(rng.choice([0, 0, 1, 2])):
        disks.append({
            "name": f"{name}-data-{extra}",
            "arn": f"arn:aws:lightsail:{region}:111122223333:Disk/{uid}{extra}",
            "createdAt": iso(created + 3600), "sizeInGb": 256, "isSystemDisk": False, "iops": 768,
            "path": f"/dev/xvd{'fg'[extra]}", "attachedTo": name, "attachmentState": "attached",
            "isAttached": True, "state": "in-use",
            "autoMountStatus": rng.choice(["Mounted", "Mounted", "Failed", "NotMounted"]),
            "addOns": rng.choice([[], [{"name": "AutoSnapshot", "status": "Enabled"}]]),
        })  # fmt: skip
    public = rng.random() < 0.9
    status = rng.choice(["ok"] * 8 + ["impaired", "initializing"])
    return {
        "name": name,
        "arn": f"arn:aws:lightsail:{region}:111122223333:Instance/{uid}",
        "supportCode": f"111122223333/i-{uid.replace('-', '')[:15]}",
        "createdAt": iso(created),
        "location": {"availabilityZone": zone, "regionName": region},
        "resourceType": "Instance",
        "tags": tags[: rng.choice([0, 1, 2, 2, 3, 3])],
        "blueprintId": blueprint,
        "blueprintName": blueprint_name,
        "bundleId": rng.choice(["nano_3_0", "micro_3_0", "small_3_0", "medium_3_0", "large_3_0"]),
        "addOns": rng.choice(
            [
                [],
                [{"name": "AutoSnapshot", "snapshotTimeOfDay": "06:00", "status": "Enabled"}],
                [{"name": "AutoSnapshot", "snapshotTimeOfDay": "02:30", "status": "Failed"}],
                [{"name": "AutoSnapshot", "snapshotTimeOfDay": "06:00", "status": "Disabled"}],
            ]
        ),
        "isStaticIp": rng.random() < 0.5,
        "privateIpAddress": f"172.26.{index % 250}.{index % 200 + 10}",
        **({"publicIpAddress": f"198.51.{index % 250}.{index % 200 + 1}"} if public else {}),
        "ipv6Addresses": rng.choice([[], [f"2600:1f18::{index:x}"]]),
        "ipAddressType": rng.choice(["ipv4", "dualstack", "dualstack", "ipv6"]),
        "hardware": {
            "cpuCount": rng.choice([1, 2, 4]),
            "disks": disks,
            "ramSizeInGb": rng.choice([0.5, 1.0, 2.0, 4.0, 8.0]),
        },
        "networking": {
            "monthlyTransfer": {"gbPerMonthAllocated": rng.choice([1024, 2048, 3072])},
            "ports": [port_entry(rng) for _ in range(rng.choice([1, 2, 3, 3, 4, 5, 7]))],
        },
        "state": {"code": 16, "name": rng.choice(["running"] * 9 + ["stopped"])},
        "username": user,
        "sshKeyName": rng.choice(["LightsailDefaultKeyPair", "ops-2024", "deploy"]),
        "metadataOptions": {
            "state": "applied",
            "httpTokens": rng.choice(["required", "required", "optional"]),
            "httpEndpoint": rng.choice(["enabled"] * 9 + ["disabled"]),
            "httpPutResponseHopLimit": rng.choice([1, 1, 1, 2, 64]),
            "httpProtocolIpv6": rng.choice(["disabled", "disabled", "enabled"]),
        },
        "instanceStatus": {"status": status, "details": []},
        "systemStatus": {"status": "ok", "details": []},
    }


def write_snapshot(path: Path, count: int) -> None:
    rng = random.Random(count)
    instances = [synthetic_instance(i, rng) for i in range(count)]
    # As `aws lightsail get-instances` prints it: indented, one field a line.
    path.write_text(json.dumps({"instances": instances}, indent=4), encoding="utf-8")


def timed(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds of one run of ``command`` in a fresh
    process. On a machine shared with other work, CPU time varies far less than wall time."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: findings
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def medians(command: list[str], repeat: int) -> tuple[float, float, float]:
    runs = [timed(command) for _ in range(repeat)]
    wall, rss, cpu = (statistics.median(column) for column in zip(*runs, strict=True))
    return wall, rss, cpu


def _ignore(_index: int, _value: Any, _line: int) -> None:
    """Receives a decoded resource and keeps nothing."""


def read_into_models(path: Path) -> None:
    """What a scan does before judging: start, read and validate the snapshot, as the CLI does."""
    from lslint.gctune import tune_for_batch_run  # noqa: PLC0415
    from lslint.sources.snapshot import parse_snapshot  # noqa: PLC0415

    tune_for_batch_run()
    parse_snapshot(path.read_text(encoding="utf-8"), str(path))


def encoding_floor(report: Path) -> dict[str, float]:
    """Seconds the standard library's C encoder takes to write the report's data, built in
    advance, as compact JSON (its fastest form; the report itself is indented), and the
    report's size in MiB."""
    data = json.loads(report.read_text(encoding="utf-8"))
    start = time.perf_counter()
    json.dumps(data)
    return {"seconds": time.perf_counter() - start, "mib": report.stat().st_size / 2**20}


def verdicts_alone(rules: list[Any], inventory: Any) -> float:
    """Seconds the rules' generated truth functions take to settle whether each check passes,
    with nothing else: no message, evidence, finding or record of the check."""
    from lslint.api import scan_time  # noqa: PLC0415
    from lslint.engine.evaluate import rule_truths  # noqa: PLC0415

    now = scan_time()
    planned = [(rule_truths(rule), rule.operands) for rule in rules]
    models = [resource.model for resource in inventory.resources]
    start = time.perf_counter()
    for (applies, fails), operands in planned:
        for model in models:
            if applies is None or applies(model, operands, now) is True:
                fails(model, operands, now)
    return time.perf_counter() - start


def split(path: Path, out: Path) -> dict[str, Any]:
    """How one in-process scan to JSON spends its time, stage by stage, and what judging the
    instances with each rule alone costs."""
    from lslint.api import prepare, report_root, scan_context, scan_time  # noqa: PLC0415
    from lslint.engine.evaluate import run  # noqa: PLC0415
    from lslint.gctune import tune_for_batch_run  # noqa: PLC0415
    from lslint.jsoninput import read_document  # noqa: PLC0415
    from lslint.models import RESOURCE_KINDS  # noqa: PLC0415
    from lslint.output import write_all  # noqa: PLC0415
    from lslint.reporters import ReportContext, render_chunks  # noqa: PLC0415
    from lslint.sources.snapshot import parse_snapshot  # noqa: PLC0415
    from lslint.triage import triage  # noqa: PLC0415

    tune_for_batch_run()
    stages: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[stage] = now - clock
        clock = now

    setup = prepare()
    lap("load rules")
    text = path.read_text(encoding="utf-8")
    lap("read")
    # Decoded as the scan decodes it (each resource handed out as soon as it is read, its
    # short texts shared), so that "validate" is the rest of reading the snapshot.
    ignored = {kind.response_key: _ignore for kind in RESOURCE_KINDS.values()}
    read_document(text, str(path), streams=ignored, share_texts=True)
    lap("parse (JSON alone)")
    inventory = parse_snapshot(text, str(path))
    stages["validate"] = time.perf_counter() - clock - stages["parse (JSON alone)"]
    lap("parse and validate")
    del stages["parse and validate"]
    now = scan_time()
    overrides = setup.overrides.on(now.date())  # as the CLI does: expiry at the scan time
    result = run(setup.rules, inventory, overrides, now=now)
    lap("evaluate")
    triage(result, inventory, suppressor=setup.suppressor.on(now.date()), overrides=overrides)
    lap("triage")
    scanned = scan_context(inventory, now, inputs=[str(path)], regions=[])
    context = ReportContext(root=report_root(), scan=scanned)
    # As the CLI does: the report is made piece by piece as it is written into its file.
    write_all([(str(out), render_chunks("json", result, context))])
    lap("render and write")
    rendering: dict[str, float] = {}
    for fmt in ("json", "sarif"):  # the same again without writing, for the share of each
        start = time.perf_counter()
        for _ in render_chunks(fmt, result, context):
            pass
        rendering[fmt] = time.perf_counter() - start
    judging = [rule for rule in setup.rules if rule.resource == "instance"]
    each: dict[str, float] = {}
    for rule in judging:
        start = time.perf_counter()
        run([rule], inventory, overrides, now=now)
        each[f"{rule.id} {rule.name}"] = time.perf_counter() - start
    encoding = encoding_floor(out)
    verdicts = verdicts_alone(judging, inventory)
    return {
        "verdicts": verdicts,
        "stages": stages,
        "rules": len(judging),
        "per_rule": each,
        "rendering": rendering,
        "encoding": encoding,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lslint = [sys.executable, "-m", "lslint"]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            path = folder / f"fleet-{size}.json"
            # In a process of its own: a child's peak RSS counts the memory its parent held
            # when it was started, so the parent must stay small for the figures to be true.
            subprocess.run([sys.executable, __file__, "--write", str(path), str(size)], check=True)
            mib = path.stat().st_size / 2**20
            floor = [sys.executable, "-c", f"import json; json.load(open({str(path)!r}))"]
            floor_s, floor_rss, floor_cpu = medians(floor, args.repeat)
            print(f"\n{size:,} instances, {mib:.1f} MiB of JSON")
            print(f"  json.load               {floor_s:7.3f} s  {floor_rss:7.0f} MiB  "
                  f"cpu {floor_cpu:6.3f} s")  # fmt: skip
            for fmt in ("json", "sarif"):
                out = folder / f"report.{fmt}"
                command = [*lslint, "scan", "--input", str(path), "-f", fmt, "-o", str(out)]
                took, rss, cpu = medians(command, args.repeat)
                print(
                    f"  lslint scan -f {fmt:<6}  {took:7.3f} s  {rss:7.0f} MiB  cpu {cpu:6.3f} s  "
                    f"{took / floor_s:5.2f}x time (target <= 3x), "
                    f"{rss / floor_rss:4.2f}x memory (target <= 1.5x), {cpu / floor_cpu:5.2f}x cpu"
                )
            models = [sys.executable, __file__, "--models", str(path)]
            models_s, models_rss, models_cpu = medians(models, args.repeat)
            print(
                f"  read into the models    {models_s:7.3f} s  {models_rss:7.0f} MiB  "
                f"cpu {models_cpu:6.3f} s  {models_s / floor_s:5.2f}x time, nothing judged"
            )
            stages = subprocess.run(
                [sys.executable, __file__, "--split", str(path), str(folder / "split.json")],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            measured = json.loads(stages)
            figures, rules = measured["stages"], measured["rules"]
            total = sum(figures.values())
            print(f"  one scan to JSON in-process, {total:.3f} s, {rules} rules judge instances:")
            for stage, seconds in figures.items():
                print(f"    {stage:<20} {seconds:7.3f} s  {seconds / total:6.1%}")
            for fmt, seconds in measured["rendering"].items():
                print(f"    (rendering {fmt} alone, not written: {seconds:.3f} s)")
            per_rule = figures["evaluate"] / rules
            print(f"    evaluation per rule  {per_rule * 1000:7.1f} ms "
                  f"({per_rule / size * 1e6:.2f} us per instance)")  # fmt: skip
            encoding = measured["encoding"]
            least = models_s + encoding["seconds"]
            print(
                f"  least a scan making this report takes: {models_s:.3f} s reading into the "
                f"models + {encoding['seconds']:.3f} s for json.dumps (C, compact) of the "
                f"report's data ({encoding['mib']:.0f} MiB indented) = {least:.3f} s, "
                f"{least / floor_s:.2f}x json.load, before any rule is judged"
            )
            verdicts = measured["verdicts"]
            print(
                f"  and the rules' verdicts alone (truth functions, no finding made): "
                f"{verdicts:.3f} s, {verdicts / floor_s:.2f}x json.load more"
            )
            print("  each rule alone on every instance (most costly first):")
            ranked = sorted(measured["per_rule"].items(), key=lambda item: -item[1])
            for rule, seconds in ranked:
                print(f"    {rule:<48} {seconds * 1000:8.1f} ms  "
                      f"{seconds / size * 1e6:6.2f} us per instance")  # fmt: skip
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write_snapshot(Path(sys.argv[2]), int(sys.argv[3]))
        sys.exit(0)
    if sys.argv[1:2] == ["--models"]:
        read_into_models(Path(sys.argv[2]))
        sys.exit(0)
    if sys.argv[1:2] == ["--split"]:
        print(json.dumps(split(Path(sys.argv[2]), Path(sys.argv[3]))))
        sys.exit(0)
    sys.exit(main())
