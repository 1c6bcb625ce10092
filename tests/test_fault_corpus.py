"""The fault corpus: distinct corruptions of a copy of the real package, across every layer of the check. Each
case breaks one thing and says what the check must report: the exit status (1 invalid, 2 unusable input), the
layer, and the exact `path:line: [table.field] message` prefix, computed from the data, never copied from the
check's output. Every case also asserts no traceback and no file written. tests/fault_cases.txt lists every case
id: a case leaves the corpus only with a `removed: <id>: <reason>` line there."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from scripts.schemas import load_spec
from tests.check_helpers import append_row, cell_of, check_in_process, edit_text, line_of_key, problems_by_layer
from tests.conftest import ROOT, line_of, read_csv, set_cell, snapshot, write_csv

SOURCE = "myind-2025-06-04-bhutto-isi-raw"
SEED = "seeds/000_905ae90385d1da76.txt"
REGISTRY = Path(__file__).with_name("fault_cases.txt")
GROUPS = ("descriptor", "csv structure", "encoding", "keys", "provenance", "rules", "hygiene")


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    mutate: Callable[[Path], tuple[str, str]]  # breaks a copy; returns (layer, expected line prefix)
    exit_code: int = 1


CASES: dict[str, Case] = {}


def case(group: str, exit_code: int = 1):
    def register(mutate):
        assert mutate.__name__ not in CASES and group in GROUPS
        CASES[mutate.__name__] = Case(mutate.__name__, group, mutate, exit_code)
        return mutate
    return register


def descriptor(package: Path) -> dict:
    return json.loads((package / "datapackage.json").read_text(encoding="utf-8"))


def write_descriptor(package: Path, value: dict) -> None:
    (package / "datapackage.json").write_text(json.dumps(value, indent=2), encoding="utf-8")


def resource(value: dict, name: str) -> dict:
    return next(r for r in value["resources"] if r["name"] == name)


# ---------------------------------------------------------------- descriptor (layer a; exit 2 when unusable)

@case("descriptor", exit_code=2)
def descriptor_not_json(p):
    text = (p / "datapackage.json").read_text(encoding="utf-8")
    (p / "datapackage.json").write_text(text[: len(text) // 2], encoding="utf-8")
    return "", "datapackage.json: is not JSON"


@case("descriptor", exit_code=2)
def descriptor_not_an_object(p):
    (p / "datapackage.json").write_text(json.dumps(descriptor(p)["resources"]), encoding="utf-8")
    return "", "datapackage.json: is JSON but not an object"


@case("descriptor")
def descriptor_missing_resource_file(p):
    (p / "data" / "quotes.csv").unlink()
    return "a", "datapackage.json: [quotes] resource path 'data/quotes.csv' does not exist"


@case("descriptor")
def descriptor_missing_resource(p):
    value = descriptor(p)
    value["resources"].remove(resource(value, "sentences"))
    write_descriptor(p, value)
    return "a", "datapackage.json: [sentences] the package has no 'sentences' resource"


@case("descriptor")
def descriptor_unknown_field_type(p):
    value = descriptor(p)
    field = resource(value, "sentences")["schema"]["fields"][2]
    field["type"] = "integr"
    write_descriptor(p, value)
    return "a", f"datapackage.json: [sentences.{field['name']}] unknown field type 'integr'"


@case("descriptor")
def descriptor_foreign_key_to_missing_table(p):
    value = descriptor(p)
    fk = next(fk for fk in resource(value, "persons")["schema"]["foreignKeys"] if fk["reference"]["resource"] == "parties")
    fk["reference"]["resource"] = "partys"
    write_descriptor(p, value)
    return "a", f"datapackage.json: [persons.{fk['fields']}] foreign key refers to a resource 'partys' that the package does not have"


@case("descriptor")
def descriptor_foreign_key_to_missing_field(p):
    value = descriptor(p)
    fk = next(fk for fk in resource(value, "roles")["schema"]["foreignKeys"] if fk["reference"]["resource"] == "persons")
    fk["reference"]["fields"] = "personid"
    write_descriptor(p, value)
    return "a", f"datapackage.json: [roles.{fk['fields']}] foreign key refers to a field 'personid' that resource 'persons' does not have"


@case("descriptor")
def descriptor_field_declared_twice(p):
    value = descriptor(p)
    fields = resource(value, "parties")["schema"]["fields"]
    fields.append(dict(fields[1]))
    write_descriptor(p, value)
    return "a", f"datapackage.json: [parties.{fields[1]['name']}] field name is declared twice"


@case("descriptor")
def descriptor_primary_key_names_no_field(p):
    value = descriptor(p)
    resource(value, "parties")["schema"]["primaryKey"] = "party"
    write_descriptor(p, value)
    return "a", "datapackage.json: [parties] primaryKey names a field 'party' that the schema does not have"


@case("descriptor")
def descriptor_drifts_from_json_schema(p):
    value = descriptor(p)
    field = next(f for f in resource(value, "organizations")["schema"]["fields"] if f["name"] == "other_names")
    field["title"] = "Aliases"
    write_descriptor(p, value)
    return "a", "datapackage.json: [organizations.other_names] field differs from the JSON Schema in: title"


@case("descriptor")
def descriptor_licence_edited(p):
    value = descriptor(p)
    value["licenses"][0]["name"] = "CC0-1.0"
    write_descriptor(p, value)
    return "a", "datapackage.json: package licenses differs from schemas/package.yaml (run `make package`)"


@case("descriptor")
def descriptor_resource_description_edited(p):
    value = descriptor(p)
    resource(value, "quotes")["description"] += " Edited."
    write_descriptor(p, value)
    return "a", "datapackage.json: [quotes] resource description differs from the JSON Schema's (run `make package`)"


@case("descriptor")
def descriptor_key_twice_in_one_object(p):
    edit_text(p, "datapackage.json", '"path": "data/parties.csv",', '"path": "data/persons.csv", "path": "data/parties.csv",')
    return "a", "datapackage.json: key 'path' appears twice in one object"


@case("descriptor")
def json_schema_not_json(p):
    (p / "schemas" / "parties.schema.json").write_text('{"title": "Parties",', encoding="utf-8")
    return "a", "schemas/parties.schema.json: [parties] JSON Schema cannot be used: "


@case("descriptor")
def json_schema_invalid_pattern(p):
    edit_text(p, "schemas/sources.schema.json", '"pattern": "^[0-9a-f]{64}$"', '"pattern": "^[0-9a-f{64}$"')
    return "a", "schemas/sources.schema.json: [sources] JSON Schema cannot be used: it is not a valid JSON Schema at /properties/sha256/pattern"


# ---------------------------------------------------------------- CSV structure (layer f)

@case("csv structure")
def ragged_row(p):
    line = line_of(p / "data" / "parties.csv", "party_id", "tdp")
    edit_text(p, "data/parties.csv", "\ntdp,TDP,TDP,", "\ntdp,TDP,")
    return "f", "data/parties.csv:{}: [parties] row has 3 cells, the header has 4".format(line)


@case("csv structure")
def row_with_an_extra_cell(p):
    line = line_of(p / "data" / "parties.csv", "party_id", "jmm")
    edit_text(p, "data/parties.csv", "\njmm,JMM,JMM,", "\njmm,JMM,JMM,JMM,")
    return "f", f"data/parties.csv:{line}: [parties] row has 5 cells, the header has 4"


@case("csv structure")
def blank_row(p):
    line = line_of(p / "data" / "parties.csv", "party_id", "jmm")
    edit_text(p, "data/parties.csv", "\njmm,", "\n\njmm,")
    return "f", f"data/parties.csv:{line}: [parties] blank row"


@case("csv structure")
def extra_column(p):
    path = p / "data" / "roles.csv"
    header, rows = read_csv(path)
    write_csv(path, header + ["confidence"], [{**row, "confidence": "high"} for row in rows])
    return "f", "data/roles.csv:1: [roles] header must be exactly the schema's fields in order (unexpected confidence)"


@case("csv structure")
def missing_column(p):
    path = p / "data" / "roles.csv"
    header, rows = read_csv(path)
    write_csv(path, [c for c in header if c != "note"], [{k: v for k, v in row.items() if k != "note"} for row in rows])
    return "f", "data/roles.csv:1: [roles] header must be exactly the schema's fields in order (missing note)"


@case("csv structure")
def renamed_column(p):
    edit_text(p, "data/parties.csv", "party_id,name,abbreviation", "party_id,label,abbreviation")
    return "f", "data/parties.csv:1: [parties] header must be exactly the schema's fields in order (missing name; unexpected label)"


@case("csv structure")
def duplicate_header(p):
    edit_text(p, "data/parties.csv", "party_id,name,abbreviation", "party_id,name,name")
    return "f", "data/parties.csv:1: [parties] header must be exactly the schema's fields in order (missing abbreviation; duplicated name)"


@case("csv structure")
def swapped_columns(p):
    path = p / "data" / "parties.csv"
    header, rows = read_csv(path)
    header[1], header[2] = header[2], header[1]
    write_csv(path, header, rows)
    return "f", "data/parties.csv:1: [parties] header must be exactly the schema's fields in order (order differs)"


@case("csv structure")
def quoted_cell_never_closed(p):
    line = line_of(p / "data" / "parties.csv", "party_id", "tdp")
    edit_text(p, "data/parties.csv", "\ntdp,TDP,", '\ntdp,"TDP,')
    return "f", f"data/parties.csv:{line}: [parties] malformed CSV: a quoted cell that starts on this line is never closed"


@case("csv structure")
def quotation_mark_in_an_unquoted_cell(p):
    line = line_of(p / "data" / "parties.csv", "party_id", "jmm")
    edit_text(p, "data/parties.csv", "\njmm,JMM,", '\njmm,J"MM,')
    return "f", f"data/parties.csv:{line}: [parties] a quotation mark stands in a cell that is not quoted"


@case("csv structure")
def empty_csv_file(p):
    (p / "data" / "plover_categories.csv").write_bytes(b"")
    return "f", "data/plover_categories.csv:1: [plover_categories] file is empty"


# ---------------------------------------------------------------- encoding (layer f)

@case("encoding")
def byte_order_mark(p):
    path = p / "data" / "roles.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return "f", "data/roles.csv:1: [roles] file starts with a byte-order mark (BOM)"


@case("encoding")
def invalid_utf8(p):
    line = line_of(p / "data" / "persons.csv", "person_id", "tejasvi-surya")
    path = p / "data" / "persons.csv"
    path.write_bytes(path.read_bytes().replace(b"\ntejasvi-surya,Tejasvi", b"\ntejasvi-surya,Tej\xe4svi", 1))
    return "f", f"data/persons.csv:{line}: [persons] invalid UTF-8 at byte"


@case("encoding")
def windows_line_ends(p):
    path = p / "data" / "parties.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return "f", "data/parties.csv:1: [parties] carriage return found: line ends must be '\\n' only"


@case("encoding")
def no_final_newline(p):
    path = p / "data" / "parties.csv"
    data = path.read_bytes()
    path.write_bytes(data.rstrip(b"\n"))
    last_line = data.count(b"\n")
    return "f", f"data/parties.csv:{last_line}: [parties] no final newline at the end of the file"


@case("encoding")
def nul_byte_in_a_cell(p):
    line = set_cell(p, "source_notes", "note_id", "no-time-zone", "description",
                    cell_of(p, "source_notes", "note_id", "no-time-zone", "description") + "\x00")
    return "f", f"data/source_notes.csv:{line}: [source_notes.description] cell holds U+0000, a control or invisible formatting character"


@case("encoding")
def bidirectional_override_in_a_cell(p):
    line = set_cell(p, "persons", "person_id", "marco-rubio", "note", "\u202eeveR")
    return "f", f"data/persons.csv:{line}: [persons.note] cell holds U+202E, a control or invisible formatting character"


# ---------------------------------------------------------------- keys (layer b)

@case("keys")
def duplicate_primary_key(p):
    line = append_row(p, "source_notes", {})
    return "b", f"data/source_notes.csv:{line}: [source_notes.note_id] primary-key"


@case("keys")
def duplicate_composite_primary_key(p):
    path = p / "data" / "delegation_members.csv"
    header, rows = read_csv(path)
    rows.insert(1, dict(rows[0]))
    write_csv(path, header, rows)
    second = line_of_key(path, {"delegation_id": rows[0]["delegation_id"], "person_id": rows[0]["person_id"]}, occurrence=2)
    return "b", f"data/delegation_members.csv:{second}: [delegation_members.delegation_id,person_id] primary-key"


def _dangling_foreign_key_cases():
    """One case per table with a foreign key: its first foreign key with a value (provenance keys last) is set to
    an id no row has."""
    spec = load_spec(ROOT)
    for table in spec.tables:
        if not table.foreign_keys:
            continue
        keys = sorted(table.foreign_keys, key=lambda fk: fk["fields"] in ("source_id", "sentence_id"))
        _, rows = read_csv(ROOT / table.data_path)
        field, row = next((fk["fields"], row) for fk in keys for row in rows if row[fk["fields"]])
        primary_key = {column: row[column] for column in table.primary_key if column != field}

        def mutate(p, table=table, field=field, primary_key=primary_key):
            path = p / table.data_path
            header, all_rows = read_csv(path)
            next(r for r in all_rows if all(r[c] == v for c, v in primary_key.items()))[field] = "zz-no-such-row"
            write_csv(path, header, all_rows)
            line = line_of_key(path, {**primary_key, field: "zz-no-such-row"})
            return "b", f"{table.data_path}:{line}: [{table.name}.{field}] foreign-key"

        mutate.__name__ = f"dangling_foreign_key_{table.name}"
        case("keys")(mutate)


_dangling_foreign_key_cases()


# ---------------------------------------------------------------- provenance (layer d, some c)

@case("provenance")
def edited_evidence(p):
    line = set_cell(p, "mentions", "evidence", "Marco Rubio", "evidence", "Marco Rubios")
    return "d", f"data/mentions.csv:{line}: [mentions.evidence] evidence does not match {SEED}["


@case("provenance")
def shifted_offsets(p):
    start = int(cell_of(p, "roles", "role_id", "marco-rubio-secretary-of-state", "evidence_start"))
    end = int(cell_of(p, "roles", "role_id", "marco-rubio-secretary-of-state", "evidence_end"))
    set_cell(p, "roles", "role_id", "marco-rubio-secretary-of-state", "evidence_start", str(start + 2))
    line = set_cell(p, "roles", "role_id", "marco-rubio-secretary-of-state", "evidence_end", str(end + 2))
    return "d", f"data/roles.csv:{line}: [roles.evidence] evidence does not match {SEED}[{start + 2}:{end + 2}]"


@case("provenance")
def offsets_past_the_end(p):
    line = set_cell(p, "roles", "role_id", "antonio-guterres-un-secretary-general", "evidence_end", "99999")
    return "d", f"data/roles.csv:{line}: [roles.evidence_end] span ["


@case("provenance")
def negative_offset(p):
    line = set_cell(p, "roles", "role_id", "antonio-guterres-un-secretary-general", "evidence_start", "-3")
    return "d", f"data/roles.csv:{line}: [roles.evidence_start] span [-3:"


@case("provenance")
def reversed_offsets(p):
    start = cell_of(p, "roles", "role_id", "antonio-guterres-un-secretary-general", "evidence_start")
    line = set_cell(p, "roles", "role_id", "antonio-guterres-un-secretary-general", "evidence_end", start)
    return "d", f"data/roles.csv:{line}: [roles.evidence_end] span [{start}:{start}] is empty or reversed"


@case("provenance")
def offset_not_an_integer(p):
    line = set_cell(p, "roles", "role_id", "antonio-guterres-un-secretary-general", "evidence_start", "12a")
    return "c", f"data/roles.csv:{line}: [roles.evidence_start] '12a' is not of type 'integer'"


@case("provenance")
def offset_in_full_width_digits(p):
    start = cell_of(p, "roles", "role_id", "antonio-guterres-un-secretary-general", "evidence_start")
    wide = "".join(chr(ord(digit) + 0xFEE0) for digit in start)  # '３２９０': digits to Python, not to CSV readers
    line = set_cell(p, "roles", "role_id", "antonio-guterres-un-secretary-general", "evidence_start", wide)
    return "c", f"data/roles.csv:{line}: [roles.evidence_start] '{wide}' is not of type 'integer'"


@case("provenance")
def evidence_outside_its_sentence(p):
    line = set_cell(p, "mentions", "evidence", "Marco Rubio", "sentence_id", f"{SOURCE}-s014")
    return "d", f"data/mentions.csv:{line}: [mentions.sentence_id] evidence starts at"


@case("provenance")
def edited_sentence(p):
    line = line_of(p / "data" / "sentences.csv", "sentence_id", f"{SOURCE}-s019")
    edit_text(p, "data/sentences.csv", "India responded firmly.", "India responded firmly!")
    return "d", f"data/sentences.csv:{line}: [sentences.text] text does not match {SEED}["


@case("provenance")
def sentence_out_of_place(p):
    line = set_cell(p, "sentences", "sentence_id", f"{SOURCE}-s010", "position", "9")
    start = cell_of(p, "sentences", "sentence_id", f"{SOURCE}-s010", "start")
    return "d", f"data/sentences.csv:{line}: [sentences.position] position 9 is not the sentence's place in {SEED}: it starts at {start}, sentence 10 of"


@case("provenance")
def sentence_on_another_line(p):
    start = int(cell_of(p, "sentences", "sentence_id", f"{SOURCE}-s010", "start"))
    seed_line = (p / SEED).read_text(encoding="utf-8")[:start].count("\n") + 1
    line = set_cell(p, "sentences", "sentence_id", f"{SOURCE}-s010", "paragraph", str(seed_line + 1))
    return "d", f"data/sentences.csv:{line}: [sentences.paragraph] paragraph {seed_line + 1} is not the line of {SEED} the sentence is on: {seed_line}"


@case("provenance")
def sentence_missing(p):
    path = p / "data" / "sentences.csv"
    header, rows = read_csv(path)
    write_csv(path, header, [row for row in rows if row["sentence_id"] != f"{SOURCE}-s011"])
    following = line_of(path, "sentence_id", f"{SOURCE}-s012")
    return "d", f"data/sentences.csv:{following}: [sentences.start] {SEED}["


@case("provenance")
def edited_seed(p):
    seed = p / SEED
    seed.chmod(0o644)
    seed.write_bytes(seed.read_bytes().replace(b"responded firmly", b"responded swiftly"))
    line = line_of(p / "data" / "sources.csv", "source_id", SOURCE)
    return "d", f"data/sources.csv:{line}: [sources.sha256] {SEED} has sha256"


@case("provenance")
def missing_seed(p):
    (p / SEED).unlink()
    line = line_of(p / "data" / "sources.csv", "source_id", SOURCE)
    return "d", f"data/sources.csv:{line}: [sources.path] seed path '{SEED}' does not exist"


@case("provenance")
def wrong_sha256(p):
    line = set_cell(p, "sources", "source_id", SOURCE, "sha256", "0" * 64)
    return "d", f"data/sources.csv:{line}: [sources.sha256] {SEED} has sha256"


@case("provenance")
def seed_outside_seeds(p):
    (p / "data" / "copy.txt").write_bytes((p / SEED).read_bytes())
    line = set_cell(p, "sources", "source_id", SOURCE, "path", "data/copy.txt")
    return "d", f"data/sources.csv:{line}: [sources.path] seed path 'data/copy.txt' must lie inside seeds/"


@case("provenance")
def seed_not_utf8(p):
    seed = p / SEED
    seed.chmod(0o644)
    data = seed.read_bytes()
    seed.write_bytes(data.replace(b"Bilawal", b"Bil\xe4wal", 1))
    line = line_of(p / "data" / "sources.csv", "source_id", SOURCE)
    return "d", f"data/sources.csv:{line}: [sources.path] {SEED} is not valid UTF-8 (byte {data.index(b'Bilawal') + 3})"


@case("provenance")
def edited_source_title(p):
    title = cell_of(p, "sources", "source_id", SOURCE, "title")
    line = set_cell(p, "sources", "source_id", SOURCE, "title", title.replace("ISI-RAW", "RAW-ISI"))
    return "d", f"data/sources.csv:{line}: [sources.title] title 'Bilawal Bhutto calls for RAW-ISI"


@case("provenance")
def two_sources_one_seed(p):
    line = append_row(p, "sources", {"source_id": "zz-second-source"})
    first = line_of(p / "data" / "sources.csv", "source_id", SOURCE)
    return "d", f"data/sources.csv:{line}: [sources.path] {SEED} is already the seed of {SOURCE} (line {first})"


@case("provenance")
def sentence_of_another_source(p):
    other = "seeds/001_copy.txt"
    (p / other).write_bytes((p / SEED).read_bytes() + b"\n")  # other bytes, same offsets
    path = p / "data" / "sources.csv"
    header, rows = read_csv(path)
    rows.append({**rows[0], "source_id": "zz-second-source", "path": other,
                 "sha256": hashlib.sha256((p / other).read_bytes()).hexdigest()})
    write_csv(path, header, rows)
    line = set_cell(p, "roles", "role_id", "marco-rubio-secretary-of-state", "source_id", "zz-second-source")
    sentence = cell_of(p, "roles", "role_id", "marco-rubio-secretary-of-state", "sentence_id")
    return "d", f"data/roles.csv:{line}: [roles.sentence_id] sentence {sentence} belongs to {SOURCE}, not zz-second-source"


# ---------------------------------------------------------------- rules across tables (layer e, some c)

@case("rules")
def two_leaders(p):
    set_cell(p, "delegation_members", "person_id", "milind-deora", "role", "leader")
    line = line_of(p / "data" / "delegations.csv", "delegation_id", "indian-delegation")
    return "e", f"data/delegations.csv:{line}: [delegations.leader_person_id] delegation indian-delegation has 2 members with role leader"


@case("rules")
def size_below_named_members(p):
    _, members = read_csv(p / "data" / "delegation_members.csv")
    named = sum(m["delegation_id"] == "pakistani-delegation" for m in members)
    line = set_cell(p, "delegations", "delegation_id", "pakistani-delegation", "stated_size", str(named - 1))
    return "e", f"data/delegations.csv:{line}: [delegations.stated_size] stated_size {named - 1} is less than the {named} named members"


@case("rules")
def direct_quote_outside_its_evidence(p):
    line = set_cell(p, "quotes", "quote_id", "ceasefire-a-welcome-first-step", "text", "This is a welcome last step")
    return "e", f"data/quotes.csv:{line}: [quotes.text] direct quote's text does not lie inside its evidence"


@case("rules")
def two_speakers(p):
    line = set_cell(p, "quotes", "quote_id", "trump-us-helped-de-escalate", "speaker_organization_id", "united-states")
    return "c", f"data/quotes.csv:{line}: [quotes.speaker_person_id|speaker_organization_id] exactly one of"


@case("rules")
def dates_reversed(p):
    start = cell_of(p, "events", "event_id", "pakistan-attempted-strikes", "date_start")
    line = set_cell(p, "events", "event_id", "pakistan-attempted-strikes", "date_end", "2025-05-01")
    return "e", f"data/events.csv:{line}: [events.date_end] date_end 2025-05-01 is before date_start {start}"


@case("rules")
def impossible_date(p):
    line = set_cell(p, "events", "event_id", "india-precision-strikes", "date_start", "2025-02-30")
    return "c", f"data/events.csv:{line}: [events.date_start] '2025-02-30' is not a 'date'"


@case("rules")
def stated_date_not_in_evidence(p):
    line = set_cell(p, "events", "event_id", "indian-delegation-arrives-new-york", "date_start", "2025-05-25")
    return "e", f"data/events.csv:{line}: [events.date_start] date_basis is stated but the evidence does not give May 25"


@case("rules")
def quote_responds_to_itself(p):
    line = set_cell(p, "quotes", "quote_id", "trump-us-helped-de-escalate", "responds_to_quote_id", "trump-us-helped-de-escalate")
    return "e", f"data/quotes.csv:{line}: [quotes.responds_to_quote_id] a quote cannot respond to itself"


@case("rules")
def entity_without_a_mention(p):
    set_cell(p, "mentions", "evidence", "Myind", "organization_id", "dawn")
    line = line_of(p / "data" / "organizations.csv", "organization_id", "myind")
    return "e", f"data/organizations.csv:{line}: [organizations.organization_id] myind has no mention"


@case("rules")
def name_not_in_seed(p):
    line = set_cell(p, "persons", "person_id", "donald-trump", "other_names", "The Donald")
    return "e", f"data/persons.csv:{line}: [persons.other_names] 'The Donald' occurs in no seed"


@case("rules")
def one_name_two_persons(p):
    line = set_cell(p, "persons", "person_id", "marco-rubio", "other_names", "Donald Trump")
    return "e", f"data/persons.csv:{line}: [persons.other_names] 'Donald Trump' also names donald-trump"


@case("rules")
def value_outside_its_vocabulary(p):
    line = set_cell(p, "events", "event_id", "india-firm-response", "status", "happened")
    return "c", f"data/events.csv:{line}: [events.status] 'happened' is not one of"


@case("rules")
def id_not_a_slug(p):
    line = set_cell(p, "roles", "role_id", "marco-rubio-secretary-of-state", "person_id", "Marco_Rubio")
    return "c", f"data/roles.csv:{line}: [roles.person_id] 'Marco_Rubio' does not match"


@case("rules")
def end_date_without_start(p):
    line = set_cell(p, "events", "event_id", "india-firm-response", "date_end", "2025-05-01")
    return "c", f"data/events.csv:{line}: [events.date_end] date_end is set, so date_start must be set too"


# ---------------------------------------------------------------- hygiene (layer f)

@case("hygiene")
def formula_like_cell(p):
    line = set_cell(p, "source_notes", "note_id", "no-time-zone", "description", '=HYPERLINK("http://x")')
    return "f", f"data/source_notes.csv:{line}: [source_notes.description] cell starts with '='"


@case("hygiene")
def full_width_formula_cell(p):
    line = set_cell(p, "source_notes", "note_id", "no-time-zone", "description", "\uff20SUM(A1)")
    return "f", f"data/source_notes.csv:{line}: [source_notes.description] cell starts with '\uff20'"


@case("hygiene")
def padded_cell(p):
    line = set_cell(p, "persons", "person_id", "tejasvi-surya", "name", "Tejasvi Surya ")
    return "f", f"data/persons.csv:{line}: [persons.name] cell has leading or trailing whitespace"


@case("hygiene")
def unsorted_rows(p):
    path = p / "data" / "parties.csv"
    header, rows = read_csv(path)
    write_csv(path, header, list(reversed(rows)))
    return "f", f"data/parties.csv:3: [parties.party_id] rows are not sorted by primary key: {rows[-2]['party_id']} comes after {rows[-1]['party_id']}"


# ---------------------------------------------------------------- the tests

@pytest.fixture
def outside(tmp_path, monkeypatch) -> Path:
    """An empty working directory: the check must write nothing there either."""
    directory = tmp_path / "cwd"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


def test_the_unbroken_copy_passes(package, capsys, outside):
    code, out, err = check_in_process(package, capsys)
    assert code == 0, out + err
    assert out.strip().splitlines()[-1].startswith("valid: ") and not err


@pytest.mark.parametrize("fault", CASES.values(), ids=list(CASES))
def test_fault_is_reported_where_it_is(package, fault, capsys, outside):
    layer, expected = fault.mutate(package)
    before = snapshot(package)
    code, out, err = check_in_process(package, capsys)
    assert "Traceback" not in out + err and "internal error" not in err, out + err
    assert code == fault.exit_code, out + err
    assert snapshot(package) == before, "the check wrote or changed a file of the package"
    assert not any(outside.iterdir()), "the check wrote a file in the working directory"
    if fault.exit_code == 2:
        assert err.startswith("check: ") and expected in err and not out, err
        return
    found = problems_by_layer(out).get(layer, [])
    assert any(line.startswith(expected) for line in found), f"expected {expected!r} in layer ({layer}):\n{out}"
    assert re.match(r"INVALID: \d+ tables, \d+ rows, \d+ evidence spans verified, \d+ problems?$", out.splitlines()[-1])


def _registry() -> tuple[list[str], dict[str, str]]:
    listed, removed = [], {}
    for line in REGISTRY.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("removed:"):
            _, case_id, reason = (part.strip() for part in line.split(":", 2))
            removed[case_id] = reason
        else:
            listed.append(line)
    return listed, removed


def registry_problems(listed: list[str], removed: dict[str, str], ids: set[str]) -> list[str]:
    """What is wrong between the registry (listed ids, removed ids with their reasons) and the corpus's ids."""
    problems = []
    if len(listed) != len(set(listed)):
        problems.append("a case id is listed twice in tests/fault_cases.txt")
    unexplained = sorted(set(listed) - ids)
    if unexplained:
        problems.append(f"cases removed from the corpus without a reason: {unexplained}; write "
                        "'removed: <id>: <reason>' in tests/fault_cases.txt instead of their ids")
    unlisted = sorted(ids - set(listed) - set(removed))
    if unlisted:
        problems.append(f"new cases missing from tests/fault_cases.txt: {unlisted}")
    if ids & set(removed):
        problems.append(f"cases marked removed but still in the corpus: {sorted(ids & set(removed))}")
    if any(len(reason) < 10 for reason in removed.values()):
        problems.append("a removal needs a reason of a few words")
    return problems


def test_no_case_leaves_the_corpus_without_a_reason():
    listed, removed = _registry()
    assert registry_problems(listed, removed, set(CASES)) == []


def test_the_registry_check_catches_a_silent_removal():
    listed, ids = ["a", "b", "c"], {"a", "b", "c"}
    assert registry_problems(listed, {}, ids) == []
    assert "without a reason: ['b']" in registry_problems(listed, {}, ids - {"b"})[0]
    assert registry_problems(["a", "c"], {"b": "merged into case a, which breaks the same cell"}, ids - {"b"}) == []
    assert registry_problems(["a", "c"], {"b": "gone"}, ids - {"b"}) == ["a removal needs a reason of a few words"]
    assert "missing from tests/fault_cases.txt: ['d']" in registry_problems(listed, {}, ids | {"d"})[0]


def test_the_corpus_is_large_and_covers_every_layer_and_group():
    assert len(CASES) >= 40
    assert {c.group for c in CASES.values()} == set(GROUPS)
    spec = load_spec(ROOT)
    with_foreign_keys = {t.name for t in spec.tables if t.foreign_keys}
    assert {c.id.removeprefix("dangling_foreign_key_") for c in CASES.values()
            if c.id.startswith("dangling_foreign_key_")} == with_foreign_keys
