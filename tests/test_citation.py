"""CITATION.cff: generated from schemas/package.yaml, valid Citation File Format 1.2.0, consistent with
datapackage.json, and quoted in the README's "How to cite"."""
from __future__ import annotations

import copy
import json
import re

import yaml
from jsonschema import Draft7Validator, FormatChecker

from scripts.citation import build_citation, readme_text, render_cff
from scripts.citation import main as citation_main
from scripts.package import main as package_main
from tests.conftest import ROOT, assert_runs_as_a_module, run_main, snapshot
from tests.release_tree import copy_release_tree, replace_in

CFF_SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "citation-file-format-1.2.0.schema.json").read_text("utf-8"))


def cff_errors(document: dict) -> list[str]:
    validator = Draft7Validator(CFF_SCHEMA, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def committed_cff() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_committed_citation_is_what_the_generator_writes():
    assert (ROOT / "CITATION.cff").read_text(encoding="utf-8") == render_cff(build_citation(ROOT))
    assert run_main(citation_main, "--check").returncode == 0


def test_citation_is_a_valid_cff_1_2_0_dataset():
    Draft7Validator.check_schema(CFF_SCHEMA)
    cff = committed_cff()
    assert cff_errors(cff) == []
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    for key in ("version", "date-released", "license", "abstract", "keywords", "authors", "title", "message"):
        assert cff.get(key), key


def test_the_schema_rejects_broken_citations():
    """The validation above can fail: each of these breaks the CFF 1.2.0 schema."""
    good = committed_cff()
    for key, value in (("license", "CC BY 4.0"), ("date-released", "28/11/2026"), ("type", "data"),
                       ("authors", []), ("keywords", "India")):
        broken = copy.deepcopy(good)
        broken[key] = value
        assert cff_errors(broken), f"{key}={value!r} passed the schema"
    broken = copy.deepcopy(good)
    del broken["authors"]
    assert any("authors" in error for error in cff_errors(broken))


def test_citation_agrees_with_datapackage():
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    cff = committed_cff()
    assert cff["title"] == descriptor["title"]
    assert cff["version"] == descriptor["version"]
    assert cff["license"] == descriptor["licenses"][0]["name"]
    assert cff["license-url"] == descriptor["licenses"][0]["path"]
    assert cff["abstract"] == " ".join(descriptor["description"].split())
    assert cff["keywords"] == descriptor["keywords"]
    authors = [c["title"] for c in descriptor["contributors"] if "creator" in c["roles"]]
    assert [a["name"] for a in cff["authors"]] == authors


def test_release_date_is_the_date_of_the_version_in_the_changelog():
    cff = committed_cff()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    heading = re.search(rf"^## \[{re.escape(cff['version'])}\] - (\d{{4}}-\d{{2}}-\d{{2}})$", changelog, re.MULTILINE)
    assert heading and cff["date-released"] == heading.group(1)


def test_generator_follows_package_yaml_and_reports_drift(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    replace_in(package / "schemas" / "package.yaml", "version: 0.2.0", "version: 0.3.0")
    assert package_main(["--root", str(package)]) == 0  # datapackage.json follows: the package stays valid
    replace_in(package / "CHANGELOG.md", "## [Unreleased]\n", "## [Unreleased]\n\n## [0.3.0] - 2027-01-02\n")
    result = run_main(citation_main, "--root", str(package), "--check")
    assert result.returncode == 1 and "CITATION.cff: differs" in result.stderr
    assert run_main(citation_main, "--root", str(package)).returncode == 0
    cff = yaml.safe_load((package / "CITATION.cff").read_text(encoding="utf-8"))
    assert (cff["version"], cff["date-released"]) == ("0.3.0", "2027-01-02")
    assert cff_errors(cff) == []
    assert run_main(citation_main, "--root", str(package), "--check").returncode == 0


def test_a_version_without_a_dated_changelog_heading_is_a_clear_error(tmp_path):
    package = copy_release_tree(tmp_path / "p")
    replace_in(package / "schemas" / "package.yaml", "version: 0.2.0", "version: 0.3.0")
    assert package_main(["--root", str(package)]) == 0  # datapackage.json follows: the package stays valid
    before = snapshot(package)
    result = run_main(citation_main, "--root", str(package))
    assert result.returncode == 2
    assert "CHANGELOG.md: no section for version 0.3.0" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(package) == before


def test_readme_how_to_cite_quotes_the_generated_citation_and_bibtex():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How to cite", 1)[1]
    assert readme_text(ROOT) in section
    bibtex = re.search(r"```bibtex\n(.*?)```", section, re.DOTALL).group(1)
    cff = committed_cff()
    assert f"title = {{{{{cff['title']}}}}}" in bibtex and f"version = {{{cff['version']}}}" in bibtex
    assert bibtex.count("{") == bibtex.count("}")


def test_python_m_scripts_citation_starts():
    assert_runs_as_a_module("scripts.citation")  # the suite's one `python -m scripts.citation`
