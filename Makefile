# The two set-up commands of the README: `make serve` and `make test`.
# Each installs what it needs into .venv (and Debian's chromium for the browser tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test install install-test browser

serve: install
	$(BIN)/search-serve

test: install-test browser
	$(BIN)/python -m pytest

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
