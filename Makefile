VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
ACTION_LOCK := action/requirements.lock
# The runners the action supports, each with the Python the action sets up.
ACTION_PLATFORMS := x86_64-manylinux_2_28 aarch64-manylinux_2_28 aarch64-apple-darwin x86_64-apple-darwin

.PHONY: dev test lint docs goldens lock ci

dev:
	python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test]' --group dev

test:
	$(PY) -m pytest

lint:
	$(VENV)/bin/ruff check lslint tests bench
	$(VENV)/bin/ruff format --check lslint tests bench
	$(VENV)/bin/mypy --strict lslint
	$(VENV)/bin/zizmor --persona pedantic action.yml .github/workflows/*.yml examples/github/*.yml

docs:
	$(PY) -m lslint.docs

goldens:
	$(PY) -m pytest tests/reporters/test_reporters.py tests/reporters/test_formats.py --update-goldens

# Refresh the action's lock: lslint's dependencies and build backend at their newest versions,
# with the hashes of every file of each, for the Python the action sets up; then check that
# every runner platform finds a wheel for each (the action installs wheels only).
lock:
	$(PY) -m pip install --quiet --group lock
	$(PY) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
	  | $(UV) pip compile --no-config --quiet --upgrade --universal --python-version 3.12 \
	      --generate-hashes --custom-compile-command 'make lock' -o $(ACTION_LOCK) pyproject.toml -
	for platform in $(ACTION_PLATFORMS); do \
	  $(UV) pip compile --no-config --quiet --only-binary :all: --python-version 3.12 \
	    --python-platform $$platform $(ACTION_LOCK) > /dev/null || exit 1; \
	done

ci:
	bash .ci/run
