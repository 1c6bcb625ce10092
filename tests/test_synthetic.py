"""Synthetic packages (scripts/synthetic.py) for the benchmark, and the check's speed-ups that the benchmark
led to: a 10-seed package passes the check and builds; its seeds, sentences and ids are what the real tools would
make; the quick row test and the check's parallel Frictionless layer give the same verdicts as the slow paths.
Timings are printed by `make bench`, never asserted here."""
from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3

import pytest

from scripts import check, sentences
from scripts.bench import END, START, write_report
from scripts.build_sqlite import main as build_main
from scripts.check import frictionless as layer_b
from scripts.check.rows import typed_row
from scripts.schemas import load_spec, quick_row_test, row_validator
from scripts.synthetic import SLUG_PATTERN, generate
from scripts.synthetic import main as synthetic_main
from tests.check_helpers import nothing_known
from tests.conftest import ROOT, SEED, read_csv, run_main, run_module, set_cell, snapshot

SEEDS = 10


@pytest.fixture(scope="module")
def ten(tmp_path_factory):
    """A 10-seed package, generated once for the module (the tests below only read it)."""
    output = tmp_path_factory.mktemp("synthetic") / "package"
    summary = generate(SEEDS, output)
    return output, summary


def real_rows(table: str) -> list[dict]:
    return read_csv(ROOT / "data" / f"{table}.csv")[1]


ENTITIES = {"persons", "organizations", "parties", "places", "delegations"}  # corpus-level: shared by every copy
RESTATED = {"delegation_members"}  # keyed by shared entities alone: a copy would restate, not add, a row


def shared_tables(spec) -> set[str]:
    return ENTITIES | {t.name for t in spec.tables if t.name not in ("sources", "sentences") and not t.has_evidence}


def multiplied_tables(spec) -> list:
    return [t for t in spec.tables if t.has_evidence and t.name not in ENTITIES | RESTATED]


def test_ten_seed_package_passes_the_check(ten):
    package, summary = ten
    result = run_main(check.main, str(package / "datapackage.json"))
    assert result.returncode == 0, result.output[-3000:]
    spec = load_spec(ROOT)
    once = sum(len(real_rows(name)) for name in shared_tables(spec) | RESTATED)
    per_seed = 1 + sum(len(real_rows(t.name)) for t in multiplied_tables(spec)) + len(real_rows("sentences")) + 1
    # each copy after the first has one sentence more than the real seed: its marker paragraph
    rows = once + per_seed * SEEDS - 1
    spans = SEEDS * sum(len(real_rows(t.name)) for t in multiplied_tables(spec)) + sum(
        len(real_rows(name)) for name in RESTATED | ENTITIES if next(t for t in spec.tables if t.name == name).has_evidence)
    assert (summary.rows, summary.evidence_spans) == (rows, spans)
    assert result.stdout.strip().splitlines()[-1] == \
        f"valid: {len(spec.tables)} tables, {rows} rows, {spans} evidence spans verified, 0 problems"


def test_ten_seed_package_builds(ten, tmp_path):
    package, _ = ten
    database = tmp_path / "ten.db"
    result = run_main(build_main, "--root", str(package), "--output", str(database))
    assert result.returncode == 0, result.output[-3000:]
    connection = sqlite3.connect(database)
    try:
        for table, copies in (("sources", SEEDS), ("persons", 1), ("quotes", SEEDS), ("mentions", SEEDS),
                              ("cameo_codes", 1)):
            count = connection.execute(f'select count(*) from "{table}"').fetchone()[0]
            assert count == len(real_rows(table)) * copies, table
    finally:
        connection.close()


def test_each_seed_is_distinct_and_hashed_and_copy_zero_is_the_real_one(ten):
    package, _ = ten
    _, sources = read_csv(package / "data" / "sources.csv")
    assert len(sources) == SEEDS
    digests = set()
    real = SEED.read_text(encoding="utf-8")
    for source in sources:
        data = (package / source["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == source["sha256"]
        digests.add(source["sha256"])
        text = data.decode("utf-8")
        body, _, last_line = real.rpartition("\n")
        assert text == real or (text.startswith(body + "\n") and text.endswith("\n" + last_line)), source["path"]
    assert len(digests) == SEEDS
    assert (package / "seeds" / SEED.name).read_bytes() == SEED.read_bytes()


def test_sentences_are_what_the_sentence_splitter_makes(ten):
    package, _ = ten
    assert sentences.render(package) == (package / "data" / "sentences.csv").read_text(encoding="utf-8")


def test_every_id_of_a_copy_points_into_the_same_copy(ten):
    """A copy's own ids carry its suffix; its references to the shared entities carry none."""
    package, _ = ten
    spec = load_spec(package)
    shared = shared_tables(spec)
    _, sources = read_csv(package / "data" / "sources.csv")
    suffix_of_source = {s["source_id"]: s["source_id"].removeprefix(real_rows("sources")[0]["source_id"]) for s in sources}
    assert sorted(suffix_of_source.values()) == [""] + [f"-c{k:04d}" for k in range(1, SEEDS)]
    for table in multiplied_tables(spec):
        to_shared = {name for fk in table.foreign_keys if fk["reference"].get("resource") in shared
                     for name in (fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]])}
        id_fields = [f.name for f in table.fields if f.constraints.get("pattern") == SLUG_PATTERN
                     and f.name not in to_shared | {"source_id", "sentence_id", "participant_id"}]
        _, rows = read_csv(package / table.data_path)
        assert len(rows) == SEEDS * len(real_rows(table.name))
        for row in rows:
            assert row["sentence_id"].startswith(row["source_id"] + "-s")
            copy_suffixes = {re.search(r"(-c\d{4})?$", row[name]).group(0) for name in id_fields if row[name]}
            assert copy_suffixes == {suffix_of_source[row["source_id"]]}, (table.name, row)
            assert not any(re.search(r"-c\d{4}$", row[name]) for name in to_shared if row[name]), (table.name, row)


def test_entities_are_shared_and_mentioned_in_every_copy(ten):
    package, _ = ten
    for table in ENTITIES:
        assert read_csv(package / "data" / f"{table}.csv")[1] == real_rows(table)
    mentioned = {(m["source_id"], m["person_id"]) for m in read_csv(package / "data" / "mentions.csv")[1] if m["person_id"]}
    assert len({source for source, person in mentioned if person == "bilawal-bhutto-zardari"}) == SEEDS


def test_vocabularies_are_shared_not_multiplied(ten):
    package, _ = ten
    for table in ("cameo_codes", "plover_categories"):
        assert read_csv(package / "data" / f"{table}.csv")[1] == real_rows(table)


def test_generator_refuses_to_write_into_the_repository(tmp_path):
    before = snapshot(ROOT / "data")
    for args in (("2", str(ROOT)), ("2", str(ROOT / "data")), ("0", str(tmp_path / "zero"))):
        result = run_main(synthetic_main, *args)
        assert result.returncode == 2 and result.stderr.startswith("synthetic: ") and "Traceback" not in result.output
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    # the suite's one `python -m scripts.synthetic`; the other calls run its main in this process
    result = run_module("scripts.synthetic", "2", str(tmp_path / "notes"))
    assert result.returncode == 2 and "not a package" in result.stderr
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"
    assert snapshot(ROOT / "data") == before


def test_a_name_stays_unique_across_the_corpus(tmp_path, capsys):
    """Two copies name the same people with one row each (valid above); a second person with a name is refused."""
    package = tmp_path / "two"
    generate(2, package)
    line = set_cell(package, "persons", "person_id", "marco-rubio", "other_names", "Donald Trump")
    assert check.main([str(package / "datapackage.json")]) == 1
    out = capsys.readouterr().out
    assert f"data/persons.csv:{line}: [persons.other_names] name-shared: " in out and "donald-trump" in out


# ---------------------------------------------------------------- the check's speed-ups keep its verdicts

ODD_VALUES = ["", "x", "X", "a b", "-1", "0", "1", "12", "true", "false", "True", "2025-06-04", "2025-02-30",
              "2025-06-04T18:43:00", "2025-13-01T00:00:00", "direct", "leader", "state", "occurred", "day", "010",
              "CONSULT", "ACCUSE", "a" * 81, "seeds/x.txt", "0" * 64, "slug-like-id", "Trailing-", " padded"]


def test_quick_row_test_agrees_with_jsonschema_on_real_and_broken_rows():
    """The quick test skips jsonschema for a row only when jsonschema would find nothing in it."""
    spec = load_spec(ROOT)
    chance = random.Random(7)
    checked = rejected = 0
    for table in spec.tables:
        validator = row_validator(table)
        quick = quick_row_test(table, validator.format_checker)
        assert quick is not None, f"{table.name}: the schema uses a keyword the quick test does not know"
        rows = real_rows(table.name)
        candidates = [dict(row) for row in rows]
        for row in rows[:2]:
            for name in table.field_names:
                for value in ODD_VALUES + [chance.choice(rows)[other] for other in table.field_names]:
                    candidates.append({**row, name: value})
            for _ in range(30):  # several fields broken at once
                candidates.append({**row, **{name: chance.choice(ODD_VALUES) for name in chance.sample(table.field_names, min(3, len(table.field_names)))}})
        for cells in candidates:
            typed = typed_row(table, cells)
            valid = not any(True for _ in validator.iter_errors(typed))
            assert quick(typed) == valid, (table.name, cells)
            checked += 1
            rejected += not valid
    assert rejected > 1000 and checked - rejected > 200


def test_parallel_frictionless_layer_reports_what_the_in_process_one_does(package, monkeypatch, capsys):
    set_cell(package, "persons", "person_id", "sarfaraz-ahmad", "party_id", "jmmx")
    path = package / "data" / "source_notes.csv"
    header, rows = read_csv(path)
    path.write_bytes(path.read_bytes() + (",".join(f'"{rows[-1][h]}"' for h in header) + "\n").encode("utf-8"))
    descriptor = str(package / "datapackage.json")
    nothing_known(monkeypatch)  # each run validates every table itself
    monkeypatch.setattr(layer_b, "CHILD_FROM_BYTES", 0)  # the first in a forked child
    assert check.main([descriptor, "--format", "json"]) == 1
    parallel = json.loads(capsys.readouterr().out)
    nothing_known(monkeypatch)
    monkeypatch.setattr(layer_b, "start_frictionless", lambda *args: None)
    assert check.main([descriptor, "--format", "json"]) == 1
    in_process = json.loads(capsys.readouterr().out)
    assert parallel == in_process
    frictionless = next(layer for layer in parallel["layers"] if layer["layer"] == "b")["problems"]
    assert {(p["table"], p["field"], p["code"]) for p in frictionless} == {
        ("persons", "party_id", "foreign-key"), ("source_notes", "note_id", "primary-key")}


def test_timings_flag_adds_a_stderr_line_and_leaves_the_report_alone(real_check, capsys):
    plain_out = real_check.stdout.split("--- json ---\n")[0]  # the session's plain run (tests/conftest.py)
    assert real_check.returncode == 0 and real_check.stderr == ""
    assert check.main([str(ROOT / "datapackage.json"), "--timings"]) == 0
    timed = capsys.readouterr()
    assert plain_out == timed.out
    line = timed.err.strip().splitlines()[-1]
    assert line.startswith("timings ") and set("abcdef") <= set(json.loads(line.removeprefix("timings ")))


def test_bench_report_replaces_only_its_own_block(tmp_path):
    report = tmp_path / "benchmarks.md"
    report.write_text(f"# Benchmarks\n\nfindings before\n\n{START}\nold table\n{END}\n\nfindings after\n", encoding="utf-8")
    write_report(report, f"{START}\nnew table\n{END}\n")
    assert report.read_text(encoding="utf-8") == f"# Benchmarks\n\nfindings before\n\n{START}\nnew table\n{END}\n\nfindings after\n"
