# Set-up and checks. Everything runs in a local virtual environment (.venv), created on demand.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# PyTorch, installed first and pinned (pip takes the local CPU wheel where there is one) so the torch
# backend's tests run; `make TORCH=` skips it (those tests then skip)
TORCH  ?= torch==2.13.0

.PHONY: demo test bench docs-check clean

$(BIN)/roofline-conv: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(if $(TORCH),$(BIN)/python -m pip install -q $(TORCH))
	$(BIN)/python -m pip install -q -e ".[test,measure,dask]"
	@touch $@

## demo: install, then run the main job (the seed study end to end)
demo: $(BIN)/roofline-conv
	$(BIN)/roofline-conv study

## test: install with test dependencies, then run the whole test suite
test: $(BIN)/roofline-conv
	$(BIN)/python -m pytest

## bench: run the benchmarks with timing enabled
bench: $(BIN)/roofline-conv
	$(BIN)/python -m pytest benchmarks --benchmark-enable -p no:randomly -s

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .hypothesis
