VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: dev test lint docs goldens ci

dev:
	python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[dev]'

test:
	$(PY) -m pytest

lint:
	$(VENV)/bin/ruff check lslint tests
	$(VENV)/bin/ruff format --check lslint tests
	$(VENV)/bin/mypy --strict lslint

docs:
	$(PY) -m lslint.docs

goldens:
	$(PY) -m pytest tests/test_reporters.py --update-goldens

ci:
	bash .ci/run
