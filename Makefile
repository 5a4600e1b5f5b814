# The two commands: `make run` and `make test`. Everything else is a helper they call.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CHROMIUM ?= /usr/bin/chromium
# The settings default to production (debug off, no demo shop); these commands are for a local machine.
# Set either variable to 0 in the environment to try production mode.
export DJANGO_DEBUG ?= 1
export PICKUP_DEMO_SHOP ?= 1

.PHONY: run test lint venv deps test-deps migrate seed serve clean messages

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install it or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.test-deps: requirements.txt requirements-test.txt $(VENV)/.deps
	$(PIP) install --quiet -r requirements-test.txt
	@touch $@

deps: $(VENV)/.deps
test-deps: $(VENV)/.test-deps

migrate: deps
	$(PY) manage.py migrate --noinput

seed: migrate
	@if [ ! -f var/.demo-seeded ]; then $(PY) manage.py seed_demo --plan-today && touch var/.demo-seeded; else echo "Demo data already loaded (delete var/.demo-seeded to load again)."; fi

run: seed
	@scripts/run_local.sh

test: test-deps
	@scripts/run_tests.sh

# What CI checks before the tests: lint and format, the layering of the apps (pyproject.toml's
# import-linter contracts), models with no migration written for them, and every stylesheet parsed.
lint: test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/check_css.py

messages: deps
	$(PY) manage.py makemessages -l zh_Hant --ignore=.venv --ignore=tests && $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var staticfiles
