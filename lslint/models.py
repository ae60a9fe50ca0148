"""Pydantic models of the Lightsail resources lslint audits.

Field names are the API's own (camelCase), so a rule path such as
``metadataOptions.httpTokens`` is exactly what ``aws lightsail get-instances`` prints.
Every field is optional (absence is data), unknown fields are kept (AWS adds fields), and
enum-like strings stay plain strings: the API documents ``Public`` while real responses say
``public``, so they are compared case-insensitively by the engine, never rejected here.

Each enum-like field carries the values the API fixes, so that a misspelt literal in a rule
is a load error rather than a comparison that never matches. Data is never checked against
them: AWS adds values, and an unknown value in a response is simply a value no rule names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict


@dataclass(frozen=True)
class EnumLike:
    """Marks a string field whose values form a small vocabulary.

    The engine compares such fields case-insensitively. When ``values`` is given, rule
    literals are checked against it at load time, so a typo such as ``requird`` is an error.
    """

    values: tuple[str, ...] = ()


# Values botocore's service model declares (tests/engine/test_models.py keeps them in step with it).
REGION_NAMES = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "eu-south-2", "ca-central-1", "ap-east-1", "ap-south-1",
    "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-southeast-3",
    "ap-southeast-5", "sa-east-1",
)  # fmt: skip
RESOURCE_TYPES = (
    "ContainerService", "Instance", "StaticIp", "KeyPair", "InstanceSnapshot", "Domain",
    "PeeredVpc", "LoadBalancer", "LoadBalancerTlsCertificate", "Disk", "DiskSnapshot",
    "RelationalDatabase", "RelationalDatabaseSnapshot", "ExportSnapshotRecord",
    "CloudFormationStackRecord", "Alarm", "ContactMethod", "Distribution", "Certificate",
    "Bucket", "Subdomain",
)  # fmt: skip
ADD_ON_TYPES = ("AutoSnapshot", "StopInstanceOnIdle")
DISK_STATES = ("pending", "error", "available", "in-use", "unknown")
AUTO_MOUNT_STATUSES = ("Failed", "Pending", "Mounted", "NotMounted")
NETWORK_PROTOCOLS = ("tcp", "all", "udp", "icmp", "icmpv6")
PORT_ACCESS_TYPES = ("Public", "Private")
ACCESS_DIRECTIONS = ("inbound", "outbound")
IP_ADDRESS_TYPES = ("dualstack", "ipv4", "ipv6")
METADATA_STATES = ("pending", "applied")
HTTP_TOKENS = ("optional", "required")
ENABLED_OR_DISABLED = ("disabled", "enabled")
HEALTH_STATUSES = ("ok", "impaired", "initializing", "insufficient-data", "not-applicable")
HEALTH_DETAIL_NAMES = ("reachability",)
HEALTH_DETAIL_STATUSES = ("passed", "failed", "insufficient-data", "initializing")

# Values the API reference fixes where botocore's model leaves a plain string.
INSTANCE_STATES = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")
ADD_ON_STATUSES = (
    "Enabling", "Disabling", "Enabled", "Terminating", "Terminated", "Disabled", "Failed",
)  # fmt: skip
# Discontinued by the API (it reports ``attached`` for system disks), still in responses.
DISK_ATTACHMENT_STATES = ("attaching", "attached", "detaching", "detached")
# "The only alias currently supported is lightsail-connect" (InstancePortInfo).
CIDR_LIST_ALIASES = ("lightsail-connect",)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


# pydantic accepts epoch numbers (API, AWS CLI v1) and ISO 8601 strings (AWS CLI v2). Times are
# kept in UTC (a time without an offset is UTC, as everywhere in AWS), so that they compare and
# so that evidence does not depend on the time zone of the machine that saved the snapshot.
Timestamp = Annotated[datetime, AfterValidator(_utc)]


class LightsailModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    # A one-line description used when an element is quoted in a message or as evidence.
    def describe(self) -> str:
        shown = self.model_dump(mode="json", exclude_none=True, exclude_unset=True)
        return ", ".join(f"{k}={v}" for k, v in shown.items())


class ResourceLocation(LightsailModel):
    availabilityZone: str | None = None
    regionName: Annotated[str | None, EnumLike(REGION_NAMES)] = None


class Tag(LightsailModel):
    key: str | None = None
    value: str | None = None

    def describe(self) -> str:
        if self.value is None:
            return f"{self.key} (no value)"
        return f"{self.key}={self.value}" if self.value.strip() else f'{self.key}="{self.value}"'


class AddOn(LightsailModel):
    name: Annotated[str | None, EnumLike(ADD_ON_TYPES)] = None
    status: Annotated[str | None, EnumLike(ADD_ON_STATUSES)] = None
    snapshotTimeOfDay: str | None = None
    nextSnapshotTimeOfDay: str | None = None
    threshold: str | None = None
    duration: str | None = None


class LightsailResource(LightsailModel):
    """The members every Lightsail resource has, whatever its kind."""

    name: str | None = None
    arn: str | None = None
    supportCode: str | None = None
    createdAt: Timestamp | None = None
    location: ResourceLocation | None = None
    resourceType: Annotated[str | None, EnumLike(RESOURCE_TYPES)] = None
    tags: list[Tag] | None = None

    @property
    def region(self) -> str:
        """The region from ``location``, else from the ARN, else ``unknown``."""
        if self.location and self.location.regionName:
            return self.location.regionName
        parts = (self.arn or "").split(":")
        if len(parts) > 3 and parts[3]:
            return parts[3]
        return "unknown"


class Disk(LightsailResource):
    addOns: list[AddOn] | None = None
    sizeInGb: int | None = None
    isSystemDisk: bool | None = None
    iops: int | None = None
    path: str | None = None
    state: Annotated[str | None, EnumLike(DISK_STATES)] = None
    attachedTo: str | None = None
    isAttached: bool | None = None
    attachmentState: Annotated[str | None, EnumLike(DISK_ATTACHMENT_STATES)] = None
    gbInUse: int | None = None
    autoMountStatus: Annotated[str | None, EnumLike(AUTO_MOUNT_STATUSES)] = None

    def describe(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"{self.name or 'disk'}{where}"


class InstanceHardware(LightsailModel):
    cpuCount: int | None = None
    disks: list[Disk] | None = None
    ramSizeInGb: float | None = None


class MonthlyTransfer(LightsailModel):
    gbPerMonthAllocated: int | None = None


class InstancePortInfo(LightsailModel):
    fromPort: int | None = None
    toPort: int | None = None
    protocol: Annotated[str | None, EnumLike(NETWORK_PROTOCOLS)] = None
    accessFrom: str | None = None
    accessType: Annotated[str | None, EnumLike(PORT_ACCESS_TYPES)] = None
    commonName: str | None = None
    accessDirection: Annotated[str | None, EnumLike(ACCESS_DIRECTIONS)] = None
    cidrs: list[str] | None = None
    ipv6Cidrs: list[str] | None = None
    cidrListAliases: list[Annotated[str, EnumLike(CIDR_LIST_ALIASES)]] | None = None

    def describe(self) -> str:
        protocol = self.protocol or "?"
        if protocol.casefold() in ("icmp", "icmpv6"):
            ports = self._icmp_type_and_code()
        elif self.fromPort is None and self.toPort is None:
            ports = "?"
        elif self.fromPort == self.toPort:
            ports = str(self.fromPort)
        else:
            ports = f"{self.fromPort}-{self.toPort}"
        sources = [c for c in (self.cidrs or []) + (self.ipv6Cidrs or []) if c]
        sources += self.cidrListAliases or []
        if not sources and self.accessFrom:
            sources = [self.accessFrom]
        return f"{protocol}/{ports} from {', '.join(sources) or '?'}"

    def _icmp_type_and_code(self) -> str:
        # For ICMP, fromPort is the type and toPort the code; -1 means every type or code.
        kind = "all" if self.fromPort in (None, -1) else str(self.fromPort)
        return kind if self.toPort in (None, -1) else f"{kind}:{self.toPort}"


class InstanceNetworking(LightsailModel):
    monthlyTransfer: MonthlyTransfer | None = None
    ports: list[InstancePortInfo] | None = None


class InstanceState(LightsailModel):
    code: int | None = None
    name: Annotated[str | None, EnumLike(INSTANCE_STATES)] = None


class InstanceMetadataOptions(LightsailModel):
    state: Annotated[str | None, EnumLike(METADATA_STATES)] = None
    httpTokens: Annotated[str | None, EnumLike(HTTP_TOKENS)] = None
    httpEndpoint: Annotated[str | None, EnumLike(ENABLED_OR_DISABLED)] = None
    httpPutResponseHopLimit: int | None = None
    httpProtocolIpv6: Annotated[str | None, EnumLike(ENABLED_OR_DISABLED)] = None


class InstanceHealthStatusDetail(LightsailModel):
    name: Annotated[str | None, EnumLike(HEALTH_DETAIL_NAMES)] = None
    status: Annotated[str | None, EnumLike(HEALTH_DETAIL_STATUSES)] = None
    impairedSince: Timestamp | None = None


class InstanceHealthStatus(LightsailModel):
    status: Annotated[str | None, EnumLike(HEALTH_STATUSES)] = None
    details: list[InstanceHealthStatusDetail] | None = None


class Instance(LightsailResource):
    """A Lightsail instance, as ``GetInstances`` returns it."""

    blueprintId: str | None = None
    blueprintName: str | None = None
    bundleId: str | None = None
    addOns: list[AddOn] | None = None
    isStaticIp: bool | None = None
    privateIpAddress: str | None = None
    publicIpAddress: str | None = None
    ipv6Addresses: list[str] | None = None
    ipAddressType: Annotated[str | None, EnumLike(IP_ADDRESS_TYPES)] = None
    hardware: InstanceHardware | None = None
    networking: InstanceNetworking | None = None
    state: InstanceState | None = None
    username: str | None = None
    sshKeyName: str | None = None
    metadataOptions: InstanceMetadataOptions | None = None
    instanceStatus: InstanceHealthStatus | None = None
    systemStatus: InstanceHealthStatus | None = None


@dataclass(frozen=True)
class ResourceKind:
    """One kind of Lightsail resource, and everything lslint needs to know to audit it."""

    name: str  # what rules say (``resource: instance``) and what findings carry
    model: type[LightsailResource]
    shape: str  # the botocore shape the model follows
    operation: str  # the API operation that lists every resource of the kind in a region
    response_key: str  # the list in the operation's answer; also the key in snapshots
    plural: str  # in paths (lightsail/<region>/<plural>/<name>) and messages
    request: Mapping[str, Any] = field(default_factory=dict)  # fixed parameters of each call

    def count(self, number: int) -> str:
        """``1 instance``, ``3 instances``."""
        noun = self.name if number == 1 else self.plural
        return f"{number} {noun.replace('_', ' ')}"


# Every kind lslint audits, by its name in rules. Adding a kind comes down to its model above,
# a row here, an answer for its operation in the tests' stand-in (tests/standin.py), and rules:
# the loader, the engine, the sources and the reports all read this table.
RESOURCE_KINDS: dict[str, ResourceKind] = {
    kind.name: kind
    for kind in (
        ResourceKind(
            name="instance",
            model=Instance,
            shape="Instance",
            operation="GetInstances",
            response_key="instances",
            plural="instances",
            # Without it the answer leaves out instanceStatus and systemStatus.
            request={"includeHealthStatus": True},
        ),
    )
}


def kind_of(model: LightsailResource) -> ResourceKind:
    """The kind whose model ``model`` is."""
    for kind in RESOURCE_KINDS.values():
        if type(model) is kind.model:
            return kind
    raise LookupError(f"{type(model).__name__} is not the model of a resource kind")


def count_resources(counts: Mapping[str, int]) -> str:
    """``3 instances, 1 bucket`` from a count per kind name; kinds with none are left out
    unless every count is zero."""
    shown = [RESOURCE_KINDS[name].count(n) for name, n in counts.items() if n]
    if shown:
        return ", ".join(shown)
    if len(counts) == 1:
        [name] = counts
        return RESOURCE_KINDS[name].count(0)
    return "0 resources"
