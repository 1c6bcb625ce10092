"""The check (python -m scripts.check) as a program: the real package passes, the report's form (layers, one line a
problem, the summary, JSON the same as text), exit 2 for unusable input, a package in any directory, and a report
that stays short and printable whatever the input. The corruptions it must catch are in test_fault_corpus.py,
hostile input in test_hostile_input.py."""
from __future__ import annotations

import json
import re

import pytest

from scripts.check import MAX_LISTED_PER_FILE
from tests.check_helpers import append_row, check_captured, check_in_process, check_located, problems_by_layer
from tests.conftest import ROOT, copy_package, read_csv, run_module, set_cell, write_csv

SUMMARY = re.compile(r"(valid|INVALID): (\d+) tables, (\d+) rows, (\d+) evidence spans verified, (\d+) problems?$")


def test_real_package_is_valid(real_check):
    assert real_check.returncode == 0 and not real_check.stderr, real_check.output
    lines = real_check.stdout.split("--- json ---")[0].strip().splitlines()
    assert [line[:4] for line in lines[:-1]] == [f"({layer}) " for layer in "abcdef"]
    assert all(line.endswith(": 0 problems") for line in lines[:-1])
    rows = sum(len(read_csv(path)[1]) for path in (ROOT / "data").glob("*.csv"))
    match = SUMMARY.match(lines[-1])
    assert match and match.group(1) == "valid" and match.group(2) == str(len(json.loads((ROOT / "datapackage.json").read_text())["resources"])) and int(match.group(3)) == rows
    assert match.group(5) == "0"


def test_json_format_carries_the_same_report(real_check):
    text_output, json_output = real_check.stdout.split("--- json ---\n")
    report = json.loads(json_output)
    assert report["valid"] is True and [layer["layer"] for layer in report["layers"]] == list("abcdef")
    text = SUMMARY.match(text_output.strip().splitlines()[-1])
    assert [report["summary"][key] for key in ("tables", "rows", "evidence_spans", "problems")] == \
        [int(text.group(n)) for n in (2, 3, 4, 5)]


@pytest.fixture(scope="module")
def two_problems(tmp_path_factory) -> dict:
    """One broken copy (a padded name; a span past the end of its seed), checked once in each format: the report's
    form, asserted by several tests."""
    package = copy_package(tmp_path_factory.mktemp("two-problems") / "package")
    line = set_cell(package, "persons", "person_id", "tejasvi-surya", "name", "Tejasvi Surya ")
    evidence_line = set_cell(package, "roles", "role_id", "antonio-guterres-un-secretary-general", "evidence_end", "99999")
    start = next(row for row in read_csv(package / "data" / "roles.csv")[1]
                 if row["role_id"] == "antonio-guterres-un-secretary-general")["evidence_start"]
    return {"line": line, "evidence_line": evidence_line, "start": start,
            "text": check_captured(package), "json": check_captured(package, "--format", "json")}


def test_json_lists_the_problems_text_lists(two_problems):
    code, text, _ = two_problems["text"]
    json_code, raw, _ = two_problems["json"]
    report = json.loads(raw)
    assert code == json_code == 1 and report["valid"] is False
    from_json = {layer["layer"]: [f"{p['path']}:{p['line']}: [{p['table']}.{p['field']}] {p['code']}: {p['message']}"
                                  if p["field"] else f"{p['path']}:{p['line']}: [{p['table']}] {p['code']}: {p['message']}"
                                  for p in layer["problems"]] for layer in report["layers"]}
    assert from_json == problems_by_layer(text)
    assert report["summary"]["problems"] == sum(map(len, from_json.values())) == 2
    assert all(p["code"] for layer in report["layers"] for p in layer["problems"])


def test_problem_lines_are_pinned_word_for_word(two_problems):
    """The snapshot of the wording: the one place where messages are pinned (everywhere else: codes)."""
    line, evidence_line, start = two_problems["line"], two_problems["evidence_line"], two_problems["start"]
    seed_chars = len((ROOT / "seeds" / "000_905ae90385d1da76.txt").read_bytes().decode("utf-8"))
    code, text, _ = two_problems["text"]
    assert code == 1
    assert problems_by_layer(text) == {
        "a": [], "b": [], "c": [], "e": [],
        "d": [f"data/roles.csv:{evidence_line}: [roles.evidence_end] span-invalid: span [{start}:99999] ends past "
              f"the end of seeds/000_905ae90385d1da76.txt ({seed_chars} characters)"],
        "f": [f"data/persons.csv:{line}: [persons.name] padded-cell: cell has leading or trailing whitespace"]}


@pytest.mark.parametrize("content, code, message", [
    (None, "descriptor-missing", "no such file"), (b"{not json", "descriptor-not-json", "is not JSON"),
    (b"[1, 2]", "descriptor-not-an-object", "not an object"), (b"\xff\xfe\x00garbage", "descriptor-not-json", "is not JSON"),
    (b'{"version": NaN}', "descriptor-not-json", "is not JSON (NaN is not a JSON value)")])
def test_unusable_descriptor_exits_2_with_a_message(tmp_path, capsys, content, code, message):
    target = tmp_path / "datapackage.json"
    if content is not None:
        target.write_bytes(content)
    status, out, err = check_in_process(tmp_path, capsys)
    assert status == 2 and not out
    assert err.startswith(f"check: {target}: {code}: ") and message in err
    assert "Traceback" not in out + err
    status, out, err = check_in_process(tmp_path, capsys, "--format", "json")
    assert status == 2 and not err
    report = json.loads(out)
    assert report["valid"] is False and report["code"] == code and report["path"] == str(target) and message in report["unusable"]


def test_directory_as_descriptor_is_refused(tmp_path):
    """The one test of the check as a process started as a user does (python -m scripts.check, a new interpreter):
    its exit status and its stderr. (tests/measured.py runs it as a process too, forked, to measure it.)"""
    result = run_module("scripts.check", str(tmp_path))
    assert result.returncode == 2 and result.stderr.strip() == \
        f"check: {tmp_path}: descriptor-not-a-file: is a directory, not a datapackage.json"


def test_a_package_in_any_directory_named_by_a_relative_path(tmp_path, capsys, monkeypatch):
    copy_package(tmp_path / "somewhere" / "package")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    from scripts.check import main

    assert main(["../somewhere/package/datapackage.json"]) == 0, capsys.readouterr()
    assert not any((tmp_path / "elsewhere").iterdir())


def test_a_flood_of_problems_is_counted_but_listed_briefly(package, capsys):
    path = package / "data" / "source_notes.csv"
    header, rows = read_csv(path)
    first = path.read_bytes().count(b"\n") + 1
    flood = [{**rows[0], "note_id": f"zz-{n:04d}", "description": " padded"} for n in range(MAX_LISTED_PER_FILE + 50)]
    write_csv(path, header, rows + flood)
    code, out, err = check_in_process(package, capsys)
    assert code == 1
    hygiene = problems_by_layer(out)["f"]
    listed = [p for p in hygiene if re.match(r"data/source_notes.csv:\d+: ", p)]
    assert len(listed) == MAX_LISTED_PER_FILE and listed[0].startswith(f"data/source_notes.csv:{first}: ")
    assert "data/source_notes.csv: … and 50 more problems in this file, not listed" in hygiene
    assert f"(f) CSV hygiene: {MAX_LISTED_PER_FILE + 50} problems" in out
    report = json.loads(check_in_process(package, capsys, "--format", "json")[1])
    hygiene_layer = next(layer for layer in report["layers"] if layer["layer"] == "f")
    assert hygiene_layer["not_listed"] == {"data/source_notes.csv": 50}
    assert report["summary"]["problems"] == int(SUMMARY.match(out.strip().splitlines()[-1]).group(5))


def test_lines_stay_right_after_a_cell_that_spans_lines(package, capsys):
    set_cell(package, "roles", "role_id", "antonio-guterres-un-secretary-general", "note", "one\ntwo\nthree")
    line = set_cell(package, "roles", "role_id", "marco-rubio-secretary-of-state", "sentence_id", "zz-no-such-sentence")
    code, found, _ = check_located(package, capsys)
    assert code == 1
    assert f"data/roles.csv:{line}: [roles.sentence_id] foreign-key" in found["b"]


def test_control_characters_of_the_data_never_reach_the_terminal(package, capsys):
    line = append_row(package, "parties", {"party_id": "zz-\x1b[2J\x1b]0;owned\x07", "note": "\u202egnp.exe"})
    code, out, err = check_in_process(package, capsys)
    assert code == 1
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", out + err)
    assert f"data/parties.csv:{line}: [parties.party_id] control-character: cell holds U+001B" in out
    assert "zz-\\x1b[2J\\x1b]0;owned\\x07" in out  # shown, escaped
