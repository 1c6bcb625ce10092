"""The README's loading snippets work: every ```python block is run, as a reader would paste it, in a copy of the
package beside its SQLite build (the ```r block is run by tests/clients/test_clients_r.py, with Debian's R); and
the README's warning about codes read as numbers is true."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from scripts.build_sqlite import package_name
from tests.conftest import ROOT, copy_package, read_csv

README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_SNIPPETS = re.findall(r"^```python\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)
R_SNIPPETS = re.findall(r"^```r\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)


def snippet_id(snippet: str) -> str:
    """The tool a snippet shows: the last module it imports (after the standard ones such as json)."""
    imported = re.findall(r"^(?:import|from) (\w+)", snippet, re.MULTILINE)
    return imported[-1] if imported else snippet.splitlines()[0][:30]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, built_db):
    """A copy of the package with the session's database of it where `make build` puts it."""
    package = copy_package(tmp_path_factory.mktemp("snippets") / "package")
    (package / "build").mkdir()
    shutil.copy(built_db, package / "build" / f"{package_name(ROOT)}.db")
    return package


@pytest.fixture(scope="module")
def data_values():
    values = set()
    for path in (ROOT / "data").glob("*.csv"):
        _, rows = read_csv(path)
        values.update(v for row in rows for v in row.values() if len(v) >= 4)
    return values


def test_readme_loads_the_package_with_each_tool():
    imports = {snippet_id(s) for s in PYTHON_SNIPPETS}
    assert {"frictionless", "pandas", "duckdb", "sqlite3"} <= imports
    assert len(R_SNIPPETS) == 1 and "library(readr)" in R_SNIPPETS[0] and "datapackage.json" in R_SNIPPETS[0]
    assert "untested" not in README.split("## Use the data", 1)[1].split("\n## ", 1)[0]


def test_the_warning_is_true_bare_pandas_turns_cameo_codes_into_numbers(workdir):
    """The README warns that a bare read_csv spoils codes such as 010; the typed snippet keeps them."""
    assert "**Codes are text.**" in README
    script = ("import pandas as pd; print(pd.read_csv('data/cameo_codes.csv')['cameo_code'].iloc[0]); "
              "print(pd.read_csv('data/cameo_codes.csv', dtype=str)['cameo_code'].iloc[0])")
    result = subprocess.run([sys.executable, "-c", script], cwd=workdir, capture_output=True, text=True, timeout=120)
    first_code = read_csv(ROOT / "data" / "cameo_codes.csv")[1][0]["cameo_code"]
    assert first_code.startswith("0")
    assert result.stdout.split() == [str(int(first_code)), first_code]


@pytest.mark.parametrize("snippet", PYTHON_SNIPPETS, ids=snippet_id)
def test_python_snippet_runs_and_prints_the_data(snippet, workdir, data_values):
    result = subprocess.run([sys.executable, "-c", snippet], cwd=workdir, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert any(value in result.stdout for value in data_values), result.stdout
