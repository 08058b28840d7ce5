# Everything runs inside .venv, created on first use with the Python 3.11+ found as python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint check-postgres bench soak clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/storeapp demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

# Benchmarks (see BENCHMARKS.md): `make bench` is the full run (~20 min), `make bench QUICK=1`
# the quick one (under 3 min); BENCH_ARGS passes more options (python -m bench --help).
bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick) $(BENCH_ARGS)

# The seeded fault-injecting simulation over many seeds (see RELIABILITY.md): `make soak` runs
# 1000 SQLite seeds in 2 processes; SEEDS, START, STEPS, JOBS change that, POSTGRES=URL runs it on
# PostgreSQL, SOAK_ARGS passes more options (python -m tests.simulation.soak --help).
SEEDS ?= 1000
START ?= 1
STEPS ?= 40
JOBS ?= 2
soak: $(STAMP)
	nice -n 10 $(BIN)/python -m tests.simulation.soak --seeds $(SEEDS) --start $(START) \
		--steps $(STEPS) --jobs $(JOBS) $(if $(POSTGRES),--postgres $(POSTGRES)) $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
