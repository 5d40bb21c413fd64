# switchoff: every target installs what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-uv.lock | sha1sum | cut -c1-12)
NODE_STAMP := node_modules/.installed-$(shell sha1sum package-lock.json | cut -c1-12)
# The field app is built (esbuild, Workbox) into build/field/, and the dashboard's charts into build/dashboard/,
# whenever their sources change.
FIELD_BUILT := build/field/.built
FIELD_SOURCES := $(shell find switchoff/fieldapp/frontend switchoff/dashboard/frontend switchoff/maps/frontend -type f)
B ?=

.PHONY: install run test lint check bench browser messages

$(PY):
	$(PYTHON) -m venv $(VENV)

# uv installs the lock file (hashes checked) in seconds where pip took most of a minute; pip only installs uv,
# from its own hashed lock. Both read the package indexes named at the top of the lock files.
$(STAMP): requirements.lock requirements-uv.lock | $(PY)
	PIP_FIND_LINKS= $(PY) -m pip install -q --require-hashes -r requirements-uv.lock
	$(VENV)/bin/uv pip install -q --python $(PY) --require-hashes --index-strategy unsafe-best-match -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)

$(FIELD_BUILT): $(NODE_STAMP) $(FIELD_SOURCES)
	npm run --silent build
	touch $(FIELD_BUILT)

install: $(STAMP) $(NODE_STAMP) $(FIELD_BUILT)

# Debian's chromium drives the browser tests; Playwright never downloads its own.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

run: install
	$(PY) manage.py migrate --noinput
	SWITCHOFF_DEMO=1 $(PY) manage.py load_demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo "switchoff: http://127.0.0.1:8000  (demo logins in README.md)"
	SWITCHOFF_DEMO=1 bash -c 'trap "kill 0" EXIT; $(PY) manage.py run_huey & $(PY) manage.py run_scheduler & $(PY) manage.py runserver 127.0.0.1:8000'

test: install browser
	$(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff format --no-cache --check .
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/mypy switchoff tests

# The translation catalogues must match the code: regenerate and compare.
messages: install
	cd switchoff && ../$(PY) ../manage.py makemessages -l vi -l en --no-location --no-obsolete -v0
	$(PY) manage.py compilemessages -v0

check: lint
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	@if [ -z "$$(ls bench/*/run.py 2>/dev/null)" ]; then echo "no benchmarks yet"; exit 0; fi; \
	for b in $$(ls -d bench/*/ | xargs -n1 basename); do \
	  if [ -z "$(B)" ] || [ "$(B)" = "$$b" ]; then echo "== bench/$$b"; $(PY) bench/$$b/run.py || exit 1; fi; \
	done
