# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test install lint typecheck unit docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Until the local twin lands (issue 4): validate the dev stack and list, offline, every AWS
# resource `pulumi up` would create for it.
run: $(STAMP)
	$(BIN)/superset-stack settings --stack dev
	$(BIN)/superset-stack inventory --stack dev

lint: $(STAMP)
	$(BIN)/ruff check src tests __main__.py
	$(BIN)/ruff format --check src tests __main__.py

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

docs: $(STAMP)
	$(BIN)/superset-stack docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
