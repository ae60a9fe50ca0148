"""Read saved inventories: ``aws lightsail get-instances`` output or lslint's own snapshots.

Both are JSON objects with an ``instances`` list. lslint's snapshots add metadata and the
per-region errors of the fetch that made them, which become scan errors again here, so an
incomplete fetch can never turn into a clean offline scan. The line where each instance's
object starts is remembered for reports that point into the file (SARIF).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lslint import jsontext
from lslint.errors import InputError
from lslint.findings import ScanError
from lslint.inputs import SNAPSHOT_LIMIT, STDIN_LABEL, read_stdin, read_text_file
from lslint.inventory import Inventory, Origin, Resource
from lslint.jsoninput import Streamed, read_document
from lslint.models import Instance

STDIN = "-"
SNAPSHOT_FORMAT = "lslint-snapshot"
SNAPSHOT_VERSION = 1
AWS_CLI_KEYS = frozenset({"instances", "nextPageToken"})
SNAPSHOT_KEYS = frozenset(
    {"format", "version", "lslint_version", "created_at", "regions", "errors", "instances"}
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
    """The instances and recorded errors of a snapshot's text; ``label`` names it in errors.

    Instances are validated one by one as the text is decoded, each decoded object dropped
    as soon as it is a model. A bad instance is reported only after the whole text has been
    read, so that a syntax error or a wrong top-level key comes first, as a reader expects.
    """
    text = text.removeprefix("\ufeff")  # PowerShell redirection writes a byte-order mark
    if not text or text.isspace():
        raise InputError("input is empty, expected a JSON object with 'instances'", where=label)
    collector = _InstanceCollector(label)
    document = read_document(text, label, streamed="instances", on_element=collector.add)
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
    if not isinstance(instances, Streamed):
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
    if collector.problem is not None:
        raise collector.problem
    return Inventory(resources=collector.resources, errors=errors)


class _InstanceCollector:
    """Turns each decoded instance into a model at once; keeps the first invalid one's error."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.resources: list[Resource] = []
        self.problem: InputError | None = None

    def add(self, index: int, raw: Any, line: int) -> None:
        if self.problem is not None:
            return  # the scan fails anyway; the rest of the text is only checked as JSON
        where = f"{self.label}:{line}"
        if not isinstance(raw, dict):
            self.problem = InputError(
                f"instances[{index}] must be an object, got {_json_kind(raw)}", where=where
            )
            return
        try:
            model = Instance.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            self.problem = InputError(f"instances[{index}].{field}: {first['msg']}", where=where)
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
    return jsontext.dumps(document, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a snapshot")
