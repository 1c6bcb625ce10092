"""docs/codebook.md: generated from schemas/ and data/, complete (every table and field), and kept up to date."""
from __future__ import annotations

import json
import re

import pytest

from scripts.codebook import CODEBOOK, render
from scripts.codebook import main as codebook_main
from scripts.package import main as package_main
from scripts.schemas import load_spec
from tests.conftest import ROOT, assert_runs_as_a_module, copy_package, read_csv, run_main, write_csv

SPEC = load_spec(ROOT)
BOOK = (ROOT / CODEBOOK).read_text(encoding="utf-8")


def section(book: str, table: str) -> str:
    match = re.search(rf"^## {table}\n(.*?)(?=^## |\Z)", book, re.MULTILINE | re.DOTALL)
    assert match, f"no section for {table}"
    return match.group(1)


def field_row(text: str, field: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"| `{field}`<br>"))


def test_committed_codebook_is_what_the_generator_writes():
    assert BOOK == render(ROOT)
    assert run_main(codebook_main, "--check").returncode == 0


@pytest.mark.parametrize("table", SPEC.tables, ids=lambda t: t.name)
def test_every_table_has_its_row_key_and_count(table):
    text = section(BOOK, table.name)
    _, rows = read_csv(ROOT / table.data_path)
    assert table.description in text
    assert f"- Rows: {len(rows)}\n" in text
    assert "- Primary key: " + ", ".join(f"`{k}`" for k in table.primary_key) in text
    for fk in table.foreign_keys:
        ref = fk["reference"]
        assert f"`{fk['fields']}` → [{ref['resource']}](#{ref['resource']}).`{ref['fields']}`" in text
    overview = next(line for line in BOOK.splitlines() if line.startswith(f"| [{table.name}](#{table.name}) |"))
    assert overview.endswith(f"| {len(rows)} |")


@pytest.mark.parametrize("table", SPEC.tables, ids=lambda t: t.name)
def test_every_field_has_type_constraints_description_and_an_example_from_the_data(table):
    text = section(BOOK, table.name)
    _, rows = read_csv(ROOT / table.data_path)
    for f in table.fields:
        row = field_row(text, f.name)
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
        assert cells[1] == f.type and cells[2] == ("yes" if f.required else "no"), row
        assert cells[4] == " ".join(f.description.split()).replace("|", "\\|"), row
        for value in f.enum or []:
            assert f"`{value}`" in cells[3], (f.name, value)
        first = next((r[f.name] for r in rows if r[f.name]), None)
        if first is None:
            assert cells[5] == "(always empty)"
        else:
            shown = cells[5].strip("`")
            whole_or_cut = shown == first or (shown.endswith("…") and first.startswith(shown[:-1]))
            assert shown and whole_or_cut, (f.name, cells[5], first)


def test_allowed_values_are_counted_in_the_data():
    text = section(BOOK, "events")
    _, rows = read_csv(ROOT / "data" / "events.csv")
    for status in SPEC.table("events").field("status").enum:
        count = sum(r["status"] == status for r in rows)
        assert re.search(rf"^- `status`: .*`{status}` {count}\b", text, re.MULTILINE)


def test_rules_between_fields_are_stated():
    assert "exactly one of `speaker_person_id`, `speaker_organization_id` is filled" in section(BOOK, "quotes")
    assert "`date_end` requires `date_start`" in section(BOOK, "events")


def test_readme_links_the_codebook():
    assert "](docs/codebook.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_changed_schema_or_row_count_makes_the_committed_codebook_stale(tmp_path):
    package = copy_package(tmp_path / "p")
    (package / "docs").mkdir()
    (package / CODEBOOK).write_text(BOOK, encoding="utf-8")
    assert run_main(codebook_main, "--root", str(package), "--check").returncode == 0

    schema_file = package / "schemas" / "parties.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["properties"]["name"]["description"] = "A description changed in the JSON Schema only."
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    header, rows = read_csv(package / "data" / "source_notes.csv")
    write_csv(package / "data" / "source_notes.csv", header, rows[1:])
    pointers_header, pointers = read_csv(package / "data" / "source_note_rows.csv")  # its rows go with it
    write_csv(package / "data" / "source_note_rows.csv", pointers_header,
              [row for row in pointers if row["note_id"] != rows[0]["note_id"]])
    assert package_main(["--root", str(package)]) == 0  # the descriptor follows the schema: the package stays valid

    result = run_main(codebook_main, "--root", str(package), "--check")
    assert result.returncode == 1 and "codebook.md: differs" in result.stderr
    assert run_main(codebook_main, "--root", str(package)).returncode == 0
    book = (package / CODEBOOK).read_text(encoding="utf-8")
    assert "A description changed in the JSON Schema only." in section(book, "parties")
    assert f"- Rows: {len(rows) - 1}\n" in section(book, "source_notes")


@pytest.mark.parametrize("vocabulary", ["cameo_codes", "plover_categories"])
def test_vocabularies_list_every_code_with_its_label(vocabulary):
    text = section(BOOK, vocabulary)
    key = SPEC.table(vocabulary).primary_key[0]
    _, rows = read_csv(ROOT / SPEC.table(vocabulary).data_path)
    for row in rows:
        assert f"| `{row[key]}` | {row['label']} |" in text


def test_python_m_scripts_codebook_starts():
    assert_runs_as_a_module("scripts.codebook")  # the suite's one `python -m scripts.codebook`
