# make run   — set up everything, load demo data, start the site and a Celery worker with beat on the
#              embedded SQLite broker (log: var/log/worker.log); prints URL, logins and worker status.
# make test  — set up and run the whole suite (pytest-xdist).
# make bench — PostgreSQL and Redis (installed and started when missing), the generated city at each
#              scale of BENCH_SCALES (default 1), gunicorn under a loopback load, the in-process cases;
#              tables printed, figures in bench/results/ (docs/performance.md).
# make lint  — ruff, the import layers (import-linter contracts in pyproject.toml), manage.py check,
#              migrations in sync, zh_Hans translations complete.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run test lint setup venv messages migrate seed env clean test-sqlite test-postgres worker bench

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

# System tools the project needs: gettext for translations and the CJK font of certificate PDFs
# (installed with apt when missing and root).
system-deps:
	@command -v msgfmt >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	  else echo "Please install GNU gettext (msgfmt)"; exit 1; fi; }
	@# The CJK TrueType font embedded into volunteer certificate PDFs (VOLUNTEER_CERTIFICATE_FONT).
	@test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null; \
	  else echo "Please install the font package fonts-wqy-zenhei (certificate PDFs)"; exit 1; fi; }

env: $(STAMP)
	@$(PY) -m config.keys --ensure .env.local

messages: venv system-deps
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

migrate: venv env
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v 0

seed: migrate
	$(PY) manage.py seed_demo

setup: venv system-deps env messages migrate

run: setup seed
	@$(PY) manage.py collectstatic --noinput -v 0
	@$(PY) -m config.runlocal --host $(HOST) --port $(PORT)

# A Celery worker with beat in the foreground, for a site started otherwise (`make run` starts its own;
# never run two beats on one database).
worker: setup
	$(VENV)/bin/celery -A config worker --beat --pool=solo --concurrency=1 --loglevel=INFO

test: venv system-deps messages
	@mkdir -p var/test var/static
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

lint: venv system-deps messages
	@mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --cache-dir var/import_linter_cache
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check_translations --conflicts

# The benchmark (bench/run.py reads BENCH_SCALES, BENCH_DURATION, ... — see its docstring).
bench: venv system-deps messages
	@.ci/services.sh >/dev/null
	@mkdir -p var/bench
	$(PY) -m bench.run

clean:
	rm -rf var/test
