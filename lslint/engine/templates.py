"""``{{ placeholder }}`` templates for messages and remediation commands.

Placeholders are checked when the rule loads: ``{{ path }}`` or ``{{ resource.path }}`` must
name a model field, ``{{ params.NAME }}`` a declared parameter, ``{{ NAME }}`` a capture, and in
a command repeated with ``for_each``, ``{{ ITEM.path }}`` a field of the captured items.

A command is split into shell words when the rule loads and every filled-in word is quoted for
the shell, so values from resource data (names, protocols, tag keys) are always one argument
and can never run anything. A placeholder that holds a list repeats its word once per item.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from lslint.engine.conditions import RESERVED_NAMES, ConditionError, parse_path_text
from lslint.engine.logic import Assumed
from lslint.engine.paths import FieldType, ListType, ObjectType, PathRef, project
from lslint.models import LightsailModel
from lslint.suggest import suggest
from lslint.yamldoc import DocPath

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Stand-ins for placeholders while a command is split into words; never valid in a rule.
_OPEN, _CLOSE = "\ue000", "\ue001"
_SENTINEL = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_SHELL_OPERATORS = ";&|"
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # category Cc within ASCII (no Cf there)

Bindings = Mapping[str, Any]  # a for_each name -> the item it stands for


@dataclass(frozen=True)
class Placeholder:
    kind: str  # "path", "param" or "capture"
    name: str
    path: PathRef | None = None
    many: bool = False  # holds a list: a command repeats the placeholder's word per item
    label: str = ""  # readable stand-in where no value is known, such as "<instance-name>"


def _value(
    part: Placeholder,
    resource: LightsailModel | None,
    params: Mapping[str, Any],
    captures: Mapping[str, Any],
    bindings: Bindings,
) -> Any:
    """The placeholder's value; ``None`` when absent or unknown (no resource, no binding)."""
    if part.kind == "param":
        return params.get(part.name)
    if part.kind == "capture":
        return captures.get(part.name)
    path = part.path
    assert path is not None
    if resource is None:
        return None
    if path.var is None:
        value: Any = resource
    elif path.var in bindings:
        value = bindings[path.var]
    else:
        return None
    return _walk(value, path.segments)


def _walk(value: Any, segments: tuple[str, ...]) -> Any:
    """The value at ``segments`` below ``value``, as :func:`lookup` finds it (lists are
    projected), without working out how to show its location."""
    for segment in segments:
        if value is None:
            return None
        value = (
            project(value, segment) if isinstance(value, list) else getattr(value, segment, None)
        )
    return value


@dataclass(frozen=True)
class Template:
    source: str
    parts: tuple[str | Placeholder, ...]

    def render(
        self, resource: LightsailModel, params: Mapping[str, Any], captures: Mapping[str, Any]
    ) -> str:
        return "".join(
            [
                part if type(part) is str else part(resource, params, captures)  # type: ignore[operator]
                for part in self._renderers
            ]
        )

    @cached_property
    def _renderers(self) -> tuple[str | _PartText, ...]:
        """Each part as its text, or as a function that shows its value: prepared once per
        template, so that a message does not ask each placeholder what it is."""
        return tuple(part if isinstance(part, str) else _part_text(part) for part in self.parts)


# A message part's text from (resource, parameters, captures).
_PartText = Callable[[LightsailModel | None, Mapping[str, Any], Mapping[str, Any]], str]
# A command part's value from (resource, parameters, captures, bindings); None when unknown.
_PartValue = Callable[[LightsailModel | None, Mapping[str, Any], Mapping[str, Any], Bindings], Any]


def _part_text(part: Placeholder) -> _PartText:
    """What ``render_value(_value(part, ...))`` shows, a missing capture shown as ``none``."""
    name = part.name
    if part.kind == "capture":

        def capture_text(
            resource: LightsailModel | None, params: Mapping[str, Any], captures: Mapping[str, Any]
        ) -> str:
            return render_value(captures[name]) if name in captures else "none"

        return capture_text
    value = _part_value(part)

    def part_text(
        resource: LightsailModel | None, params: Mapping[str, Any], captures: Mapping[str, Any]
    ) -> str:
        return render_value(value(resource, params, captures, _NO_BINDINGS))

    return part_text


_NO_BINDINGS: Bindings = {}


def _part_value(part: Placeholder) -> _PartValue:
    """``_value`` for one placeholder, its kind and path looked at once."""
    name = part.name
    if part.kind == "param":
        return lambda resource, params, captures, bindings: params.get(name)
    if part.kind == "capture":
        return lambda resource, params, captures, bindings: captures.get(name)
    path = part.path
    assert path is not None
    var, segments = path.var, path.segments
    if var is None:
        if len(segments) == 1:  # a field of the resource, which is never a list
            segment = segments[0]
            return lambda resource, params, captures, bindings: (
                None if resource is None else getattr(resource, segment, None)
            )
        if len(segments) == 2:  # a field of an object field: location.regionName
            first, second = segments

            def field_of_field(
                resource: LightsailModel | None,
                params: Mapping[str, Any],
                captures: Mapping[str, Any],
                bindings: Bindings,
            ) -> Any:
                value = None if resource is None else getattr(resource, first, None)
                if value is None or isinstance(value, list):
                    return _walk(value, (second,))
                return getattr(value, second, None)

            return field_of_field
        return lambda resource, params, captures, bindings: (
            None if resource is None else _walk(resource, segments)
        )
    return lambda resource, params, captures, bindings: (
        None if resource is None else _walk(bindings.get(var), segments)
    )


@dataclass(frozen=True)
class ForEach:
    """Repeat a command once per item collected by ``capture``, the item bound to ``name``."""

    capture: str
    name: str


Word = tuple[str | Placeholder, ...]


@dataclass(frozen=True, slots=True)
class _Repeated:
    """A word of a command line repeated once per item of the list its placeholder holds."""

    word: Word


@dataclass(frozen=True)
class Command:
    """A remediation command: shell words with placeholders, quoted when filled in."""

    source: str
    words: tuple[Word, ...]
    for_each: ForEach | None = None

    def render(
        self, resource: LightsailModel, params: Mapping[str, Any], captures: Mapping[str, Any]
    ) -> list[str]:
        """The command lines for one finding, filled from the resource and its evidence."""
        if self.for_each is None:
            return [self._line(resource, params, captures, {})]
        items = [_unwrap(item) for item in captures.get(self.for_each.capture) or []]
        if not items:
            return [self.describe(params)]
        lines = (self._line(resource, params, captures, {self.for_each.name: i}) for i in items)
        return list(dict.fromkeys(lines))

    @cached_property
    def _static_words(self) -> tuple[str | None, ...]:
        """Each word's shell text where it has no placeholder: the same in every line."""
        static: list[str | None] = []
        for word in self.words:
            texts = [part for part in word if isinstance(part, str)]
            static.append(shlex.quote("".join(texts)) if len(texts) == len(word) else None)
        return tuple(static)

    @cached_property
    def _line_plan(self) -> tuple[str | tuple[str | tuple[_PartValue, str], ...] | _Repeated, ...]:
        """How a finding's line shows its words, prepared once per command: a run of words
        without placeholders as its quoted text; a word with one variant as its parts, each
        placeholder as (the function giving its value, its stand-in); a word repeated per item
        of a list as itself."""
        plan: list[str | tuple[str | tuple[_PartValue, str], ...] | _Repeated] = []
        for word, static, single in zip(
            self.words, self._static_words, self._single_words, strict=True
        ):
            if static is not None:
                if plan and type(plan[-1]) is str:
                    plan[-1] = f"{plan[-1]} {static}"
                else:
                    plan.append(static)
            elif single:
                plan.append(
                    tuple(
                        part if isinstance(part, str) else (_part_value(part), part.label)
                        for part in word
                    )
                )
            else:
                plan.append(_Repeated(word))
        return tuple(plan)

    @cached_property
    def _single_words(self) -> tuple[bool, ...]:
        """Whether each word has one variant: none of its placeholders holds a list."""
        return tuple(
            not any(isinstance(part, Placeholder) and part.many for part in word)
            for word in self.words
        )

    def describe(self, params: Mapping[str, Any]) -> str:
        """The command with readable stand-ins (``<instance-name>``) for the resource's values."""
        return self._line(None, params, {}, {})

    def _line(
        self,
        resource: LightsailModel | None,
        params: Mapping[str, Any],
        captures: Mapping[str, Any],
        bindings: Bindings,
    ) -> str:
        if resource is None:
            return self._help_line(params)
        shown: list[str] = []
        for item in self._line_plan:
            if type(item) is str:
                shown.append(item)
            elif type(item) is tuple:  # a finding's word is always quoted: data is never trusted
                if len(item) == 1 and not isinstance(item[0], str):
                    value_of, label = item[0]
                    value = value_of(resource, params, captures, bindings)
                    if type(value) is str:  # names and regions: the same in a resource's lines
                        known = _QUOTED.get(value)
                        if known is None:
                            known = _quoted_argument(value, label)
                        shown.append(known)
                        continue
                texts: list[str] = []
                for part in item:
                    if isinstance(part, str):
                        texts.append(part)
                        continue
                    value_of, label = part
                    value = value_of(resource, params, captures, bindings)
                    if isinstance(value, Assumed):
                        value = value.value
                    text = _command_text(value)
                    texts.append(label if text is None else text)
                shown.append(shlex.quote(texts[0] if len(texts) == 1 else "".join(texts)))
            else:
                assert isinstance(item, _Repeated)
                word = item.word
                variants = _variants(
                    [_texts(part, resource, params, captures, bindings) for part in word]
                )
                for variant in variants:
                    joined = "".join(
                        _label(part) if text is None else text
                        for part, text in zip(word, variant, strict=True)
                    )
                    shown.append(shlex.quote(joined))
        return " ".join(shown)

    def _help_line(self, params: Mapping[str, Any]) -> str:
        """The line with stand-ins, for a rule's help (no resource)."""
        resource: LightsailModel | None = None
        captures: Mapping[str, Any] = {}
        bindings: Bindings = {}
        shown: list[str] = []
        for word, static, single in zip(
            self.words, self._static_words, self._single_words, strict=True
        ):
            if static is not None:
                shown.append(static)
                continue
            if single:  # as below, without working out variants
                variant = [
                    part
                    if isinstance(part, str)
                    else _command_text(_unwrap(_value(part, resource, params, captures, bindings)))
                    for part in word
                ]
                joined = "".join(
                    _label(part) if text is None else text
                    for part, text in zip(word, variant, strict=True)
                )
                shown.append(joined if _bare(word, variant) else shlex.quote(joined))
                continue
            texts = [_texts(part, resource, params, captures, bindings) for part in word]
            for variant in _variants(texts):
                joined = "".join(
                    _label(part) if text is None else text
                    for part, text in zip(word, variant, strict=True)
                )
                shown.append(joined if _bare(word, variant) else shlex.quote(joined))
        return " ".join(shown)


def _bare(word: Word, variant: list[str | None]) -> bool:
    # A rule's help shows stand-ins bare, as command references do (--instance-name
    # <instance-name>), when the rest of the word is the rule's own text. (A finding's command
    # is always quoted: resource data is never trusted.)
    if all(text is not None for text in variant):
        return False
    return all(
        isinstance(part, str) or text is None for part, text in zip(word, variant, strict=True)
    )


def _label(part: str | Placeholder) -> str:
    return part.label if isinstance(part, Placeholder) else part


def _texts(
    part: str | Placeholder,
    resource: LightsailModel | None,
    params: Mapping[str, Any],
    captures: Mapping[str, Any],
    bindings: Bindings,
) -> list[str | None]:
    """The texts one word part can take; ``None`` where the value is not known."""
    if isinstance(part, str):
        return [part]
    value = _unwrap(_value(part, resource, params, captures, bindings))
    if part.many:
        items = [_unwrap(item) for item in value or []]
        return [_command_text(item) for item in items] or [None]
    return [_command_text(value)]


def _variants(texts: list[list[str | None]]) -> list[list[str | None]]:
    """One variant of a word per item of its list placeholder (a word has at most one)."""
    width = max((len(options) for options in texts), default=1)
    return [[o[index] if len(o) > 1 else o[0] for o in texts] for index in range(width)]


def _unwrap(value: Any) -> Any:
    # A command uses the value itself; "(assumed ...)" notes belong in messages.
    return value.value if isinstance(value, Assumed) else value


# Quoted arguments by their text, for the values a fleet repeats from line to line.
_QUOTED: dict[str, str] = {}
_QUOTED_AT_MOST = 4096


def _quoted_argument(value: str, label: str) -> str:
    """``value`` as one quoted shell word, or its quoted stand-in when it cannot be shown."""
    text = _argument_text(value)
    if text is None:
        return shlex.quote(label)
    quoted = shlex.quote(text)
    if len(_QUOTED) >= _QUOTED_AT_MOST:
        _QUOTED.clear()
    _QUOTED[value] = quoted
    return quoted


def _command_text(value: Any) -> str | None:
    """The argument text of a value; ``None`` (a stand-in) when absent or not printable."""
    if value is None:
        return None
    kind = type(value)
    if kind is int:  # the common cases first: ports, then names and regions (below)
        return int.__repr__(value)
    if kind is str:
        return _argument_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return str(value)  # a number from the model, never text: ICMP's code -1 is a real value
    return _argument_text(str(value))


def _argument_text(text: str) -> str | None:
    # A line break would split the command, and bidi or other format characters can make a
    # command read differently from what it runs; no real Lightsail value has them.
    if text.isascii():
        if _ASCII_CONTROL.search(text):
            return None
    elif any(unicodedata.category(char) in ("Cc", "Cf") for char in text):
        return None
    # A value that starts with "-" would be read as an option ("--endpoint-url=..."); no
    # Lightsail name, id or tag does, so it can only come from hostile data.
    if text.startswith("-"):
        return None
    return text


# ---------------------------------------------------------------- parsing


def parse_template(
    text: str,
    doc_path: DocPath,
    root: ObjectType,
    params: Mapping[str, Any],
    captures: Mapping[str, FieldType | None],
) -> Template:
    """A message template; ``params`` maps parameter names to their defaults."""
    parts: list[str | Placeholder] = []
    for piece in _pieces(text, doc_path):
        if isinstance(piece, str):
            parts.append(piece)
        else:
            parts.append(_placeholder(piece, doc_path, root, params, captures, {}, "")[0])
    return Template(text, tuple(p for p in parts if p != ""))


def parse_command(
    text: str,
    doc_path: DocPath,
    root: ObjectType,
    params: Mapping[str, Any],
    captures: Mapping[str, FieldType | None],
    *,
    kind: str,
    for_each: ForEach | None = None,
    for_each_path: DocPath = (),
) -> Command:
    """A remediation command for resources of ``kind``, maybe repeated per captured item."""
    scope: dict[str, FieldType] = {}
    if for_each is not None:
        scope[for_each.name] = _for_each_type(for_each, for_each_path, captures)
    if _OPEN in text or _CLOSE in text:
        raise ConditionError(doc_path, "the command contains a private-use character")
    pieces = _pieces(text, doc_path)
    marked = "".join(
        piece if isinstance(piece, str) else f"{_OPEN}{index}{_CLOSE}"
        for index, piece in enumerate(pieces)
    )
    words: list[Word] = []
    for token in _shell_words(marked, doc_path):
        word: list[str | Placeholder] = []
        position = 0
        for found in _SENTINEL.finditer(token):
            word.append(token[position : found.start()])
            expr = pieces[int(found.group(1))]
            assert isinstance(expr, _Expr)
            part, item = _placeholder(expr, doc_path, root, params, captures, scope, kind)
            word.append(_command_part(part, item, doc_path))
            position = found.end()
        word.append(token[position:])
        parts = tuple(p for p in word if p != "")
        if sum(1 for p in parts if isinstance(p, Placeholder) and p.many) > 1:
            raise ConditionError(
                doc_path, f"a word of the command repeats over at most one list: '{token}'"
            )
        words.append(parts)
    if not words:
        raise ConditionError(doc_path, "the command is empty")
    return Command(text, tuple(words), for_each)


def parse_for_each(raw: Any, doc_path: DocPath, root: ObjectType) -> ForEach:
    if not isinstance(raw, dict) or set(raw) != {"capture", "as"}:
        raise ConditionError(doc_path, "for_each takes {capture: NAME, as: NAME}")
    capture, name = raw["capture"], raw["as"]
    for key, value in (("capture", capture), ("as", name)):
        if not isinstance(value, str) or not _NAME.match(value):
            raise ConditionError((*doc_path, key), f"{key} must be an identifier, got {value!r}")
    if name in RESERVED_NAMES or name in root.fields:
        raise ConditionError(
            (*doc_path, "as"), f"'{name}' would hide the resource field or reserved name '{name}'"
        )
    return ForEach(capture, name)


def _for_each_type(
    for_each: ForEach, doc_path: DocPath, captures: Mapping[str, FieldType | None]
) -> FieldType:
    if for_each.capture not in captures:
        raise ConditionError(
            (*doc_path, "capture"),
            f"unknown capture '{for_each.capture}'" + suggest(for_each.capture, list(captures)),
        )
    if for_each.name in captures:
        raise ConditionError((*doc_path, "as"), f"'{for_each.name}' is already a capture name")
    item = captures[for_each.capture]
    if item is None:
        raise ConditionError(
            (*doc_path, "capture"),
            f"capture '{for_each.capture}' collects values of different types; "
            "capture one kind of value to repeat a command over it",
        )
    return item


@dataclass(frozen=True)
class _Expr:
    text: str


def _pieces(text: str, doc_path: DocPath) -> list[str | _Expr]:
    pieces: list[str | _Expr] = []
    position = 0
    for found in _PLACEHOLDER.finditer(text):
        pieces.append(text[position : found.start()])
        expr = found.group(1).strip()
        if not expr:
            raise ConditionError(doc_path, "empty placeholder '{{ }}'")
        pieces.append(_Expr(expr))
        position = found.end()
    tail = text[position:]
    if "{{" in tail or "}}" in tail:
        raise ConditionError(doc_path, "unbalanced '{{' or '}}' in template")
    pieces.append(tail)
    return pieces


def _shell_words(text: str, doc_path: DocPath) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=_SHELL_OPERATORS)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError as exc:
        raise ConditionError(doc_path, f"the command cannot be split into words: {exc}") from None
    for token in tokens:
        if token and set(token) <= set(_SHELL_OPERATORS):
            raise ConditionError(
                doc_path,
                f"a remediation command is one command; '{token}' is a shell operator "
                "(give a single command, or quote the character to pass it as an argument)",
            )
    return tokens


def _placeholder(
    expr: _Expr,
    doc_path: DocPath,
    root: ObjectType,
    params: Mapping[str, Any],
    captures: Mapping[str, FieldType | None],
    scope: Mapping[str, FieldType],
    kind: str,
) -> tuple[Placeholder, FieldType | None]:
    """The placeholder for ``expr``, and the type of its value (of each item, for a list)."""
    text = expr.text
    if text.startswith("params."):
        name = text.removeprefix("params.")
        if name not in params:
            raise ConditionError(
                doc_path, f"unknown parameter in '{{{{ {text} }}}}'" + suggest(name, params)
            )
        many = isinstance(params[name], list)
        return Placeholder("param", name, many=many, label=_kebab(name)), None
    if text in captures:
        return Placeholder("capture", text, many=True, label=_kebab(text)), captures[text]
    try:
        path, field_type = parse_path_text(text, doc_path, root, scope)
    except ConditionError as exc:
        choices = [*scope, *captures, *(f"params.{p}" for p in params), *root.fields]
        hint = suggest(text, choices) if "." not in text else ""
        if "did you mean" in exc.message:  # the field lookup already suggested one
            hint = ""
        raise ConditionError(
            doc_path, f"unknown placeholder '{{{{ {text} }}}}': {exc.message}{hint}"
        ) from None
    if path.var is not None:
        label = _kebab(*path.segments) if path.segments else _kebab(path.var)
    else:
        label = _kebab(kind, *path.segments)
    many = isinstance(field_type, ListType)
    item = field_type.item if isinstance(field_type, ListType) else field_type
    return Placeholder("path", text, path, many=many, label=label), item


def _command_part(part: Placeholder, item: FieldType | None, doc_path: DocPath) -> Placeholder:
    """``part`` if a command can show it: an object has no one text to pass as an argument."""
    if part.kind != "param" and (item is None or isinstance(item, ObjectType)):
        shown = item.describe() if item is not None else "values of different types"
        raise ConditionError(
            doc_path,
            f"'{{{{ {part.name} }}}}' holds {shown}, which is not one command argument; "
            "name one of its fields, or repeat the command over it with for_each",
        )
    return part


def _kebab(*names: str) -> str:
    words = [re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", n).replace("_", "-").lower() for n in names]
    return "<" + "-".join(w for w in words if w) + ">"


def render_value(value: Any) -> str:
    kind = type(value)
    if kind is str:  # the common cases first: names, protocols, CIDRs, then ports
        return value  # type: ignore[no-any-return]
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "(absent)"
    if isinstance(value, Assumed):
        return f"{render_value(value.value)} (assumed: {value.path} not reported)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, LightsailModel):
        return value.describe()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join([render_value(v) for v in value]) if value else "none"
    return str(value)
