# Every target that runs project code first makes sure .venv exists and is not older than requirements.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8001
HOST ?= 127.0.0.1
WORKERS ?= 2

# Python keeps the modules it compiles (__pycache__/, ignored by git), where a machine sets PYTHONDONTWRITEBYTECODE:
# otherwise every test worker, script and server worker compiles the project's modules again (6-9 s of make test).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: check test test-fast serve build sentences package docs dist export screenshots bench loadtest loadtest-layers clean

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

# The whole suite: lint, then every test on both cores (pytest-xdist). No test measures the machine: the load test
# and the benchmarks that do are `make loadtest` and `make bench`.
test: $(STAMP)
	$(PY) -m ruff check scripts tests datasette
	$(PY) -m pytest -q -n 2 --dist worksteal tests

# The quick loop while editing: no real browser, no third-party clients, no multi-megabyte hostile inputs.
test-fast: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist worksteal -m "not browser and not clients and not slow" tests

# --- Datasette (issue 4): build/<package name>.db and the server
# build runs the check itself (beside the build, on the second core) and refuses an invalid package.
build: $(STAMP)
	$(PY) -m scripts.build_sqlite

# Two uvicorn workers, response cache, gzip, security headers (scripts/datasette_app.py). The Dockerfile runs the
# same command line (tests/test_response_cache.py compares them).
serve: build
	$(PY) -m scripts.datasette_app --host $(HOST) --port $(PORT) --workers $(WORKERS)

# --- Citable release (issue 5): codebook and pictures, release bundle
docs: $(STAMP)
	$(PY) -m scripts.citation
	$(PY) -m scripts.codebook
	$(PY) -m scripts.charts

dist: build
	$(PY) -m scripts.dist

# --- Exports (issue 13): build/exports/ (W3C Web Annotations, brat standoff, Popolo JSON) of the checked database
export: build
	$(PY) -m scripts.export

# The README's screenshots: the browser tests (real Chromium on the real server) write them to docs/screenshots/
screenshots: $(STAMP)
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q tests/test_browser.py

# --- Hardening and scale (issues 6 and 7)
# 5,000 requests at concurrency 50 against the `make serve` server and against plain `datasette serve -i` of the same
# database; figures and their ratio recorded in docs/reliability.md. loadtest-layers: what each layer buys.
loadtest: build
	$(PY) -m scripts.loadtest --requests 5000 --concurrency 50 --record

loadtest-layers: build
	$(PY) -m scripts.loadtest --layers --requests 3000 --concurrency 50 --record

bench: $(STAMP)
	$(PY) -m scripts.bench $(if $(BENCH_SIZES),--sizes $(BENCH_SIZES)) $(if $(BENCH_RUNS),--runs $(BENCH_RUNS))

clean:
	rm -rf build dist .pytest_cache
