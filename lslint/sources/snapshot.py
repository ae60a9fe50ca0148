"""Read saved inventories: ``aws lightsail get-instances`` output or lslint's own snapshots.

Both are JSON objects with an ``instances`` list. lslint's snapshots add metadata and the
per-region errors of the fetch that made them, which become scan errors again here, so an
incomplete fetch can never turn into a clean offline scan. The line where each instance's
object starts is remembered for reports that point into the file (SARIF).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lslint.errors import InputError
from lslint.findings import ScanError
from lslint.inventory import Inventory, Origin, Resource
from lslint.models import Instance
from lslint.yamldoc import read_text

STDIN = "-"
SNAPSHOT_FORMAT = "lslint-snapshot"
SNAPSHOT_VERSION = 1
AWS_CLI_KEYS = frozenset({"instances", "nextPageToken"})
SNAPSHOT_KEYS = frozenset(
    {"format", "version", "lslint_version", "created_at", "regions", "errors", "instances"}
)

_decoder = json.JSONDecoder()


class SnapshotSource:
    """A Source that reads one snapshot file, or standard input for ``-``."""

    def __init__(self, path: str) -> None:
        self.path = path

    @property
    def label(self) -> str:
        return "<stdin>" if self.path == STDIN else self.path

    def collect(self) -> Inventory:
        if self.path == STDIN:
            try:
                text = sys.stdin.buffer.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"input is not UTF-8 text ({exc.reason})", where=self.label
                ) from None
            except OSError as exc:
                raise InputError(f"cannot read standard input: {exc}", where=self.label) from None
        else:
            text = read_text(Path(self.path), what="input file", error=InputError)
        return parse_snapshot(text, self.label)


def parse_snapshot(text: str, label: str) -> Inventory:
    text = text.removeprefix("\ufeff")  # PowerShell redirection writes a byte-order mark
    if not text.strip():
        raise InputError("input is empty, expected a JSON object with 'instances'", where=label)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}", where=f"{label}:{exc.lineno}:{exc.colno}"
        ) from None
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise InputError(f"invalid JSON: {exc}", where=label) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", where=label) from None
    if not isinstance(document, dict):
        raise InputError(
            f"expected a JSON object with 'instances', got {_json_kind(document)}",
            where=label,
            hint="pass the output of 'aws lightsail get-instances' or 'lslint fetch'",
        )
    if "instances" not in document:
        raise InputError(
            "no 'instances' key: not the output of 'aws lightsail get-instances' or 'lslint fetch'",
            where=label,
        )
    instances = document["instances"]
    if not isinstance(instances, list):
        raise InputError(f"'instances' must be a list, got {_json_kind(instances)}", where=label)

    is_snapshot = document.get("format") == SNAPSHOT_FORMAT
    allowed = SNAPSHOT_KEYS if is_snapshot else AWS_CLI_KEYS
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise InputError(f"unknown top-level key '{unknown[0]}'", where=label)
    if document.get("nextPageToken"):
        raise InputError(
            "the input holds only one page of results ('nextPageToken' is set)",
            where=label,
            hint="run 'aws lightsail get-instances' without --no-paginate/--max-items",
        )
    errors = _snapshot_errors(document, label) if is_snapshot else []

    lines = _element_lines(text)
    inventory = Inventory(errors=errors)
    for index, raw in enumerate(instances):
        line = lines[index] if index < len(lines) else 1
        where = f"{label}:{line}"
        if not isinstance(raw, dict):
            raise InputError(
                f"instances[{index}] must be an object, got {_json_kind(raw)}", where=where
            )
        try:
            model = Instance.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise InputError(f"instances[{index}].{field}: {first['msg']}", where=where) from None
        inventory.resources.append(Resource(model, Origin(label, line)))
    return inventory


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _snapshot_errors(document: dict[str, Any], label: str) -> list[ScanError]:
    version = document.get("version")
    if type(version) is not int or version != SNAPSHOT_VERSION:
        raise InputError(
            f"unsupported lslint snapshot version {version!r} (expected {SNAPSHOT_VERSION})",
            where=label,
        )
    raw_errors = document.get("errors", [])
    if not isinstance(raw_errors, list):
        raise InputError("'errors' must be a list", where=label)
    errors: list[ScanError] = []
    for index, raw in enumerate(raw_errors):
        if not isinstance(raw, dict) or not isinstance(raw.get("message"), str):
            raise InputError(f"errors[{index}] must be an object with a 'message'", where=label)
        errors.append(
            ScanError(
                source=str(raw.get("source", label)),
                operation=str(raw.get("operation", "")),
                code=str(raw.get("code", "")),
                message=raw["message"],
                region=str(raw.get("region", "")),
            )
        )
    return errors


def _element_lines(text: str) -> list[int]:
    """1-based line of each element of the top-level ``instances`` array.

    Walks the top-level object with the C JSON decoder (``raw_decode``) so positions come
    without a second, slower parser; the text is already known to be valid JSON here.
    """
    starts = list(_instance_offsets(text))
    lines: list[int] = []
    line, position = 1, 0
    for offset in starts:
        line += text.count("\n", position, offset)
        position = offset
        lines.append(line)
    return lines


def _instance_offsets(text: str) -> Iterator[int]:
    index = _skip(text, 0)
    if text[index] != "{":
        return
    index = _skip(text, index + 1)
    while index < len(text) and text[index] != "}":
        key, index = _decoder.raw_decode(text, index)
        index = _skip(text, index)
        index = _skip(text, index + 1)  # past ':'
        if key == "instances" and text[index] == "[":
            index = _skip(text, index + 1)
            while text[index] != "]":
                yield index
                _, index = _decoder.raw_decode(text, index)
                index = _skip(text, index)
                if text[index] == ",":
                    index = _skip(text, index + 1)
            return
        _, index = _decoder.raw_decode(text, index)
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def render_snapshot(
    instances: list[dict[str, Any]],
    *,
    regions: list[str],
    errors: list[ScanError],
    lslint_version: str,
    created_at: datetime,
) -> str:
    """lslint's own snapshot: what a live fetch saw, including what it could not list.

    Instances are kept as the API returned them (unknown fields included), sorted by region,
    name and ARN so that two fetches of the same fleet give the same file.
    """

    def region_of(raw: dict[str, Any]) -> str:
        location = raw.get("location") or {}
        return str(location.get("regionName") or "")

    ordered = sorted(
        instances, key=lambda i: (region_of(i), str(i.get("name", "")), str(i.get("arn", "")))
    )
    document = {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "lslint_version": lslint_version,
        "created_at": created_at.isoformat(),
        "regions": sorted(regions),
        "errors": [
            {
                "region": e.region,
                "source": e.source,
                "operation": e.operation,
                "code": e.code,
                "message": e.message,
            }
            for e in errors
        ],
        "instances": ordered,
    }
    return json.dumps(document, indent=2, ensure_ascii=True, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a snapshot")
