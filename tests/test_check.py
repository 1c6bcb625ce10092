"""The check (python -m scripts.check) on the real package and on broken copies of it: one broken copy per kind
of problem, each asserting the layer, the exact file, line and field reported, no traceback, nothing written."""
from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, line_of, read_csv, run_check, set_cell, snapshot, write_csv

SOURCE = "myind-2025-06-04-bhutto-isi-raw"


def test_real_package_is_valid():
    result = run_check(ROOT)
    assert result.returncode == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("valid: 14 tables,") and last.endswith(" 0 problems")
    for layer in "abcdef":
        assert f"({layer}) " in result.stdout


def test_json_format_carries_the_same_report():
    result = run_check(ROOT, "--format", "json")
    report = json.loads(result.stdout)
    assert report["valid"] is True and [layer["layer"] for layer in report["layers"]] == list("abcdef")
    assert report["summary"]["evidence_spans"] > 150


def _append_row(package, table, changes):
    path = package / "data" / f"{table}.csv"
    header, rows = read_csv(path)
    rows.append({**rows[-1], **changes})
    write_csv(path, header, rows)
    return len(rows) + 1


def _edit_text(package, relative, old, new, count=1):
    path = package / relative
    text = path.read_bytes().decode("utf-8")
    assert old in text
    path.write_bytes(text.replace(old, new, count).encode("utf-8"))


# Each case: (id, mutate(package) -> expected "path:line: [table.field]" prefix, layer letter)
def descriptor_unknown_type(p):
    _edit_text(p, "datapackage.json", '"type": "integer"', '"type": "integr"')
    return "datapackage.json: [sentences.position] unknown field type 'integr'", "a"


def descriptor_fk_missing_table(p):
    _edit_text(p, "datapackage.json", '"resource": "parties"', '"resource": "partys"')
    return "datapackage.json: [persons.party_id] foreign key refers to a resource 'partys'", "a"


def descriptor_schema_drift(p):
    _edit_text(p, "datapackage.json", '"title": "Other names"', '"title": "Aliases"')
    return "datapackage.json: [organizations.other_names] field differs from the JSON Schema in: title", "a"


def descriptor_missing_csv(p):
    (p / "data" / "quotes.csv").unlink()
    return "datapackage.json: [quotes] resource path 'data/quotes.csv' does not exist", "a"


def dangling_foreign_key(p):
    line = set_cell(p, "persons", "person_id", "sarfaraz-ahmad", "party_id", "jmmx")
    return f"data/persons.csv:{line}: [persons.party_id] foreign-key", "b"


def duplicate_primary_key(p):
    line = _append_row(p, "source_notes", {})
    return f"data/source_notes.csv:{line}: [source_notes.note_id] primary-key", "b"


def bad_slug(p):
    line = set_cell(p, "roles", "role_id", "marco-rubio-secretary-of-state", "person_id", "Marco_Rubio")
    return f"data/roles.csv:{line}: [roles.person_id] ", "c"


def two_speakers(p):
    line = set_cell(p, "quotes", "quote_id", "trump-us-helped-de-escalate", "speaker_organization_id", "united-states")
    return f"data/quotes.csv:{line}: [quotes.speaker_person_id|speaker_organization_id] exactly one of", "c"


def enum_violation(p):
    line = set_cell(p, "events", "event_id", "india-firm-response", "status", "happened")
    return f"data/events.csv:{line}: [events.status] 'happened' is not one of", "c"


def date_end_without_start(p):
    line = set_cell(p, "events", "event_id", "india-firm-response", "date_end", "2025-05-01")
    return f"data/events.csv:{line}: [events.date_end] date_end is set, so date_start must be set too", "c"


def impossible_date(p):
    line = set_cell(p, "events", "event_id", "india-precision-strikes", "date_start", "2025-02-30")
    return f"data/events.csv:{line}: [events.date_start] ", "c"


def edited_evidence(p):
    line = set_cell(p, "persons", "person_id", "marco-rubio", "evidence", "Secretary of State Marco Rubios")
    return f"data/persons.csv:{line}: [persons.evidence] evidence does not match seeds/000_905ae90385d1da76.txt[", "d"


def shifted_offsets(p):
    _, rows = read_csv(p / "data" / "parties.csv")
    row = next(r for r in rows if r["party_id"] == "bjp")
    line = set_cell(p, "parties", "party_id", "bjp", "evidence_start", str(int(row["evidence_start"]) + 1))
    return f"data/parties.csv:{line}: [parties.evidence] evidence does not match seeds/000_905ae90385d1da76.txt[", "d"


def offsets_past_end(p):
    line = set_cell(p, "parties", "party_id", "tdp", "evidence_end", "99999")
    return f"data/parties.csv:{line}: [parties.evidence_start] span [", "d"


def evidence_outside_sentence(p):
    line = set_cell(p, "persons", "person_id", "marco-rubio", "sentence_id", f"{SOURCE}-s014")
    return f"data/persons.csv:{line}: [persons.sentence_id] evidence starts at", "d"


def edited_sentence(p):
    line = line_of(p / "data" / "sentences.csv", "sentence_id", f"{SOURCE}-s019")
    _edit_text(p, "data/sentences.csv", "India responded firmly.", "India responded firmly!")
    return f"data/sentences.csv:{line}: [sentences.text] text does not match", "d"


def edited_seed(p):
    _edit_text(p, "seeds/000_905ae90385d1da76.txt", "responded firmly", "responded swiftly")
    return "data/sources.csv:2: [sources.sha256] seeds/000_905ae90385d1da76.txt has sha256", "d"


def seed_outside_seeds(p):
    (p / "data" / "copy.txt").write_bytes((p / "seeds" / "000_905ae90385d1da76.txt").read_bytes())
    set_cell(p, "sources", "source_id", SOURCE, "path", "data/copy.txt")
    return "data/sources.csv:2: [sources.path] seed path 'data/copy.txt' must lie inside seeds/", "d"


def name_not_in_seed(p):
    line = set_cell(p, "persons", "person_id", "donald-trump", "other_names", "Trump;The Donald")
    return f"data/persons.csv:{line}: [persons.other_names] 'The Donald' does not occur in the seed", "e"


def shared_person_name(p):
    line = set_cell(p, "persons", "person_id", "marco-rubio", "other_names", "Donald Trump")
    return f"data/persons.csv:{line}: [persons.other_names] 'Donald Trump' also names donald-trump", "e"


def two_leaders(p):
    set_cell(p, "delegation_members", "person_id", "milind-deora", "role", "leader")
    line = line_of(p / "data" / "delegations.csv", "delegation_id", "indian-delegation")
    return f"data/delegations.csv:{line}: [delegations.leader_person_id] delegation indian-delegation has 2 members with role leader", "e"


def size_below_named(p):
    line = set_cell(p, "delegations", "delegation_id", "pakistani-delegation", "stated_size", "5")
    return f"data/delegations.csv:{line}: [delegations.stated_size] stated_size 5 is less than the 6 named members", "e"


def dates_reversed(p):
    line = set_cell(p, "events", "event_id", "pakistan-attempted-strikes", "date_end", "2025-05-07")
    return f"data/events.csv:{line}: [events.date_end] date_end 2025-05-07 is before date_start 2025-05-08", "e"


def stated_date_not_in_evidence(p):
    line = set_cell(p, "events", "event_id", "indian-delegation-arrives-new-york", "date_start", "2025-05-25")
    return f"data/events.csv:{line}: [events.date_start] date_basis is stated but the evidence does not give May 25", "e"


def direct_quote_outside_evidence(p):
    line = set_cell(p, "quotes", "quote_id", "ceasefire-a-welcome-first-step", "text", "This is a welcome last step")
    return f"data/quotes.csv:{line}: [quotes.text] direct quote's text does not lie inside its evidence", "e"


def quote_responds_to_itself(p):
    line = set_cell(p, "quotes", "quote_id", "trump-us-helped-de-escalate", "responds_to_quote_id", "trump-us-helped-de-escalate")
    return f"data/quotes.csv:{line}: [quotes.responds_to_quote_id] a quote cannot respond to itself", "e"


def unused_entity(p):
    line = set_cell(p, "organizations", "organization_id", "myind", "mentioned_only", "false")
    return f"data/organizations.csv:{line}: [organizations.mentioned_only] myind is used by no other row", "e"


def bom(p):
    path = p / "data" / "roles.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return "data/roles.csv:1: [roles] file starts with a byte-order mark", "f"


def crlf(p):
    path = p / "data" / "parties.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return "data/parties.csv:1: [parties] carriage return found", "f"


def no_final_newline(p):
    path = p / "data" / "parties.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    return "data/parties.csv:6: [parties] no final newline", "f"


def renamed_column(p):
    _edit_text(p, "data/parties.csv", "party_id,name,abbreviation", "party_id,label,abbreviation")
    return "data/parties.csv:1: [parties] header must be exactly the schema's fields in order (missing name; unexpected label)", "f"


def blank_row(p):
    _edit_text(p, "data/parties.csv", "\njmm,", "\n\njmm,")
    return "data/parties.csv:3: [parties] blank row", "f"


def padded_cell(p):
    line = set_cell(p, "persons", "person_id", "tejasvi-surya", "name", "Tejasvi Surya ")
    return f"data/persons.csv:{line}: [persons.name] cell has leading or trailing whitespace", "f"


def formula_cell(p):
    line = set_cell(p, "source_notes", "note_id", "no-time-zone", "description", "=HYPERLINK(\"http://x\")")
    return f"data/source_notes.csv:{line}: [source_notes.description] cell starts with '='", "f"


def unsorted_rows(p):
    path = p / "data" / "parties.csv"
    header, rows = read_csv(path)
    write_csv(path, header, list(reversed(rows)))
    return "data/parties.csv:3: [parties.party_id] rows are not sorted by primary key", "f"


CASES = [descriptor_unknown_type, descriptor_fk_missing_table, descriptor_schema_drift, descriptor_missing_csv,
         dangling_foreign_key, duplicate_primary_key, bad_slug, two_speakers, enum_violation, date_end_without_start,
         impossible_date, edited_evidence, shifted_offsets, offsets_past_end, evidence_outside_sentence, edited_sentence,
         edited_seed, seed_outside_seeds, name_not_in_seed, shared_person_name, two_leaders, size_below_named,
         dates_reversed, stated_date_not_in_evidence, direct_quote_outside_evidence, quote_responds_to_itself,
         unused_entity, bom, crlf, no_final_newline, renamed_column, blank_row, padded_cell, formula_cell, unsorted_rows]


def problems_by_layer(text_output: str) -> dict[str, list[str]]:
    """The check's text output split into its layers' problem lines."""
    layers, current = {}, None
    for line in text_output.splitlines():
        if line.startswith("(") and ") " in line:
            current = line[1]
            layers[current] = []
        elif line.startswith("  ") and current:
            layers[current].append(line.strip())
    return layers


def check_in_process(package_dir, capsys, *args):
    from scripts.check import main
    code = main([str(package_dir / "datapackage.json"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("mutate", CASES, ids=[case.__name__ for case in CASES])
def test_broken_copy_is_reported_where_it_is_broken(package, mutate, capsys):
    expected, layer = mutate(package)
    before = snapshot(package)
    code, out, err = check_in_process(package, capsys)
    assert code == 1, out + err
    assert snapshot(package) == before, "the check wrote or changed a file"
    found = problems_by_layer(out).get(layer, [])
    assert any(line.startswith(expected) or expected in line for line in found), \
        f"expected {expected!r} in layer {layer}:\n{out}"


@pytest.mark.parametrize("content, message", [
    (None, "no such file"), (b"{not json", "is not JSON"), (b"[1, 2]", "not an object"), (b"\xff\xfe\x00garbage", "is not JSON")])
def test_unusable_descriptor_exits_2_with_a_message(tmp_path, content, message):
    target = tmp_path / "datapackage.json"
    if content is not None:
        target.write_bytes(content)
    result = run_check(tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_directory_as_descriptor_is_refused(tmp_path):
    from tests.conftest import run_module
    result = run_module("scripts.check", str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr
