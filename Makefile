# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
I18N_IGNORE := --ignore=var --ignore=tests --ignore=bench --ignore=staticfiles --ignore=build --ignore=test-artifacts --ignore='*.egg-info'

.PHONY: install run test lint migrate seed worker messages check-migrations clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The web app and a Celery worker with beat, on the embedded default (SQLite + a file broker under var/).
run: seed
	@echo "Attesta on http://$(HOST):$(PORT)/ — demo users: operator, security_unit, owner, authority, inspector, auditor, outsider, admin (password: $${DEMO_PASSWORD:-attesta-demo})"
	@trap 'kill 0' INT TERM EXIT; \
	DEBUG=$${DEBUG:-1} $(PY) -m celery -A config worker --beat --pool=solo --loglevel=INFO --schedule=var/celerybeat-schedule & \
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(PY) -m celery -A config worker --beat --pool=solo --loglevel=INFO

# Extract the UI strings into locale/vi/LC_MESSAGES/django.po (translate the new ones there), then compile the .mo
# that is committed beside it, so a fresh clone needs no gettext tools. tests/i18n fails on an untranslated string.
messages: install
	$(PY) manage.py makemessages -l vi --no-obsolete --no-location $(I18N_IGNORE)
	$(PY) manage.py compilemessages -l vi --ignore=.venv --ignore=var

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

# The suite runs on every core (pytest-xdist; PYTEST_WORKERS=0 runs it in one process, at most 4 workers: each
# takes Redis databases of its own for the real-worker tests, tests/needs.py). The 15 slowest tests are listed.
PYTEST_WORKERS ?= auto
test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --maxprocesses 4 --durations=15

# ruff: the rules and their reasons are in pyproject.toml; the formatter owns the layout.
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles
