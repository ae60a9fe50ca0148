"""The models against botocore's Lightsail service model, and their tolerance of real data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest

from lslint.engine.schema import FieldType, ListType, ObjectType, ScalarType, object_fields
from lslint.models import Instance, LightsailModel

_BOTOCORE_SCALARS = {
    "string": "string",
    "integer": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
    "boolean": "boolean",
    "timestamp": "timestamp",
}


def _lightsail_shape(name: str) -> Any:
    model = botocore.session.get_session().get_service_model("lightsail")
    return model.shape_for(name)


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
        known = {v.lower() for v in (field.enum.values if field.enum else ())}
        if known and not {v.lower() for v in enum} <= known:
            problems.append(f"{path}: enum values {sorted(set(enum) - known)} unknown to models")


def test_models_know_every_member_of_botocores_instance_shape() -> None:
    problems: list[str] = []
    _compare(_lightsail_shape("Instance"), Instance, "Instance", problems)
    assert problems == []


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
