# Every target creates .venv when missing. Python 3.11 is expected as python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACK ?= sample_evidence/northfield_academy/docs
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test check install bench eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch first, from the pinned release, so nothing pulls CUDA.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The main job: the review UI on the bundled sample pack (PACK=path to use another).
run: $(STAMP)
	$(BIN)/triage review $(PACK)

## The test suite; exit code 5 (no tests collected) counts as failure.
test: $(STAMP)
	$(BIN)/python -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests ran" >&2; exit 1; fi; exit $$rc

check: test
	$(BIN)/ruff check triage tui criteria_index tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

eval: $(STAMP)
	$(BIN)/triage eval ../shared/eval/packs/hollins_park_school

clean:
	rm -rf $(VENV)
