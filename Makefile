# The two commands of the README. Each creates the virtual environment when missing.
#   make demo   load the bundled sample data into calmline.duckdb, fit the models, serve the dashboard
#   make test   run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
DB ?= calmline.duckdb

.PHONY: demo test clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/calmline demo --db $(DB)

test: $(VENV)/.installed
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(DB) .pytest_cache
