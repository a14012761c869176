# `make demo`, `make run` and `make test` each set up what they need first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo run test extract clean

demo: $(STAMP)
	$(BIN)/wheelbot demo

run: $(STAMP)
	$(BIN)/wheelbot run

test: $(STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# After changing user-facing strings: refresh the template and both catalogs, then translate.
extract: $(STAMP)
	$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-by-file --omit-header --width 99 \
		-o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete \
		--width 99
	$(BIN)/python -m bot.i18n.catalog_tools fill-english locales/en/LC_MESSAGES/messages.po

clean:
	rm -rf $(VENV)
