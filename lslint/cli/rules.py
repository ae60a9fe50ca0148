"""``lslint rules``: list, show, validate and test rules."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from lslint import jsontext
from lslint.api import Setup, builtin_rules_dir, prepare, read_config, split
from lslint.cli.options import config_file, config_option, debug_option, printable, rules_option
from lslint.engine.evaluate import case_failure, to_json
from lslint.engine.loader import (
    check_unique_keys,
    discover_rule_files,
    files_of_rule_path,
    load_rule_file,
)
from lslint.engine.rule import Rule
from lslint.errors import ConfigError, ConfigErrors, InputError, LslintError
from lslint.gate import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from lslint.suggest import suggest
from lslint.yamldoc import read_text


def _setup(config_path: str | None, rule_paths: Sequence[str]) -> Setup:
    """The rules a scan would run with this config and these extra rule paths."""
    config = read_config(config_file(config_path))
    return prepare(config, rule_paths=rule_paths)


# The output format of the listing commands.
text_or_json_option = click.option(
    "--format",
    "-f",
    "output_format",
    type=click.Choice(["text", "json"], case_sensitive=False),
    default="text",
    show_default=True,
    help="Output format.",
)


@click.group()
@debug_option
def rules() -> None:
    """List, show, validate and test rules."""


@rules.command("list")
@debug_option
@config_option
@rules_option
@click.option(
    "--select",
    multiple=True,
    metavar="SELECTOR",
    help="Only these rules: id, name, tag:NAME or compliance control, as for scan.",
)
@click.option("--ignore", multiple=True, metavar="SELECTOR", help="Leave these rules out.")
@text_or_json_option
def rules_list(
    config_path: str | None,
    rule_paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
) -> None:
    """List the rules that a scan would run (with --select/--ignore: that scan)."""
    config = read_config(config_file(config_path))
    loaded = prepare(
        config, rule_paths=rule_paths, select=split(select, "--select"),
        ignore=split(ignore, "--ignore"),
    ).rules  # fmt: skip
    if output_format.lower() == "json":
        click.echo(jsontext.dumps({"rules": [rule_to_dict(rule) for rule in loaded]}), nl=False)
        return
    id_width = max((len(r.id) for r in loaded), default=2)
    name_width = max((len(r.name) for r in loaded), default=4)
    click.echo(f"{'ID':<{id_width}}  {'NAME':<{name_width}}  {'SEVERITY':<8}  TITLE")
    for rule in loaded:
        click.echo(
            printable(
                f"{rule.id:<{id_width}}  {rule.name:<{name_width}}  {rule.severity.value:<8}  "
                f"{rule.title}"
            )
        )


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """A rule as ``rules list --format json`` shows it (with the parameters it would run with)."""
    return {
        "id": rule.id,
        "name": rule.name,
        "title": rule.title,
        "severity": rule.severity.value,
        "resource": rule.resource,
        "tags": list(rule.tags),
        "compliance": {fw: list(controls) for fw, controls in sorted(rule.compliance.items())},
        "params": {name: to_json(value) for name, value in rule.param_values.items()},
        "references": list(rule.references),
        "source": rule.source,
    }


@rules.command("show")
@debug_option
@click.argument("rule_id", metavar="ID")
@config_option
@rules_option
def rules_show(rule_id: str, config_path: str | None, rule_paths: tuple[str, ...]) -> None:
    """Show one rule (by id or name, any case) in full, with its condition."""
    from lslint.ruletext import RuleText, value_text  # noqa: PLC0415 - round-trip YAML

    loaded = _setup(config_path, rule_paths).rules
    wanted = rule_id.lower()
    rule = next((r for r in loaded if wanted in (r.id.lower(), r.name.lower())), None)
    if rule is None:
        keys = [key for r in loaded for key in (r.id, r.name)]
        raise ConfigError(
            f"no rule '{rule_id}'" + suggest(rule_id, keys), hint="see 'lslint rules list'"
        )
    click.echo(printable(f"{rule.id} {rule.name} ({rule.severity.value})"))
    click.echo(printable(rule.title))
    click.echo("")
    _echo_rule_text(rule.description)
    click.echo("")
    click.echo(printable(f"Resource: {rule.resource}"))
    if rule.tags:
        click.echo(printable(f"Tags: {', '.join(rule.tags)}"))
    for framework, controls in sorted(rule.compliance.items()):
        click.echo(printable(f"Compliance: {framework}: {', '.join(controls)}"))
    if rule.params:
        click.echo("\nParameters:")
        for name, spec in rule.params.items():
            value = rule.param_values[name]
            _echo_rule_text(f"  {name} ({spec.type}) = {value_text(value)}: {spec.description}")
    click.echo("\nCondition:")
    _echo_rule_text(_indent(RuleText(Path(rule.source)).conditions(), "  ").removesuffix("\n"))
    _echo_rule_text(f"\nRemediation: {rule.remediation_text}")
    if rule.remediation_cli is not None:
        click.echo(printable(f"  {rule.remediation_cli.source}"))
    for reference in rule.references:
        click.echo(printable(f"Reference: {reference}"))
    click.echo(printable(f"Source: {rule.source}"))


def _echo_rule_text(text: str) -> None:
    """Print a block of rule-file text with its line breaks and every other control
    character shown escaped: rule packs may come from anyone, and a description such as
    ``\\x1b]0;...`` must not reach the terminal raw. (One-line fields go through
    :func:`printable` whole.)"""
    for line in text.split("\n"):
        click.echo(printable(line))


def _indent(text: str, prefix: str) -> str:
    return "".join(f"{prefix}{line}" if line.strip() else line for line in text.splitlines(True))


def _rule_paths_to_check(
    paths: Sequence[str], config_path: str | None
) -> tuple[list[str], list[str]]:
    """The paths given, else those a scan would load, each with its place in the config."""
    return (list(paths), []) if paths else _scan_rule_paths(config_path)


def _scan_rule_paths(config_path: str | None) -> tuple[list[str], list[str]]:
    """The rule paths a scan would load (the built-in rules, then the config's rules.paths),
    and where each is written in the config (empty for the built-in rules)."""
    config = read_config(config_file(config_path))
    if config.problems:
        raise ConfigErrors(config.problems)
    paths = [str(builtin_rules_dir()), *(str(p) for p in config.rule_paths)]
    return paths, ["", *config.rule_path_origins]


@rules.command("validate")
@debug_option
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@config_option
def rules_validate(paths: tuple[str, ...], config_path: str | None) -> None:
    """Check rule files (or folders of them); exit 2 on any problem.

    Without PATH, checks the rules a scan would run (built-in plus the config's rules.paths).
    A custom rule whose id or name clashes with a built-in rule is a problem too.
    """
    loaded, problems = _load_each(*_rule_paths_to_check(paths, config_path))
    for rule in loaded:
        click.echo(printable(f"ok: {rule.source}: {rule.id} {rule.name}"))
    for problem in problems:
        click.echo(f"lslint: error: {printable(problem)}", err=True)
    click.echo(f"{len(loaded)} valid, {len(problems)} invalid", err=bool(problems))
    sys.exit(EXIT_ERROR if problems else EXIT_OK)


def _load_each(paths: Sequence[str], origins: Sequence[str]) -> tuple[list[Rule], list[str]]:
    """Load every rule file under ``paths``, collecting one problem line per bad file.
    ``origins`` says where in the config each path is written, if it is.

    Ids and names are compared without case, and with the built-in rules too: a scan loads
    those alongside, so a clash would stop it.
    """
    loaded: list[Rule] = []
    problems: list[str] = []
    seen: dict[str, Rule] = {}
    # The built-in rules, by content: a copy of one (the checkout's rules/ folder while the
    # installed package holds the same files) is that rule, not a clash with it.
    builtin_files = {p.read_bytes(): p for p in discover_rule_files([builtin_rules_dir()])}
    checked: set[bytes] = set()
    reached: set[object] = set()  # a file reached again (a folder given twice) is read once
    for position, raw in enumerate(paths):
        origin = origins[position] if position < len(origins) else ""
        try:
            files = files_of_rule_path(raw, origin, reached)
        except LslintError as exc:
            problems.append(str(exc))
            continue
        for path in files:
            try:
                rule = load_rule_file(path)
            except LslintError as exc:
                problems.append(str(exc) + (f" (hint: {exc.hint})" if exc.hint else ""))
                continue
            with contextlib.suppress(LslintError):  # read as safely as it was just loaded
                checked.add(read_text(path, what="rule file", error=InputError).encode())
            try:
                check_unique_keys(rule, seen)  # the same check a scan makes
            except LslintError as exc:
                problems.append(str(exc))
                continue
            loaded.append(rule)
    unchecked = sorted(path for text, path in builtin_files.items() if text not in checked)
    for path in unchecked:  # clashes with built-in rules not checked above
        builtin = load_rule_file(path)
        clashes = {seen[k.lower()].id: seen[k.lower()] for k in (builtin.id, builtin.name)
                   if k.lower() in seen}  # fmt: skip
        problems += [
            f"{rule.location}: rule {rule.id} {rule.name} clashes with the built-in rule "
            f"{builtin.id} {builtin.name} (ids and names must differ in more than case)"
            for rule in sorted(clashes.values(), key=lambda r: r.location)
        ]
        loaded = [rule for rule in loaded if rule.id not in clashes]
    return loaded, problems


@rules.command("test")
@debug_option
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@config_option
@click.option("--verbose", "-v", is_flag=True, help="List every test case, passed ones too.")
def rules_test(paths: tuple[str, ...], config_path: str | None, verbose: bool) -> None:
    """Run the tests embedded in rule files.

    Without PATH, tests the rules a scan would run (built-in plus the config's rules.paths).
    """
    loaded, problems = _load_each(*_rule_paths_to_check(paths, config_path))
    for problem in problems:
        click.echo(f"lslint: error: {printable(problem)}", err=True)
    passed = failed = 0
    for rule in loaded:
        for case in rule.tests:
            failure = case_failure(rule, case)
            if failure is None:
                passed += 1
                if verbose:
                    click.echo(printable(f"ok   {case.doc_line}: {rule.id} '{case.name}' "
                                         f"({case.expect})"))  # fmt: skip
                continue
            failed += 1
            click.echo(printable(f"FAIL {case.doc_line}: {rule.id} '{case.name}': {failure}"))
    click.echo(f"{passed} passed, {failed} failed")
    if problems:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


@rules.command("fields")
@debug_option
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND",
    help="Only this resource kind (repeat for several; default: every kind).",
)
@text_or_json_option
def rules_fields(kinds: tuple[str, ...], output_format: str) -> None:
    """List every path a rule can read, by resource kind, with its type and known values."""
    from lslint.fields import chosen_kinds, kind_fields  # noqa: PLC0415 - walks the models

    chosen = chosen_kinds(tuple(split(kinds, "--kind")))
    if output_format.lower() == "json":
        document = {
            "kinds": [
                {"kind": kind.name, "fields": [doc.to_dict() for doc in kind_fields(kind)]}
                for kind in chosen
            ]
        }
        click.echo(jsontext.dumps(document), nl=False)
        return
    for position, kind in enumerate(chosen):
        docs = kind_fields(kind)
        path_width = max(len(doc.path) for doc in docs)
        type_width = max(len(doc.type) for doc in docs)
        if position:
            click.echo("")
        click.echo(f"{kind.name} ({kind.operation}, resource: {kind.name})")
        click.echo(f"  {'PATH':<{path_width}}  {'TYPE':<{type_width}}  VALUES")
        for doc in docs:
            line = f"  {doc.path:<{path_width}}  {doc.type:<{type_width}}  {doc.values_text()}"
            click.echo(line.rstrip())
