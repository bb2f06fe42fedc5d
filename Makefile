# LoRA Land. `make run` serves the site; `make test` runs the whole suite. Both set up all.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install prepare browser bench bench-smollm2 screenshots loadtest clean

run: prepare
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

test: install browser
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

install: $(STAMP)

# Re-install only when the pinned dependencies change.
$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

prepare: install
	mkdir -p var  # the default SQLite database lives there
	$(PY) manage.py migrate --noinput
	$(PY) manage.py build_demo

# Browser tests drive Debian's Chromium with Playwright (no browser download).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

# Engine vs PEFT throughput on loraland-mini, the tiny demo base: fast, and the regression
# guard for the engine (a table; add ARGS=--json for JSON). It is built under var/mini, with a
# catalog of its own there: the benchmark runs the adapter each task of the catalog serves.
MINI := LORALAND_BASE_MODEL=var/mini/models/loraland-mini LORALAND_ADAPTER_DIR=var/mini/adapters \
	LORALAND_DATA_DIR=var/mini/data DATABASE_URL=sqlite:///var/mini/db.sqlite3
# 100 WebSocket clients x 5 greedy requests on a private stack of SmolLM2 (make prepare), then
# the engine alone on the same requests: a table (ARGS=--json); exits 1 on a lost, failed or
# different answer.
loadtest: prepare
	$(PY) scripts/loadtest.py $(ARGS)

# The README's screenshots (docs/screenshots/), of the site `make run` serves in another shell.
screenshots: install browser
	$(PY) scripts/screenshots.py --url http://$(HOST):$(PORT) $(ARGS)

bench: install
	mkdir -p var/mini
	$(MINI) $(PY) manage.py migrate --noinput
	$(MINI) $(PY) manage.py build_demo --base mini
	$(MINI) $(PY) manage.py bench $(ARGS)

# The same benchmark on SmolLM2 with its 25 shipped adapters, reduced to fit about 20 minutes on
# 2 cores (1 and 32 users, 48 new tokens, PEFT baselines capped at 8 requests).
bench-smollm2: prepare
	$(PY) manage.py bench --users 1,32 --baseline-users 1,32 --new-tokens 48 \
	  --baseline-requests 8 --plot var/bench-smollm2.png $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
