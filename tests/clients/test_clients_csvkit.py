"""csvkit (tests/clients/requirements-csvkit.txt) with its default sniffing reads every CSV with the right columns
and rows: the reason every field is quoted (an unquoted note with apostrophes made it guess a space delimiter and
a ' quote; docs/clients.md). Its type inference turns CAMEO 010 into the number 10, as the README warns; with
-I (no inference) the code stays text."""
from __future__ import annotations

import csv
import io
import subprocess

import pytest

from tests.clients.conftest import CAMEO_WITH_LEADING_ZERO, descriptor, row_counts, run, run_console_script, venv_tool

TABLES = [resource["name"] for resource in descriptor()["resources"]]
INFERRED = {"integer": "Number", "number": "Number", "boolean": "Boolean"}  # csvstat's names for the Table Schema's types
STATS_RUNS = [*[("--csv", f"data/{name}.csv") for name in TABLES], *[("--count", f"data/{name}.csv") for name in TABLES],
              ("--csv", "--no-inference", "data/cameo_codes.csv")]


@pytest.fixture(scope="module")
def csvstat():
    return venv_tool("csvkit", "csvstat")


@pytest.fixture(scope="session")
def csvstat_runs(client_package) -> dict[tuple[str, ...], subprocess.CompletedProcess]:
    """Every csvstat run the tests below read (each table's statistics and row count, cameo_codes without
    inference), made in one csvkit process for the session: csvkit's start-up costs more than a table's run."""
    return dict(zip(STATS_RUNS, run_console_script("csvkit", "csvstat", STATS_RUNS, client_package)))


def stats(csvstat_runs, name: str, *options: str) -> dict[str, dict]:
    result = csvstat_runs["--csv", *options, f"data/{name}.csv"]
    assert result.returncode == 0, result.stderr[-2000:]
    return {row["column_name"]: row for row in csv.DictReader(io.StringIO(result.stdout))}


@pytest.mark.parametrize("name", TABLES)
def test_csvstat_default_sniffing_finds_every_column_and_row(csvstat_runs, name):
    fields = next(r for r in descriptor()["resources"] if r["name"] == name)["schema"]["fields"]
    columns = stats(csvstat_runs, name)
    assert list(columns) == [f["name"] for f in fields]
    counted = csvstat_runs["--count", f"data/{name}.csv"]
    assert counted.returncode == 0 and int(counted.stdout.strip()) == row_counts()[name]
    for f in fields:  # integers and booleans inferred as such (a column left empty is Text to csvkit)
        if f["type"] in INFERRED and int(columns[f["name"]]["nonnulls"]):
            assert columns[f["name"]]["type"] == INFERRED[f["type"]], (f["name"], columns[f["name"]]["type"])


def test_csvstat_inference_spoils_cameo_codes_unless_told_not_to(csvstat_runs):
    inferred = stats(csvstat_runs, "cameo_codes")["cameo_code"]
    assert inferred["type"] == "Number" and str(int(CAMEO_WITH_LEADING_ZERO)) in inferred["freq"].split(", ")
    kept = stats(csvstat_runs, "cameo_codes", "--no-inference")["cameo_code"]
    assert kept["type"] == "Text" and CAMEO_WITH_LEADING_ZERO in kept["freq"].split(", ")


def test_evidence_without_quoting_csvstat_guesses_persons_wrong(csvstat, client_package, tmp_path):
    """Why every field is quoted: the same persons table written with minimal quoting (its notes hold
    apostrophes) is sniffed with another delimiter, and csvstat fails or finds other columns."""
    with open(client_package / "data" / "persons.csv", encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    minimal = tmp_path / "persons.csv"
    with open(minimal, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)
    result = run([csvstat, "--csv", minimal], tmp_path)
    columns = [row["column_name"] for row in csv.DictReader(io.StringIO(result.stdout))] if result.returncode == 0 else []
    assert columns != records[0], "csvstat now sniffs minimal quoting right: see docs/clients.md, quoting may be revisited"
