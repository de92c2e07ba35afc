# The two commands of the README. Each creates the virtual environment when missing.
#   make demo   load the bundled sample data into calmline.duckdb, fit the models, serve the dashboard
#               (on port 8050; another with PORT=8060)
#   make test   run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
DB ?= calmline.duckdb
PORT ?= 8050

.PHONY: demo test browser java clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,spark]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/calmline demo --db $(DB) --port $(PORT)

test: $(VENV)/.installed browser java
	$(PY) -m pytest

# Browser tests drive Debian's Chromium through its chromedriver (nothing is downloaded by the tests).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

# The Spark tests run the ETL on local Apache Spark, which needs Java 17 (Debian's, installed when absent).
java:
	@command -v java >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }

clean:
	rm -rf $(VENV) $(DB) .pytest_cache
