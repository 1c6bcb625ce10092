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

# --- Datasette (issue 4): build/<package name>.db and the server
build: check
	@echo "The SQLite build comes in the next release; the package above is checked and valid."

serve: build
	@echo "Datasette comes in the next release; the package above is checked and valid."

# --- Citable release (issue 5): codebook and pictures, release bundle
docs: $(STAMP)
	@echo "not yet"

dist: build
	@echo "not yet"

# --- Hardening and scale (issues 6 and 7)
loadtest: build
	@echo "not yet"

bench: $(STAMP)
	@echo "not yet"

clean:
	rm -rf build dist .pytest_cache
