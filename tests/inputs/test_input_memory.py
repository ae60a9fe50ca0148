"""What a read snapshot keeps in memory: repeated short texts once, no empty mapping per model,
and the same documents and the same located errors as the plain strict decoder."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lslint.errors import InputError
from lslint.jsoninput import SHARED_TEXT_LENGTH, read_document
from lslint.models import Instance
from lslint.sources.snapshot import parse_snapshot

from conftest import passing_instance


def test_equal_short_texts_of_different_resources_are_one_string() -> None:
    text = json.dumps({"instances": [passing_instance("a"), passing_instance("b")]}, indent=2)
    first, second = (r.model for r in parse_snapshot(text, "f.json").resources)
    assert isinstance(first, Instance) and isinstance(second, Instance)
    assert first.blueprintId == second.blueprintId == "ubuntu_24_04"
    assert first.blueprintId is second.blueprintId
    assert first.sshKeyName is second.sshKeyName
    assert first.tags and second.tags
    assert first.tags[0].value is second.tags[0].value


def test_long_texts_are_not_pooled() -> None:
    long_text = "x" * (SHARED_TEXT_LENGTH + 1)
    instances = [passing_instance(name, sshKeyName=long_text) for name in ("a", "b")]
    first, second = (r.model for r in parse_snapshot(json.dumps({"instances": instances}), "f")
                     .resources)  # fmt: skip
    assert isinstance(first, Instance) and isinstance(second, Instance)
    assert first.sshKeyName == second.sshKeyName == long_text
    assert first.sshKeyName is not second.sshKeyName


def test_models_without_unknown_fields_share_one_empty_mapping() -> None:
    first = Instance.model_validate({"name": "a", "location": {"regionName": "us-east-1"}})
    second = Instance.model_validate({"name": "b"})
    assert first.model_extra == {} and first.model_extra is second.model_extra
    assert first.location is not None and first.location.model_extra is first.model_extra


def test_unknown_fields_are_kept_and_copies_do_not_leak_them() -> None:
    plain = Instance.model_validate({"name": "a"})
    extended = Instance.model_validate({"name": "b", "futureField": 1})
    assert extended.model_extra == {"futureField": 1}
    copied = plain.model_copy(update={"laterField": 2})
    assert copied.model_extra == {"laterField": 2}
    assert plain.model_extra == {} and Instance.model_validate({}).model_extra == {}


def test_a_duplicate_key_is_refused_at_its_line_when_texts_are_shared() -> None:
    text = '{"instances": [\n{"name": "a",\n "name": "b"}]}'
    with pytest.raises(InputError, match='duplicate key "name"') as caught:
        parse_snapshot(text, "f.json")
    assert caught.value.where == "f.json:3:2"


# ---------------------------------------------------------------- differential

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["tcp", "tcp", "0.0.0.0/0", "", "x" * (SHARED_TEXT_LENGTH + 1)]),
    st.text(max_size=8),
)
_KEYS = st.sampled_from(["a", "b", "name", "protocol"])


def _members(children: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    """An object's text, its keys drawn from a small set so that some repeat."""
    pair = st.tuples(_KEYS, children).map(lambda kv: f"{json.dumps(kv[0])}: {kv[1]}")
    return st.lists(pair, max_size=4).map(lambda pairs: "{" + ", ".join(pairs) + "}")


_VALUES = st.recursive(
    _SCALARS.map(json.dumps),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        _members(children),
    ),
    max_leaves=12,
)


def _outcome(text: str, *, share_texts: bool) -> tuple[str, Any]:
    streamed: list[tuple[int, Any, int]] = []
    try:
        document = read_document(
            text,
            "f.json",
            streams={"instances": lambda i, v, line: streamed.append((i, v, line))},
            share_texts=share_texts,
        )
    except InputError as exc:
        return "error", (str(exc), exc.where)
    return "read", (repr(document), streamed)


@given(st.lists(_VALUES, max_size=4), st.sampled_from(["", ',\n "instances": []']))
def test_sharing_texts_reads_what_the_plain_decoder_reads(elements: list[str], tail: str) -> None:
    text = '{"instances": [\n' + ",\n".join(elements) + "]" + tail + "}"
    assert _outcome(text, share_texts=True) == _outcome(text, share_texts=False)


def test_a_resource_and_its_origin_hold_no_attribute_dict() -> None:
    text = json.dumps({"instances": [passing_instance("a")]})
    (resource,) = parse_snapshot(text, "f.json").resources
    assert resource.origin is not None and resource.origin.line == 1
    assert not hasattr(resource, "__dict__") and not hasattr(resource.origin, "__dict__")
