"""The check (python -m scripts.check) as a program: the real package passes, the report's form (layers, one line a
problem, the summary, JSON the same as text), exit 2 for unusable input, a package in any directory, and a report
that stays short and printable whatever the input. The corruptions it must catch are in test_fault_corpus.py,
hostile input in test_hostile_input.py."""
from __future__ import annotations

import json
import re

import pytest

from scripts.check import MAX_LISTED_PER_FILE
from tests.check_helpers import append_row, check_in_process, problems_by_layer
from tests.conftest import ROOT, copy_package, read_csv, run_check, run_module, set_cell, write_csv

SUMMARY = re.compile(r"(valid|INVALID): (\d+) tables, (\d+) rows, (\d+) evidence spans verified, (\d+) problems?$")


def test_real_package_is_valid():
    result = run_check(ROOT)
    assert result.returncode == 0 and not result.stderr, result.output
    lines = result.stdout.strip().splitlines()
    assert [line[:4] for line in lines[:-1]] == [f"({layer}) " for layer in "abcdef"]
    assert all(line.endswith(": 0 problems") for line in lines[:-1])
    rows = sum(len(read_csv(path)[1]) for path in (ROOT / "data").glob("*.csv"))
    match = SUMMARY.match(lines[-1])
    assert match and match.group(1) == "valid" and match.group(2) == str(len(json.loads((ROOT / "datapackage.json").read_text())["resources"])) and int(match.group(3)) == rows
    assert match.group(5) == "0"


def test_json_format_carries_the_same_report():
    report = json.loads(run_check(ROOT, "--format", "json").stdout)
    assert report["valid"] is True and [layer["layer"] for layer in report["layers"]] == list("abcdef")
    text = SUMMARY.match(run_check(ROOT).stdout.strip().splitlines()[-1])
    assert [report["summary"][key] for key in ("tables", "rows", "evidence_spans", "problems")] == \
        [int(text.group(n)) for n in (2, 3, 4, 5)]


def test_json_lists_the_problems_text_lists(package, capsys):
    set_cell(package, "persons", "person_id", "tejasvi-surya", "name", "Tejasvi Surya ")
    set_cell(package, "roles", "role_id", "marco-rubio-secretary-of-state", "evidence_end", "99999")
    code, text, _ = check_in_process(package, capsys)
    json_code, raw, _ = check_in_process(package, capsys, "--format", "json")
    report = json.loads(raw)
    assert code == json_code == 1 and report["valid"] is False
    from_json = {layer["layer"]: [f"{p['path']}:{p['line']}: [{p['table']}.{p['field']}] {p['message']}" if p["field"]
                                  else f"{p['path']}:{p['line']}: [{p['table']}] {p['message']}"
                                  for p in layer["problems"]] for layer in report["layers"]}
    assert from_json == problems_by_layer(text)
    assert report["summary"]["problems"] == sum(map(len, from_json.values())) == 2


@pytest.mark.parametrize("content, message", [
    (None, "no such file"), (b"{not json", "is not JSON"), (b"[1, 2]", "not an object"),
    (b"\xff\xfe\x00garbage", "is not JSON"), (b'{"version": NaN}', "is not JSON (NaN is not a JSON value)")])
def test_unusable_descriptor_exits_2_with_a_message(tmp_path, content, message):
    target = tmp_path / "datapackage.json"
    if content is not None:
        target.write_bytes(content)
    result = run_check(tmp_path)
    assert result.returncode == 2 and not result.stdout
    assert result.stderr.startswith(f"check: {target}: ") and message in result.stderr
    assert "Traceback" not in result.output
    as_json = run_check(tmp_path, "--format", "json")
    assert as_json.returncode == 2 and json.loads(as_json.stdout) == {"valid": False, "unusable": result.stderr.strip()[7:]}


def test_directory_as_descriptor_is_refused(tmp_path):
    result = run_module("scripts.check", str(tmp_path))
    assert result.returncode == 2 and result.stderr.strip() == f"check: {tmp_path}: is a directory, not a datapackage.json"


def test_a_package_in_any_directory_named_by_a_relative_path(tmp_path):
    copy_package(tmp_path / "somewhere" / "package")
    (tmp_path / "elsewhere").mkdir()
    result = run_module("scripts.check", "../somewhere/package/datapackage.json", cwd=tmp_path / "elsewhere")
    assert result.returncode == 0, result.output
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
    code, out, _ = check_in_process(package, capsys)
    assert code == 1
    assert any(p.startswith(f"data/roles.csv:{line}: [roles.sentence_id] foreign-key: ") for p in problems_by_layer(out)["b"])


def test_control_characters_of_the_data_never_reach_the_terminal(package, capsys):
    line = append_row(package, "parties", {"party_id": "zz-\x1b[2J\x1b]0;owned\x07", "note": "\u202egnp.exe"})
    code, out, err = check_in_process(package, capsys)
    assert code == 1
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", out + err)
    assert f"data/parties.csv:{line}: [parties.party_id] cell holds U+001B" in out
    assert "zz-\\x1b[2J\\x1b]0;owned\\x07" in out  # shown, escaped
