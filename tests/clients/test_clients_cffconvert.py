"""cffconvert 2.0.0 (its own venv: it pins jsonschema<4; tests/clients/requirements-cffconvert.txt) validates
CITATION.cff and turns it into the BibTeX, APA and Zenodo records citation tools use. Expectations come from
schemas/package.yaml and CHANGELOG.md through scripts/citation.py's inputs, never from cffconvert's output."""
from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from scripts.citation import main as citation_main
from scripts.package import main as package_main
from tests.clients.conftest import run_console_script, venv_python
from tests.conftest import ROOT
from tests.release_tree import copy_release_tree, replace_in

CFF = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
AUTHOR = CFF["authors"][0]["name"]


def cffconvert_runs(path, output_formats: list[str]) -> dict[str, subprocess.CompletedProcess]:
    """cffconvert's --validate of path and its conversion to each format, by name ("validate" for the first), every
    run in one cffconvert process (its start-up costs more than a run)."""
    names = ["validate", *output_formats]
    runs = [["--validate", "-i", path], *[["-i", path, "-f", output_format] for output_format in output_formats]]
    return dict(zip(names, run_console_script("cffconvert", "cffconvert", runs, ROOT)))


def converted(runs: dict[str, subprocess.CompletedProcess], output_format: str) -> str:
    result = runs[output_format]
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def cffconvert_installed() -> None:
    """Asked first, so that a missing cffconvert skips (or fails, in CI) before a copy is built for it."""
    venv_python("cffconvert")


@pytest.fixture(scope="session")
def citation_runs() -> dict[str, subprocess.CompletedProcess]:
    return cffconvert_runs(ROOT / "CITATION.cff", ["bibtex", "apalike", "zenodo"])


def test_cffconvert_validates_the_citation(citation_runs):
    result = citation_runs["validate"]
    assert result.returncode == 0 and "valid" in result.stdout, result.stdout + result.stderr


def test_bibtex_apa_and_zenodo_carry_the_dataset_s_metadata(citation_runs):
    year = CFF["date-released"][:4]
    bibtex = converted(citation_runs, "bibtex")
    assert bibtex.startswith("@misc{") and f"title = {{{CFF['title']}}}" in bibtex and f"year = {{{year}}}" in bibtex
    # cffconvert writes an entity's name as it is: BibTeX then reads "Dataset curation team" as a person named
    # "team, Dataset curation". It has no option to brace it; the README's own BibTeX entry (scripts/citation.py)
    # braces it. Bracing it in CITATION.cff would put braces in the APA and Zenodo records, so it is left there.
    assert f"author = {{{AUTHOR}}}" in bibtex
    assert "url = " not in bibtex  # the dataset has no public address yet (schemas/package.yaml says where it goes)
    apa = converted(citation_runs, "apalike")
    assert apa.strip() == f"{AUTHOR} ({year}). {CFF['title']} (version {CFF['version']})."
    zenodo = json.loads(converted(citation_runs, "zenodo"))
    assert zenodo["creators"] == [{"name": AUTHOR}]
    assert (zenodo["title"], zenodo["version"], zenodo["publication_date"]) == (CFF["title"], CFF["version"],
                                                                               CFF["date-released"])
    assert zenodo["license"] == {"id": CFF["license"]} and zenodo["keywords"] == CFF["keywords"]
    assert zenodo["description"] == CFF["abstract"]


def test_a_public_address_once_set_reaches_every_output(cffconvert_installed, tmp_path):
    """The documented place: homepage and repository in schemas/package.yaml become url and repository-code.
    (example.org is a reserved test address; the real package sets none until one exists.)"""
    package = copy_release_tree(tmp_path / "p")
    version = next(line for line in (package / "schemas" / "package.yaml").read_text(encoding="utf-8").splitlines()
                   if line.startswith("version: "))
    replace_in(package / "schemas" / "package.yaml", f"{version}\n",
               f"{version}\nhomepage: https://example.org/dataset\nrepository: https://example.org/dataset.git\n")
    assert package_main(["--root", str(package)]) == 0  # datapackage.json follows package.yaml: the check passes
    assert citation_main(["--root", str(package)]) == 0  # its `python -m` smoke test is in tests/test_citation.py
    cff = yaml.safe_load((package / "CITATION.cff").read_text(encoding="utf-8"))
    assert (cff["url"], cff["repository-code"]) == ("https://example.org/dataset", "https://example.org/dataset.git")
    runs = cffconvert_runs(package / "CITATION.cff", ["bibtex", "apalike"])  # its own run, on its own copy
    assert runs["validate"].returncode == 0
    assert "url = {https://example.org/dataset}" in converted(runs, "bibtex")
    assert "https://example.org/dataset" in converted(runs, "apalike")
