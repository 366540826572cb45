# The two set-up commands of the README: `make serve` and `make test`; `make bench` runs
# the benchmark suite (BENCHMARKS.md).
# Each installs what it needs into .venv (and Debian's chromium and PostgreSQL for the
# browser and postgres engine tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test bench install install-test browser postgres wrk

serve: install
	$(BIN)/search-serve

test: install-test browser postgres
	$(BIN)/python -m pytest

# About 45 minutes on 2 cores; results in var/bench/results/ (report.md, *.json).
bench: install wrk
	$(BIN)/python -m bench.run_all

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Debian's chromium drives the page tests; they are skipped, with a message, without it.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed (needs root for apt-get): browser tests will be skipped"; fi; }

# Debian's PostgreSQL server (with contrib: intarray) runs the postgres engine's tests,
# which start their own servers on loopback ports; without it they are skipped, with a
# message.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-contrib >/dev/null; \
	  else echo "PostgreSQL not installed (needs root for apt-get): postgres tests will be skipped"; fi; }

# Debian's wrk loads the HTTP benchmark; without it a Python load generator is used.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk not installed (needs root for apt-get): the HTTP benchmark uses its Python client"; fi; }
