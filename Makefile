# Two commands: `make demo` and `make test`. Both create .venv from pyproject.toml when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m compileall -q src >/dev/null  # pip byte-compiles what it installs, not an editable tree
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/portfolio-opt demo

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build src/*.egg-info
