"""The README's loading snippets work: every ```python block is run, as a reader would paste it, in a copy of the
package beside its SQLite build; the R one is checked to be there (no R here to run it)."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from scripts.build_sqlite import build_database, package_name
from tests.conftest import ROOT, copy_package, read_csv

README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_SNIPPETS = re.findall(r"^```python\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)
R_SNIPPETS = re.findall(r"^```r\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)


def snippet_id(snippet: str) -> str:
    """The tool a snippet shows: the last module it imports (after the standard ones such as json)."""
    imported = re.findall(r"^(?:import|from) (\w+)", snippet, re.MULTILINE)
    return imported[-1] if imported else snippet.splitlines()[0][:30]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    package = copy_package(tmp_path_factory.mktemp("snippets") / "package")
    build_database(ROOT, package / "build" / f"{package_name(ROOT)}.db")
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
    assert R_SNIPPETS and 'library(frictionless)' in R_SNIPPETS[0] and 'read_package("datapackage.json")' in R_SNIPPETS[0]
    assert "untested here" in README


@pytest.mark.parametrize("snippet", PYTHON_SNIPPETS, ids=snippet_id)
def test_python_snippet_runs_and_prints_the_data(snippet, workdir, data_values):
    result = subprocess.run([sys.executable, "-c", snippet], cwd=workdir, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert any(value in result.stdout for value in data_values), result.stdout
