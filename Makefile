# The two set-up commands of the README: `make serve` and `make test`; `make bench` runs
# the benchmark suite (BENCHMARKS.md).
# Each installs what it needs into .venv (and Debian's chromium and PostgreSQL for the
# browser and postgres engine tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve serve-postgres postgres-cluster test bench install install-test browser postgres wrk

serve: install
	$(BIN)/search-serve

# `make serve-postgres` (README « Sur PostgreSQL »): the same service with its archive in
# PostgreSQL. Debian's server installed if missing; a cluster of the project's own in
# var/postgres on a loopback port (owned by the postgres system user when run as root:
# PostgreSQL refuses to run as root), started, its database created; search-serve then
# imports seeds/ into it on its first start, and serves.
PG_PORT ?= 5433
PG_DATA := $(CURDIR)/var/postgres
PG_USER := $(shell [ "$$(id -u)" = 0 ] && echo postgres || id -un)
PG_DSN := host=127.0.0.1 port=$(PG_PORT) user=$(PG_USER) dbname=recherche

serve-postgres: install postgres postgres-cluster
	SEARCH_INDEX__ENGINE=postgres SEARCH_INDEX__DSN="$(PG_DSN)" $(BIN)/search-serve

postgres-cluster:
	@set -e; pgbin=$$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); \
	as=""; [ "$$(id -u)" != 0 ] || as="runuser -u postgres --"; \
	if [ ! -f "$(PG_DATA)/PG_VERSION" ]; then \
	  mkdir -p "$(PG_DATA)"; [ -z "$$as" ] || chown postgres: "$(PG_DATA)"; chmod 700 "$(PG_DATA)"; \
	  $$as $$pgbin/initdb -D "$(PG_DATA)" -U $(PG_USER) --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null; \
	  echo "Cluster PostgreSQL créé dans $(PG_DATA)"; fi; \
	$$as $$pgbin/pg_ctl -D "$(PG_DATA)" status >/dev/null 2>&1 || \
	  $$as $$pgbin/pg_ctl -D "$(PG_DATA)" -w -l "$(PG_DATA)/server.log" \
	    -o "-p $(PG_PORT) -k $(PG_DATA) -c listen_addresses=127.0.0.1" start >/dev/null; \
	$$as $$pgbin/psql -h 127.0.0.1 -p $(PG_PORT) -U $(PG_USER) -d postgres -tAc \
	  "SELECT 1 FROM pg_database WHERE datname = 'recherche'" | grep -q 1 || \
	  $$as $$pgbin/createdb -h 127.0.0.1 -p $(PG_PORT) -U $(PG_USER) recherche; \
	echo "PostgreSQL prêt : $(PG_DSN)  (arrêt : $$as $$pgbin/pg_ctl -D $(PG_DATA) stop)"

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
# which start their own servers on loopback ports (skipped, with a message, without it;
# CI's REQUIRE_POSTGRES=1 fails instead), and make serve-postgres. The distribution's
# default version: postgresql-15 on Debian 12.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null; \
	  else echo "PostgreSQL not installed (needs root for apt-get): postgres tests will be skipped"; fi; }

# Debian's wrk loads the HTTP benchmark; without it a Python load generator is used.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk not installed (needs root for apt-get): the HTTP benchmark uses its Python client"; fi; }
