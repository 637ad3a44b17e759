# AluMusic Insights. Quick start: `make run` (the whole product) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SITE := $(VENV)/lib/python3.11/site-packages
CHROMIUM ?= /usr/bin/chromium

.PHONY: help venv run stop test pytest evals lint system-deps bench demo emulator clean

help:
	@echo "make run     set up and run the whole product locally (Ctrl-C stops it)"
	@echo "make test    set up and run every test and the evals gate"
	@echo "make stop    stop a stack started by make run"
	@echo "make demo N=100000   load demo comments;  make bench   run the benchmarks"
	@echo "make evals   the classifier evals gate;  make emulator   an Ollama emulator on :11434"

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	# Make the repository root and plugins/ importable from the venv (api, dashboard, alumusic).
	$(PY) -c "import site, pathlib; r = pathlib.Path.cwd(); pathlib.Path(site.getsitepackages()[0], 'alumusic.pth').write_text(f'{r}\n{r / \"plugins\"}\n')"
	touch $(STAMP)

# Browser tests need a Chromium; install Debian's when missing (needs root or sudo).
system-deps:
	@if [ ! -x $(CHROMIUM) ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

run: venv
	$(PY) scripts/devstack.py run

stop:
	@test -x $(PY) && $(PY) scripts/devstack.py stop || true

lint: venv
	$(VENV)/bin/ruff check .

pytest: venv system-deps
	CHROMIUM_PATH=$(CHROMIUM) $(PY) -m pytest $(PYTEST_ARGS)

# The evals gate: the project's own labelled set, and the real dev set in ../shared when present.
# Each run exits 1 under the floors in evals/thresholds.toml.
DEV_SET := ../shared/evals/youtube_ptbr_music_2013_dev.csv
evals: venv
	$(PY) -m evals --dataset evals/dataset.csv --backend offline --out evals/out/own
	@if [ -f $(DEV_SET) ]; then \
		$(PY) -m evals --dataset $(DEV_SET) --backend offline --out evals/out/dev; \
	else echo "($(DEV_SET) not present: gated on the project's own set only)"; fi

test: lint pytest evals

emulator: venv
	$(PY) -m alumusic.llm.emulator --port 11434 --latency-ms $${LATENCY_MS:-200} --num-parallel $${NUM_PARALLEL:-4}

# Benchmarks (slow: the dashboard one loads 1,000,000 comments once); results in docs/BENCHMARKS.md.
bench: venv
	$(PY) -m bench.api_ingest --write-docs
	$(PY) -m bench.classify_dag
	$(PY) -m bench.dashboard

demo: venv
	$(PY) -m alumusic demo load -n $${N:-5000}

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
