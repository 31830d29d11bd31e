# Civic — one verb per job.
VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST := 127.0.0.1:8000

.PHONY: demo serve test test-postgres lint bench setup messages clean

setup: $(VENV)/.installed node_modules/.installed civic/locale/en/LC_MESSAGES/django.mo

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	$(PIP) install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

civic/locale/en/LC_MESSAGES/django.mo civic/locale/zh_Hans/LC_MESSAGES/django.mo: $(VENV)/.installed civic/locale/en/LC_MESSAGES/django.po civic/locale/zh_Hans/LC_MESSAGES/django.po
	$(VENV)/bin/pybabel compile --domain=django --directory=civic/locale --statistics

messages: $(VENV)/.installed  ## re-extract translatable text into the .po files
	CIVIC_ENV=demo $(PYTHON) manage.py makemessages --locale=zh_Hans --locale=en --no-obsolete --ignore=node_modules --ignore=.venv --ignore=var

# The demo runs in demo mode (CIVIC_ENV=demo): the repository's SECRET_KEY and plain HTTP are allowed there,
# and nowhere else; DEBUG stays off, so visitors see Civic's own error pages.
demo: setup  ## set everything up, load the demo county and serve it (with the job worker)
	mkdir -p var
	CIVIC_ENV=demo $(PYTHON) manage.py migrate --noinput
	CIVIC_ENV=demo $(PYTHON) manage.py load_demo --reset --yes
	CIVIC_ENV=demo $(PYTHON) manage.py load_metering_demo
	@echo "Serving the demo county on http://$(HOST)/, with a job worker"
	CIVIC_ENV=demo $(PYTHON) manage.py run_worker --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	CIVIC_ENV=demo $(PYTHON) manage.py runserver $(HOST)

# `make serve` runs Civic as a county's server does, on this machine: production settings (CIVIC_ENV=production,
# DEBUG off) with a secret key made once into var/secret_key, gunicorn with several workers (gunicorn.conf.py),
# static files collected into var/static and served compressed by WhiteNoise, and the job worker beside it.
# Plain HTTP is allowed only because the server listens on 127.0.0.1 and answers nobody else
# (CIVIC_PLAIN_HTTP_ON_LOOPBACK); a server reachable from the network sits behind a TLS proxy (docs/deploy.md).
# The demo county is loaded into an empty database only; Ctrl-C stops the server and the worker.
WORKER := run_worker
SERVE_ENV := CIVIC_ENV=production CIVIC_SECRET_KEY_FILE=$(CURDIR)/var/secret_key CIVIC_PLAIN_HTTP_ON_LOOPBACK=true \
	ALLOWED_HOSTS=127.0.0.1,localhost CIVIC_BIND=$(HOST)
serve: setup  ## serve the demo county as production does: gunicorn, static files, the job worker
	mkdir -p var
	@test -s var/secret_key || { (umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(64))' \
		> var/secret_key) && echo "Made var/secret_key (kept for later runs: sessions last while it does)."; }
	$(SERVE_ENV) $(PYTHON) manage.py migrate --noinput
	$(SERVE_ENV) $(PYTHON) manage.py load_demo --if-empty
	$(SERVE_ENV) $(PYTHON) manage.py load_metering_demo --if-empty
	$(SERVE_ENV) $(PYTHON) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving the demo county on http://$(HOST)/ (production settings; Ctrl-C stops the server and the worker)"
	$(SERVE_ENV) $(PYTHON) -m civic.core.serving --web "$(VENV)/bin/gunicorn" --worker "$(PYTHON) manage.py $(WORKER)"

# pytest exits with 5 when it collects no tests. For a selection (PYTEST_ARGS="-k ...") that is an empty
# selection, counted as a pass; for the whole suite it means the tests were not found, and make test fails
# (as .ci/run, which runs the whole suite, then does).
# The tests run in as many processes as the machine has cores, at most four (pytest-xdist; TEST_WORKERS=0 runs them
# in this one). Each process has its own test database and readings store (civic/settings_test.py, conftest.py).
TEST_WORKERS ?= auto
test: setup  ## run the whole suite (on PostgreSQL when DATABASE_URL names one)
	$(PYTHON) -m pytest -n $(TEST_WORKERS) --maxprocesses=4 $(PYTEST_ARGS) || status=$$?; \
	if [ "$${status:-0}" = 5 ] && [ -n "$(strip $(PYTEST_ARGS))" ]; then \
		echo "pytest collected no tests of the selection: counted as a pass"; exit 0; fi; \
	if [ "$${status:-0}" = 5 ]; then echo "pytest collected no tests on a full run: failing"; fi; \
	exit $${status:-0}

lint: setup  ## ruff (lint and format), mypy with the Django plugin, the import contract
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy civic hydro benchmarks conftest.py
	$(VENV)/bin/lint-imports --no-cache

bench: setup  ## time the benchmarks against their baselines (BENCH_ARGS=--write updates BENCHMARKS.md)
	$(PYTHON) -m benchmarks $(BENCH_ARGS)

# Deletes var/ (the demo database, readings, uploads): it asks first unless YES=1, and refuses when
# var/civic.sqlite3 holds records that load_demo did not load (a county's own database).
clean:  ## delete var/ (make clean YES=1 does not ask)
	@if [ -f var/civic.sqlite3 ]; then \
		test -x $(PYTHON) || { echo "No $(PYTHON) to check var/civic.sqlite3 with: nothing deleted."; exit 1; }; \
		DATABASE_URL=sqlite:///$(CURDIR)/var/civic.sqlite3 CIVIC_ENV=demo $(PYTHON) manage.py check_demo_database \
			|| { echo "var/civic.sqlite3 is not the demo's database: nothing deleted."; exit 1; }; \
	fi
	@if [ "$(YES)" != 1 ]; then \
		printf "Delete var/ (the demo database, readings and uploads)? Type yes to go on: "; read answer; \
		[ "$$answer" = yes ] || { echo "Nothing deleted."; exit 1; }; \
	fi
	rm -rf var
