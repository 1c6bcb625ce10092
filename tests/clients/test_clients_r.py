"""R (Debian's r-base-core, r-cran-jsonlite, r-cran-readr): the README's R snippet, run as a reader would paste it,
reads every table with the Table Schema's types; r_checks.R, appended to it, reports what it read."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.clients.conftest import CAMEO_WITH_LEADING_ZERO, CLIENTS_DIR, csv_rows, descriptor, require, row_counts, run
from tests.conftest import ROOT

R_SNIPPETS = re.findall(r"^```r\n(.*?)^```$", (ROOT / "README.md").read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
R_CLASSES = {"string": "character", "integer": "integer", "number": "numeric", "boolean": "logical", "date": "Date",
             "datetime": "POSIXct"}


@pytest.fixture(scope="module")
def r_report(client_package, tmp_path_factory):
    require(shutil.which("Rscript") is not None, "Rscript is not installed (Debian: r-base-core r-cran-jsonlite r-cran-readr)")
    assert len(R_SNIPPETS) == 1, "the README has one R snippet"
    script = tmp_path_factory.mktemp("r") / "readme_snippet_and_checks.R"
    script.write_text(R_SNIPPETS[0] + "\n" + (CLIENTS_DIR / "r_checks.R").read_text(encoding="utf-8"), encoding="utf-8")
    result = run(["Rscript", script], client_package, timeout=300)
    if result.returncode != 0:  # asked only now, so a passing run starts R once: is it a library R lacks (a skip)?
        libraries = run(["Rscript", "-e", "library(jsonlite); library(readr)"], client_package)
        require(libraries.returncode == 0, f"R lacks jsonlite or readr: {libraries.stderr.strip()[-300:]}")
    assert result.returncode == 0, result.stderr[-3000:]
    printed, _, report = result.stdout.rstrip().rpartition("\n")
    assert "occurred" in printed  # the snippet's own output: the events by status
    return json.loads(report)


def test_r_snippet_reads_every_table_with_the_table_schema_types(r_report):
    assert r_report["rows"] == row_counts()
    assert set(r_report["parse_problems"].values()) == {0}
    for resource in descriptor()["resources"]:
        expected = {f["name"]: R_CLASSES[f["type"]] for f in resource["schema"]["fields"]}
        assert r_report["classes"][resource["name"]] == expected, resource["name"]


def test_r_snippet_keeps_codes_and_types_values(r_report):
    assert r_report["cameo_first"] == CAMEO_WITH_LEADING_ZERO
    assert r_report["sizes"] == {r["delegation_id"]: int(r["stated_size"]) if r["stated_size"] else None
                                 for r in csv_rows("delegations")}
    assert r_report["latitudes"] == {r["place_id"]: float(r["latitude"]) if r["latitude"] else None
                                     for r in csv_rows("places")}  # a number column is numeric; empty is NA
    assert r_report["roles_resolved"] == len(csv_rows("roles"))  # every role's person_id joins a person
    assert r_report["published"] == csv_rows("sources")[0]["published"]
