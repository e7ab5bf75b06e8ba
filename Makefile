# Varuh: the two set-up commands are `make demo` and `make test`; both build .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint services browser clean docs

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## demo: check the ecpp example, render its documents into out/, start the service
demo: $(STAMP)
	$(BIN)/python -m varuh.demo

## services: start PostgreSQL, MariaDB, Redis if they are down (the tests need them)
services:
	@bash scripts/services.sh

## browser: Debian's chromium for the browser tests
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium could not be installed: browser tests will skip outside CI"

## test: every test, ruff, and the generated docs check
test: $(STAMP) services browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache

## docs: regenerate the reference pages (command help, settings, lint rules)
docs: $(STAMP)
	$(BIN)/varuh reference --write docs
