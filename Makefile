# The two commands: `make run` and `make test`. Both set up everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Test processes: one per core by default (each starts its own servers); TEST_PROCESSES=0 runs them in one.
TEST_PROCESSES ?= auto
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check bench model browser clean messages language

$(STAMP): pyproject.toml
	@# Debian and Ubuntu ship venv separately from python3: fetch it if this Python lacks it.
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq "python3-venv" >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Start Engage: embedded PostgreSQL, Valkey and mail catcher, web, worker, demo data.
run: $(STAMP)
	$(BIN)/engage run

## Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

## The whole test suite, with lint and type checks first.
test: $(STAMP) browser check
	$(BIN)/pytest -q -n $(TEST_PROCESSES) --dist loadfile

## The fast checks, also run by pre-commit (pre-commit install): style, layering, types.
check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check engage nlp tests bench
	$(BIN)/ruff format --check engage nlp tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/tagging.py
	$(BIN)/python bench/redaction.py

## Retrain the shipped models, one per built-in framework, from nlp/data/ (commit the result: it is what a fresh
## install tags with). All four learn from the same texts, so they share one feature space and a tagger holding
## several computes the features once.
FRAMEWORKS := lambeth-what-matters lambeth-what-matters-detailed lambeth-outcomes lambeth-together-outcomes
CORPUS := nlp/data/lambeth-what-matters
model: $(STAMP)
	@for framework in $(FRAMEWORKS); do \
		echo "== $$framework"; \
		$(BIN)/engage nlp train --framework nlp/frameworks/$$framework.json \
			--train $(CORPUS)/train.jsonl --train $(CORPUS)/safeguarding-extra.jsonl --train $(CORPUS)/voices.jsonl \
			--dev $(CORPUS)/dev.jsonl \
			--out nlp/models/$$framework || exit 1; \
	done

## Find every message citizens read (templates, code, theme names) and bring each catalogue up to date; then
## translate what is new in engage/locale/*/LC_MESSAGES/messages.po (the test suite fails until every one is).
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F engage/locale/mapping.cfg --no-location --sort-output -w 120 -c Translators: \
		--project Engage --msgid-bugs-address "" -o engage/locale/messages.pot .
	$(BIN)/pybabel -q update -i engage/locale/messages.pot -d engage/locale -w 120 --no-fuzzy-matching --ignore-obsolete

## A new language: make language CODE=so (or CODE=pt LOCALE=pt_PT for a regional variant), then translate it.
language: $(STAMP)
	$(BIN)/pybabel init -i engage/locale/messages.pot -l $(or $(LOCALE),$(CODE)) \
		-o engage/locale/$(CODE)/LC_MESSAGES/messages.po

clean:
	rm -rf $(VENV) .engage .pytest_cache .mypy_cache .ruff_cache
