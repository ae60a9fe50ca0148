"""Reporters: pure functions from a ``ScanResult`` and a ``ReportContext`` to one format's text.

``REPORTERS`` is the one registry that ``--format`` and ``--report`` come from.
"""

from __future__ import annotations

from collections.abc import Callable

from lslint.errors import ConfigError
from lslint.findings import ScanResult
from lslint.reporters.context import ReportContext
from lslint.reporters.github import render_github
from lslint.reporters.gitlab import render_gitlab
from lslint.reporters.json import render_json
from lslint.reporters.junit import render_junit
from lslint.reporters.markdown import render_markdown
from lslint.reporters.sarif import render_sarif
from lslint.reporters.text import render_text
from lslint.suggest import suggest

Reporter = Callable[[ScanResult, ReportContext], str]

REPORTERS: dict[str, Reporter] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "markdown": render_markdown,
    "github": render_github,
    "gitlab": render_gitlab,
}
FORMATS = tuple(REPORTERS)


def render(fmt: str, result: ScanResult, context: ReportContext) -> str:
    """``result`` in the format ``fmt`` (one of ``FORMATS``, any case)."""
    reporter = REPORTERS.get(fmt.lower())
    if reporter is None:
        raise ConfigError(
            f"unknown report format '{fmt}'" + suggest(fmt.lower(), FORMATS),
            hint=f"formats: {', '.join(FORMATS)}",
        )
    return reporter(result, context)
