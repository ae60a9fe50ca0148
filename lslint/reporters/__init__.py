"""Reporters: pure functions from a ``ScanResult`` and a ``ReportContext`` to one format's text.

``REPORTERS`` is the one registry that ``--format`` and ``--report`` come from.
"""

from __future__ import annotations

from collections.abc import Callable

from lslint.findings import ScanResult
from lslint.reporters.context import ReportContext
from lslint.reporters.github import render_github
from lslint.reporters.gitlab import render_gitlab
from lslint.reporters.json import render_json
from lslint.reporters.junit import render_junit
from lslint.reporters.markdown import render_markdown
from lslint.reporters.sarif import render_sarif
from lslint.reporters.text import render_text

Reporter = Callable[[ScanResult, ReportContext], str]

REPORTERS: dict[str, Reporter] = {
    "text": lambda result, context: render_text(result, color=context.color, context=context),
    "json": render_json,
    "sarif": lambda result, context: render_sarif(result, root=context.root, base=context.base),
    "junit": lambda result, context: render_junit(result),
    "markdown": render_markdown,
    "github": lambda result, context: render_github(result, root=context.root, base=context.base),
    "gitlab": lambda result, context: render_gitlab(result, root=context.root, base=context.base),
}
FORMATS = tuple(REPORTERS)


def render(fmt: str, result: ScanResult, context: ReportContext) -> str:
    return REPORTERS[fmt](result, context)
