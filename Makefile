# `make demo`, `make run` and `make test` each set up what they need first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo run test test-fast test-slow test-lowest extract clean

demo: $(STAMP)
	$(BIN)/wheelbot demo

run: $(STAMP)
	$(BIN)/wheelbot run

# The slow tests (real processes against a slow fake Bot API) mostly wait, the fast ones mostly
# compute, in one process per core (pytest-xdist, at most four: each starts its own bots): side
# by side they take the time of the fast ones alone. Each prints when it is done
# (--output-sync), so their dots do not mix.
test: $(STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy
	$(MAKE) --no-print-directory -j2 --output-sync=target test-fast test-slow

WORKERS := -n auto --maxprocesses 4

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow" $(WORKERS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m slow

# The fast tests (not `slow`) at the lowest version of each dependency that pyproject.toml allows
# (tests/support/lowest.py writes the pins), in a virtualenv of their own, made anew each time.
# Needs PyPI: the old versions are not in .venv. .ci/run runs it after `make test`.
LOWEST := .venv-lowest
test-lowest:
	$(PYTHON) -m venv --clear $(LOWEST)
	$(PYTHON) -m tests.support.lowest > $(LOWEST)/lowest.txt
	$(LOWEST)/bin/python -m pip install --quiet -c $(LOWEST)/lowest.txt -e '.[webhooks]' \
		pytest pytest-asyncio pytest-xdist
	$(LOWEST)/bin/python -m pip freeze --exclude-editable
	$(LOWEST)/bin/python -m pytest -q -m "not slow" $(WORKERS)

# The set-up is the one step that needs a package index (PyPI): it installs the versions of
# constraints.txt, so that the tests, the linters and the type checker see what a deploy gets.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# After changing user-facing strings: refresh the template and both catalogs, then translate.
extract: $(STAMP)
	$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-by-file --omit-header --width 99 \
		-o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete \
		--width 99
	$(BIN)/python -m bot.i18n.catalog_tools fill-english locales/en/LC_MESSAGES/messages.po

clean:
	rm -rf $(VENV) $(LOWEST)
