"""Generate ``docs/rules.md`` and ``docs/operators.md`` from the rule files and operator table.

python -m lslint.docs           # rewrite the docs
python -m lslint.docs --check   # exit 1 if they are out of date (CI)
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Sequence
from pathlib import Path

from lslint.api import builtin_rules_dir
from lslint.engine.loader import load_rules
from lslint.engine.operators import COUNT_COMPARISONS, OPERATORS
from lslint.engine.params import ParamType
from lslint.engine.rule import DEFAULT_TEST_NOW, Rule

REGEX_DIALECT = """\
## Regular expressions

`matches` and `matches_any` use [RE2 syntax](https://github.com/google/re2/wiki/Syntax) and
search the whole value (like Python's `re.search`; anchor with `^` and `$`). RE2 matches in
time linear in the value for every pattern, so no pattern can hang a scan, whatever the
resource names are. Compared with Python's `re`:

- Refused when the rule loads: backreferences (`\\1`, `(?P=name)`), lookahead and lookbehind
  (`(?=...)`, `(?!...)`, `(?<=...)`, `(?<!...)`), atomic groups `(?>...)`, possessive
  quantifiers (`a++`), conditionals `(?(1)...)`, `\\Z` (write `\\z`), repeat counts above
  1000, and `{,n}` (RE2 reads it literally; write `{0,n}`).
- Flags are written inline: `(?i)` (case-insensitive, with Unicode case folding), `(?s)`,
  `(?m)`, or scoped as `(?i:...)`.
- `$` matches only at the end of the value (Python's also before a final newline).
- `\\d`, `\\w`, `\\s` and `\\b` are ASCII-only; use Unicode classes such as `\\p{L}` and
  `\\p{N}`, or POSIX classes such as `[[:alpha:]]`, for other scripts.
"""

PATH_OPERAND_KINDS = {
    "value": "a field of the same type (integers and numbers compare with each other)",
    "list": "a list field whose items have the tested value's type",
    "cidrs": "a string or list-of-strings field holding CIDRs (an invalid one is unknown)",
}

FIELD_OPERANDS = """\
## Comparing two fields

An operand may be another field instead of a literal: `{{path: P}}`, or `{{path: P, default:
V}}`. `P` is a path of the resource or of a bound item, resolved and type-checked when the
rule loads like any path (a type that does not fit is a load error naming both paths). An
absent or null operand field makes the leaf unknown unless the operand gives `default:`.
When the leaf holds, the evidence shows both fields.

```yaml
some:
  path: networking.ports
  as: port
  where: {{path: port.toPort, lt: {{path: port.fromPort}}}}   # a reversed range
```

{kinds}
"""

COUNTING = """\
## Counting

`count` counts the items of a list, or only those for which `where` holds (`as` names the
item, as in `some`), and compares the number with exactly one of: {comparisons}. The number is
a whole number (0 or more) or `{{param: NAME}}` (an `integer` parameter).

```yaml
count:
  path: networking.ports
  as: port                      # optional; needed with where
  where: {{path: port.accessDirection, not_equals: outbound, default: inbound}}
  more_than: {{param: max_open_entries}}
  default: []                   # optional: stands in for an absent list
  capture: counted              # optional: the items counted, for messages and commands
```

An absent or null list is unknown unless `default:` is given. An item whose `where` is
unknown may or may not be counted: with `h` items known to match and `u` unknown, the
condition holds (or fails) when it does for every count from `h` to `h + u`, and is unknown
only when those counts disagree. Without `where`, an absent part of a list read through
another (an entry without `cidrs` in `networking.ports.cidrs`) may hold any number of items.
When it holds, the evidence has the count
(`networking.ports (count)`), the items counted, and any undecided items.

| Comparison | True when |
| --- | --- |
{rows}
"""

SCAN_TIME = """\
## Time relative to the scan

The `time` operators compare a timestamp with the scan time, which lslint takes once per run:
the current time, or `SOURCE_DATE_EPOCH`, or `lslint scan --now TIME` (ISO 8601 such as
`2024-06-30T12:00:00Z`, or seconds since 1970) to scan an old snapshot as of the day it was
saved. Every report shows it (the text summary, JSON `scan.started_at`, SARIF `startTimeUtc`,
JUnit `timestamp`, the Markdown summary). Timestamps in the data may be ISO 8601 strings or
epoch numbers; a time without an offset is UTC.

```yaml
{{path: createdAt, older_than_days: 90}}
{{path: createdAt, older_than_days: {{param: max_age_days}}}}
{{path: blueprintId, matches_past_date: {{param: end_of_support}}}}
```

A rule's embedded tests are judged at a fixed time, never the clock: `{default_now}` unless
the test sets `now:` (ISO 8601 or seconds since 1970):

```yaml
tests:
  - {{name: ended, expect: fail, now: 2023-06-01, resource: {{blueprintId: ubuntu_18_04}}}}
```
"""

PARAMETER_TYPES = """\
## Parameter types

A parameter (`params: {{NAME: {{type, default, description}}}}`) is one of: {types}.
`date` is a calendar day (`2024-06-30`, quoted or not). `dated_pattern_list` is a list of
`{{pattern: REGEX, date: YYYY-MM-DD}}` mappings, the operand of `matches_past_date`; the date
is the last day the entry holds:

```yaml
params:
  end_of_support:
    type: dated_pattern_list
    default:
      - {{pattern: '^ubuntu_18_04(_.*)?$', date: '2023-05-31'}}
    description: Blueprint patterns and the last day of their support.
```

Every value, whether a default, a config override or a test's, is checked when it is read,
with the item at fault located.
"""

HEADER = "<!-- Generated by `python -m lslint.docs` from {source}; do not edit. -->\n"


def render_rules(rules: Sequence[Rule]) -> str:
    lines = [HEADER.format(source="rules/*.yaml"), "# Built-in rules\n"]
    lines.append("| ID | Name | Severity | Title |")
    lines.append("| --- | --- | --- | --- |")
    for rule in rules:
        anchor = f"{rule.id}-{rule.name}".lower()
        lines.append(
            f"| [{rule.id}](#{anchor}) | `{rule.name}` | {rule.severity.value} | {rule.title} |"
        )
    for rule in rules:
        summary = f"**{rule.title}**: severity `{rule.severity.value}`, resource `{rule.resource}`."
        lines += ["", f"## {rule.id} {rule.name}", "", summary, "", rule.description]
        if rule.params:
            lines += [
                "",
                "| Parameter | Type | Default | Description |",
                "| --- | --- | --- | --- |",
            ]
            for name, spec in rule.params.items():
                default, description = (
                    _cell(f"`{spec.default!r}`"),
                    _cell(" ".join(spec.description.split())),
                )
                lines.append(f"| `{name}` | {spec.type} | {default} | {description} |")
        if rule.safe_defaults:
            lines += ["", "Absent values this rule assumes (it may pass with them):", ""]
            lines += [f"- `{path}`: {why}" for path, why in rule.safe_defaults.items()]
        lines += ["", f"**Remediation:** {rule.remediation_text}"]
        if rule.remediation_cli is not None:
            lines += ["", "```sh", rule.remediation_cli.describe(rule.param_values), "```"]
        if rule.references:
            lines += ["", "References:", *(f"- <{ref}>" for ref in rule.references)]
        if rule.tags:
            lines += ["", "Tags: " + ", ".join(f"`{tag}`" for tag in rule.tags)]
        if rule.compliance:
            lines += ["", "Compliance:"]
            lines += [
                f"- {framework}: " + ", ".join(f"`{control}`" for control in controls)
                for framework, controls in sorted(rule.compliance.items())
            ]
        passes = sum(1 for t in rule.tests if t.expect == "pass")
        fails = sum(1 for t in rule.tests if t.expect == "fail")
        lines += ["", f"Embedded tests: {len(rule.tests)} ({passes} pass, {fails} fail cases)."]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """``text`` inside a Markdown table cell: a ``|``, even in code, would end the cell."""
    return text.replace("|", "\\|")


def render_operators() -> str:
    lines = [HEADER.format(source="lslint/engine/operators.py"), "# Condition operators\n"]
    lines.append(
        "A leaf condition is `{path: P, <operator>: OPERAND}` with optional `default:`, "
        "`match:` and `capture:`. An operand is a literal or `{param: NAME}`. An absent value "
        "makes the leaf unknown unless `default:` is given (`exists` is never unknown). "
        "Single-value operators applied to a list need `match: some|every|none`.\n"
    )
    lines.append("| Operator | Group | Applies to | Operand | True when |")
    lines.append("| --- | --- | --- | --- | --- |")
    for op in OPERATORS.values():
        per = "the list as a whole" if op.whole_value and op.name not in ("exists",) else ""
        applies = f"{op.applies_to}{' (' + per + ')' if per else ''}"
        lines.append(f"| `{op.name}` | {op.group} | {applies} | {op.operand} | {op.summary} |")
    kinds = "Operators that take a field operand, and what the field must be:\n\n"
    kinds += "\n".join(
        f"- `{op.name}`: {PATH_OPERAND_KINDS[op.path_operand]}"
        for op in OPERATORS.values()
        if op.path_operand is not None
    )
    rows = "\n".join(f"| `{op.name}` | {op.summary} |" for op in COUNT_COMPARISONS.values())
    comparisons = ", ".join(f"`{name}`" for name in COUNT_COMPARISONS)
    default_now = DEFAULT_TEST_NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    types = ", ".join(f"`{name}`" for name in typing.get_args(ParamType))
    lines += [
        "",
        FIELD_OPERANDS.format(kinds=kinds),
        COUNTING.format(comparisons=comparisons, rows=rows),
        SCAN_TIME.format(default_now=default_now),
        PARAMETER_TYPES.format(types=types),
        REGEX_DIALECT,
    ]
    return "\n".join(lines) + "\n"


def generated(root: Path) -> dict[Path, str]:
    return {
        root / "docs" / "rules.md": render_rules(load_rules([builtin_rules_dir()])),
        root / "docs" / "operators.md": render_operators(),
    }


def main(argv: Sequence[str]) -> int:
    root = Path.cwd()
    stale = []
    for path, text in generated(root).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if "--check" in argv:
            stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    for path in stale:
        print(f"{path} is out of date: run 'python -m lslint.docs'", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
