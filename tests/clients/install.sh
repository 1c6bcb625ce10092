#!/usr/bin/env bash
# Installs the third-party readers that tests/clients runs, each pinned and apart from the project's .venv:
#   .venv-clients/legacy      Python datapackage 1.x + tableschema 1.x   (requirements-legacy.txt)
#   .venv-clients/csvkit      csvkit                                      (requirements-csvkit.txt)
#   .venv-clients/cffconvert  cffconvert 2.0.0, which pins jsonschema<4   (requirements-cffconvert.txt)
#   tests/clients/node/node_modules  npm datapackage + tableschema       (package-lock.json, `npm ci`)
# Each is installed again only when its pin file changes (a stamp holds the file's hash), so a second run takes
# about a second. R comes from Debian (.ci/run installs r-base-core, r-cran-jsonlite, r-cran-readr); DuckDB is in
# the project's own requirements. A client that cannot be installed is said on stderr; the tests then skip it
# locally and fail in CI.
set -uo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python3}"
status=0

stamp_of() { sha256sum "$1" | cut -c1-64; }

install_venv() {  # name, requirements file
  local venv=".venv-clients/$1" requirements="$2"
  if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$(stamp_of "$requirements")" ]; then
    return 0
  fi
  echo "clients: installing $1 into $venv" >&2
  rm -rf "$venv"
  mkdir -p .venv-clients
  if "$PYTHON" -m venv "$venv" && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
      -r "$requirements" > ".venv-clients/$1.log" 2>&1; then
    stamp_of "$requirements" > "$venv/.installed"
  else
    echo "clients: could not install $1; the end of .venv-clients/$1.log:" >&2
    tail -5 ".venv-clients/$1.log" >&2
    status=1
  fi
}

install_venv legacy tests/clients/requirements-legacy.txt
install_venv csvkit tests/clients/requirements-csvkit.txt
install_venv cffconvert tests/clients/requirements-cffconvert.txt

node_dir=tests/clients/node
if command -v npm >/dev/null 2>&1; then
  if ! [ -f "$node_dir/node_modules/.installed" ] \
      || [ "$(cat "$node_dir/node_modules/.installed")" != "$(stamp_of "$node_dir/package-lock.json")" ]; then
    echo "clients: npm ci in $node_dir" >&2
    if (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
      stamp_of "$node_dir/package-lock.json" > "$node_dir/node_modules/.installed"
    else
      echo "clients: npm ci failed" >&2
      status=1
    fi
  fi
else
  echo "clients: npm is missing; the JavaScript readers cannot be installed" >&2
  status=1
fi
exit $status
