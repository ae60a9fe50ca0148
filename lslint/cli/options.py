"""Options and helpers shared by the commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from lslint.escape import printable
from lslint.models import RESOURCE_KINDS

__all__ = ["printable"]

DEBUG = "lslint.debug"  # context meta keys, shared by the group and its commands
GITHUB_ERRORS = "lslint.github-errors"


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[DEBUG] = True


# Accepted on every group and command: `lslint --debug scan`, `lslint scan --debug` and
# `lslint rules --debug list` alike.
debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
    help="Show tracebacks for errors.",
)  # fmt: skip

config_option = click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file (default: the nearest .lslint.yaml, up to the repository root).",
)
rules_option = click.option(
    "--rules", "rule_paths", multiple=True, metavar="PATH", help="Extra rule file or folder."
)

region_options = [
    click.option("--region", "-r", "regions", multiple=True, metavar="REGION",
                 help="Region to list (repeat or comma-separate; default: the config's, "
                 "else AWS_REGION, AWS_DEFAULT_REGION or the profile's)."),
    click.option("--all-regions", is_flag=True, help="List every region Lightsail offers."),
    click.option("--exclude-region", "exclude_regions", multiple=True, metavar="REGION",
                 help="With --all-regions: a region not to list (repeat or comma-separate)."),
    click.option("--profile", metavar="NAME",
                 help="AWS profile (default: the config's, else the standard chain)."),
    click.option("--kind", "kinds", multiple=True, metavar="KIND",
                 help="Resource kind to list (repeat or comma-separate; default: the config's, "
                 f"else every kind): {', '.join(RESOURCE_KINDS)}."),
    click.option("--concurrency", type=click.IntRange(1, 256), default=None, metavar="N",
                 help="Kind-and-region listings at once (default: all of them, up to 160)."),
    click.option("--quiet", "-q", is_flag=True,
                 help="No progress display or retry notes on stderr."),
]  # fmt: skip


def with_options(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def apply(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function

    return apply


def config_file(path: str | None) -> Path | None:
    """The config file to read: ``--config``, else the nearest ``.lslint.yaml`` from here."""
    from lslint.config import find_config  # noqa: PLC0415 - keeps --version light

    return find_config(path, Path.cwd())


def on_terminal() -> bool:
    """Whether stderr is a terminal: progress is drawn there, retry notes are printed else."""
    return sys.stderr.isatty()


def error(message: str) -> None:
    click.echo(f"lslint: error: {printable(message)}", err=True)
