"""Parts of a rule file shown as its author wrote them: the conditions (with their comments
and flow style) and the resources of its test cases, for ``lslint rules show`` and the
generated rule docs.

Showing the YAML itself, rather than printing the parsed conditions back, means every
condition the language has, now or later, is shown without code for it here.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from lslint.engine.evaluate import to_json
from lslint.errors import InputError
from lslint.yamldoc import read_text

CONDITION_KEYS = ("applies_if", "fail_if")


def _yaml() -> YAML:
    yaml = YAML()  # round trip: keeps the author's flow style, quotes and comments
    yaml.preserve_quotes = True
    yaml.width = 4096  # test resources are shown whole: long values are not folded
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def value_text(value: Any) -> str:
    """A parameter value as YAML's flow style or JSON writes it: ``["Owner", "Environment"]``."""
    return json.dumps(to_json(value), ensure_ascii=False)


class RuleText:
    """One rule file, read once for round-trip display."""

    def __init__(self, path: Path) -> None:
        # Only files the strict loader has accepted are shown, so this read cannot surprise.
        text = read_text(path, what="rule file", error=InputError)
        self._lines = text.splitlines()
        self._yaml = _yaml()
        self._document = self._yaml.load(text)

    def conditions(self) -> str:
        """``applies_if`` (if any) and ``fail_if``: the lines of the file that hold them."""
        keys = [key for key in CONDITION_KEYS if key in self._document]
        blocks = [self._top_level_lines(key) for key in keys]
        if all(blocks):
            return "".join(line + "\n" for block in blocks for line in block)
        # Keys that share a line (a rule written as one flow mapping): shown re-dumped.
        return self._dump(CommentedMap((key, self._document[key]) for key in keys))

    def _top_level_lines(self, key: str) -> list[str]:
        """The lines from top-level ``key`` to the next top-level key, without the blank and
        unindented comment lines before that one (they belong to it)."""
        starts = sorted(self._document.lc.key(k)[0] for k in self._document)
        start = self._document.lc.key(key)[0]
        end = next((line for line in starts if line > start), len(self._lines))
        block = self._lines[start:end]
        while block and (not block[-1].strip() or block[-1].startswith("#")):
            block.pop()
        return block

    def test_resource(self, index: int) -> str:
        """The resource of the ``index``-th test case, in block style (lists of plain values
        stay on one line)."""
        resource = self._document["tests"][index]["resource"]
        _block_style(resource)
        return self._dump(resource) if resource else "{}\n"

    def _dump(self, node: Any) -> str:
        buffer = StringIO()
        self._yaml.dump(node, buffer)
        return buffer.getvalue()


def _block_style(node: Any) -> None:
    if isinstance(node, CommentedMap):
        node.fa.set_block_style()
        for value in node.values():
            _block_style(value)
    elif isinstance(node, CommentedSeq):
        if any(isinstance(item, dict | list) for item in node):
            node.fa.set_block_style()
            for item in node:
                _block_style(item)
        else:
            node.fa.set_flow_style()
