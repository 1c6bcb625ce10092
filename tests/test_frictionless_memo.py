"""Layer b keeps Frictionless's verdict per table for the process (scripts/check/frictionless.py: FINDINGS, a
scripts/check/memo.py Memo), keyed by what Frictionless reads; layer c keeps its problems per table likewise. These tests hold it to two promises: a check with the memo reports exactly
what a check without it reports, and the memo asks Frictionless again about every table whose inputs changed:
the table itself, and every table whose foreign keys look up a changed key (read here from the JSON Schemas)."""
from __future__ import annotations

import json

import pytest

from scripts.check import frictionless as layer_b
from scripts.check.memo import Memo
from tests.check_helpers import cell_of, check_in_process, nothing_known
from tests.conftest import ROOT, set_cell


def looking_up(table: str, field: str) -> set[str]:
    """The tables with a foreign key into table.field, from schemas/*.schema.json."""
    found = set()
    for path in (ROOT / "schemas").glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        for fk in schema.get("x-foreignKeys", []):
            if fk["reference"]["resource"] == table and fk["reference"]["fields"] in (field, [field]):
                found.add(path.name.removesuffix(".schema.json"))
    return found


@pytest.fixture
def asked(monkeypatch) -> list[set[str]]:
    """What each check of this test asks Frictionless to validate (a set of tables per check), with a copy of what
    this process knows (the test's checks leave the process's memo as it was)."""
    known = Memo()
    known.kept = dict(layer_b.FINDINGS.kept)
    monkeypatch.setattr(layer_b, "FINDINGS", known)
    record, real_plan = [], layer_b.plan

    def recording_plan(handed, tables):
        planned = real_plan(handed, tables)
        record.append(set(planned.tables_to_validate))
        return planned
    monkeypatch.setattr(layer_b, "plan", recording_plan)
    return record


def report_without_memo(package, capsys, monkeypatch) -> dict:
    nothing_known(monkeypatch)
    code, out, _ = check_in_process(package, capsys, "--format", "json")
    return json.loads(out)


def test_a_second_check_of_the_same_bytes_asks_frictionless_nothing(package, capsys, monkeypatch, asked):
    nothing_known(monkeypatch)
    first = check_in_process(package, capsys, "--format", "json")
    second = check_in_process(package, capsys, "--format", "json")
    assert first[0] == second[0] == 0 and json.loads(first[1]) == json.loads(second[1])
    assert asked[0] == {path.stem.removesuffix(".schema") for path in (ROOT / "schemas").glob("*.schema.json")
                        if path.name != "common.schema.json"}
    assert asked[1] == set()


def test_a_changed_cell_is_validated_again_in_its_table_alone(package, capsys, monkeypatch, asked):
    assert check_in_process(package, capsys)[0] == 0
    line = set_cell(package, "persons", "person_id", "tejasvi-surya", "party_id", "no-such-party")
    code, out, _ = check_in_process(package, capsys, "--format", "json")
    assert code == 1 and asked[1] == {"persons"}  # no table looks up persons.party_id
    with_memo = json.loads(out)
    frictionless = next(layer for layer in with_memo["layers"] if layer["layer"] == "b")["problems"]
    assert [(p["path"], p["line"], p["field"], p["code"]) for p in frictionless] == \
        [("data/persons.csv", line, "party_id", "foreign-key")]
    assert with_memo == report_without_memo(package, capsys, monkeypatch)


def test_a_changed_key_is_validated_again_in_every_table_that_looks_it_up(package, capsys, monkeypatch, asked):
    assert check_in_process(package, capsys)[0] == 0
    set_cell(package, "parties", "party_id", "bjp", "party_id", "bjp-renamed")
    code, out, _ = check_in_process(package, capsys, "--format", "json")
    assert code == 1 and asked[1] == {"parties"} | looking_up("parties", "party_id") and len(asked[1]) > 1
    with_memo = json.loads(out)
    frictionless = next(layer for layer in with_memo["layers"] if layer["layer"] == "b")["problems"]
    assert {(p["table"], p["field"], p["code"]) for p in frictionless} >= {("persons", "party_id", "foreign-key")}
    assert with_memo == report_without_memo(package, capsys, monkeypatch)


def test_a_change_undone_is_known_again(package, capsys, asked):
    assert check_in_process(package, capsys)[0] == 0
    original = cell_of(package, "parties", "party_id", "bjp", "note")
    set_cell(package, "parties", "party_id", "bjp", "note", "A curator's edit.")
    check_in_process(package, capsys)
    set_cell(package, "parties", "party_id", "bjp", "note", original)
    assert check_in_process(package, capsys)[0] == 0
    assert asked[1] == {"parties"} and asked[2] == set()


def test_a_memo_is_bounded_and_keeps_no_large_verdict():
    memo = Memo(entries=5, largest=2)
    for number in range(8):
        memo.remember(f"key-{number}", [number])
    assert list(memo.kept) == [f"key-{number}" for number in range(3, 8)]  # the oldest forgotten
    memo.remember("key-3", [3])  # remembered again: now the newest
    memo.remember("large", [1, 2, 3])
    assert list(memo.kept)[-1] == "key-3" and "large" not in memo and len(memo) == 5


def test_a_verdict_too_large_to_keep_is_asked_again(package, capsys, monkeypatch, asked):
    monkeypatch.setattr(layer_b, "FINDINGS", Memo(largest=0))
    set_cell(package, "persons", "person_id", "tejasvi-surya", "party_id", "no-such-party")
    check_in_process(package, capsys)
    check_in_process(package, capsys)
    assert "persons" in asked[0] and "persons" in asked[1]  # its one finding was more than it may keep


def test_layer_c_reports_the_same_with_and_without_what_it_kept(package, capsys, monkeypatch):
    set_cell(package, "events", "event_id", "india-firm-response", "status", "happened")
    set_cell(package, "roles", "role_id", "marco-rubio-secretary-of-state", "person_id", "Marco_Rubio")
    code, out, _ = check_in_process(package, capsys, "--format", "json")  # with what this process kept
    assert code == 1 and json.loads(out) == report_without_memo(package, capsys, monkeypatch)
    rows = next(layer for layer in json.loads(out)["layers"] if layer["layer"] == "c")["problems"]
    assert {(p["table"], p["field"], p["code"]) for p in rows} == {
        ("events", "status", "not-in-vocabulary"), ("roles", "person_id", "pattern-mismatch")}


def test_a_verdict_on_a_file_changed_during_the_check_is_not_kept(package, capsys, monkeypatch, asked):
    """Frictionless reads each CSV again: when one changed after layer f read it, its verdict is not the one of
    the bytes its key names, and no later check may take it for them."""
    assert check_in_process(package, capsys)[0] == 0
    path = package / "data" / "parties.csv"
    original = path.read_bytes()
    set_cell(package, "parties", "party_id", "bjp", "note", "A curator's edit.")
    edited = path.read_bytes()
    real = layer_b.frictionless_findings

    def changing_first(*args):
        path.write_bytes(original)  # between layer f's reading and Frictionless's
        return real(*args)
    monkeypatch.setattr(layer_b, "frictionless_findings", changing_first)
    check_in_process(package, capsys)
    monkeypatch.setattr(layer_b, "frictionless_findings", real)
    path.write_bytes(edited)
    check_in_process(package, capsys)
    assert asked[1] == asked[2] == {"parties"}  # asked again: nothing was kept from the first


def test_a_schema_with_its_keywords_reordered_is_not_taken_for_the_same(tmp_path, capsys, monkeypatch):
    """jsonschema reports a row's errors in the order of the schema's keywords, so the report's order follows it:
    a copy whose JSON Schema differs only in that order gets its own verdict (red team, stop 18)."""
    from tests.conftest import copy_package

    copies = [copy_package(tmp_path / name) for name in ("first", "reordered")]
    for package in copies:  # a slug both too long and not a slug: two problems in one cell
        set_cell(package, "persons", "person_id", "bhubaneswar-kalita", "party_id", "X" * 81)
    common = copies[1] / "schemas" / "common.schema.json"
    schema = json.loads(common.read_text(encoding="utf-8"))
    schema["$defs"]["slug"] = dict(reversed(list(schema["$defs"]["slug"].items())))
    common.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    check_in_process(copies[0], capsys, "--format", "json")
    code, after_the_first, _ = check_in_process(copies[1], capsys, "--format", "json")
    assert code == 1 and json.loads(after_the_first) == report_without_memo(copies[1], capsys, monkeypatch)
