"""``python -m lslint.cli``, the same as the ``lslint`` command."""

from lslint.cli import entry_point

entry_point()
