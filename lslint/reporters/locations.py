"""Where a finding points to, for formats that show a file and line (SARIF, GitHub, GitLab)."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import PurePath, PurePosixPath
from urllib.parse import quote

from lslint.escape import printable
from lslint.findings import Finding
from lslint.models import RESOURCE_KINDS

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Characters that may stand unencoded in an absolute URI (RFC 3986: reserved and unreserved).
_URI_CHARACTERS = ":/?#[]@!$&'()*+,;=-._~"
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Neither a letter or digit (``str.isalnum``, which ``\w`` matches too) nor ``-``, ``_``, ``.``.
_UNSAFE_IN_SEGMENT = re.compile(r"[^\w.\-]")


def path_segment(text: str, *, empty: str) -> str:
    """``text`` as one safe path segment: letters, digits, ``-``, ``_`` and ``.`` stay, every
    other character becomes ``_``; a segment of dots only (``..``) becomes underscores too, so
    resource data can neither add directories nor climb out of them."""
    safe = _UNSAFE_IN_SEGMENT.sub("_", text)
    if not safe.strip("."):
        safe = "_" * len(safe)
    return safe or empty


def kind_label(kind: str) -> str:
    """A finding's kind (its name in rules) in words: ``load balancer``."""
    known = RESOURCE_KINDS.get(kind)
    return known.label if known else printable(kind)


def synthetic_path(region: str, kind: str, name: str) -> str:
    """A stable repo-relative path for a resource of ``kind`` (its name in rules) that came
    from no file (live scans): ``lightsail/<region>/<kind plural>/<name>``."""
    region_part = path_segment(region, empty="unknown")
    plural = RESOURCE_KINDS[kind].plural
    return f"lightsail/{region_part}/{plural}/{path_segment(name, empty='unnamed')}"


def finding_synthetic_path(finding: Finding) -> str:
    return synthetic_path(finding.region, finding.resource_kind, finding.resource_name)


@lru_cache(maxsize=1024)  # a report names the same few files for every finding
def uri_reference(path: str) -> str:
    """A relative ``/``-separated path as an RFC 3986 URI reference (SARIF ``uri``).

    Every character but letters, digits, ``-._~`` and ``/`` is percent-encoded as UTF-8, so a
    space, ``#``, ``?``, ``%``, ``:`` or non-ASCII letter stays part of the file name (a ``:``
    in the first segment would otherwise read as a scheme); a file name that is not UTF-8
    keeps its own bytes.
    """
    return quote(path, safe="/", encoding="utf-8", errors="surrogateescape")


def absolute_uri(text: str) -> str | None:
    """``text`` as an absolute URI (for links such as SARIF ``helpUri``), or ``None`` if it
    has no scheme. Characters a URI cannot hold (spaces, non-ASCII, a ``%`` that starts no
    escape) are percent-encoded."""
    text = text.strip()
    if not _SCHEME.match(text):
        return None
    encoded = quote(text, safe=_URI_CHARACTERS + "%", encoding="utf-8", errors="surrogateescape")
    return _BARE_PERCENT.sub("%25", encoded)


def finding_location(
    finding: Finding, root: PurePath | None, base: PurePath | None = None
) -> tuple[str, int]:
    """``(path, line)``: the snapshot file relative to ``root`` and the resource's line there.

    ``root`` is the repository; ``base`` is the folder a relative snapshot path is relative
    to (where lslint ran, which may be below the repository root; default ``root``).

    The path is a plain relative path with ``/`` (GitHub annotations and GitLab take it as it
    is; SARIF encodes it with :func:`uri_reference`). A file outside ``root`` (or standard
    input, or a live scan) cannot be shown by a code host, so those findings point to the
    synthetic ``lightsail/<region>/<kind plural>/<name>``.
    """
    if finding.source_path and finding.source_path != "<stdin>" and finding.source_line > 0:
        relative = _relative_text(finding.source_path, root, base or root)
        if relative is not None:
            return relative, finding.source_line
    return finding_synthetic_path(finding), 1


@lru_cache(maxsize=256)  # one snapshot file for many findings
def _relative_text(path: str, root: PurePath | None, base: PurePath | None) -> str | None:
    return _relative(PurePath(path), root, base)


def _relative(path: PurePath, root: PurePath | None, base: PurePath | None) -> str | None:
    if root is None or base is None:
        if path.is_absolute() or ".." in path.parts:
            return None
        return PurePosixPath(*path.parts).as_posix()
    full = PurePath(os.path.normpath(base / path))  # an absolute path stays as it is
    if not full.is_relative_to(root):
        return None
    return PurePosixPath(*full.relative_to(root).parts).as_posix()
