# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# The Superset runtime: exactly runtime/requirements.lock, rebuilt from scratch when the lock changes.
RUNTIME := .venv-superset
LOCK := src/superset_stack/runtime/requirements.lock
RUNTIME_STAMP := $(RUNTIME)/.installed-$(shell cksum $(LOCK) | cut -d' ' -f1)

.PHONY: run test install runtime lint typecheck unit docs down clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

$(RUNTIME_STAMP): $(LOCK)
	rm -rf $(RUNTIME) && $(PYTHON) -m venv $(RUNTIME)
	$(RUNTIME)/bin/python -m pip install --quiet --no-deps -r $(LOCK)
	touch $@

BENCH_STAMP := $(VENV)/.bench-$(shell cksum pyproject.toml | cut -d' ' -f1)
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	rm -f $(VENV)/.bench-* && touch $@

install: $(STAMP)
runtime: $(RUNTIME_STAMP)

# The local twin: PostgreSQL, Redis, Superset web, Celery worker and beat on this machine.
run: $(STAMP) $(RUNTIME_STAMP)
	$(BIN)/superset-stack local up

down: $(STAMP)
	$(BIN)/superset-stack local down

lint: $(STAMP)
	$(BIN)/ruff check src tests policy benchmarks __main__.py
	$(BIN)/ruff format --check src tests policy benchmarks __main__.py

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(RUNTIME_STAMP)
	$(BIN)/pytest

test: lint typecheck unit

# Throughput, connection budget: a throw-away twin, stock against tuned; rewrites docs/benchmarks.md.
bench: $(BENCH_STAMP) $(RUNTIME_STAMP)
	$(BIN)/python -m benchmarks.run

docs: $(STAMP)
	$(BIN)/superset-stack docs

clean:
	rm -rf $(VENV) $(RUNTIME) .pytest_cache .mypy_cache .ruff_cache
