"""``python -m lslint``, the same as the ``lslint`` command."""

from lslint.cli import entry_point

entry_point()
