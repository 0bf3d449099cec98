# Two commands: `make report` builds the flagship report into build/; `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test bench bench-readme clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=python3)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/dossier build . --out build

test: $(STAMP)
	$(BIN)/python -m pytest

BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(BENCH_STAMP)

# `make bench BENCH_ARGS=--quick`; `make bench-readme` also writes the summary as Markdown (build/bench.md)
# builder's bytecode compiled first, as a package install does (where PYTHONDONTWRITEBYTECODE is set, every build
# would otherwise compile the sources it imports)
bench: $(BENCH_STAMP)
	$(BIN)/python -m compileall -q builder
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

bench-readme: $(BENCH_STAMP)
	mkdir -p build
	$(BIN)/python -m compileall -q builder
	$(BIN)/python bench/bench.py --markdown build/bench.md $(BENCH_ARGS)

clean:
	rm -rf build
