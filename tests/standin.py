"""A local Lightsail stand-in: a stdlib HTTP server speaking the Lightsail JSON 1.1 protocol.

boto3 is pointed at it with ``AWS_ENDPOINT_URL_LIGHTSAIL``, so live-fetch code runs over real
HTTP. The region of each request is read from the SigV4 credential scope in the Authorization
header. Faults are planned per region and kind: throttling, 5xx, access errors, a repeated
page token, a malformed body, added latency, and hostile answers (bodies that are not objects,
wrong-typed page tokens, endless page chains, invalid UTF-8, numbers beyond a float, deep
nesting, a body cut short).
It answers GetRegions and the listing operation of every kind in lslint's table of resource
kinds (``RESOURCE_KINDS``): a region's ``RegionPlan`` holds the resources of each kind.
Only 127.0.0.1 is ever bound.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from lslint.models import RESOURCE_KINDS, ResourceKind

TARGET_PREFIX = "Lightsail_20161128."
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/lightsail/aws4_request")

# Faults, by name. Each takes the request; "throttle" and the like can be planned N times.
ERRORS: dict[str, tuple[int, str, str]] = {
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "server_error": (500, "ServiceException", "An internal error occurred"),
    "unavailable": (503, "ServiceUnavailableException", "Service unavailable"),
    "access_denied": (400, "AccessDeniedException", "User is not authorized to GetInstances"),
    "unauthenticated": (400, "UnauthenticatedException", "The security token is invalid"),
    "unauthorized_operation": (403, "UnauthorizedOperation", "You are not authorized"),
    "expired_token": (
        400,
        "ExpiredTokenException",
        "The security token included in the request is expired",
    ),
}

_DEEP = b"[" * 5000 + b"]" * 5000

# Faults whose GetInstances answer is a fixed body, sent as it is with HTTP 200.
RAW_BODIES: dict[str, bytes] = {
    "malformed": b'{"instances": [{"name": ',
    "body_list": b"[]",
    "body_null": b"null",
    "body_number": b"42",
    "body_string": b'"instances"',
    "invalid_utf8": b'{"instances": [{"name": "vm-\xff\xfe"}]}',
    "infinity": b'{"instances": [{"name": "vm-inf", "hardware": {"ramSizeInGb": 1e400}}]}',
    "infinity_unknown": b'{"instances": [{"name": "vm-inf", "futureField": -1e400}]}',
    "long_float": b'{"instances": [{"name": "vm-inf", "futureField": 1' + b"0" * 400 + b".5}]}",
    "nan_literal": b'{"instances": [{"name": "vm-nan", "futureField": NaN}]}',
    "infinity_literal": b'{"instances": [{"name": "vm-inf", "futureField": Infinity}]}',
    "deep_nesting": b'{"instances": [{"name": "vm-deep", "futureField": ' + _DEEP + b"}]}",
    "deep_nesting_200": b'{"instances": [{"name": "vm-deep", "futureField": '
    + b"[" * 200
    + b"]" * 200
    + b"}]}",
    "instance_not_object": b'{"instances": [42]}',
    "instance_null": b'{"instances": [null]}',
    "instances_object": b'{"instances": {"name": "vm-1"}}',
    "list_token": b'{"instances": [], "nextPageToken": ["page-1"]}',
    "number_token": b'{"instances": [], "nextPageToken": 42}',
    "object_token": b'{"instances": [], "nextPageToken": {"page": 1}}',
    # A second copy of a top-level key, which a JSON reader would let replace the first.
    "repeated_list": b'{"instances": [{"name": "vm-hidden"}], "instances": []}',
    "repeated_token": b'{"instances": [], "nextPageToken": "page-2", "nextPageToken": null}',
}

# Faults whose answer is an error status with a body that breaks the error protocol.
RAW_ERRORS: dict[str, tuple[int, bytes]] = {
    "error_body_list": (400, b"[]"),
    "error_body_null": (400, b"null"),
    "error_wrong_types": (400, b'{"__type": 42, "message": ["not", "text"]}'),
    "error_invalid_utf8": (400, b'{"__type": "Bad\xffCode", "message": "caf\xe9"}'),
    "error_huge_message": (400, b'{"__type": "BadRequest", "message": "' + b"x" * 100_000 + b'"}'),
}

# Errors whose type comes only in the ``x-amzn-ErrorType`` header, as the JSON protocols allow
# (a body without ``__type``): (status, header value, body).
HEADER_ERRORS: dict[str, tuple[int, str, bytes]] = {
    "throttle_in_header": (
        400,
        "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/",
        b'{"message": "Rate exceeded"}',
    ),
    "denied_in_header": (
        400,
        "com.amazonaws.lightsail#AccessDeniedException",
        b'{"Message": "User is not authorized"}',
    ),
}


class _Headed(bytes):
    """A body sent with an ``x-amzn-ErrorType`` header."""

    error_type = ""


TRUNCATED_BY = 1000  # bytes that a "truncated_body" answer promises but never sends


class _Truncated(bytes):
    """A body sent with a Content-Length larger than itself."""


@dataclass
class RegionPlan:
    """What one region answers: its resources of each kind, paged, and the faults to inject."""

    instances: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 25
    faults: list[str] = field(default_factory=list)  # GetInstances: one per request, in order
    always: str | None = None  # a fault for every GetInstances request
    # The resources of other kinds, by kind name: what their operations answer.
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The faults of other kinds' operations, by kind name, as ``faults`` and ``always``: the
    # kinds of a region are listed at the same time, so each kind has its own queue.
    kind_faults: dict[str, list[str]] = field(default_factory=dict)
    kind_always: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0  # seconds added to every request
    # "endless_tokens" answers a new page token every time, up to this many pages (so a
    # client that never stops still ends in a test), then no token.
    endless_until: int = 1_000

    def listed(self, kind: ResourceKind) -> list[dict[str, Any]]:
        return self.instances if kind.name == "instance" else self.resources.get(kind.name, [])

    def next_fault(self, kind: ResourceKind) -> str | None:
        """The fault planned for this request of ``kind``'s operation, if any (call locked)."""
        if kind.name == "instance":
            planned, always = self.faults, self.always
        else:
            planned, always = self.kind_faults.get(kind.name, []), self.kind_always.get(kind.name)
        return planned.pop(0) if planned else always


@dataclass
class Request:
    region: str
    target: str
    body: dict[str, Any]


class _ServedInThread:
    """A local HTTP server (``_server``) run on a thread of its own (``_thread``) while the
    object is used as a context manager."""

    _server: ThreadingHTTPServer
    _thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class LightsailStandIn(_ServedInThread):
    """Start with ``with LightsailStandIn(plans) as standin:``; ``standin.url`` is the endpoint."""

    def __init__(
        self,
        plans: dict[str, RegionPlan],
        regions: list[str] | None = None,
        *,
        regions_fault: str | None = None,  # a fault for every GetRegions request
        regions_faults: list[str] | None = None,  # faults for the first GetRegions requests
        regions_answer: Any = None,  # GetRegions answers this (JSON, or bytes sent as they are)
    ) -> None:
        self.plans = plans
        self.regions = regions if regions is not None else sorted(plans)
        self.regions_fault = regions_fault
        self.regions_faults = list(regions_faults or [])
        self.regions_answer = regions_answer
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests served at the same moment
        # The connections each region's requests came on (the client's port of each): a
        # client that reuses its connections opens few; one that queues or drops them, more.
        self.connections: dict[str, set[int]] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def calls(self, region: str, target: str = "GetInstances") -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.region == region and r.target == target]

    # ------------------------------------------------------------ request handling

    def _answer(self, region: str, target: str, body: dict[str, Any]) -> tuple[int, Any]:
        kind = next((k for k in RESOURCE_KINDS.values() if k.operation == target), None)
        with self._lock:
            self.requests.append(Request(region, target, body))
            plan = self.plans.get(region)
            fault = plan.next_fault(kind) if plan and kind else None
        if plan is None and target != "GetRegions":  # every Lightsail region answers that
            return _error(400, "InvalidInputException", f"Region {region} is not planned")
        if plan is not None and plan.latency:
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            time.sleep(plan.latency)
            with self._lock:
                self.in_flight -= 1
        if target == "GetRegions":
            with self._lock:
                planned = self.regions_faults.pop(0) if self.regions_faults else None
            if planned or self.regions_fault:
                return _error(*ERRORS[planned or str(self.regions_fault)])
            if self.regions_answer is not None:
                return 200, self.regions_answer
            return 200, {"regions": [{"name": name} for name in self.regions]}
        if kind is None:
            return _error(400, "UnknownOperationException", target)
        if fault in ERRORS:
            status, code, message = ERRORS[fault]
            return _error(status, code, message.replace("GetInstances", target))
        if fault in RAW_BODIES:
            return 200, RAW_BODIES[fault]
        if fault in RAW_ERRORS:
            return RAW_ERRORS[fault]
        if fault in HEADER_ERRORS:
            status, error_type, body = HEADER_ERRORS[fault]
            headed = _Headed(body)
            headed.error_type = error_type
            return status, headed
        if fault == "truncated_body":  # the connection closes before the promised length
            return 200, _Truncated(b'{"instances": [')
        if fault == "endless_tokens":
            served = len(self.calls(region, target))
            endless: dict[str, Any] = {kind.response_key: []}
            if served < plan.endless_until:
                endless["nextPageToken"] = f"endless-{served}"
            return 200, endless
        token = str(body.get("pageToken") or "page-0").removeprefix("page-")
        start = int(token) if token.isdigit() else 0
        listed = plan.listed(kind)
        page = listed[start : start + plan.page_size]
        if target == "GetInstances" and body.get("includeHealthStatus"):
            page = [_with_health_status(item) for item in page]
        answer: dict[str, Any] = {kind.response_key: page}
        if fault == "repeat_token":
            answer["nextPageToken"] = "page-stuck"
            answer[kind.response_key] = listed[: plan.page_size]
        elif start + plan.page_size < len(listed):
            answer["nextPageToken"] = f"page-{start + plan.page_size}"
        return 200, answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stalls

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                target = self.headers.get("X-Amz-Target", "").removeprefix(TARGET_PREFIX)
                found = _SCOPE.search(self.headers.get("Authorization", ""))
                region = found.group(1) if found else ""
                with standin._lock:
                    standin.connections.setdefault(region, set()).add(self.client_address[1])
                status, payload = standin._answer(region, target, json.loads(raw or b"{}"))
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                promised = len(data) + (TRUNCATED_BY if isinstance(payload, _Truncated) else 0)
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(promised))
                self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
                if isinstance(payload, _Headed):
                    self.send_header("x-amzn-ErrorType", payload.error_type)
                self.end_headers()
                self.wfile.write(data)
                if promised != len(data):
                    self.close_connection = True  # the rest of the body never comes

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops the connections of a client that opens more at
    # once (every kind of every region starts together), and each dropped one waits a second
    # for TCP to try again: a stall that no real endpoint causes.
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that gave up (a timeout, an interrupted run): expected in tests
        super().handle_error(request, client_address)


class StsStandIn(_ServedInThread):
    """An STS endpoint that refuses every request with one error (AccessDenied by default),
    as STS answers an AssumeRole that the caller may not make. Point boto3 at it with
    ``AWS_ENDPOINT_URL_STS``; ``requests`` counts what it was sent."""

    DENIED = (
        "User: arn:aws:iam::111122223333:user/me is not authorized to perform: "
        "sts:AssumeRole on resource: arn:aws:iam::111122223333:role/audit"
    )

    def __init__(self, code: str = "AccessDenied", message: str = DENIED) -> None:
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            f"<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        ).encode()
        self.requests = 0
        sts = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sts.requests += 1
                self.send_response(403)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)


def _error(status: int, code: str, message: str) -> tuple[int, Any]:
    return status, {"__type": code, "message": message}


_HEALTHY = {"status": "ok", "details": [{"name": "reachability", "status": "passed"}]}


def _with_health_status(item: Any) -> Any:
    """What GetInstances adds when asked with includeHealthStatus (as AWS does, only then)."""
    if not isinstance(item, dict):
        return item
    answer = dict(item)  # the instance's own fields first, as AWS orders them
    answer.setdefault("instanceStatus", _HEALTHY)
    answer.setdefault("systemStatus", _HEALTHY)
    return answer


def make_instances(region: str, count: int, prefix: str = "vm") -> list[dict[str, Any]]:
    """``count`` plausible instances in ``region`` (all fail LS002-LS004; none opens SSH).

    Their health status comes from the stand-in, and only for requests that ask for it."""
    return [
        {
            "name": f"{prefix}-{region}-{index:03d}",
            "arn": f"arn:aws:lightsail:{region}:111122223333:Instance/{region}-{index:06d}",
            "createdAt": 1_700_000_000.5 + index,
            "location": {"availabilityZone": f"{region}a", "regionName": region},
            "blueprintId": "ubuntu_24_04",
            "resourceType": "Instance",
            "networking": {
                "ports": [
                    {
                        "fromPort": 443,
                        "toPort": 443,
                        "protocol": "tcp",
                        "accessFrom": "Anywhere (0.0.0.0/0)",
                        "accessType": "public",
                        "accessDirection": "inbound",
                        "cidrs": ["0.0.0.0/0"],
                        "ipv6Cidrs": [],
                    },
                ]
            },
            "tags": [],
            "state": {"code": 16, "name": "running"},
            "sshKeyName": "ops-2025",
            "ipAddressType": "ipv4",
            "isStaticIp": True,
            "hardware": {"disks": [{"isSystemDisk": True, "path": "/dev/xvda"}]},
        }
        for index in range(count)
    ]


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (for connection-refused tests)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _base(kind: str, resource_type: str, region: str, name: str, index: int) -> dict[str, Any]:
    return {
        "name": name,
        "arn": f"arn:aws:lightsail:{region}:111122223333:{resource_type}/{kind}-{index:06d}",
        "supportCode": f"123456789012/{kind}-{index}",
        "createdAt": 1_700_000_000.5 + index,
        "location": {"availabilityZone": f"{region}a", "regionName": region},
        "resourceType": resource_type,
        "tags": [],
    }


def make_resources(kind: str, region: str, count: int) -> list[dict[str, Any]]:
    """``count`` plausible resources of ``kind`` (its name in rules) in ``region``, as the
    kind's operation answers them; names are ``<plural>-<region>-<index>``."""
    if kind == "instance":
        return make_instances(region, count)
    plural = RESOURCE_KINDS[kind].plural.replace("_", "-")
    made = []
    for index in range(count):
        name = f"{plural}-{region}-{index:03d}"
        made.append(_KIND_SAMPLES[kind](region, name, index))
    return made


def _database(region: str, name: str, index: int) -> dict[str, Any]:
    return {
        **_base("db", "RelationalDatabase", region, name, index),
        "relationalDatabaseBlueprintId": "mysql_8_0",
        "relationalDatabaseBundleId": "micro_2_0",
        "masterDatabaseName": "app",
        "hardware": {"cpuCount": 2, "diskSizeInGb": 40, "ramSizeInGb": 1.0},
        "state": "available",
        "backupRetentionEnabled": True,
        "pendingModifiedValues": {},
        "engine": "mysql",
        "engineVersion": "8.0.35",
        "latestRestorableTime": "2026-11-18T10:55:00+00:00",
        "masterUsername": "dbmasteruser",
        "parameterApplyStatus": "in-sync",
        "preferredBackupWindow": "06:00-06:30",
        "preferredMaintenanceWindow": "tue:07:00-tue:07:30",
        "publiclyAccessible": False,
        "masterEndpoint": {"port": 3306, "address": f"{name}.{region}.rds.amazonaws.com"},
        "pendingMaintenanceActions": [],
        "caCertificateIdentifier": "rds-ca-rsa2048-g1",
    }


def _bucket(region: str, name: str, index: int) -> dict[str, Any]:
    return {
        **_base("bucket", "Bucket", region, name, index),
        "accessRules": {"getObject": "private", "allowPublicOverrides": False},
        "bundleId": "small_1_0",
        "url": f"https://{name}.s3.{region}.amazonaws.com/",
        "objectVersioning": "NeverEnabled",
        "ableToUpdateBundle": True,
        "readonlyAccessAccounts": [],
        "resourcesReceivingAccess": [{"name": "web-1", "resourceType": "Instance"}],
        "state": {"code": "OK"},
        "accessLogConfig": {"enabled": False},
    }


def _load_balancer(region: str, name: str, index: int) -> dict[str, Any]:
    return {
        **_base("lb", "LoadBalancer", region, name, index),
        "dnsName": f"{name}.{region}.elb.amazonaws.com",
        "state": "active",
        "protocol": "HTTP_HTTPS",
        "publicPorts": [80, 443],
        "healthCheckPath": "/",
        "instancePort": 80,
        "instanceHealthSummary": [{"instanceName": "web-1", "instanceHealth": "healthy"}],
        "tlsCertificateSummaries": [{"name": "www-cert", "isAttached": True}],
        "configurationOptions": {
            "SessionStickinessEnabled": "false",
            "HttpsRedirectionEnabled": "true",
        },
        "ipAddressType": "dualstack",
        "httpsRedirectionEnabled": True,
        "tlsPolicyName": "TLS-2016-08",
    }


def _static_ip(region: str, name: str, index: int) -> dict[str, Any]:
    ip = _base("ip", "StaticIp", region, name, index)
    del ip["tags"]  # static IPs take no tags
    return {**ip, "ipAddress": f"192.0.2.{index % 250 + 1}", "attachedTo": "web-1",
            "isAttached": True}  # fmt: skip


def _disk(region: str, name: str, index: int) -> dict[str, Any]:
    return {
        **_base("disk", "Disk", region, name, index),
        "addOns": [{"name": "AutoSnapshot", "status": "Enabled", "snapshotTimeOfDay": "06:00"}],
        "sizeInGb": 32,
        "isSystemDisk": False,
        "iops": 100,
        "path": "/dev/xvdf",
        "state": "in-use",
        "attachedTo": "web-1",
        "isAttached": True,
        "attachmentState": "attached",
        "gbInUse": 0,
        "autoMountStatus": "Mounted",
    }


def _certificate(region: str, name: str, index: int) -> dict[str, Any]:
    arn = f"arn:aws:lightsail:{region}:111122223333:Certificate/cert-{index:06d}"
    return {
        "certificateArn": arn,
        "certificateName": name,
        "domainName": "www.example.com",
        "certificateDetail": {
            "arn": arn,
            "name": name,
            "domainName": "www.example.com",
            "status": "ISSUED",
            "serialNumber": "0a:1b:2c",
            "subjectAlternativeNames": ["www.example.com"],
            "domainValidationRecords": [
                {
                    "domainName": "www.example.com",
                    "validationStatus": "SUCCESS",
                    "resourceRecord": {
                        "name": "_x.www.example.com.",
                        "type": "CNAME",
                        "value": "_y.acm-validations.aws.",
                    },
                },
            ],
            "inUseResourceCount": 1,
            "keyAlgorithm": "RSA-2048",
            "createdAt": 1_700_000_000 + index,
            "issuedAt": 1_700_000_100 + index,
            "issuerCA": "Amazon",
            "notBefore": 1_700_000_000,
            "notAfter": 1_900_000_000,
            "eligibleToRenew": "ELIGIBLE",
            "renewalSummary": {"renewalStatus": "Success", "updatedAt": 1_790_000_000},
            "supportCode": f"123456789012/cert-{index}",
            "tags": [],
        },
        "tags": [],
    }


_KIND_SAMPLES = {
    "relational_database": _database,
    "bucket": _bucket,
    "load_balancer": _load_balancer,
    "static_ip": _static_ip,
    "disk": _disk,
    "certificate": _certificate,
}
