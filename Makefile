# Two commands for users: `make run` (set up everything, start the app) and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
export GSFM_HOME ?= $(HOME)/.cache/gsfm

.PHONY: run test setup install lint clean-venv

run: install
	$(BIN)/gsfm setup
	$(BIN)/gsfm app

test: install $(VENV)/.browser
	$(BIN)/gsfm data build
	$(BIN)/python -m pytest -q tests

setup: install
	$(BIN)/gsfm setup

install: $(VENV)/.deps $(VENV)/.llm

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps: requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -r requirements.txt -r requirements-dev.txt
	$(BIN)/pip install --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.llm: scripts/install_llm.sh $(VENV)/.deps
	PIP="$(BIN)/pip" PYTHON="$(BIN)/python" bash scripts/install_llm.sh
	touch $@

$(VENV)/.browser: scripts/install_browser.sh $(VENV)/.deps
	bash scripts/install_browser.sh
	touch $@

lint: $(VENV)/.deps
	$(BIN)/ruff check .

clean-venv:
	rm -rf $(VENV)
