"""The models against botocore's Lightsail service model, and their tolerance of real data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

import botocore.session
import pytest
from pydantic import ValidationError

from lslint.engine.paths import FieldType, ListType, ObjectType, ScalarType, object_fields
from lslint.models import (
    RESOURCE_KINDS,
    Disk,
    EnumLike,
    Instance,
    InstancePortInfo,
    LightsailModel,
    LightsailResource,
    ResourceKind,
)

_BOTOCORE_SCALARS = {
    "string": "string",
    "integer": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
    "boolean": "boolean",
    "timestamp": "timestamp",
}


def _service_model() -> Any:
    return botocore.session.get_session().get_service_model("lightsail")


def _lightsail_shape(name: str) -> Any:
    return _service_model().shape_for(name)


def _compare(shape: Any, model: type[LightsailModel], where: str, problems: list[str]) -> None:
    fields = object_fields(model)
    for member_name, member in shape.members.items():
        path = f"{where}.{member_name}"
        if member_name not in fields:
            problems.append(f"{path}: missing from {model.__name__}")
            continue
        _compare_type(member, fields[member_name], path, problems)


def _compare_type(shape: Any, field: FieldType, path: str, problems: list[str]) -> None:
    if shape.type_name == "structure":
        if not isinstance(field, ObjectType):
            problems.append(f"{path}: botocore has a structure, the model a {field.describe()}")
            return
        _compare(shape, field.model, path, problems)
    elif shape.type_name == "map":
        # A map whose keys the API fixes is an object with one field per key.
        if not isinstance(field, ObjectType):
            problems.append(f"{path}: botocore has a map, the model a {field.describe()}")
            return
        for key in getattr(shape.key, "enum", None) or []:
            if key not in field.fields:
                problems.append(f"{path}.{key}: missing from {field.model.__name__}")
            else:
                _compare_type(shape.value, field.fields[key], f"{path}.{key}", problems)
    elif shape.type_name == "list":
        if not isinstance(field, ListType):
            problems.append(f"{path}: botocore has a list, the model a {field.describe()}")
            return
        _compare_type(shape.member, field.item, f"{path}[]", problems)
    else:
        expected = _BOTOCORE_SCALARS[shape.type_name]
        if not isinstance(field, ScalarType) or field.kind != expected:
            problems.append(f"{path}: botocore has {expected}, the model a {field.describe()}")
            return
        enum = getattr(shape, "enum", None) or []
        known = {v.casefold() for v in (field.enum.values if field.enum else ())}
        unknown = sorted(v for v in enum if v.casefold() not in known)
        if unknown:
            problems.append(f"{path}: enum values {unknown} unknown to models")


@pytest.mark.parametrize("kind", RESOURCE_KINDS.values(), ids=lambda kind: kind.name)
def test_models_know_every_member_of_botocores_shape_of_each_kind(kind: ResourceKind) -> None:
    problems: list[str] = []
    _compare(_lightsail_shape(kind.shape), kind.model, kind.shape, problems)
    assert problems == []


@pytest.mark.parametrize("kind", RESOURCE_KINDS.values(), ids=lambda kind: kind.name)
def test_each_kinds_operation_lists_its_shape_under_its_key(kind: ResourceKind) -> None:
    operation = _service_model().operation_model(kind.operation)
    listed = operation.output_shape.members[kind.response_key]
    assert listed.type_name == "list" and listed.member.name == kind.shape
    assert "nextPageToken" in operation.output_shape.members
    assert {"pageToken", *kind.request} <= set(operation.input_shape.members)
    assert issubclass(kind.model, LightsailResource)


# Members of the shared base that a kind's shape lacks: static IPs take no tags, and a
# certificate's summary names itself certificateName/certificateArn (the model fills name, arn,
# createdAt and supportCode from those and from its details).
NOT_IN_SHAPE = {
    "static_ip": {"tags"},
    "certificate": {"name", "arn", "createdAt", "supportCode", "location", "resourceType"},
}


def test_every_resource_shape_has_the_members_of_the_shared_base() -> None:
    shared = set(object_fields(LightsailResource))
    for kind in RESOURCE_KINDS.values():
        members = set(_lightsail_shape(kind.shape).members)
        assert shared - members == NOT_IN_SHAPE.get(kind.name, set()), kind.name


def test_the_walk_notices_an_enum_the_models_leave_open() -> None:
    class OpenState(LightsailModel):
        resourceType: str | None = None
        ipAddressType: Annotated[str | None, EnumLike(("ipv4",))] = None

    problems: list[str] = []
    _compare(_lightsail_shape("Instance"), OpenState, "Instance", problems)
    assert "Instance.ipAddressType: enum values ['dualstack', 'ipv6'] unknown to models" in problems
    assert "Instance.resourceType: enum values ['Alarm', " in " ".join(problems)


# String fields whose values are not fixed by the API: names, identifiers, addresses, times
# and free text. Every other string field must carry its value list, so that a rule literal
# compared with it is checked when the rule loads.
FREE_TEXT = {
    "Instance.name", "Instance.arn", "Instance.supportCode", "Instance.blueprintId",
    "Instance.blueprintName", "Instance.bundleId", "Instance.privateIpAddress",
    "Instance.publicIpAddress", "Instance.ipv6Addresses[]", "Instance.username",
    "Instance.sshKeyName", "Instance.location.availabilityZone", "Instance.tags[].key",
    "Instance.tags[].value", "Instance.addOns[].snapshotTimeOfDay",
    "Instance.addOns[].nextSnapshotTimeOfDay", "Instance.addOns[].threshold",
    "Instance.addOns[].duration", "Instance.hardware.disks[].name",
    "Instance.hardware.disks[].arn", "Instance.hardware.disks[].supportCode",
    "Instance.hardware.disks[].location.availabilityZone",
    "Instance.hardware.disks[].tags[].key", "Instance.hardware.disks[].tags[].value",
    "Instance.hardware.disks[].addOns[].snapshotTimeOfDay",
    "Instance.hardware.disks[].addOns[].nextSnapshotTimeOfDay",
    "Instance.hardware.disks[].addOns[].threshold", "Instance.hardware.disks[].addOns[].duration",
    "Instance.hardware.disks[].path", "Instance.hardware.disks[].attachedTo",
    "Instance.networking.ports[].accessFrom", "Instance.networking.ports[].commonName",
    "Instance.networking.ports[].cidrs[]", "Instance.networking.ports[].ipv6Cidrs[]",
}  # fmt: skip


def _string_fields(field: FieldType, path: str) -> dict[str, ScalarType]:
    if isinstance(field, ObjectType):
        found: dict[str, ScalarType] = {}
        for name, member in field.fields.items():
            found |= _string_fields(member, f"{path}.{name}")
        return found
    if isinstance(field, ListType):
        return _string_fields(field.item, f"{path}[]")
    return {path: field} if field.kind == "string" else {}


def test_every_string_field_is_free_text_or_has_its_values() -> None:
    fields = _string_fields(ObjectType(Instance), "Instance")
    assert set(fields) >= FREE_TEXT
    open_fields = {p for p, f in fields.items() if not (f.enum and f.enum.values)}
    assert open_fields == FREE_TEXT
    assert not {p for p in FREE_TEXT if fields[p].enum}, "free text compares case-sensitively"


# The same for the other kinds, by path from the resource.
FREE_TEXT_OF_KIND = {
    "relational_database": {
        "arn", "caCertificateIdentifier", "engineVersion", "location.availabilityZone",
        "masterDatabaseName", "masterEndpoint.address", "masterUsername", "name",
        "parameterApplyStatus", "pendingMaintenanceActions[].action",
        "pendingMaintenanceActions[].description", "pendingModifiedValues.engineVersion",
        "pendingModifiedValues.masterUserPassword", "preferredBackupWindow",
        "preferredMaintenanceWindow", "relationalDatabaseBlueprintId",
        "relationalDatabaseBundleId", "secondaryAvailabilityZone", "state", "supportCode",
        "tags[].key", "tags[].value",
    },
    "bucket": {
        "accessLogConfig.destination", "accessLogConfig.prefix", "arn", "bundleId",
        "cors.rules[].allowedHeaders[]", "cors.rules[].allowedOrigins[]",
        "cors.rules[].exposeHeaders[]", "cors.rules[].id", "location.availabilityZone", "name",
        "readonlyAccessAccounts[]", "resourcesReceivingAccess[].name", "state.message",
        "supportCode", "tags[].key", "tags[].value", "url",
    },
    "load_balancer": {
        "arn", "configurationOptions.HealthCheckPath",
        "configurationOptions.SessionStickiness_LB_CookieDurationSeconds",
        "configurationOptions.TlsPolicyName", "dnsName", "healthCheckPath",
        "instanceHealthSummary[].instanceName", "location.availabilityZone", "name", "supportCode",
        "tags[].key", "tags[].value", "tlsCertificateSummaries[].name", "tlsPolicyName",
    },
    "static_ip": {  # no tags: the API reports none for static IPs
        "arn", "attachedTo", "ipAddress", "location.availabilityZone", "name", "supportCode",
    },
    "disk": {
        "addOns[].duration", "addOns[].nextSnapshotTimeOfDay", "addOns[].snapshotTimeOfDay",
        "addOns[].threshold", "arn", "attachedTo", "location.availabilityZone", "name", "path",
        "supportCode", "tags[].key", "tags[].value",
    },
    "certificate": {
        "arn", "certificateArn", "certificateDetail.arn", "certificateDetail.domainName",
        "certificateDetail.domainValidationRecords[].dnsRecordCreationState.message",
        "certificateDetail.domainValidationRecords[].domainName",
        "certificateDetail.domainValidationRecords[].resourceRecord.name",
        "certificateDetail.domainValidationRecords[].resourceRecord.type",
        "certificateDetail.domainValidationRecords[].resourceRecord.value",
        "certificateDetail.issuerCA", "certificateDetail.keyAlgorithm", "certificateDetail.name",
        "certificateDetail.renewalSummary.domainValidationRecords[].dnsRecordCreationState.message",
        "certificateDetail.renewalSummary.domainValidationRecords[].domainName",
        "certificateDetail.renewalSummary.domainValidationRecords[].resourceRecord.name",
        "certificateDetail.renewalSummary.domainValidationRecords[].resourceRecord.type",
        "certificateDetail.renewalSummary.domainValidationRecords[].resourceRecord.value",
        "certificateDetail.renewalSummary.renewalStatusReason",
        "certificateDetail.revocationReason", "certificateDetail.serialNumber",
        "certificateDetail.subjectAlternativeNames[]", "certificateDetail.supportCode",
        "certificateDetail.tags[].key", "certificateDetail.tags[].value", "certificateName",
        "domainName", "location.availabilityZone", "name", "supportCode", "tags[].key",
        "tags[].value",
    },
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(FREE_TEXT_OF_KIND))
def test_every_string_field_of_each_kind_is_free_text_or_has_its_values(kind: str) -> None:
    fields = _string_fields(ObjectType(RESOURCE_KINDS[kind].model), "")
    fields = {path.removeprefix("."): field for path, field in fields.items()}
    open_fields = {p for p, f in fields.items() if not (f.enum and f.enum.values)}
    assert open_fields == FREE_TEXT_OF_KIND[kind]
    assert not {p for p in open_fields if fields[p].enum}, "free text compares case-sensitively"


def test_the_table_has_every_kind_of_the_contract() -> None:
    assert set(RESOURCE_KINDS) == {"instance", *FREE_TEXT_OF_KIND}


@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("Instance.state.name",
         {"pending", "running", "shutting-down", "terminated", "stopping", "stopped"}),
        ("Instance.addOns[].name", {"AutoSnapshot", "StopInstanceOnIdle"}),
        ("Instance.addOns[].status",
         {"Enabling", "Disabling", "Enabled", "Terminating", "Terminated", "Disabled", "Failed"}),
        ("Instance.hardware.disks[].attachmentState",
         {"attaching", "attached", "detaching", "detached"}),
        ("Instance.networking.ports[].cidrListAliases[]", {"lightsail-connect"}),
    ],
)  # fmt: skip
def test_values_botocore_leaves_open_are_known(path: str, values: set[str]) -> None:
    field = _string_fields(ObjectType(Instance), "Instance")[path]
    assert field.enum is not None
    assert set(field.enum.values) == values


def test_the_walk_notices_a_missing_member() -> None:
    class Partial(LightsailModel):
        name: str | None = None

    problems: list[str] = []
    _compare(_lightsail_shape("Instance"), Partial, "Instance", problems)
    assert "Instance.arn: missing from Partial" in problems


@pytest.mark.parametrize(
    "created",
    [
        1590771192.493,
        "1590771192.493",
        "2020-05-29T16:53:12.493000+00:00",
        "2020-05-29T16:53:12.493Z",
    ],
)
def test_timestamps_accept_epoch_and_iso(created: object) -> None:
    instance = Instance.model_validate({"createdAt": created})
    assert instance.createdAt == datetime(2020, 5, 29, 16, 53, 12, 493000, tzinfo=UTC)


def test_unknown_fields_are_kept_and_every_field_is_optional() -> None:
    instance = Instance.model_validate({"brandNewField": {"x": 1}, "networking": {"ports": [{}]}})
    assert instance.model_extra == {"brandNewField": {"x": 1}}
    assert instance.name is None
    assert instance.networking is not None
    assert instance.networking.ports is not None
    assert instance.networking.ports[0].protocol is None


def test_enum_like_values_are_kept_as_given() -> None:
    port = Instance.model_validate(
        {"networking": {"ports": [{"accessType": "public"}, {"accessType": "Public"}]}}
    )
    assert port.networking is not None
    assert [p.accessType for p in port.networking.ports or []] == ["public", "Public"]


def test_region_falls_back_to_the_arn() -> None:
    arn = "arn:aws:lightsail:eu-west-2:111122223333:Instance/abc"
    assert Instance.model_validate({"arn": arn}).region == "eu-west-2"
    assert Instance.model_validate({}).region == "unknown"


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        ({"protocol": "icmp", "fromPort": 8, "toPort": -1, "cidrs": ["0.0.0.0/0"]},
         "icmp/8 from 0.0.0.0/0"),
        ({"protocol": "icmp", "fromPort": -1, "toPort": -1, "cidrs": ["0.0.0.0/0"]},
         "icmp/all from 0.0.0.0/0"),
        ({"protocol": "icmpv6", "fromPort": 128, "toPort": 0, "ipv6Cidrs": ["::/0"]},
         "icmpv6/128:0 from ::/0"),
        ({"protocol": "tcp", "fromPort": 20, "toPort": 25, "cidrs": ["0.0.0.0/0"]},
         "tcp/20-25 from 0.0.0.0/0"),
    ],
)  # fmt: skip
def test_a_port_entry_reads_as_protocol_ports_and_sources(
    entry: dict[str, object], shown: str
) -> None:
    assert InstancePortInfo.model_validate(entry).describe() == shown


def test_a_disk_reads_as_its_name_and_path() -> None:
    assert Disk.model_validate({"name": "data", "path": "/dev/xvdf"}).describe() == (
        "data at /dev/xvdf"
    )
    assert Disk.model_validate({"isSystemDisk": True}).describe() == "disk"


def test_resources_that_set_the_same_fields_share_one_set_of_their_names() -> None:
    raw = {"name": "web", "networking": {"ports": [{"fromPort": 22, "protocol": "tcp"}] * 2}}
    first, second = Instance.model_validate(raw), Instance.model_validate(raw)
    assert first.model_fields_set == {"name", "networking"}
    assert first.model_fields_set is second.model_fields_set
    ports = [*first.networking.ports, *second.networking.ports]  # type: ignore[union-attr]
    assert len({id(port.model_fields_set) for port in ports}) == 1
    # A copy that sets another field gets a set of its own; the shared one is unchanged.
    copied = first.model_copy(update={"blueprintId": "debian_12"})
    assert copied.model_fields_set == {"name", "networking", "blueprintId"}
    assert second.model_fields_set == {"name", "networking"}
    assert first.describe() == second.describe()


@pytest.mark.parametrize(
    "stamp",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        # As botocore gives times to a live scan: datetime objects.
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-1))),
    ],
)
def test_a_time_that_utc_cannot_express_is_a_validation_error_of_its_field(
    stamp: str | datetime,
) -> None:
    with pytest.raises(ValidationError) as info:
        Instance.model_validate({"name": "a", "createdAt": stamp})
    (error,) = info.value.errors()
    assert error["loc"] == ("createdAt",)
    assert "is out of range: in UTC it falls before year 1 or after year 9999" in error["msg"]
    # The same times at the ends of the calendar in UTC itself are kept.
    edge = Instance.model_validate({"createdAt": "0001-01-01T00:00:00Z"}).createdAt
    assert edge == datetime(1, 1, 1, tzinfo=UTC)
