# fa2 — every target installs what it needs from the lock file (uv.lock) into .venv.
SHELL := /bin/bash
PY ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# Node 20 (Debian's) works for synth; deploy docs ask for Node 22+. The banner is noise here.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export UV_PYTHON_DOWNLOADS := never

.DEFAULT_GOAL := help
.PHONY: help demo test lint format bench synth eval lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

$(UV):
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --all-extras --python $(PY)
	@touch $@

demo: $(VENV)/.synced ## investigate the bundled demo incident offline (baseline model, no AWS, no LLM)
	$(VENV)/bin/fa2 analyze --bundle evals/scenarios/dynamodb-throttling --model baseline --out demo-out

test: $(VENV)/.synced ## run the test suite (no network)
	$(VENV)/bin/python -m pytest -q

lint: $(VENV)/.synced ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.synced ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.synced ## run the benchmarks in bench/ (prints figures)
	@for b in bench/bench_*.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done

synth: $(VENV)/.synced ## synthesize the CDK app to infra/cdk.out (no AWS account needed)
	$(VENV)/bin/python -m infra.app

eval: $(VENV)/.synced ## run the offline eval suite with the baseline model and the regression gate
	$(VENV)/bin/fa2 eval --model baseline --out eval-out --compare evals/baseline.json

lock: $(UV) ## re-resolve uv.lock after editing pyproject.toml
	$(UV) lock

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache demo-out eval-out infra/cdk.out
