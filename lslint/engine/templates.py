"""``{{ placeholder }}`` templates for messages and remediation commands.

Placeholders are checked when the rule loads: ``{{ path }}`` or ``{{ resource.path }}`` must
name a model field, ``{{ params.NAME }}`` a declared parameter, ``{{ NAME }}`` a capture.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lslint.engine.conditions import Assumed, ConditionError, Env, PathRef, lookup, parse_path_text
from lslint.engine.schema import ObjectType
from lslint.models import LightsailModel
from lslint.suggest import suggest
from lslint.yamldoc import DocPath

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


@dataclass(frozen=True)
class Placeholder:
    kind: str  # "path", "param" or "capture"
    name: str
    path: PathRef | None = None


@dataclass(frozen=True)
class Template:
    source: str
    parts: tuple[str | Placeholder, ...]

    def render(
        self, resource: LightsailModel, params: Mapping[str, Any], captures: Mapping[str, Any]
    ) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part.kind == "param":
                out.append(render_value(params.get(part.name)))
            elif part.kind == "capture":
                out.append(render_value(captures[part.name]) if part.name in captures else "none")
            else:
                assert part.path is not None
                value, _ = lookup(part.path, Env(resource, ()))
                out.append(render_value(value))
        return "".join(out)


def parse_template(
    text: str,
    doc_path: DocPath,
    root: ObjectType,
    params: Sequence[str],
    captures: Sequence[str],
) -> Template:
    parts: list[str | Placeholder] = []
    position = 0
    for found in _PLACEHOLDER.finditer(text):
        parts.append(text[position : found.start()])
        parts.append(_placeholder(found.group(1).strip(), doc_path, root, params, captures))
        position = found.end()
    tail = text[position:]
    if "{{" in tail or "}}" in tail:
        raise ConditionError(doc_path, "unbalanced '{{' or '}}' in template")
    parts.append(tail)
    return Template(text, tuple(p for p in parts if p != ""))


def _placeholder(
    expr: str, doc_path: DocPath, root: ObjectType, params: Sequence[str], captures: Sequence[str]
) -> Placeholder:
    if not expr:
        raise ConditionError(doc_path, "empty placeholder '{{ }}'")
    if expr.startswith("params."):
        name = expr.removeprefix("params.")
        if name not in params:
            raise ConditionError(
                doc_path, f"unknown parameter in '{{{{ {expr} }}}}'" + suggest(name, params)
            )
        return Placeholder("param", name)
    if expr in captures:
        return Placeholder("capture", expr)
    try:
        path, _ = parse_path_text(expr, doc_path, root, {})
    except ConditionError as exc:
        choices = [*captures, *(f"params.{p}" for p in params), *root.fields]
        hint = suggest(expr, choices) if "." not in expr else ""
        raise ConditionError(
            doc_path, f"unknown placeholder '{{{{ {expr} }}}}': {exc.message}{hint}"
        ) from None
    return Placeholder("path", expr, path)


def render_value(value: Any) -> str:
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
        return ", ".join(render_value(v) for v in value) if value else "none"
    return str(value)
