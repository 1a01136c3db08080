# `make run` sets up and starts the bot (the console when TELEGRAM_BOT_TOKEN is unset);
# `make test` sets up and runs the whole suite (lint, types, knowledge check, tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed

.PHONY: run test lint bench eval clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m compileall -q src  # an editable install leaves no bytecode: cold starts compile
	touch $(INSTALLED)

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_INSTALLED)

run: $(INSTALLED)
	$(PY) bot.py

lint: $(INSTALLED)
	$(VENV)/bin/ruff check src tests bot.py $(wildcard benchmarks)
	$(VENV)/bin/mypy

test: $(INSTALLED) $(NODE_INSTALLED) lint
	$(PY) -m meetbot check
	$(VENV)/bin/pytest -q -p no:cacheprovider

eval: $(INSTALLED)
	$(PY) -m meetbot eval tests/questions.yaml tests/questions_holdout.yaml tests/questions_ru.yaml \
		--sweep
	$(PY) -m meetbot eval tests/questions_chat.yaml --split dev --sweep
	$(PY) -m meetbot eval tests/questions_chat.yaml --split test
	$(PY) -m meetbot eval tests/questions_chat2.yaml

bench: $(INSTALLED)
	$(PY) -m compileall -q src benchmarks  # both sides of the comparison start from bytecode
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache
