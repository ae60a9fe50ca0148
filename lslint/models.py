"""Pydantic models of the Lightsail resources lslint audits.

Field names are the API's own (camelCase), so a rule path such as
``metadataOptions.httpTokens`` is exactly what ``aws lightsail get-instances`` prints.
Every field is optional (absence is data), unknown fields are kept (AWS adds fields), and
enum-like strings stay plain strings: the API documents ``Public`` while real responses say
``public``, so they are compared case-insensitively by the engine, never rejected here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


@dataclass(frozen=True)
class EnumLike:
    """Marks a string field whose values form a small vocabulary.

    The engine compares such fields case-insensitively. When ``values`` is given, rule
    literals are checked against it at load time, so a typo such as ``requird`` is an error.
    """

    values: tuple[str, ...] = ()


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
    regionName: str | None = None


class Tag(LightsailModel):
    key: str | None = None
    value: str | None = None

    def describe(self) -> str:
        if self.value is None:
            return f"{self.key} (no value)"
        return f"{self.key}={self.value}" if self.value.strip() else f'{self.key}="{self.value}"'


class AddOn(LightsailModel):
    name: Annotated[str | None, EnumLike(("AutoSnapshot", "StopInstanceOnIdle"))] = None
    status: Annotated[str | None, EnumLike()] = None
    snapshotTimeOfDay: str | None = None
    nextSnapshotTimeOfDay: str | None = None
    threshold: str | None = None
    duration: str | None = None


class Disk(LightsailModel):
    name: str | None = None
    arn: str | None = None
    supportCode: str | None = None
    createdAt: Timestamp | None = None
    location: ResourceLocation | None = None
    resourceType: Annotated[str | None, EnumLike()] = None
    tags: list[Tag] | None = None
    addOns: list[AddOn] | None = None
    sizeInGb: int | None = None
    isSystemDisk: bool | None = None
    iops: int | None = None
    path: str | None = None
    state: Annotated[
        str | None, EnumLike(("pending", "error", "available", "in-use", "unknown"))
    ] = None
    attachedTo: str | None = None
    isAttached: bool | None = None
    attachmentState: Annotated[str | None, EnumLike()] = None
    gbInUse: int | None = None
    autoMountStatus: Annotated[
        str | None, EnumLike(("Failed", "Pending", "Mounted", "NotMounted"))
    ] = None


class InstanceHardware(LightsailModel):
    cpuCount: int | None = None
    disks: list[Disk] | None = None
    ramSizeInGb: float | None = None


class MonthlyTransfer(LightsailModel):
    gbPerMonthAllocated: int | None = None


class InstancePortInfo(LightsailModel):
    fromPort: int | None = None
    toPort: int | None = None
    protocol: Annotated[str | None, EnumLike(("tcp", "all", "udp", "icmp", "icmpv6"))] = None
    accessFrom: str | None = None
    accessType: Annotated[str | None, EnumLike(("Public", "Private"))] = None
    commonName: str | None = None
    accessDirection: Annotated[str | None, EnumLike(("inbound", "outbound"))] = None
    cidrs: list[str] | None = None
    ipv6Cidrs: list[str] | None = None
    cidrListAliases: list[str] | None = None

    def describe(self) -> str:
        protocol = self.protocol or "?"
        if self.fromPort is None and self.toPort is None:
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


class InstanceNetworking(LightsailModel):
    monthlyTransfer: MonthlyTransfer | None = None
    ports: list[InstancePortInfo] | None = None


class InstanceState(LightsailModel):
    code: int | None = None
    name: Annotated[str | None, EnumLike()] = None


class InstanceMetadataOptions(LightsailModel):
    state: Annotated[str | None, EnumLike(("pending", "applied"))] = None
    httpTokens: Annotated[str | None, EnumLike(("optional", "required"))] = None
    httpEndpoint: Annotated[str | None, EnumLike(("disabled", "enabled"))] = None
    httpPutResponseHopLimit: int | None = None
    httpProtocolIpv6: Annotated[str | None, EnumLike(("disabled", "enabled"))] = None


class InstanceHealthStatusDetail(LightsailModel):
    name: Annotated[str | None, EnumLike(("reachability",))] = None
    status: Annotated[
        str | None, EnumLike(("passed", "failed", "insufficient-data", "initializing"))
    ] = None
    impairedSince: Timestamp | None = None


class InstanceHealthStatus(LightsailModel):
    status: Annotated[
        str | None,
        EnumLike(("ok", "impaired", "initializing", "insufficient-data", "not-applicable")),
    ] = None
    details: list[InstanceHealthStatusDetail] | None = None


class Instance(LightsailModel):
    """A Lightsail instance, as ``GetInstances`` returns it."""

    name: str | None = None
    arn: str | None = None
    supportCode: str | None = None
    createdAt: Timestamp | None = None
    location: ResourceLocation | None = None
    resourceType: Annotated[str | None, EnumLike()] = None
    tags: list[Tag] | None = None
    blueprintId: str | None = None
    blueprintName: str | None = None
    bundleId: str | None = None
    addOns: list[AddOn] | None = None
    isStaticIp: bool | None = None
    privateIpAddress: str | None = None
    publicIpAddress: str | None = None
    ipv6Addresses: list[str] | None = None
    ipAddressType: Annotated[str | None, EnumLike(("dualstack", "ipv4", "ipv6"))] = None
    hardware: InstanceHardware | None = None
    networking: InstanceNetworking | None = None
    state: InstanceState | None = None
    username: str | None = None
    sshKeyName: str | None = None
    metadataOptions: InstanceMetadataOptions | None = None
    instanceStatus: InstanceHealthStatus | None = None
    systemStatus: InstanceHealthStatus | None = None

    @property
    def region(self) -> str:
        """The region from ``location``, else from the ARN, else ``unknown``."""
        if self.location and self.location.regionName:
            return self.location.regionName
        parts = (self.arn or "").split(":")
        if len(parts) > 3 and parts[3]:
            return parts[3]
        return "unknown"


RESOURCE_MODELS: dict[str, type[LightsailModel]] = {"instance": Instance}
