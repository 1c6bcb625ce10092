# Every target that runs project code first makes sure .venv exists and is not older than requirements.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8001
HOST ?= 127.0.0.1

.PHONY: check test serve build sentences package docs dist bench loadtest clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# Regenerate the derived files (sentences from seeds, datapackage.json from schemas/).
sentences: $(STAMP)
	$(PY) -m scripts.sentences

package: $(STAMP)
	$(PY) -m scripts.package

check: $(STAMP)
	$(PY) -m scripts.check datapackage.json

test: $(STAMP)
	$(PY) -m pytest -q tests

serve: check
	@echo "The SQLite build and Datasette come in the next release; the package above is checked and valid."

clean:
	rm -rf build dist .pytest_cache
