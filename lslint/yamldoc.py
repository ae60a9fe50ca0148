"""Safe YAML loading that remembers where every key and item came from.

Rule and config files are read with ruamel.yaml's round-trip loader, which keeps line and
column numbers and refuses duplicate keys. The result is converted to plain Python values
(dict, list, str, int, float, bool, None, date) plus a map from each value's path to its
position, so later validation errors can name ``file:line:col``. Explicit YAML tags are
refused: rule files describe data and never construct objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from lslint.errors import LslintError
from lslint.inputs import RULE_LIMIT, read_text_file
from lslint.jsontext import json_kind
from lslint.suggest import suggest
from lslint.yamlfast import plain_data
from lslint.yamlsafety import CheckedComposer, Refused, check_scalars

DocPath = tuple[str | int, ...]


class StrictDoc(BaseModel):
    """A YAML document section: unknown keys and loosely typed values are errors.

    Its validator is built when a document is first checked (a scan without a config file
    builds none of the config's). Empty lists and mappings are given as ``Field(default=[])``,
    which pydantic copies for each document: ``Field(default_factory=list)`` would make it
    read ``list``'s signature with Python's tokenizer, a few milliseconds at the first build.
    """

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


@dataclass
class YamlDoc:
    """Plain data from one YAML file, with positions (1-based) for every path in it."""

    source: str
    data: Any
    positions: dict[DocPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: DocPath = ()) -> str:
        """``source:line:col`` for the deepest known prefix of ``path``."""
        for cut in range(len(path), -1, -1):
            position = self.positions.get(tuple(path[:cut]))
            if position is not None:
                return f"{self.source}:{position[0]}:{position[1]}"
        return self.source


def read_text(path: Path, *, what: str, error: type[LslintError]) -> str:
    """Read a rule or config file: a regular UTF-8 file within the size limit, or one clear
    error (see :mod:`lslint.inputs`)."""
    return read_text_file(path, what=what, error=error, limit=RULE_LIMIT)


def parse_yaml(text: str, source: str, *, error: type[LslintError]) -> YamlDoc:
    """Parse one YAML document safely; any syntax problem becomes ``error`` with a position."""
    fast = plain_data(text)  # the common case, read by the C parser where it is installed
    if fast is not None:
        return YamlDoc(source=source, data=fast[0], positions=fast[1])
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        root = _load_checked(yaml, text, source, error)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in problem or "found duplicate key" in str(exc):
            problem = _duplicate_key_message(str(exc)) or problem
        raise error(f"invalid YAML: {problem}", where=where) from None
    except YAMLError as exc:
        raise error(f"invalid YAML: {str(exc).splitlines()[0]}", where=source) from None
    doc = YamlDoc(source=source, data=None, positions={(): (1, 1)})
    doc.data = _plain(root, (), doc, error)
    return doc


def _load_checked(yaml: YAML, text: str, source: str, error: type[LslintError]) -> Any:
    """The document, after the checks of :mod:`lslint.yamlsafety` (before anything expands)."""
    yaml.Composer = CheckedComposer
    try:
        node = yaml.compose(text)
        if node is None:
            return None
        check_scalars(node, yaml)
    except Refused as exc:
        where = f"{source}:{exc.mark.line + 1}:{exc.mark.column + 1}"
        raise error(exc.message, where=where, hint=exc.hint) from None
    return yaml.constructor.construct_document(node)


def _duplicate_key_message(text: str) -> str:
    for line in text.splitlines():
        if "duplicate key" in line:
            return line.strip().rstrip(".")
    return ""


def _plain(node: Any, path: DocPath, doc: YamlDoc, error: type[LslintError]) -> Any:
    # Plain mappings, lists and scalars carry no explicit tag; anything tagged (!!python/...,
    # !custom, even !!str) is refused before it is looked at any further.
    explicit = getattr(getattr(node, "tag", None), "value", None)
    if explicit:
        raise error(f"YAML tag {explicit} is not allowed", where=doc.where(path))
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key in node:
            line, col = node.lc.key(key)
            if not isinstance(key, str):
                where = f"{doc.source}:{line + 1}:{col + 1}"
                raise error(f"mapping key {key!r} must be a string", where=where)
            doc.positions[(*path, key)] = (line + 1, col + 1)
            result[key] = _plain(node[key], (*path, key), doc, error)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            doc.positions[(*path, index)] = (line + 1, col + 1)
            items.append(_plain(item, (*path, index), doc, error))
        return items
    if node is None or isinstance(node, (bool, dt.date)):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    raise error(f"unsupported YAML value {type(node).__name__}", where=doc.where(path))


def validation_error(
    exc: ValidationError,
    doc: YamlDoc,
    error: type[LslintError],
    *,
    known: type[BaseModel] | None = None,
    prefix: DocPath = (),
) -> LslintError:
    """The first of :func:`validation_problems`: an unknown key before anything else."""
    return validation_problems(exc, doc, error, known=known, prefix=prefix)[0]


def validation_problems(
    exc: ValidationError,
    doc: YamlDoc,
    error: type[LslintError],
    *,
    known: type[BaseModel] | None = None,
    prefix: DocPath = (),
) -> list[LslintError]:
    """Every pydantic error as one line at its YAML position, with suggestions.

    ``known`` is the model that was validated (for did-you-mean on unknown keys) and
    ``prefix`` the document path of the validated mapping. Unknown keys come first; a missing
    key that an unknown key next to it was probably meant to be is not reported twice.
    """
    found = exc.errors()
    unknown = [e for e in found if e["type"] == "extra_forbidden"]
    problems: list[LslintError] = []
    meant: set[DocPath] = set()  # paths of required keys that a misspelt key suggests
    for entry in unknown:
        loc: DocPath = (*prefix, *entry["loc"])
        fields = _fields_at(known, tuple(entry["loc"])[:-1]) if known else []
        close = suggest(str(loc[-1]), fields)
        if close:
            meant.add((*loc[:-1], close.split("'")[1]))
        problems.append(error(f"unknown key '{_dotted(loc)}'{close}", where=doc.where(loc)))
    for entry in found:
        loc = (*prefix, *entry["loc"])
        if entry["type"] == "extra_forbidden" or loc in meant:
            continue
        if entry["type"] == "missing":
            problems.append(
                error(f"missing required key '{_dotted(loc)}'", where=doc.where(loc[:-1]))
            )
            continue
        if entry["type"] in _MAPPING_EXPECTED:
            # pydantic names its own class here ("instance of _RemediationDoc"); say what the
            # file should hold instead.
            nested = known is not None and entry["type"] != "dict_type"  # a dict has any keys
            keys = _fields_at(known, tuple(entry["loc"])) if nested and known else []
            wanted = f" with the keys {', '.join(keys)}" if keys else ""
            message = f"must be a mapping{wanted}, got {_yaml_kind(entry['input'])}"
        else:
            message = str(entry["msg"]).replace("Input should be", "must be")
            message = message.removeprefix("Value error, ")
        problems.append(error(f"'{_dotted(loc)}': {message}", where=doc.where(loc)))
    return problems


# pydantic's error types for "not a mapping" where a nested model or a dict was expected.
_MAPPING_EXPECTED = frozenset({"model_type", "model_attributes_type", "dict_type"})


def _yaml_kind(value: Any) -> str:
    """What a YAML value is, for messages: ``a string``, ``a list``, ``true``, ``a mapping``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "a mapping" if isinstance(value, dict) else json_kind(value)


def _dotted(loc: DocPath) -> str:
    return ".".join(str(part) for part in loc)


def _fields_at(model: type[BaseModel], loc: DocPath) -> list[str]:
    """Field names of the (nested) model found by following ``loc`` from ``model``."""
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        if info is None:
            continue  # a dict key (e.g. a parameter name): the nested model is the value's
        candidates = [info.annotation, *getattr(info.annotation, "__args__", ())]
        for candidate in list(candidates):
            candidates.extend(getattr(candidate, "__args__", ()))
        nested = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)
