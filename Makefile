# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve-demo test lint bench-accuracy bench-speed bench-api clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev,bench,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/matchgate demo

serve-demo: $(STAMP)
	$(BIN)/matchgate serve --demo

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench-accuracy: $(STAMP)
	$(BIN)/python bench/accuracy.py

bench-speed: $(STAMP)
	$(BIN)/python bench/speed.py

bench-api: $(STAMP)
	$(BIN)/python bench/api_load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
