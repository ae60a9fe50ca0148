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
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError


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
LOAD_BALANCER_STATES = ("active", "provisioning", "active_impaired", "failed", "unknown")
LOAD_BALANCER_PROTOCOLS = ("HTTP_HTTPS", "HTTP")
INSTANCE_HEALTH_STATES = ("initial", "healthy", "unhealthy", "unused", "draining", "unavailable")
INSTANCE_HEALTH_REASONS = (
    "Lb.RegistrationInProgress", "Lb.InitialHealthChecking", "Lb.InternalError",
    "Instance.ResponseCodeMismatch", "Instance.Timeout", "Instance.FailedHealthChecks",
    "Instance.NotRegistered", "Instance.NotInUse", "Instance.DeregistrationInProgress",
    "Instance.InvalidState", "Instance.IpUnusable",
)  # fmt: skip
ACCESS_TYPES = ("public", "private")
TRUE_OR_FALSE = ("true", "false")  # booleans the API sends as strings
CERTIFICATE_STATUSES = (
    "PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED",
    "FAILED",
)  # fmt: skip
DNS_RECORD_CREATION_STATES = ("SUCCEEDED", "STARTED", "FAILED")
DOMAIN_VALIDATION_STATUSES = ("PENDING_VALIDATION", "FAILED", "SUCCESS")
RENEWAL_STATUSES = ("PendingAutoRenewal", "PendingValidation", "Success", "Failed")

# Values the API reference fixes where botocore's model leaves a plain string.
INSTANCE_STATES = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")
ADD_ON_STATUSES = (
    "Enabling", "Disabling", "Enabled", "Terminating", "Terminated", "Disabled", "Failed",
)  # fmt: skip
# Discontinued by the API (it reports ``attached`` for system disks), still in responses.
DISK_ATTACHMENT_STATES = ("attaching", "attached", "detaching", "detached")
RELATIONAL_DATABASE_ENGINES = ("mysql", "postgres")
BUCKET_OBJECT_VERSIONING = ("Enabled", "Suspended", "NeverEnabled")
BUCKET_STATE_CODES = ("OK", "Unknown")
# botocore's pattern for BucketCorsAllowedMethod.
BUCKET_CORS_METHODS = ("DELETE", "GET", "HEAD", "POST", "PUT")
CERTIFICATE_ELIGIBLE_TO_RENEW = ("ELIGIBLE", "INELIGIBLE")
CERTIFICATE_REQUEST_FAILURE_REASONS = (
    "NO_AVAILABLE_CONTACTS", "ADDITIONAL_VERIFICATION_REQUIRED", "DOMAIN_NOT_ALLOWED",
    "INVALID_PUBLIC_DOMAIN", "OTHER",
)  # fmt: skip
# "The only alias currently supported is lightsail-connect" (InstancePortInfo).
CIDR_LIST_ALIASES = ("lightsail-connect",)


# Why a time with an offset near the ends of the calendar cannot be used: kept in UTC, it
# would fall outside the years a datetime holds.
OUT_OF_UTC = "in UTC it falls before year 1 or after year 9999"


def _utc(value: datetime) -> datetime:
    if not value.tzinfo:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # a ValueError kind, so pydantic reports it as this field's error
        raise PydanticCustomError(
            "datetime_out_of_utc",
            "Input should be a valid datetime, {value} is out of range: " + OUT_OF_UTC,
            {"value": value.isoformat()},
        ) from None


# pydantic accepts epoch numbers (API, AWS CLI v1) and ISO 8601 strings (AWS CLI v2). Times are
# kept in UTC (a time without an offset is UTC, as everywhere in AWS), so that they compare and
# so that evidence does not depend on the time zone of the machine that saved the snapshot.
Timestamp = Annotated[datetime, AfterValidator(_utc)]


# Field-name sets shared by the models that set the same fields, up to a bound (hostile data
# could make every resource's set differ).
_FIELD_SETS: dict[frozenset[str], set[str]] = {}
_MAX_FIELD_SETS = 4096
# The unknown fields of a model that has none: one empty mapping for them all instead of an
# empty dict each (a tenth of a validated instance's memory). Frozen models never change it.
_NO_EXTRA: dict[str, Any] = {}
_set_attribute = object.__setattr__  # once per model: past the frozen model's own check


class LightsailModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    # Fields a shared base declares that the API never returns for this model: rules cannot
    # name them (a condition on them would load and never match).
    NOT_REPORTED: ClassVar[frozenset[str]] = frozenset()

    def model_post_init(self, context: Any, /) -> None:
        # The names of the fields a resource sets are the same for most resources of a fleet
        # (and of each nested object): one shared set for them all instead of a set each,
        # which were two fifths of a validated instance's memory. A frozen model never changes
        # it (pydantic's copies copy it first).
        if not self.__pydantic_extra__:
            _set_attribute(self, "__pydantic_extra__", _NO_EXTRA)
        fields_set = self.__pydantic_fields_set__
        shared = _FIELD_SETS.get(frozenset(fields_set))
        if shared is not None:
            _set_attribute(self, "__pydantic_fields_set__", shared)
        elif len(_FIELD_SETS) < _MAX_FIELD_SETS:
            _FIELD_SETS[frozenset(fields_set)] = fields_set

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


class RelationalDatabaseHardware(LightsailModel):
    cpuCount: int | None = None
    diskSizeInGb: int | None = None
    ramSizeInGb: float | None = None


class PendingModifiedRelationalDatabaseValues(LightsailModel):
    masterUserPassword: str | None = None
    engineVersion: str | None = None
    backupRetentionEnabled: bool | None = None


class RelationalDatabaseEndpoint(LightsailModel):
    port: int | None = None
    address: str | None = None


class PendingMaintenanceAction(LightsailModel):
    action: str | None = None
    description: str | None = None
    currentApplyDate: Timestamp | None = None


class RelationalDatabase(LightsailResource):
    """A Lightsail managed database, as ``GetRelationalDatabases`` returns it."""

    relationalDatabaseBlueprintId: str | None = None
    relationalDatabaseBundleId: str | None = None
    masterDatabaseName: str | None = None
    hardware: RelationalDatabaseHardware | None = None
    state: str | None = None
    secondaryAvailabilityZone: str | None = None
    backupRetentionEnabled: bool | None = None
    pendingModifiedValues: PendingModifiedRelationalDatabaseValues | None = None
    engine: Annotated[str | None, EnumLike(RELATIONAL_DATABASE_ENGINES)] = None
    engineVersion: str | None = None
    latestRestorableTime: Timestamp | None = None
    masterUsername: str | None = None
    parameterApplyStatus: str | None = None
    preferredBackupWindow: str | None = None
    preferredMaintenanceWindow: str | None = None
    publiclyAccessible: bool | None = None
    masterEndpoint: RelationalDatabaseEndpoint | None = None
    pendingMaintenanceActions: list[PendingMaintenanceAction] | None = None
    caCertificateIdentifier: str | None = None


class AccessRules(LightsailModel):
    getObject: Annotated[str | None, EnumLike(ACCESS_TYPES)] = None
    allowPublicOverrides: bool | None = None


class ResourceReceivingAccess(LightsailModel):
    name: str | None = None
    resourceType: Annotated[str | None, EnumLike(RESOURCE_TYPES)] = None


class BucketState(LightsailModel):
    code: Annotated[str | None, EnumLike(BUCKET_STATE_CODES)] = None
    message: str | None = None


class BucketAccessLogConfig(LightsailModel):
    enabled: bool | None = None
    destination: str | None = None
    prefix: str | None = None


class BucketCorsRule(LightsailModel):
    id: str | None = None
    allowedMethods: list[Annotated[str, EnumLike(BUCKET_CORS_METHODS)]] | None = None
    allowedOrigins: list[str] | None = None
    allowedHeaders: list[str] | None = None
    exposeHeaders: list[str] | None = None
    maxAgeSeconds: int | None = None


class BucketCorsConfig(LightsailModel):
    rules: list[BucketCorsRule] | None = None


class Bucket(LightsailResource):
    """A Lightsail object storage bucket, as ``GetBuckets`` returns it."""

    accessRules: AccessRules | None = None
    bundleId: str | None = None
    url: str | None = None
    objectVersioning: Annotated[str | None, EnumLike(BUCKET_OBJECT_VERSIONING)] = None
    ableToUpdateBundle: bool | None = None
    readonlyAccessAccounts: list[str] | None = None
    resourcesReceivingAccess: list[ResourceReceivingAccess] | None = None
    state: BucketState | None = None
    accessLogConfig: BucketAccessLogConfig | None = None
    cors: BucketCorsConfig | None = None


class InstanceHealthSummary(LightsailModel):
    instanceName: str | None = None
    instanceHealth: Annotated[str | None, EnumLike(INSTANCE_HEALTH_STATES)] = None
    instanceHealthReason: Annotated[str | None, EnumLike(INSTANCE_HEALTH_REASONS)] = None


class LoadBalancerTlsCertificateSummary(LightsailModel):
    name: str | None = None
    isAttached: bool | None = None


class LoadBalancerConfigurationOptions(LightsailModel):
    """The API's map of attribute name to value, as an object so that rules can name its keys
    (``configurationOptions.SessionStickinessEnabled``). Values are strings (``"true"``)."""

    HealthCheckPath: str | None = None
    SessionStickinessEnabled: Annotated[str | None, EnumLike(TRUE_OR_FALSE)] = None
    SessionStickiness_LB_CookieDurationSeconds: str | None = None
    HttpsRedirectionEnabled: Annotated[str | None, EnumLike(TRUE_OR_FALSE)] = None
    TlsPolicyName: str | None = None


class LoadBalancer(LightsailResource):
    """A Lightsail load balancer, as ``GetLoadBalancers`` returns it."""

    dnsName: str | None = None
    state: Annotated[str | None, EnumLike(LOAD_BALANCER_STATES)] = None
    protocol: Annotated[str | None, EnumLike(LOAD_BALANCER_PROTOCOLS)] = None
    publicPorts: list[int] | None = None
    healthCheckPath: str | None = None
    instancePort: int | None = None
    instanceHealthSummary: list[InstanceHealthSummary] | None = None
    tlsCertificateSummaries: list[LoadBalancerTlsCertificateSummary] | None = None
    configurationOptions: LoadBalancerConfigurationOptions | None = None
    ipAddressType: Annotated[str | None, EnumLike(IP_ADDRESS_TYPES)] = None
    httpsRedirectionEnabled: bool | None = None
    tlsPolicyName: str | None = None


class StaticIp(LightsailResource):
    """A Lightsail static IP address, as ``GetStaticIps`` returns it (it has no tags)."""

    NOT_REPORTED = frozenset({"tags"})

    ipAddress: str | None = None
    attachedTo: str | None = None
    isAttached: bool | None = None


class ResourceRecord(LightsailModel):
    name: str | None = None
    type: str | None = None
    value: str | None = None


class DnsRecordCreationState(LightsailModel):
    code: Annotated[str | None, EnumLike(DNS_RECORD_CREATION_STATES)] = None
    message: str | None = None


class DomainValidationRecord(LightsailModel):
    domainName: str | None = None
    resourceRecord: ResourceRecord | None = None
    dnsRecordCreationState: DnsRecordCreationState | None = None
    validationStatus: Annotated[str | None, EnumLike(DOMAIN_VALIDATION_STATUSES)] = None


class RenewalSummary(LightsailModel):
    domainValidationRecords: list[DomainValidationRecord] | None = None
    renewalStatus: Annotated[str | None, EnumLike(RENEWAL_STATUSES)] = None
    renewalStatusReason: str | None = None
    updatedAt: Timestamp | None = None


class CertificateDetail(LightsailModel):
    """The certificate itself (botocore's ``Certificate`` shape), inside each entry that
    ``GetCertificates`` lists when asked for details."""

    arn: str | None = None
    name: str | None = None
    domainName: str | None = None
    status: Annotated[str | None, EnumLike(CERTIFICATE_STATUSES)] = None
    serialNumber: str | None = None
    subjectAlternativeNames: list[str] | None = None
    domainValidationRecords: list[DomainValidationRecord] | None = None
    requestFailureReason: Annotated[str | None, EnumLike(CERTIFICATE_REQUEST_FAILURE_REASONS)] = (
        None
    )
    inUseResourceCount: int | None = None
    keyAlgorithm: str | None = None
    createdAt: Timestamp | None = None
    issuedAt: Timestamp | None = None
    issuerCA: str | None = None
    notBefore: Timestamp | None = None
    notAfter: Timestamp | None = None
    eligibleToRenew: Annotated[str | None, EnumLike(CERTIFICATE_ELIGIBLE_TO_RENEW)] = None
    renewalSummary: RenewalSummary | None = None
    revokedAt: Timestamp | None = None
    revocationReason: str | None = None
    tags: list[Tag] | None = None
    supportCode: str | None = None


class Certificate(LightsailResource):
    """A Lightsail SSL/TLS certificate: one entry of ``GetCertificates`` (botocore's
    ``CertificateSummary``), as the AWS CLI prints it, with the certificate's details under
    ``certificateDetail``.

    The entry names the certificate ``certificateName`` and ``certificateArn``; ``name`` and
    ``arn`` are filled from them (or from the details), so a certificate is named, found and
    fingerprinted like every other resource, ``createdAt`` and ``supportCode`` come from the
    details, and ``location.regionName`` from the ARN. The data itself is kept as the API
    returned it.
    """

    certificateArn: str | None = None
    certificateName: str | None = None
    domainName: str | None = None
    certificateDetail: CertificateDetail | None = None

    @model_validator(mode="before")
    @classmethod
    def _shared_members(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        detail = data.get("certificateDetail")
        detail = detail if isinstance(detail, dict) else {}
        filled = dict(data)
        for member, summary_member in (
            ("name", "certificateName"),
            ("arn", "certificateArn"),
            ("createdAt", None),
            ("supportCode", None),
        ):
            if filled.get(member) is None:
                value = data.get(summary_member) if summary_member else None
                value = detail.get(member) if value is None else value
                if value is not None:
                    filled[member] = value
        arn = filled.get("arn")
        if filled.get("location") is None and isinstance(arn, str) and arn.count(":") >= 5:
            # A certificate's entry has no location; its ARN names its region, which rules
            # need, for one, to give remediation commands the right --region.
            filled["location"] = {"regionName": arn.split(":")[3]}
        return filled


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
    # Whether the AWS CLI follows the pages itself (botocore has a paginator for the
    # operation); without one, ``aws lightsail get-*`` prints only the first page.
    cli_paginates: bool = True

    @property
    def label(self) -> str:
        """The kind in words, for people: ``load balancer``."""
        return self.name.replace("_", " ")

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
        ResourceKind(
            name="relational_database",
            model=RelationalDatabase,
            shape="RelationalDatabase",
            operation="GetRelationalDatabases",
            response_key="relationalDatabases",
            plural="relational_databases",
        ),
        ResourceKind(
            name="bucket",
            model=Bucket,
            shape="Bucket",
            operation="GetBuckets",
            response_key="buckets",
            plural="buckets",
            # Without it the answer leaves out resourcesReceivingAccess (instances with access).
            request={"includeConnectedResources": True},
            cli_paginates=False,
        ),
        ResourceKind(
            name="load_balancer",
            model=LoadBalancer,
            shape="LoadBalancer",
            operation="GetLoadBalancers",
            response_key="loadBalancers",
            plural="load_balancers",
        ),
        ResourceKind(
            name="static_ip",
            model=StaticIp,
            shape="StaticIp",
            operation="GetStaticIps",
            response_key="staticIps",
            plural="static_ips",
        ),
        ResourceKind(
            name="disk",
            model=Disk,
            shape="Disk",
            operation="GetDisks",
            response_key="disks",
            plural="disks",
        ),
        ResourceKind(
            name="certificate",
            model=Certificate,
            shape="CertificateSummary",
            operation="GetCertificates",
            response_key="certificates",
            plural="certificates",
            # Without it each entry holds only the name, ARN and domain: no status, no expiry.
            request={"includeCertificateDetails": True},
            cli_paginates=False,
        ),
    )
}


def kind_of(model: LightsailResource) -> ResourceKind:
    """The kind whose model ``model`` is."""
    for kind in RESOURCE_KINDS.values():
        if type(model) is kind.model:
            return kind
    raise LookupError(f"{type(model).__name__} is not the model of a resource kind")


# Each kind by the resourceType its resources carry (CertificateSummary holds a Certificate).
_KINDS_BY_TYPE = {
    kind.shape.removesuffix("Summary").lower(): kind for kind in RESOURCE_KINDS.values()
}


def stated_kind(raw: Mapping[str, Any]) -> ResourceKind | None:
    """The kind a resource's ``resourceType`` names, if lslint knows it (AWS may add types)."""
    stated = raw.get("resourceType")
    return _KINDS_BY_TYPE.get(stated.lower()) if isinstance(stated, str) else None


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
