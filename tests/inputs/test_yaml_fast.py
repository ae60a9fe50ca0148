"""The C parser's fast path reads rule and config files exactly as the round-trip loader does,
and hands every document that is not plain data back to it."""

from __future__ import annotations

import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML, events

from lslint import yamldoc, yamlfast
from lslint.errors import RuleError
from lslint.yamldoc import YamlDoc, parse_yaml

from conftest import ROOT

pytestmark = pytest.mark.skipif(not yamlfast.available(), reason="ruamel.yaml.clib not installed")


def loader_read(text: str) -> YamlDoc | str:
    """What the round-trip loader alone makes of ``text`` (as on an installation without the
    C extension): the document, or the error message."""
    fast_path = yamldoc.plain_data
    yamldoc.plain_data = lambda text: None  # type: ignore[assignment]
    try:
        return parse_yaml(text, "f.yaml", error=RuleError)
    except RuleError as exc:
        return str(exc)
    finally:
        yamldoc.plain_data = fast_path


def assert_read_alike(text: str, *, fast_expected: bool = True) -> None:
    """If the fast path reads ``text``, it reads it as the loader does (types included: a YAML
    integer must not come back as a float, nor a date as text)."""
    fast = yamlfast.plain_data(text)
    if fast is None:
        assert not fast_expected, "plain data should take the fast path"
        return
    loaded = loader_read(text)
    assert isinstance(loaded, YamlDoc), f"the fast path read what the loader refuses: {loaded}"
    assert fast == (loaded.data, loaded.positions)
    assert repr(fast[0]) == repr(loaded.data)


YAML_FILES = sorted(
    path
    for pattern in ("rules/*.yaml", "examples/**/*.yaml", "examples/**/*.yml", "tests/**/*.yaml")
    for path in ROOT.glob(pattern)
)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_of_the_project_reads_the_same(path: Path) -> None:
    assert_read_alike(path.read_text())


def test_the_project_has_yaml_files_to_compare() -> None:
    assert len([p for p in YAML_FILES if p.parent.name == "rules"]) >= 4


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [1, 2.5, -3, 0x1F, 0o17, 1_000]\n",
        "when: 2024-02-29\nat: 2024-02-29T10:00:00Z\nraw: '2024-02-29'\n",
        "yes: no\non: off\nt: true\nf: False\nn: ~\ne:\nnull_text: 'null'\n",
        "block: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
        "list:\n  - a: 1\n    b: 2\n  - [x, y]\n  - - nested\n    - items\n",
        "flow: {a: [1, {b: c}], 'quoted key': \"text\\twith escape\"}\n",
        "- top\n- level\n- list\n",
        "# only a comment\n",
        "",
        "key: value, with comma\nurl: http://example.com/a?b=c#d\n",
        "\ufeffbom: true\r\nwindows: lines\r\n",
        'unicode: h\u00e9llo \u2603\nemoji: "\\U0001F600"\n',
    ],
)
def test_plain_documents_read_the_same(text: str) -> None:
    assert_read_alike(text)


def test_scalars_read_before_read_the_same_in_every_place() -> None:
    # Plain scalars are remembered by their text across documents: the value must not depend
    # on where the text was first seen, and a remembered one is still refused as a key.
    first = "a: 2024-01-01\nb: [2024-01-01, '2024-01-01', 0x1F, .5, null, tru, true]\n"
    assert_read_alike(first)
    assert_read_alike(first)
    assert_read_alike("- 2024-01-01\n- {c: 0x1F, d: '0x1F', true: x}\n", fast_expected=False)
    assert yamlfast.plain_data("2024-01-01: x\n") is None
    assert yamlfast.plain_data("null: x\n") is None
    assert yamlfast.plain_data("tru: true\n") == ({"tru": True}, {(): (1, 1), ("tru",): (1, 1)})


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: !!str 1\n",  # an explicit tag
        "a: !custom x\n",
        "base: {x: 1}\nother:\n  <<: {y: 2}\n",  # a merge key
        "a: 1\na: 2\n",  # a repeated key
        "a: 1\n'a': 2\n",
        "1: one\n",  # keys that are not strings
        "null: x\n",
        "true: x\n",
        "? [a, b]\n: complex key\n",
        "%YAML 1.1\n---\na: yes\n",  # a directive changes how scalars read
        "a: 1\n---\nb: 2\n",  # two documents
        "a: .inf\n",  # numbers that are not finite
        "a: 2020-02-30\n",  # an impossible date
        "a: =\n",  # a value indicator
        "a: [1, 2\n",  # a syntax error
        "a:\tb\n",  # tabs, which the two parsers take in different places
        "0\t",
        "just a scalar\n",  # a document that is not a mapping or a list
        ">\n#",
        "a: b: c\n",
        "x: " + "[" * 70 + "]" * 70 + "\n",  # deeper than the loader allows
    ],
)
def test_anything_else_is_left_to_the_loader(text: str) -> None:
    assert yamlfast.plain_data(text) is None
    # ... which reads it or refuses it exactly as before the fast path existed.
    try:
        read: YamlDoc | str = parse_yaml(text, "f.yaml", error=RuleError)
    except RuleError as exc:
        read = str(exc)
    assert repr(read) == repr(loader_read(text))


# Plain data of the shapes rule and config files hold, with scalars that look like numbers,
# dates, booleans and nulls, written out by ruamel.yaml in block and flow styles.
tricky_text = st.sampled_from(
    ["1", "1.0", "0x10", "true", "no", "null", "~", "2024-01-01", "-", "a: b", "#x", " ", "",
     "'", '"', "\\", "\t", "line\nbreak", "é", "<<", "=", "*a", "&a", "!t", "%", "@", "`"]
)  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)),
    tricky_text,
    st.text(max_size=12),
)
keys = st.one_of(tricky_text, st.text(min_size=1, max_size=10))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


@given(document=documents, flow=st.booleans())
def test_generated_documents_read_the_same(document: Any, flow: bool) -> None:
    writer = YAML(typ="rt", pure=True)
    writer.default_flow_style = flow
    written = io.StringIO()
    writer.dump(document, written)
    assert_read_alike(written.getvalue(), fast_expected=False)


@given(text=st.text(alphabet=st.sampled_from(list("ab:-[]{},'\"#&*!|>?%@` \n\t01.~")), max_size=60))
def test_fragments_never_read_differently(text: str) -> None:
    assert_read_alike(text, fast_expected=False)


def test_files_read_in_several_threads_at_once_read_as_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One loader and one memory of scalars serve every file, whichever thread reads it.
    monkeypatch.setattr(yamlfast, "_PLAIN_VALUES", {})
    texts = [
        "".join(f"k{i}: [{n}, {n}.5, 0x{n:x}, 20{n % 90 + 10}-01-0{n % 9 + 1}, null]\n"
                for i, n in enumerate(range(start, start + 200)))
        for start in range(0, 1600, 200)
    ]  # fmt: skip
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(yamlfast.plain_data, texts * 3))
    alone = [loader_read(text) for text in texts * 3]
    assert [read and read[0] for read in together] == [
        doc.data if isinstance(doc, YamlDoc) else doc for doc in alone
    ]


def test_an_event_the_fast_path_does_not_know_leaves_the_file_to_the_loader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = yamlfast.CParser
    assert real is not None

    class Unknown(events.ScalarEvent):  # say, a kind of event a newer C parser adds
        pass

    class Parser:
        def __init__(self, text: str) -> None:
            self.parser = real(text)

        def get_event(self) -> events.Event:
            event = self.parser.get_event()
            if isinstance(event, events.ScalarEvent) and event.value == "odd":
                return Unknown(None, None, event.implicit, event.value)
            return event

    monkeypatch.setattr(yamlfast, "CParser", Parser)
    assert yamlfast.plain_data("a: 1\nb: even\n") is not None
    assert yamlfast.plain_data("a: 1\nb: odd\n") is None


def test_without_the_c_extension_the_loader_reads_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(yamlfast, "CParser", None)
    assert yamlfast.plain_data("a: 1\n") is None
    assert parse_yaml("a: 1\n", "f.yaml", error=RuleError).data == {"a": 1}
