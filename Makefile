# Everything starts from python3 (3.11+), pip and make. `make plan` and `make test` set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .tools/checkov
STACK ?= dev
STACKS := $(patsubst Pulumi.%.yaml,%,$(wildcard Pulumi.*.yaml))
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/pip

.PHONY: setup policy-venv plan test lint typecheck workflows pytest plans bench lock clean snapshot schema args provider-schema aws-models mutants

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; sys.exit("python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -c requirements.lock -e '.[plan,drill,dev]'
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.lock
	$(PYTHON) -m venv $(CHECKOV_VENV)
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(CHECKOV_VENV)/bin/pip install --quiet -r requirements-checkov.lock
	touch $@

setup: $(VENV)/.installed $(CHECKOV_VENV)/.installed

## policy-venv: the policy pack's own virtualenv (components/policy/venv), which `pulumi preview --policy-pack` runs it in
policy-venv: components/policy/venv/.installed
components/policy/venv/.installed: components/policy/requirements.txt
	$(PYTHON) -m venv components/policy/venv
	PIP_DISABLE_PIP_VERSION_CHECK=1 components/policy/venv/bin/pip install --quiet -r components/policy/requirements.txt
	touch $@

## plan: the offline plan of one stack (STACK=dev by default)
plan: $(VENV)/.installed
	$(BIN)/runmcp-infra plan $(STACK)

## test: lint, strict type check, tests, and the offline plan of every stack
test: setup lint typecheck workflows pytest plans

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## workflows: GitHub workflows against GitHub's schema (check-jsonschema's copy) and zizmor's audits
workflows: $(VENV)/.installed
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --min-severity medium .github/workflows

typecheck: $(VENV)/.installed
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

plans: $(VENV)/.installed
	@for stack in $(STACKS); do \
		echo "== runmcp-infra plan $$stack"; \
		$(BIN)/runmcp-infra plan $$stack --format json > /dev/null || exit 1; \
		echo "ok: $$stack plans cleanly, every Kubernetes object passes its schema, no mandatory policy is violated, every AWS argument passes AWS's models"; \
	done

## snapshot: rewrite tests/snapshots/<stack>.urns after an intended change of resource names
snapshot: $(VENV)/.installed
	$(BIN)/python -m runmcp_gateway.offline.snapshot $(if $(ALLOW_REMOVALS),--allow-removals)

## schema: regenerate schema/stack-settings.schema.json from the settings model
schema: $(VENV)/.installed
	$(BIN)/python -m runmcp_gateway.schema

## args: regenerate components/args.py, the typed args (TypedDicts) of every settings model
args: $(VENV)/.installed
	$(BIN)/python -m runmcp_gateway.args_codegen

## aws-models: re-extract components/offline/aws_models.json from the pinned botocore (after a new pin or mapping)
aws-models: $(VENV)/.installed
	$(BIN)/python -m runmcp_gateway.offline.aws_models

## provider-schema: regenerate provider/schema.json, the public interface other languages see
provider-schema: $(VENV)/.installed
	$(BIN)/python -m runmcp_gateway.package_schema

## bench: median offline plan time per stack beside its floor (SDK modules of its resource types + mock runtime) and the ratio
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/plan_bench.py

## mutants: mutation testing of components/ (not offline/) with mutmut, then the score per module. Slow, not
## part of `make test`; MODULE=components/alarms.py for one module, MUTANT_WORKERS=2 for two at once
MUTANT_WORKERS ?= 1
mutants: $(VENV)/.installed
	$(BIN)/mutmut run --max-children $(MUTANT_WORKERS) $(if $(MODULE),'$(subst /,.,$(MODULE:.py=)).*')
	$(BIN)/python scripts/mutants_summary.py $(MODULE)

## lock: re-resolve the pinned versions from pyproject.toml
lock:
	rm -rf .tools/lock && $(PYTHON) -m venv .tools/lock/main && $(PYTHON) -m venv .tools/lock/checkov
	.tools/lock/main/bin/pip install --quiet -e '.[plan,drill,dev]'
	.tools/lock/checkov/bin/pip install --quiet checkov==3.3.30
	{ sed -n '1,2p' requirements.lock; .tools/lock/main/bin/pip freeze --all --exclude-editable | grep -v "^pip=="; } > requirements.lock.new
	{ sed -n '1,2p' requirements-checkov.lock; .tools/lock/checkov/bin/pip freeze; } > requirements-checkov.lock.new
	mv requirements.lock.new requirements.lock && mv requirements-checkov.lock.new requirements-checkov.lock
	rm -rf .tools/lock

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache plan-out
