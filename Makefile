# Kaozheng: two set-up commands for a fresh Debian/Ubuntu machine with Python 3.11+.
#   make demo   install, migrate, seed the demo data, serve on 127.0.0.1:$(PORT)
#   make test   install, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test install system-deps system-deps-test bench-tools lint messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

system-deps:
	@sh scripts/system-deps.sh

system-deps-test:
	@sh scripts/system-deps.sh --with-browser

# Lighthouse for bench/page_weight.py, from bench/package-lock.json (Node 18.16+).
bench-tools:
	npm ci --no-audit --no-fund --prefix bench

demo: export SITE_URL ?= http://127.0.0.1:$(PORT)
demo: system-deps install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Kaozheng demo: http://127.0.0.1:$(PORT)/  (worker / trainer / examiner / regulator / admin, password Demo-2026!)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: system-deps-test install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=media --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
