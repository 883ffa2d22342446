# perpdex — the two promises: `make demo` (whole local stack) and `make test` (whole suite).
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
BENCH ?=

.PHONY: setup demo test lint bench clean

setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv>=0.5"
	$(UV) sync --frozen --python 3.11
	@touch $@

lint: setup
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

demo: setup
	$(BIN)/perpdex up

bench: setup  ## all benchmarks, or one: make bench BENCH=load
	$(BIN)/python -m tests.bench $(BENCH)

clean:
	rm -rf $(VENV) .local
