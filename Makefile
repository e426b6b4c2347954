# ReMarket: the two commands a newcomer needs are `make run` and `make test`.
# Both create .venv and install the project on first use (again only when
# pyproject.toml changes). Nothing else is needed: no PostgreSQL, no Redis.

SHELL := /bin/bash
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
STAMP := $(VENV)/.remarket-installed
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run test lint format stop clean-data bench

help:
	@echo "make run         run the site with demo data at http://127.0.0.1:$${PORT:-8000} (Ctrl-C stops)"
	@echo "make test        run the test suite (make test ARGS='-k checkout -x'); the browser tests need Chromium, else they are skipped"
	@echo "make lint        ruff check + ruff format --check + the import contracts (lint-imports)"
	@echo "make format      ruff format + ruff check --fix"
	@echo "make stop        stop embedded PostgreSQL/Redis left running"
	@echo "make clean-data  stop them and delete var/ (database, media, logs)"
	@echo "make bench       run the benchmark (make bench ARGS=...)"

install: $(STAMP)

# Python 3.11: python3.11 if found, else python3 if that is 3.11.
$(STAMP): pyproject.toml
	@if [ ! -x $(PY) ]; then \
	  py=$$(command -v python3.11 || true); \
	  if [ -z "$$py" ] && python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then \
	    py=$$(command -v python3); \
	  fi; \
	  if [ -z "$$py" ]; then echo "ReMarket needs Python 3.11 (python3.11 or python3 on PATH)." >&2; exit 1; fi; \
	  echo "Creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV) || { echo "Could not create $(VENV): on Debian/Ubuntu install python3.11-venv." >&2; exit 1; }; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(PY) manage.py runstack $(ARGS)

# pytest exits 5 when it collects nothing: that is a failure, except while the
# tests folder has no test file at all.
test: $(STAMP)
	@$(PY) -m pytest $(ARGS); status=$$?; \
	if [ $$status -eq 5 ] && [ -z "$$(find tests -name 'test_*.py' 2>/dev/null | head -n 1)" ]; then \
	  echo "make test: tests/ has no test files yet; nothing to run."; exit 0; \
	fi; \
	exit $$status

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

stop:
	@if [ -x $(PY) ]; then \
	  $(PY) -c "from marketplace import embedded; embedded.postgres_stop(); embedded.redis_stop()" \
	  && echo "Embedded PostgreSQL and Redis are stopped."; \
	else echo "No $(VENV): nothing to stop."; fi

clean-data: stop
	rm -rf "$${REMARKET_VAR_DIR:-var}"

bench: $(STAMP)
	$(PY) manage.py bench $(ARGS)
