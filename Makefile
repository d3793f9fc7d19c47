# Every target works on a fresh machine: it installs first when needed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
# The CPU build of torch that this machine offers; any other spec pulls GBs of CUDA packages.
TORCH  ?= torch==2.13.0

.PHONY: install demo test bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: install
	$(PY) -m fairsynth.demo

test: install
	$(PY) -m pytest -q -p no:cacheprovider

# The benchmarks' peers (ctgan) come with the bench extra; torch is already the CPU build
# above, and ctgan asks only for torch>=2.0, so nothing else is downloaded.
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) benchmarks/run_all.py

lint: install
	$(VENV)/bin/ruff check fairsynth tests benchmarks
	$(VENV)/bin/ruff format --check fairsynth tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
