"""Generate ``docs/rules.md``, ``docs/operators.md`` and ``docs/fields.md`` from the rule
files, the operator table and the models.

python -m lslint.docs           # rewrite the docs
python -m lslint.docs --check   # exit 1 if they are out of date (CI)
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Sequence
from pathlib import Path

from lslint.api import builtin_rules_dir
from lslint.engine.evaluate import run_case
from lslint.engine.loader import load_rules
from lslint.engine.operators import COUNT_COMPARISONS, OPERATORS
from lslint.engine.params import ParamType
from lslint.engine.rule import DEFAULT_TEST_NOW, Rule
from lslint.fields import kind_fields
from lslint.models import RESOURCE_KINDS
from lslint.ruletext import RuleText, value_text

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
Such a default, like a default on a path compared with another field, lets the leaf go either
way depending on the other field: the rule must declare it under `safe_defaults:`, keyed by
the path as read from the resource (`networking.ports.fromPort`). When the leaf holds, the
evidence shows both fields.

```yaml
some:
  path: networking.ports
  as: port
  where: {{path: port.toPort, lt: {{path: port.fromPort}}}}   # a reversed range
```

{kinds}
"""

THROUGH_LISTS = """\
## Lists read through another list

A path through a list collects one list from every element: `networking.ports.cidrs` holds
the CIDRs of every firewall entry. An entry without `cidrs` is an absent part of that list,
which may hold any number of CIDRs or none. The list operators (`contains`, `contains_any`,
`contains_all`, `lacks_any`) are unknown ("list has absent items") unless the known items
decide them, and so is `empty`: one known item anywhere makes the whole list non-empty
(`empty: false` holds, `empty: true` fails) whatever the absent parts hold, but a list of
only absent parts, or of empty lists and absent parts, is unknown either way. An entry that
lacks a single-value field (`fromPort` in `networking.ports.fromPort`) is still one item of
the list, whose value is absent.

`some`, `every` and `none` take an absent part for any number of unknown items, as a count
does: a `default:` in their `where` never stands in for it (it may hold no item at all).
`some` holds when a known item matches, fails only when no item matches and no part is
absent, and is unknown otherwise ("networking.ports.cidrs[1] absent"); `every` fails on a
known miss and holds only when every item is known to match and no part is absent; `none`
is the negation of `some`. A default of the item itself (`{path: c, default: ...}` with `c`
bound to a CIDR) therefore never applies, and needs no `safe_defaults` entry.

`exists` stays never unknown: the data always says whether an entry holds the inner list.
Such a list exists when at least one entry holds its part (`cidrs: []` included), and does
not when every entry lacks it (`ports: [{protocol: tcp}]`) or when the outer list is absent.
With no entries at all (`ports: []`) it exists, and is empty: a known empty list, as
`networking.ports.fromPort` is, not an absent one. So `{path: networking.ports.cidrs,
exists: false}` fails an instance none of whose firewall entries says where it is open from.
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
only when those counts disagree. An absent part of a list read through another (an entry
without `cidrs` in `networking.ports.cidrs`) may hold any number of items, with or without
`where`: the condition is decided only when the `h` known items decide it whatever that part
holds (`at_least: 3` with 3 world-open CIDRs known holds, `at_most: 2` fails), and is
otherwise unknown ("count of networking.ports.cidrs is 1 or more: networking.ports.cidrs
absent"). An item that is present but absent at a single-value field (an entry without
`fromPort` in `networking.ports.fromPort`) is one item whose `where` is unknown.
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
epoch numbers; a time without an offset is UTC. Whether a `default:` under a time operator
makes the leaf hold depends on the scan time, so the rule must declare it under
`safe_defaults:`.

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


RULES_INTRO = """\
Each rule below is generated from its file in `rules/`: the condition is the file's own
`applies_if`/`fail_if` YAML, and the examples are the resources of its first failing and first
passing embedded test, with what lslint says about them. Select or ignore rules by id, name,
`tag:NAME` or compliance control (`--select cis-aws-compute-1.0.0:3.4`); see the
README's Options section. `lslint rules show ID` prints the same in a terminal, and
[fields.md](fields.md) lists every path a condition can read.

**Overlap is deliberate.** LS001 (`port-open-to-world`) is the generic check: any port open to
the whole internet that is not in its `allowed_ports` allow-list. Specialised rules (remote
administration ports, database ports and the like) look at the same firewall entries on
purpose, as AWS's own control sets do: each names the service at risk, carries its own
severity and maps to its own compliance controls, so one open port may give two findings. To
keep only one of them, ignore the other (`--ignore port-open-to-world`, or `rules.ignore` in
`.lslint.yaml`), or give LS001 an `allowed_ports` parameter that lists the specialised ports.
"""


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _controls(rule: Rule) -> list[str]:
    return [f"{fw}:{c}" for fw, controls in sorted(rule.compliance.items()) for c in controls]


def render_rules(rules: Sequence[Rule]) -> str:
    lines = [HEADER.format(source="rules/*.yaml"), "# Built-in rules\n", RULES_INTRO]
    lines.append("| ID | Name | Severity | Title | Compliance |")
    lines.append("| --- | --- | --- | --- | --- |")
    for rule in rules:
        anchor = f"{rule.id}-{rule.name}".lower()
        controls = ", ".join(f"`{c}`" for c in _controls(rule))
        lines.append(
            f"| [{rule.id}](#{anchor}) | `{rule.name}` | {rule.severity.value} | "
            f"{_cell(rule.title)} | {controls} |"
        )
    for rule in rules:
        lines += _rule_section(rule)
    return "\n".join(lines) + "\n"


def _rule_section(rule: Rule) -> list[str]:
    text = RuleText(Path(rule.source))
    summary = f"**{rule.title}**: severity `{rule.severity.value}`, resource `{rule.resource}`."
    lines = ["", f"## {rule.id} {rule.name}", "", summary, "", rule.description]
    if rule.tags:
        lines += ["", "Tags: " + ", ".join(f"`tag:{tag}`" for tag in rule.tags)]
    if rule.compliance:
        lines += ["", "Compliance:"]
        lines += [
            f"- {framework}: " + ", ".join(f"`{control}`" for control in controls)
            for framework, controls in sorted(rule.compliance.items())
        ]
    lines += ["", "### Condition", "", "```yaml", text.conditions().rstrip("\n"), "```"]
    if rule.params:
        lines += [
            "",
            "### Parameters",
            "",
            "| Parameter | Type | Default | Description |",
            "| --- | --- | --- | --- |",
        ]
        for name, spec in rule.params.items():
            default = _cell(value_text(rule.param_values[name]))
            lines.append(f"| `{name}` | {spec.type} | `{default}` | {_cell(spec.description)} |")
    if rule.safe_defaults:
        lines += ["", "Absent values this rule assumes (it may pass with them):", ""]
        lines += [f"- `{path}`: {why}" for path, why in rule.safe_defaults.items()]
    lines += _examples(rule, text)
    lines += ["", "### Remediation", "", rule.remediation_text]
    if rule.remediation_cli is not None:
        lines += ["", "```sh", rule.remediation_cli.describe(rule.param_values), "```"]
    if rule.references:
        lines += ["", "References:", *(f"- <{ref}>" for ref in rule.references)]
    passes = sum(1 for t in rule.tests if t.expect == "pass")
    fails = sum(1 for t in rule.tests if t.expect == "fail")
    lines += ["", f"Embedded tests: {len(rule.tests)} ({passes} pass, {fails} fail cases)."]
    return lines


def _examples(rule: Rule, text: RuleText) -> list[str]:
    """The first failing and the first passing test case: resource, message, commands."""
    lines: list[str] = []
    for expect, heading in (("fail", "Fails"), ("pass", "Passes")):
        index, case = next((i, t) for i, t in enumerate(rule.tests) if t.expect == expect)
        lines += ["", f"### {heading}: {case.name}", ""]
        if case.params:
            lines += [f"With parameters `{_cell(value_text(dict(case.params)))}`:", ""]
        lines += ["```yaml", text.test_resource(index).rstrip("\n"), "```"]
        verdict, commands = run_case(rule, case)
        if verdict.status == "fail":
            lines += ["", "Message:", "", "```text", verdict.message, "```"]
            if commands:
                lines += ["", "Fix:", "", "```sh", *commands, "```"]
    return lines


FIELDS_INTRO = """\
Every path a rule can read, for each resource kind, generated from lslint's models: the same
types the rule loader checks conditions, literals and `{{ placeholders }}` against.

- A path is the API's own field names, dotted: `metadataOptions.httpTokens`. `resource.` may
  start it (`resource.name`), as in messages.
- A path through a list collects the values of every element: `tags.key` is a *list of
  string*, so a single-value operator on it needs `match: some|every|none`. Inside
  `some`/`every`/`none` (`{some: {path: networking.ports, as: port, ...}}`), the bound name
  starts the paths of one element: `port.fromPort` is an *integer*.
- Known values are the ones the Lightsail API fixes. They compare in any case (`Running`
  equals `running`), and a literal compared with such a field must be one of them: a typo is
  an error when the rule loads. Scanned data is never checked against them.
- Timestamps accept epoch numbers and ISO 8601 text; every field may be absent, which makes a
  condition on it unknown unless the condition gives a `default:`.
- Fields AWS adds after this lslint are kept in the data but cannot be named in rules until
  the models know them.
"""


def render_fields() -> str:
    lines = [HEADER.format(source="lslint/models.py"), "# Fields rules can read\n", FIELDS_INTRO]
    lines += [f"- [`{kind.name}`](#{kind.name})" for kind in RESOURCE_KINDS.values()]
    for kind in RESOURCE_KINDS.values():
        lines += [
            "",
            f"## {kind.name}",
            "",
            f"`resource: {kind.name}`: the {kind.plural.replace('_', ' ')} `{kind.operation}` "
            f"returns (`{kind.response_key}` in a snapshot), botocore shape `{kind.shape}`.",
            "",
            "| Path | Type | Known values |",
            "| --- | --- | --- |",
        ]
        for doc in kind_fields(kind):
            values = ", ".join(f"`{v}`" for v in doc.values) or _cell(doc.values_text())
            lines.append(f"| `{doc.path}` | {doc.type} | {values} |")
    return "\n".join(lines) + "\n"


def render_operators() -> str:
    lines = [HEADER.format(source="lslint/engine/operators.py"), "# Condition operators\n"]
    lines.append(
        "A leaf condition is `{path: P, <operator>: OPERAND}` with optional `default:`, "
        "`match:` and `capture:`. An operand is a literal or `{param: NAME}`. An absent value "
        "makes the leaf unknown unless `default:` is given (`exists` is never unknown). "
        "A default that can let the rule pass or skip, or whose effect is known only during "
        "a scan (under a time operator, compared with another field, with a `{param: NAME}` "
        "operand), must be declared under the rule's `safe_defaults:` with the reason, or the "
        "rule does not load. "
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
        THROUGH_LISTS,
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
        root / "docs" / "fields.md": render_fields(),
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
