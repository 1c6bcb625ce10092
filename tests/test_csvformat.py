"""The package's CSVs are in their one form (every field quoted, '\\n', UTF-8 without BOM: scripts/csvio.py), and
`python -m scripts.csvformat` puts a table back into it without changing a cell."""
from __future__ import annotations

import csv

from scripts.csvformat import main as csvformat_main
from tests.conftest import ROOT, read_csv, run_main, run_module, snapshot


def test_every_committed_table_is_in_the_package_s_csv_form():
    # the suite's one `python -m scripts.csvformat`; the other tests call its main in this process
    result = run_module("scripts.csvformat", "--check")
    assert result.returncode == 0, result.stderr


def test_the_formatter_rewrites_a_table_cell_for_cell(package):
    path = package / "data" / "persons.csv"
    header, rows = read_csv(path)
    with open(path, "w", encoding="utf-8", newline="") as handle:  # as another tool would write it
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    result = run_main(csvformat_main, "--root", str(package), "--check")
    assert result.returncode == 1 and "data/persons.csv: not in the package's CSV form" in result.stderr
    assert run_main(csvformat_main, "--root", str(package)).returncode == 0
    assert read_csv(path) == (header, rows)
    assert path.read_bytes() == (ROOT / "data" / "persons.csv").read_bytes()
    assert run_main(csvformat_main, "--root", str(package), "--check").returncode == 0


def test_a_table_that_is_not_well_formed_is_left_alone_with_a_message(package):
    path = package / "data" / "parties.csv"
    width = len(read_csv(path)[0])
    path.write_bytes(path.read_bytes() + b'"extra","row"\n')
    before = snapshot(package)
    result = run_main(csvformat_main, "--root", str(package))
    assert result.returncode == 2 and f"data/parties.csv: rows of [2, {width}] cells" in result.stderr
    assert "Traceback" not in result.stderr and snapshot(package) == before
