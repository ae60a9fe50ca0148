"""Where a finding points to, for formats that show a file and line (SARIF, GitHub)."""

from __future__ import annotations

import os
from pathlib import PurePath, PurePosixPath

from lslint.findings import Finding


def synthetic_path(region: str, name: str) -> str:
    """A stable repo-relative path for a resource that came from no file (live scans)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "unnamed"
    return f"lightsail/{region or 'unknown'}/instances/{safe}"


def finding_location(finding: Finding, root: PurePath | None) -> tuple[str, int]:
    """``(uri, line)``: the snapshot file relative to ``root`` and the resource's line there.

    A file outside ``root`` (or standard input, or a live scan) cannot be shown by a code
    host, so those findings point to the synthetic ``lightsail/<region>/instances/<name>``.
    """
    if finding.source_path and finding.source_path != "<stdin>" and finding.source_line > 0:
        relative = _relative(PurePath(finding.source_path), root)
        if relative is not None:
            return relative, finding.source_line
    return synthetic_path(finding.region, finding.resource_name), 1


def _relative(path: PurePath, root: PurePath | None) -> str | None:
    if root is None:
        if path.is_absolute() or ".." in path.parts:
            return None
        return PurePosixPath(*path.parts).as_posix()
    full = PurePath(os.path.normpath(root / path))  # an absolute path stays as it is
    if not full.is_relative_to(root):
        return None
    return PurePosixPath(*full.relative_to(root).parts).as_posix()
