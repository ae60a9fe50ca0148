"""Reporters: pure functions from a ``ScanResult`` and a ``ReportContext`` to one format's text.

``REPORTERS`` is the one registry that ``--format`` and ``--report`` come from. A format whose
reports grow with the fleet may also define ``stream_FORMAT(result, context)``, which yields
the same text in pieces as it is made (see :func:`render_chunks`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping

from lslint.errors import ConfigError
from lslint.findings import ScanResult
from lslint.reporters.context import ReportContext
from lslint.suggest import suggest

Reporter = Callable[[ScanResult, ReportContext], str]
Streamer = Callable[[ScanResult, ReportContext], Iterable[str]]


class _Registry(Mapping[str, Reporter]):
    """Format -> reporter, each reporter's module imported when its format is first used: a run
    writes one or two formats, and the others (the XML of JUnit, say) need not slow its start."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self._modules = dict(modules)

    def __getitem__(self, fmt: str) -> Reporter:
        module = importlib.import_module(self._modules[fmt])
        reporter: Reporter = getattr(module, f"render_{fmt}")
        return reporter

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def streamer(self, fmt: str) -> Streamer | None:
        """The format's ``stream_FORMAT``, if its module defines one."""
        module = importlib.import_module(self._modules[fmt])
        streamer: Streamer | None = getattr(module, f"stream_{fmt}", None)
        return streamer


# Each format's module, which defines ``render_FORMAT(result, context)``.
REPORTERS = _Registry(
    {
        "text": "lslint.reporters.text",
        "json": "lslint.reporters.json",
        "sarif": "lslint.reporters.sarif",
        "junit": "lslint.reporters.junit",
        "markdown": "lslint.reporters.markdown",
        "github": "lslint.reporters.github",
        "gitlab": "lslint.reporters.gitlab",
    }
)
FORMATS = tuple(REPORTERS)


def render(fmt: str, result: ScanResult, context: ReportContext) -> str:
    """``result`` in the format ``fmt`` (one of ``FORMATS``, any case)."""
    return _reporter(fmt)(result, context)


def render_chunks(fmt: str, result: ScanResult, context: ReportContext) -> Iterator[str]:
    """The text of :func:`render` in pieces, made only as they are read (and, for formats
    that stream, never whole): for writing a large report straight into its file."""
    reporter = _reporter(fmt)  # an unknown format is an error before any piece is asked for
    streamer = REPORTERS.streamer(fmt.lower())
    return _lazily(reporter, streamer, result, context)


def _lazily(
    reporter: Reporter, streamer: Streamer | None, result: ScanResult, context: ReportContext
) -> Iterator[str]:
    if streamer is None:
        yield reporter(result, context)
    else:
        yield from streamer(result, context)


def _reporter(fmt: str) -> Reporter:
    reporter = REPORTERS.get(fmt.lower())
    if reporter is None:
        raise ConfigError(
            f"unknown report format '{fmt}'" + suggest(fmt.lower(), FORMATS),
            hint=f"formats: {', '.join(FORMATS)}",
        )
    return reporter
