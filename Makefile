# Two entry points for a fresh machine: `make run` and `make test`. Both build .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The worker (clocks, schedules, notifications) runs beside the app and stops with it.
run: $(STAMP)
	$(BIN)/handbook worker & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null; wait $$WORKER' EXIT INT TERM; \
	HANDBOOK_DEMO=1 $(BIN)/streamlit run serve.py --server.headless true --browser.gatherUsageStats false \
		--client.toolbarMode viewer

test: $(STAMP)
	$(BIN)/handbook check
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check runtime tests app.py serve.py benchmarks
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/handbook check

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
