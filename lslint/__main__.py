"""``python -m lslint``, the same as the ``lslint`` command."""

from lslint.launch import main

main()
