#!/usr/bin/env bash
# Install lslint from the action's own checkout (so a tag runs the code of that tag) into a
# virtual environment of its own, and hand its path to the scan step.
set -euo pipefail
: "${ACTION_PATH:?}" "${PYTHON:?}" "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}"

venv="$RUNNER_TEMP/lslint-venv"
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$ACTION_PATH"
echo "lslint=$venv/bin/lslint" >> "$GITHUB_OUTPUT"
