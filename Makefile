# AluMusic Insights. Quick start: `make run` (the whole product) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SITE := $(VENV)/lib/python3.11/site-packages
CHROMIUM ?= /usr/bin/chromium

.PHONY: help venv run stop test pytest evals lint system-deps bench demo clean

help:
	@echo "make run     set up and run the whole product locally (Ctrl-C stops it)"
	@echo "make test    set up and run every test and the evals gate"
	@echo "make stop    stop a stack started by make run"
	@echo "make demo N=100000   load demo comments;  make bench   run the benchmarks"

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

test: lint pytest

demo: venv
	$(PY) -m alumusic demo load -n $${N:-5000}

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
