# rayops developer tasks. `make demo` and `make test` each create .venv on their own.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
KUBERAY_RELEASES := v1.3.2 v1.4.2 v1.5.1 v1.6.2 v1.7.0
ARGOCD_RELEASE := v3.5.1
FLUX_RELEASE := v2.9.0

.PHONY: venv demo test lint bench bench-validate bench-instructions bench-render bench-diff bench-watch schemas rules-catalog clean

$(BIN)/rayops: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[test,lint,watch]'
	touch $@

venv: $(BIN)/rayops

# Reinstall the package (not editable) so tests run against what users install.
.installed: $(BIN)/rayops $(shell find generator schemas -type f -not -path '*/__pycache__/*' 2>/dev/null)
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall .
	touch $@

demo: .installed
	$(BIN)/python scripts/demo.py

test: .installed
	$(BIN)/python -m pytest -q

lint: .installed
	$(BIN)/ruff check generator tests bench scripts
	$(BIN)/ruff format --check generator tests bench scripts
	$(BIN)/mypy

# Every speed and memory benchmark; each also has its own target.
bench: bench-validate bench-render bench-diff bench-watch

bench-validate: .installed
	$(BIN)/python bench/run.py

bench-instructions: .installed
	$(BIN)/python bench/instructions.py

bench-render: .installed
	$(BIN)/python bench/render.py

bench-diff: .installed
	$(BIN)/python bench/diff.py

bench-watch: .installed
	$(BIN)/python bench/watch.py

schemas: .installed
	@for v in $(KUBERAY_RELEASES); do \
	  $(BIN)/rayops schemas build $(SHARED)/crds/kuberay/$$v -o schemas/kuberay/$$v >/dev/null || exit 1; done
	$(BIN)/rayops schemas build $(SHARED)/crds/argocd -o schemas/argocd/$(ARGOCD_RELEASE) >/dev/null
	$(BIN)/rayops schemas build $(SHARED)/crds/flux -o schemas/flux/$(FLUX_RELEASE) >/dev/null
	@$(BIN)/python -c "from rayops.spec import SPEC_KINDS, schema_text; \
	  [open(f'schemas/rayops/v1alpha1/{k.lower()}.json', 'w').write(schema_text(k)) for k in SPEC_KINDS]"
	@echo "schemas regenerated from $(SHARED)/crds"

rules-catalog: .installed
	@$(BIN)/python -c "from rayops.rules import write_catalog; write_catalog('generator/rayops/rules/kuberay/__init__.py')"
	$(BIN)/ruff format -q generator/rayops/rules/kuberay/__init__.py

clean:
	rm -rf $(VENV) .installed build *.egg-info generator/*.egg-info .pytest_cache .mypy_cache .ruff_cache
