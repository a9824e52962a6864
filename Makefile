# Two entry points for a fresh machine: `make run` and `make test`.
# Each installs what it needs into .venv (re-installing when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080
DATA   ?= ./data

.PHONY: run test lint typecheck unit install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/lianxin serve --host $(HOST) --port $(PORT) --data-dir $(DATA)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q -rs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
