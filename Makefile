# Serverless Labs — the two commands a newcomer needs are `make lab` and `make test`.
# Every target builds (or refreshes) the virtual environment .venv from requirements.txt first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: setup lab test test-fast lint release student-dist hub grade bench conformance doctor clean help

help:
	@echo "make lab      start JupyterLab on labs/ (lab 00 opens first)"
	@echo "make test     run every test (library, notebooks, grading, browser)"
	@echo "make release  regenerate labs/ from solutions/ with nbgrader"
	@echo "make student-dist DIR=folder   a course for students: no solutions, hidden tests or secrets (FORCE=1 replaces DIR)"
	@echo "make hub HUB_ARGS='--instructors ana --students ben,chloe'   JupyterHub for a class (as root; HUB_PORT=8000)"
	@echo "make grade SUBMISSIONS=dir   autograde a folder of submissions"
	@echo "make bench    speed figures (runtime, integrations, engines, simulator, grading)"
	@echo "make conformance  moto's own Docker-marked Lambda tests, run with the course runtime"
	@echo "make doctor   check this machine"

# The course's JupyterLab settings (jupyter/overrides.json: no news prompt, no extension manager): JupyterLab reads
# <sys.prefix>/share/jupyter/lab/settings/overrides.json as the defaults a user's own settings still override.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): jupyter/overrides.json $(STAMP)
	@mkdir -p $(dir $@)
	cp jupyter/overrides.json $@

# The first screen of `make lab`: the notebook's table of contents open (jupyter/workspace.json), seeded once into a
# workspace folder of the course's own, so a student's later layout is kept and other projects are not touched.
WORKSPACES := .serverless-lab/workspaces

setup: $(STAMP) $(LAB_SETTINGS)


$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Serverless Labs needs Python 3.11 or newer; found " + sys.version.split()[0] + ". Install a newer Python, or run: make PYTHON=python3.12 lab")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

# Jupyter refuses to run as root without --allow-root (containers, Binder-like machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup
	@mkdir -p $(WORKSPACES)
	@test -e $(WORKSPACES)/default-37a8.jupyterlab-workspace || \
		cp jupyter/workspace.json $(WORKSPACES)/default-37a8.jupyterlab-workspace
	cd labs && ../$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.workspaces_dir=../$(WORKSPACES) $(ROOT_FLAG) \
		$(JUPYTER_ARGS) lab00-welcome/lab00-welcome.ipynb

test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test-fast: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not notebook and not browser"

# ruff (style, import order, no silent `except Exception`) and mypy on the library: CONTRIBUTING.md
lint: setup
	$(BIN)/python -m ruff check lib tests bench
	$(BIN)/python -m mypy

release: setup
	$(BIN)/serverless-lab release $(if $(FORCE),--force,)

student-dist: setup
	$(BIN)/serverless-lab release --student-dist $(or $(DIR),$(error give DIR=folder, e.g. make student-dist DIR=../serverless-labs-class)) --git $(if $(FORCE),--force,)

hub: setup
	$(BIN)/serverless-lab hub --port $(or $(HUB_PORT),8000) $(HUB_ARGS)

grade: setup
	$(BIN)/serverless-lab grade $(SUBMISSIONS)

bench: setup
	$(BIN)/python -m bench

conformance: setup
	$(BIN)/python tests/conformance/run.py

doctor: setup
	$(BIN)/serverless-lab doctor

clean:
	rm -rf $(VENV) .pytest_cache
