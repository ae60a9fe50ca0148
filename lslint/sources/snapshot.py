"""Read saved inventories: ``aws lightsail get-*`` output or lslint's own snapshots.

Both are JSON objects with a list per resource kind, named as in the API's answer
(``instances``; see ``RESOURCE_KINDS``). lslint's snapshots add metadata and the per-region
errors of the fetch that made them, which become scan errors again here, so an incomplete
fetch can never turn into a clean offline scan. The line where each resource's object starts
is remembered for reports that point into the file (SARIF).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lslint import jsontext
from lslint.errors import InputError
from lslint.findings import ScanError
from lslint.inputs import SNAPSHOT_LIMIT, STDIN_LABEL, read_stdin, read_text_file
from lslint.inventory import Inventory, Origin, Resource
from lslint.jsoninput import Streamed, read_document
from lslint.jsontext import json_kind
from lslint.models import RESOURCE_KINDS, ResourceKind

STDIN = "-"
SNAPSHOT_FORMAT = "lslint-snapshot"
SNAPSHOT_VERSION = 1
# Beside each kind's list (RESOURCE_KINDS), the top-level keys of the two formats.
AWS_CLI_KEYS = frozenset({"nextPageToken"})
SNAPSHOT_KEYS = frozenset(
    {"format", "version", "lslint_version", "created_at", "regions", "errors"}
)


class SnapshotSource:
    """A Source that reads one snapshot file, or standard input for ``-``."""

    def __init__(self, path: str) -> None:
        self.path = path

    @property
    def label(self) -> str:
        return STDIN_LABEL if self.path == STDIN else self.path

    def collect(self) -> Inventory:
        if self.path == STDIN:
            text = read_stdin(what="standard input", error=InputError, limit=SNAPSHOT_LIMIT)
        else:
            text = read_text_file(
                Path(self.path),
                what="input file",
                error=InputError,
                limit=SNAPSHOT_LIMIT,
                special_hint="save it to a file first, or pipe it into 'lslint scan --input -'",
            )
        return parse_snapshot(text, self.label)


def parse_snapshot(text: str, label: str) -> Inventory:
    """The resources and recorded errors of a snapshot's text; ``label`` names it in errors.

    Resources are validated one by one as the text is decoded, each decoded object dropped
    as soon as it is a model. A bad resource is reported only after the whole text has been
    read, so that a syntax error or a wrong top-level key comes first, as a reader expects.
    """
    text = text.removeprefix("\ufeff")  # PowerShell redirection writes a byte-order mark
    expected = f"a JSON object with {_keys_wanted()}"
    if not text or text.isspace():
        raise InputError(f"input is empty, expected {expected}", where=label)
    collector = _ResourceCollector(label)
    streams = {kind.response_key: partial(collector.add, kind) for kind in RESOURCE_KINDS.values()}
    document = read_document(text, label, streams=streams)
    if not isinstance(document, dict):
        raise InputError(
            f"expected {expected}, got {json_kind(document)}",
            where=label,
            hint=f"pass the output of {_commands_wanted()} or 'lslint fetch'",
        )
    listed = [kind for kind in RESOURCE_KINDS.values() if kind.response_key in document]
    if not listed:
        raise InputError(
            f"no {_keys_wanted()} key: not the output of {_commands_wanted()} or 'lslint fetch'",
            where=label,
        )
    for kind in listed:
        value = document[kind.response_key]
        if not isinstance(value, Streamed):
            raise InputError(
                f"'{kind.response_key}' must be a list, got {json_kind(value)}", where=label
            )

    is_snapshot = document.get("format") == SNAPSHOT_FORMAT
    allowed = SNAPSHOT_KEYS if is_snapshot else AWS_CLI_KEYS
    unknown = sorted(set(document) - allowed - set(streams))
    if unknown:
        raise InputError(f"unknown top-level key '{unknown[0]}'", where=label)
    if document.get("nextPageToken"):
        raise InputError(
            "the input holds only one page of results ('nextPageToken' is set)",
            where=label,
            hint=f"run {_commands_wanted(listed)} without --no-paginate/--max-items",
        )
    errors = _snapshot_errors(document, label) if is_snapshot else []
    if collector.problem is not None:
        raise collector.problem
    return Inventory(resources=collector.resources, errors=errors)


def _keys_wanted() -> str:
    """``'instances'``, or ``'instances' or 'buckets'``: the lists a snapshot may hold."""
    return " or ".join(f"'{kind.response_key}'" for kind in RESOURCE_KINDS.values())


def _commands_wanted(kinds: Iterable[ResourceKind] | None = None) -> str:
    """The AWS CLI commands whose output lslint reads: ``'aws lightsail get-instances'``."""
    chosen = RESOURCE_KINDS.values() if kinds is None else kinds
    return " or ".join(f"'{cli_command(kind)}'" for kind in chosen)


def cli_command(kind: ResourceKind) -> str:
    """The AWS CLI command of a kind's operation: GetInstances -> aws lightsail get-instances."""
    words = re.findall(r"[A-Z][a-z0-9]*", kind.operation)
    return "aws lightsail " + "-".join(word.lower() for word in words)


class _ResourceCollector:
    """Turns each decoded resource into its kind's model at once; keeps the first invalid
    one's error."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.resources: list[Resource] = []
        self.problem: InputError | None = None

    def add(self, kind: ResourceKind, index: int, raw: Any, line: int) -> None:
        if self.problem is not None:
            return  # the scan fails anyway; the rest of the text is only checked as JSON
        where = f"{self.label}:{line}"
        element = f"{kind.response_key}[{index}]"
        if not isinstance(raw, dict):
            self.problem = InputError(
                f"{element} must be an object, got {json_kind(raw)}", where=where
            )
            return
        try:
            model = kind.model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            self.problem = InputError(f"{element}.{field}: {first['msg']}", where=where)
            return
        self.resources.append(Resource(model, Origin(self.label, line)))


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


def render_snapshot(
    listed: Mapping[str, list[dict[str, Any]]],
    *,
    regions: list[str],
    errors: list[ScanError],
    lslint_version: str,
    created_at: datetime,
) -> str:
    """lslint's own snapshot: what a live fetch saw, including what it could not list.

    ``listed`` holds the resources of each kind that was listed, by kind name; each becomes
    the list its operation's answer has (``instances``, ...). Resources are kept as the API
    returned them (unknown fields included), sorted by region, name and ARN so that two
    fetches of the same fleet give the same file.
    """

    def region_of(raw: dict[str, Any]) -> str:
        location = raw.get("location") or {}
        return str(location.get("regionName") or "")

    def order(raw: dict[str, Any]) -> tuple[str, str, str]:
        return (region_of(raw), str(raw.get("name", "")), str(raw.get("arn", "")))

    document: dict[str, Any] = {
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
    }
    for kind in RESOURCE_KINDS.values():  # the table's order, so the file's is fixed
        if kind.name in listed:
            document[kind.response_key] = sorted(listed[kind.name], key=order)
    return jsontext.dumps(document, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a snapshot")
