"""Read saved inventories: ``aws lightsail get-*`` output or lslint's own snapshots.

Both are JSON objects with a list per resource kind, named as in the API's answer
(``instances``, ``buckets``, ...; see ``RESOURCE_KINDS``). lslint's snapshots add metadata,
the kinds that were listed, and the errors of the fetch that made them (by region and kind),
which become scan errors again here, so an incomplete fetch can never turn into a clean
offline scan. The line where each resource's object starts is remembered for reports that
point into the file (SARIF).

Snapshot versions: 1 (lslint 0.1: instances only) is still read; 2 adds ``kinds`` and holds
the list of every kind it names, even when empty, so a kind that was not listed is never
mistaken for a kind with no resources.
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
from lslint.jsoninput import Streamed, locate, read_document
from lslint.jsontext import json_kind
from lslint.models import RESOURCE_KINDS, Certificate, ResourceKind, stated_kind
from lslint.suggest import suggest
from lslint.wording import a_or_an, plural

STDIN = "-"
SNAPSHOT_FORMAT = "lslint-snapshot"
SNAPSHOT_VERSION = 2
READABLE_VERSIONS = (1, 2)
# Beside each kind's list (RESOURCE_KINDS), the top-level keys of the two formats.
# (GetBuckets also answers whether the account's block public access is synced to buckets.)
AWS_CLI_KEYS = frozenset({"nextPageToken", "accountLevelBpaSync"})
SNAPSHOT_KEYS = frozenset(
    {"format", "version", "lslint_version", "created_at", "regions", "kinds", "errors"}
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
    collector = _ResourceCollector(label, text)
    streams = {kind.response_key: partial(collector.add, kind) for kind in RESOURCE_KINDS.values()}
    document = read_document(text, label, streams=streams, share_texts=True)
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
            hint=_first_page_hint(listed),
        )
    errors: list[ScanError] = []
    if is_snapshot:
        errors = _snapshot_errors(document, label)
        _check_kinds(document, listed, label)
    if collector.problem is not None:
        raise collector.problem
    return Inventory(
        resources=collector.resources,
        errors=errors,
        warnings=_warnings(collector, is_snapshot),
        # An AWS CLI answer, or a version 1 snapshot, lists the kinds whose lists it holds;
        # a version 2 snapshot names them in 'kinds', checked above to be the same.
        listed={label: frozenset(kind.name for kind in listed)},
    )


def _first_page_hint(listed: list[ResourceKind]) -> str:
    """How to save every page: the AWS CLI pages some commands itself, lslint all of them."""
    unpaged = [kind for kind in listed if not kind.cli_paginates]
    if unpaged:
        names = ",".join(kind.name for kind in unpaged)
        return (
            f"{_commands_wanted(unpaged)} prints only the first page; save every page with "
            f"'lslint fetch --kind {names} -o FILE'"
        )
    return f"run {_commands_wanted(listed)} without --no-paginate/--max-items"


def _check_kinds(document: dict[str, Any], listed: list[ResourceKind], label: str) -> None:
    """A version 2 snapshot names the kinds it listed and holds each one's list."""
    if document.get("version") == 1:
        return
    kinds = document.get("kinds")
    if not isinstance(kinds, list) or not all(isinstance(name, str) for name in kinds):
        raise InputError("'kinds' must be a list of resource kind names", where=label)
    for name in kinds:
        if name not in RESOURCE_KINDS:
            raise InputError(
                f"unknown resource kind '{name}' in 'kinds'{suggest(name, RESOURCE_KINDS)}",
                where=label,
                hint="a newer lslint may have written this snapshot; upgrade lslint",
            )
    for kind in RESOURCE_KINDS.values():
        if kind.name in kinds and kind not in listed:
            raise InputError(
                f"'kinds' names {kind.name} but there is no '{kind.response_key}' list",
                where=label,
            )
        if kind in listed and kind.name not in kinds:
            raise InputError(
                f"'{kind.response_key}' is not a list of a kind named in 'kinds'", where=label
            )


def _warnings(collector: _ResourceCollector, is_snapshot: bool) -> list[str]:
    """Resources without an ARN, and certificates saved without their details."""
    return _without_arn(collector) + _bare_certificates(collector, is_snapshot)


def _where_first(found: list[Resource], collector: _ResourceCollector) -> str:
    """Where the first of ``found`` was read (``file:line``), or the input's label."""
    first = found[0].origin
    return f"{first.path}:{first.line}" if first else collector.label


def _without_arn(collector: _ResourceCollector) -> list[str]:
    """Resources without an ARN (hand-written files): a finding is told apart by its rule,
    ARN and evidence, so two such resources' findings may share fingerprints, and one baseline
    entry or pinned suppression would accept both."""
    unnamed = [r for r in collector.resources if not r.model.arn]
    if not unnamed:
        return []
    return [
        f"{_where_first(unnamed, collector)}: {plural(len(unnamed), 'resource')} without an "
        "arn: baselines and pinned suppressions cannot tell their findings apart; scan what "
        "the Lightsail API returns"
    ]


def _bare_certificates(collector: _ResourceCollector, is_snapshot: bool) -> list[str]:
    """Certificates saved without their details (``aws lightsail get-certificates`` without
    ``--include-certificate-details``): every rule on the details is indeterminate."""
    bare = [r for r in collector.resources if isinstance(r.model, Certificate)
            and r.model.certificateDetail is None]  # fmt: skip
    if not bare or is_snapshot:
        return []
    return [
        f"{_where_first(bare, collector)}: {plural(len(bare), 'certificate')} without "
        "details: rules on certificateDetail cannot judge "
        f"{'them' if len(bare) != 1 else 'it'}; save them with 'aws lightsail get-certificates "
        "--include-certificate-details' or 'lslint fetch --kind certificate'"
    ]


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

    def __init__(self, label: str, text: str = "") -> None:
        self.label = label
        self.text = text  # the document, to locate an invalid field in
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
        other = stated_kind(raw)
        if other is not None and other is not kind:
            # A static IP pasted into a list of disks would be judged by the disk rules. (A
            # resourceType lslint does not know is left alone: AWS may add one.)
            stated = raw["resourceType"]
            self.problem = InputError(
                f"{element} is {a_or_an(other.label)} (resourceType {stated}), "
                f"not {a_or_an(kind.label)}: "
                f"'{kind.response_key}' holds only {kind.plural.replace('_', ' ')}",
                where=where,
            )
            return
        try:
            model = kind.model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            # Where the field is written (or the object that lacks it), not only the resource.
            at = (kind.response_key, index, *first["loc"])
            line, column = locate(self.text, at) if self.text else (line, 0)
            where = f"{self.label}:{line}:{column}" if column else where
            self.problem = InputError(f"{element}.{field}: {first['msg']}", where=where)
            return
        self.resources.append(Resource(model, Origin(self.label, line)))


def _snapshot_errors(document: dict[str, Any], label: str) -> list[ScanError]:
    version = document.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise InputError(
            f"unsupported lslint snapshot version {version!r} (this lslint reads "
            f"{' and '.join(map(str, READABLE_VERSIONS))})",
            where=label,
            hint="a newer lslint may have written it; upgrade lslint"
            if type(version) is int and version > SNAPSHOT_VERSION
            else "",
        )
    raw_errors = document.get("errors", [])
    if not isinstance(raw_errors, list):
        raise InputError("'errors' must be a list", where=label)
    errors: list[ScanError] = []
    for index, raw in enumerate(raw_errors):
        if not isinstance(raw, dict) or not isinstance(raw.get("message"), str):
            raise InputError(f"errors[{index}] must be an object with a 'message'", where=label)
        kind = str(raw.get("kind") or "")
        if kind and kind not in RESOURCE_KINDS:
            raise InputError(f"errors[{index}].kind: unknown resource kind '{kind}'", where=label)
        errors.append(
            ScanError(
                source=str(raw.get("source", label)),
                operation=str(raw.get("operation", "")),
                code=str(raw.get("code", "")),
                message=raw["message"],
                region=str(raw.get("region", "")),
                kind=kind,
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

    ``listed`` holds the resources of each kind that was listed, by kind name (every kind
    that was asked for, even with no resources); each becomes the list its operation's answer
    has (``instances``, ...), and ``kinds`` names them. Resources are kept as the API
    returned them (unknown fields included), sorted by region, name and ARN so that two
    fetches of the same fleet give the same file.
    """

    def order(raw: dict[str, Any]) -> tuple[str, str, str]:
        # A certificate's entry names itself certificateName and certificateArn, and has no
        # location: its region is in its ARN.
        name = str(raw.get("name") or raw.get("certificateName") or "")
        arn = str(raw.get("arn") or raw.get("certificateArn") or "")
        location = raw.get("location")
        region = location.get("regionName") if isinstance(location, dict) else None
        parts = arn.split(":")
        return (str(region or (parts[3] if len(parts) > 3 else "")), name, arn)

    document: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "lslint_version": lslint_version,
        "created_at": created_at.isoformat(),
        "regions": sorted(regions),
        "kinds": [name for name in RESOURCE_KINDS if name in listed],
        "errors": [
            {
                "region": e.region,
                "kind": e.kind,
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
