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
	$(VENV)/bin/ruff check lslint tests bench
	$(VENV)/bin/ruff format --check lslint tests bench
	$(VENV)/bin/mypy --strict lslint
	$(VENV)/bin/zizmor --persona pedantic action.yml examples/github/*.yml

docs:
	$(PY) -m lslint.docs

goldens:
	$(PY) -m pytest tests/test_reporters.py tests/test_formats.py --update-goldens

ci:
	bash .ci/run
