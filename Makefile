# Everything runs from a project-local virtualenv built from pyproject.toml,
# so a fresh machine with python3 and make needs nothing installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint format bench clean bytecode

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# pip compiles an installed package; an editable install is compiled here, once, so
# each run does not compile src/ again (machines with PYTHONDONTWRITEBYTECODE=1 would).
# A stale .pyc is never used: Python checks it against the source.
bytecode:
	$(BIN)/python -m compileall -q src

setup: $(STAMP)

# The main job on the bundled samples: check the files, check the draw, rank 2008 and
# write its Excel report, then rank 2009 with the change against 2008.
demo: $(STAMP)
	$(BIN)/starcommunity validate --root samples --year 2008
	$(BIN)/starcommunity verify-draw --root samples --year 2008
	$(BIN)/starcommunity rank --root samples --year 2008 --output out/results-2008.xlsx --force
	$(BIN)/starcommunity rank --root samples --year 2009

test: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

format: $(STAMP)
	$(BIN)/ruff format src tests bench tools
	$(BIN)/ruff check --fix src tests bench tools

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(MAKE) --no-print-directory bytecode
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache
