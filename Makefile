# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# The Superset runtime: exactly runtime/requirements.lock, rebuilt from scratch when the lock changes.
RUNTIME := .venv-superset
LOCK := src/superset_stack/runtime/requirements.lock
RUNTIME_STAMP := $(RUNTIME)/.installed-$(shell cksum $(LOCK) | cut -d' ' -f1)
# python-ldap, for the LDAP sign-in tests only: published as source, it compiles where OpenLDAP's
# headers are (Debian: libldap2-dev libsasl2-dev gcc; .ci/run installs them). `make run` needs none.
LDAP_LOCK := src/superset_stack/runtime/extras/ldap.lock
LDAP_STAMP := $(RUNTIME)/.ldap-$(shell cksum $(LDAP_LOCK) | cut -d' ' -f1)

.PHONY: run test install runtime lint typecheck unit docs down clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

$(RUNTIME_STAMP): $(LOCK)
	rm -rf $(RUNTIME) && $(PYTHON) -m venv $(RUNTIME)
	$(RUNTIME)/bin/python -m pip install --quiet --no-deps -r $(LOCK)
	touch $@

$(LDAP_STAMP): $(RUNTIME_STAMP) $(LDAP_LOCK)
	if [ -f /usr/include/ldap.h ]; then \
		$(RUNTIME)/bin/python -m pip install --quiet --no-deps -r $(LDAP_LOCK) && touch $@; \
	else \
		echo "python-ldap left out: no OpenLDAP headers (apt-get install libldap2-dev libsasl2-dev gcc)"; \
	fi

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

unit: $(STAMP) $(RUNTIME_STAMP) $(LDAP_STAMP)
	$(BIN)/pytest

test: lint typecheck unit

# Throughput, connection budget: a throw-away twin, stock against tuned; rewrites docs/benchmarks.md.
bench: $(BENCH_STAMP) $(RUNTIME_STAMP)
	$(BIN)/python -m benchmarks.run

docs: $(STAMP)
	$(BIN)/superset-stack docs

clean:
	rm -rf $(VENV) $(RUNTIME) .pytest_cache .mypy_cache .ruff_cache
