"""The schemas and the descriptor: one source (schemas/), the rest generated, and the official validator."""
import json
import shutil
import subprocess
from pathlib import Path

from jsonschema import Draft202012Validator

from scripts.package import build_descriptor, render
from scripts.package import main as package_main
from scripts.schemas import PROVENANCE_FIELDS, load_spec, table_schema
from tests.conftest import ROOT, copy_package

GUIDE_TABLES = {"sources", "sentences", "persons", "parties", "organizations", "roles", "delegations",
                "delegation_members", "events", "event_participants", "quotes", "source_notes"}


def test_committed_datapackage_is_what_the_generator_writes():
    assert (ROOT / "datapackage.json").read_text(encoding="utf-8") == render(build_descriptor(ROOT))


def test_generator_reports_drift(tmp_path):
    package = copy_package(tmp_path / "p")
    schema_file = package / "schemas" / "parties.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["properties"]["name"]["description"] = "changed in the JSON Schema only"
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    assert package_main(["--root", str(package), "--check"]) == 1
    assert package_main(["--root", str(package)]) == 0
    assert package_main(["--root", str(package), "--check"]) == 0
    assert "changed in the JSON Schema only" in (package / "datapackage.json").read_text(encoding="utf-8")


def test_every_guide_table_has_a_valid_json_schema_with_described_fields():
    spec = load_spec(ROOT)
    assert GUIDE_TABLES <= {t.name for t in spec.tables}
    for table in spec.tables:
        Draft202012Validator.check_schema(table.json_schema)
        for f in table.fields:
            assert f.title and f.description, f"{table.name}.{f.name} lacks a title or description"
        # sources and sentences are their own evidence, the vocabularies are not from the seed, entities are
        # corpus-level (their spans are mentions) and source_note_rows only links a note to rows
        if table.name not in {"sources", "sentences", "cameo_codes", "plover_categories", "persons", "organizations",
                              "parties", "places", "source_note_rows"}:
            assert table.has_evidence, table.name
            assert table.field_names[-len(PROVENANCE_FIELDS):] == list(PROVENANCE_FIELDS)


def test_rules_between_fields_live_in_the_json_schemas():
    spec = load_spec(ROOT)
    quotes = spec.table("quotes").json_schema
    assert quotes["oneOf"] == [{"required": ["speaker_person_id"]}, {"required": ["speaker_organization_id"]}]
    assert spec.table("events").json_schema["dependentRequired"] == {"date_end": ["date_start"]}


def test_table_schema_carries_keys_and_self_reference_in_v2_syntax():
    quotes = table_schema(load_spec(ROOT).table("quotes"))
    assert quotes["$schema"] == "https://datapackage.org/profiles/2.0/tableschema.json"
    assert quotes["primaryKey"] == ["quote_id"]
    # Table Schema v2: keys are arrays, and a self-reference omits 'resource' (v1 spelled it "").
    assert {"fields": ["responds_to_quote_id"], "reference": {"fields": ["quote_id"]}} in quotes["foreignKeys"]
    assert {"fields": ["speaker_person_id"], "reference": {"resource": "persons", "fields": ["person_id"]}} \
        in quotes["foreignKeys"]
    members = table_schema(load_spec(ROOT).table("delegation_members"))
    assert members["primaryKey"] == ["delegation_id", "person_id"]


def test_descriptor_is_data_package_v2_with_explicit_dialects():
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert "profile" not in descriptor  # v2 replaced it by $schema; Tabular Data Package is gone
    assert all("roles" in c and "role" not in c for c in descriptor["contributors"])
    for resource in descriptor["resources"]:
        assert resource["$schema"] == "https://datapackage.org/profiles/2.0/dataresource.json"
        assert resource["type"] == "table" and "profile" not in resource
        dialect = resource["dialect"]
        assert (dialect["delimiter"], dialect["quoteChar"], dialect["lineTerminator"], dialect["header"],
                dialect["doubleQuote"]) == (",", '"', "\n", True, True)
    published = next(f for f in descriptor["resources"][0]["schema"]["fields"] if f["name"] == "published")
    # v1's default datetime format needs a 'Z'; the seed gives no offset, so the format is explicit.
    assert (published["type"], published["format"]) == ("datetime", "%Y-%m-%dT%H:%M:%S")


def test_the_check_refuses_a_dialect_the_csvs_are_not_written_in(tmp_path):
    from scripts.check import main as check_main
    from tests.conftest import run_main

    package = copy_package(tmp_path / "p")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in descriptor["resources"] if r["name"] == "parties")["dialect"]["delimiter"] = ";"
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = run_main(check_main, str(package / "datapackage.json"))
    assert result.returncode == 1
    assert "datapackage.json: [parties] refused-property: dialect delimiter ';' is refused" in result.stdout


def test_package_metadata_for_citation():
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    for key in ("name", "title", "description", "version", "created", "licenses", "sources", "contributors"):
        assert descriptor.get(key), key
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert any("publisher" in license.get("title", "") for license in descriptor["licenses"])


def test_official_frictionless_validate_accepts_the_package():
    frictionless = Path(shutil.which("frictionless") or Path(__import__("sys").executable).parent / "frictionless")
    result = subprocess.run([str(frictionless), "validate", "--json", "datapackage.json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert report["valid"] is True, result.stdout[:2000]
    assert len(report["tasks"]) == len(load_spec(ROOT).tables)


def _profile_errors(version: str) -> list:
    from jsonschema import Draft7Validator, FormatChecker

    profile = json.loads((ROOT / "tests" / "fixtures" / f"datapackage-profile-{version}.json").read_text(encoding="utf-8"))
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    return list(Draft7Validator(profile, format_checker=FormatChecker()).iter_errors(descriptor))


def test_descriptor_is_valid_under_the_data_package_v2_profile():
    assert [error.message for error in _profile_errors("2.0")] == []


def test_under_the_v1_profile_only_the_v2_self_reference_differs():
    """Where v1 and v2 disagree the package follows v2: a self-reference omits 'resource' (v1 required it, as "").
    Nothing else breaks the v1 profile; the v1 libraries in tests/clients resolve the self-reference anyway."""
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    self_references = [(index, position) for index, resource in enumerate(descriptor["resources"])
                       for position, fk in enumerate(resource["schema"].get("foreignKeys", []))
                       if "resource" not in fk["reference"]]
    assert self_references
    assert sorted((error.absolute_path[1], error.absolute_path[4]) for error in _profile_errors("1.0")) == self_references
