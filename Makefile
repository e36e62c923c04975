# Two commands for a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The linter, formatter and type checker CI runs (make lint, make typecheck); pinned, as a
# newer formatter may restyle the tree.
DEV_TOOLS := ruff==0.17.6 mypy==2.4.1

.PHONY: run test test-fast lint typecheck evaluate update-scores models bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]' $(DEV_TOOLS)
	touch $(STAMP)

## the main job: the shipped corpus into outputs/govcase.db, tables and charts into outputs/
run: $(STAMP)
	$(BIN)/govcase run corpus/reports --db outputs/govcase.db --out outputs

## the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest -q

## the tests without a browser and without the slow ones: the loop while developing
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser and not slow"

## ruff's rules and its formatter, over the whole tree (config in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## mypy, strict on the modules listed in pyproject.toml [tool.mypy]
typecheck: $(STAMP)
	$(BIN)/mypy

## accept today's gold scores as the ratchet (tests/expected_scores.json); say why in the commit
update-scores: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_score_ratchet.py --update-scores

## rebuild the shipped models from the gold (the heading classifier also learns from the page fixtures;
## the relevance model from the reports and corpus/relevance), in dependency order: the heading model reads
## the title model's headline, and the relevance model every extractor's output, so it comes last)
models: $(STAMP)
	$(BIN)/govcase train --model themes --gold corpus/gold --gold tests/fixtures/reports \
		--corpus corpus/reports --corpus tests/fixtures/reports
	$(BIN)/govcase train --model titles --gold corpus/gold --gold tests/fixtures/reports \
		--gold tests/fixtures/pages --corpus corpus/reports --corpus tests/fixtures/reports \
		--corpus tests/fixtures/pages --relevance corpus/relevance
	$(BIN)/govcase train --model headings --gold corpus/gold --gold tests/fixtures/reports \
		--gold tests/fixtures/pages --corpus corpus/reports --corpus tests/fixtures/reports \
		--corpus tests/fixtures/pages
	$(BIN)/govcase train --model mechanisms --gold corpus/gold --gold tests/fixtures/reports \
		--gold tests/fixtures/pages --corpus corpus/reports --corpus tests/fixtures/reports \
		--corpus tests/fixtures/pages --relevance corpus/relevance
	$(BIN)/govcase train --model relevance --corpus corpus/reports --corpus tests/fixtures/reports \
		--relevance corpus/relevance

evaluate: $(STAMP)
	$(BIN)/govcase evaluate --gold corpus/gold --db outputs/govcase.db

clean:
	rm -rf outputs/*.db* outputs/*.xlsx outputs/*.csv outputs/*.md outputs/*.png outputs/*.svg outputs/export
