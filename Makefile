# AluMusic Insights. Quick start: `make run` (the whole product) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
REDIS_SERVER ?= /usr/bin/redis-server

.PHONY: help venv lock run stop test pytest evals lint system-deps redis-server bench demo emulator clean

help:
	@echo "make run     set up and run the whole product locally (Ctrl-C stops it)"
	@echo "make run EXECUTOR=celery WORKERS=2   the same on Airflow's CeleryExecutor (Redis broker)"
	@echo "make test    set up and run every test and the evals gate"
	@echo "make stop    stop a stack started by make run"
	@echo "make demo N=100000   load demo comments;  make bench   run the benchmarks"
	@echo "make evals   the classifier evals gate;  make emulator   an Ollama emulator on :11434"

venv: $(STAMP)

# The project is an installed package (editable here): runtime and dev pins from requirements/dev.txt.
$(STAMP): requirements/dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Re-pin after editing pyproject.toml's dependencies (keeps current pins unless UPGRADE=1).
lock: venv
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --custom-compile-command "make lock" --annotation-style line \
		$(if $(UPGRADE),--upgrade,-c requirements/runtime.txt) -o requirements/runtime.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -c requirements/runtime.txt --python-version 3.11 --custom-compile-command "make lock" \
		--annotation-style line -o requirements/dev.txt

# Browser tests need a Chromium, the Celery tests a Redis; install Debian's when missing (needs root or sudo).
system-deps:
	@if [ ! -x $(CHROMIUM) ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	@$(MAKE) --no-print-directory redis-server

# The Celery broker of `make run EXECUTOR=celery` and of tests/ops/test_celery.py (Debian's redis-server;
# the launcher runs it under supervisord, on a Unix socket: the package's own service is not used).
redis-server:
	@if [ ! -x $(REDIS_SERVER) ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; \
	fi

# EXECUTOR=celery WORKERS=2: Airflow's CeleryExecutor, a local Redis broker and N `airflow celery worker`s.
CELERY_RUN := $(filter celery Celery CeleryExecutor,$(EXECUTOR))
run: venv $(if $(CELERY_RUN),redis-server)
	$(PY) scripts/devstack.py run $(if $(EXECUTOR),--executor $(EXECUTOR)) $(if $(WORKERS),--workers $(WORKERS))

stop:
	@test -x $(PY) && $(PY) scripts/devstack.py stop || true

# Style, and the layer contracts of pyproject.toml's [tool.importlinter] (a cycle fails CI).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

pytest: venv system-deps
	CHROMIUM_PATH=$(CHROMIUM) $(PY) -m pytest $(PYTEST_ARGS)

# The evals gate: the project's own labelled set, and when ../shared is present the real dev set
# and the blind pool labels (evals/pool_labels.csv: ids only, texts read from the pool).
# Each run exits 1 under the floors in evals/thresholds.toml.
DEV_SET := ../shared/evals/youtube_ptbr_music_2013_dev.csv
POOL := ../shared/data/youtube_ptbr_music_2013_pool.csv
evals: venv
	$(PY) -m evals --dataset evals/dataset.csv --backend offline --out evals/out/own
	@if [ -f $(DEV_SET) ]; then \
		$(PY) -m evals --dataset $(DEV_SET) --backend offline --out evals/out/dev; \
	else echo "($(DEV_SET) not present: not gated on the dev set)"; fi
	@if [ -f $(POOL) ]; then \
		$(PY) -m evals --dataset evals/pool_labels.csv --pool $(POOL) --backend offline --out evals/out/pool; \
	else echo "($(POOL) not present: not gated on the pool labels)"; fi

test: lint pytest evals

emulator: venv
	$(PY) -m ollama_emulator --port 11434 --latency-ms $${LATENCY_MS:-200} --num-parallel $${NUM_PARALLEL:-4}

# Benchmarks (slow: the dashboard one loads 1,000,000 comments once); results in docs/BENCHMARKS.md.
bench: venv
	$(PY) -m bench.api_ingest --write-docs
	$(PY) -m bench.classify_dag
	$(PY) -m bench.dashboard

demo: venv
	$(PY) -m alumusic demo load -n $${N:-5000}

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
