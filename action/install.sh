#!/usr/bin/env bash
# Install lslint into a virtual environment of its own and hand its path to the scan step.
# A tag of the action runs the same code every time: every dependency (and the build backend)
# comes from action/requirements.lock at its exact version, as a wheel whose hash the lock names,
# and lslint itself from the action's own checkout, without resolving anything further.
set -euo pipefail
: "${ACTION_PATH:?}" "${PYTHON:?}" "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}"

venv="$RUNNER_TEMP/lslint-venv"
"$PYTHON" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install --quiet --require-hashes --only-binary :all: \
  -r "$ACTION_PATH/action/requirements.lock"
"${pip[@]}" install --quiet --no-deps --no-build-isolation --no-index "$ACTION_PATH"
"${pip[@]}" check  # the lock satisfies what lslint requires
echo "lslint=$venv/bin/lslint" >> "$GITHUB_OUTPUT"
