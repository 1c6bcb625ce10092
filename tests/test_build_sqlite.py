"""The SQLite build (python -m scripts.build_sqlite) on the real package: the database against the CSVs and the
schemas, search, views, reproducibility; and on broken copies and interrupted builds: the previous database stays
byte-identical and no half-written file is left."""
from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import time

import pytest
import yaml

from scripts import build_sqlite
from scripts.build_sqlite import BUILD_STEPS, build_database
from scripts.build_sqlite import main as build_main
from scripts.datasette_config import EVIDENCE_VIEW, SOURCE_TEXTS, TABLES_CONFIG
from scripts.schemas import load_spec
from scripts.seeds import read_seed
from tests.conftest import ROOT, copy_package, read_csv, run_main, run_module, set_cell

SPEC = load_spec(ROOT)
PACKAGE_NAME = SPEC.metadata["name"]


@pytest.fixture
def db(built_db):
    connection = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def csv_rows(table: str) -> list[dict]:
    return read_csv(ROOT / "data" / f"{table}.csv")[1]


def expected_value(field_type: str, cell: str):
    """What a CSV cell must be in the database, by the rule the build documents (written here independently)."""
    if cell == "":
        return None
    return {"integer": int, "number": float, "boolean": lambda c: {"true": 1, "false": 0}[c]}.get(field_type, str)(cell)


def test_every_resource_is_a_table_with_the_csv_columns_types_and_rows(db):
    for table in SPEC.tables:
        header, rows = read_csv(ROOT / table.data_path)
        info = db.execute(f'pragma table_info("{table.name}")').fetchall()
        assert [c["name"] for c in info] == header, table.name
        for column in info:
            field = table.field(column["name"])
            assert column["type"] == {"integer": "INTEGER", "boolean": "INTEGER", "number": "REAL"}.get(field.type, "TEXT"), field.name
            assert bool(column["notnull"]) == field.required, f"{table.name}.{field.name} NOT NULL"
        assert [c["name"] for c in sorted((c for c in info if c["pk"]), key=lambda c: c["pk"])] == table.primary_key
        stored = [tuple(r) for r in db.execute(f'select * from "{table.name}" order by rowid')]
        assert stored == [tuple(expected_value(table.field(h).type, row[h]) for h in header) for row in rows], table.name
        assert "STRICT" in db.execute("select sql from sqlite_master where name = ?", [table.name]).fetchone()[0]


def test_foreign_keys_are_real_constraints_each_with_an_index(db, built_db, tmp_path):
    for table in SPEC.tables:
        declared = {(fk["fields"], fk["reference"]["resource"], fk["reference"]["fields"]) for fk in table.foreign_keys}
        actual = {(fk["from"], fk["table"], fk["to"]) for fk in db.execute(f'pragma foreign_key_list("{table.name}")')}
        assert actual == declared, table.name
        leading_columns = {db.execute(f'pragma index_info("{index["name"]}")').fetchone()["name"]
                           for index in db.execute(f'pragma index_list("{table.name}")')}
        for column, _, _ in declared:
            assert column in leading_columns, f"no index on {table.name}.{column}"
    # Real constraints: SQLite itself refuses a row that points nowhere.
    writable = shutil.copy(built_db, tmp_path / "writable.db")
    connection = sqlite3.connect(writable)
    connection.execute("pragma foreign_keys = on")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        connection.execute("update persons set party_id = 'no-such-party' where person_id = 'shashi-tharoor'")
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        connection.execute("update persons set name = null where person_id = 'shashi-tharoor'")
    connection.close()


def test_full_text_search_with_porter_stemming(db):
    searched = {name: settings["search"] for name, settings in
                yaml.safe_load(TABLES_CONFIG.read_text(encoding="utf-8")).items()
                if settings and settings.get("search")}
    assert {"quotes": ["text"], "sentences": ["text"], "events": ["description"]}.items() <= searched.items()
    assert {"name", "other_names"} <= set(searched["persons"])
    for table, columns in searched.items():
        sql = db.execute("select sql from sqlite_master where name = ?", [f"{table}_fts"]).fetchone()[0]
        assert "fts5" in sql.lower() and "tokenize='porter'" in sql, sql
        assert db.execute(f'select count(*) from "{table}_fts"').fetchone()[0] == len(csv_rows(table))

    def search(table, words):
        return {r[0] for r in db.execute(
            f'select t.rowid from "{table}" t join "{table}_fts" f on f.rowid = t.rowid where "{table}_fts" match ?',
            [words])}

    # 'meeting' finds 'meet', 'meets' and 'meetings' (stemming), and nothing else
    expected = {i + 1 for i, row in enumerate(csv_rows("events")) if re.search(r"\bmeet(s|ing|ings)?\b", row["description"])}
    assert len(expected) >= 2 and search("events", "meeting") == expected
    # persons are found by any of their names
    bhutto = [row["person_id"] for row in csv_rows("persons") if "Bhutto" in row["name"] + row["other_names"]]
    assert [db.execute("select person_id from persons where rowid = ?", [r]).fetchone()[0]
            for r in search("persons", "Bhutto")] == bhutto


def test_views_answer_the_questions_asked_most(db):
    persons = {row["person_id"]: row for row in csv_rows("persons")}
    members = csv_rows("delegation_members")
    roster = db.execute("select * from delegation_rosters").fetchall()
    assert sorted((r["delegation_id"], r["person_id"], r["role"]) for r in roster) == \
        sorted((m["delegation_id"], m["person_id"], m["role"]) for m in members)
    assert all(r["person"] == persons[r["person_id"]]["name"] for r in roster)
    for delegation in {m["delegation_id"] for m in members}:
        assert [r["role"] for r in roster if r["delegation_id"] == delegation][0] == "leader"

    quotes = {row["quote_id"]: row for row in csv_rows("quotes")}
    organizations = {row["organization_id"]: row for row in csv_rows("organizations")}
    view = db.execute("select quote_id, speaker, sentence from quotes_with_speakers").fetchall()
    assert {r["quote_id"] for r in view} == set(quotes)
    sentences = {row["sentence_id"]: row["text"] for row in csv_rows("sentences")}
    for r in view:
        quote = quotes[r["quote_id"]]
        speaker = persons.get(quote["speaker_person_id"]) or organizations[quote["speaker_organization_id"]]
        assert r["speaker"] == speaker["name"] and r["sentence"] == sentences[quote["sentence_id"]]

    timeline = db.execute("select event_id, date_start, participants from event_timeline").fetchall()
    dates = [r["date_start"] for r in timeline]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated) and dates[:len(dated)] == dated  # dated events first, in date order
    assert {r["event_id"] for r in timeline} == {row["event_id"] for row in csv_rows("events")}
    guterres = next(r for r in timeline if r["event_id"] == "bilawal-meets-guterres")
    assert "Antonio Guterres (participant)" in guterres["participants"]


def test_evidence_spans_gather_every_cited_span_and_offsets_count_code_points(db):
    expected = sorted((table.name, ",".join(row[k] for k in table.primary_key))
                      for table in SPEC.tables if table.has_evidence for row in csv_rows(table.name))
    assert sorted((r[0], r[1]) for r in db.execute(f"select table_name, row_id from {EVIDENCE_VIEW}")) == expected
    mismatched = db.execute(f"""select count(*) from {EVIDENCE_VIEW} e join {SOURCE_TEXTS} t using (source_id)
        where substr(t.text, e.evidence_start + 1, e.evidence_end - e.evidence_start) <> e.evidence""").fetchone()[0]
    assert mismatched == 0


def test_source_texts_hold_each_seed_exactly(db):
    for source in csv_rows("sources"):
        stored = db.execute(f"select text from {SOURCE_TEXTS} where source_id = ?", [source["source_id"]]).fetchone()
        assert stored[0] == read_seed(ROOT / source["path"])


def test_build_is_reproducible(built_db, tmp_path):
    again = build_database(ROOT, tmp_path / "again.db")
    assert again.read_bytes() == built_db.read_bytes()


def test_cli_writes_the_default_path_of_the_package(tmp_path):
    package = copy_package(tmp_path / "package")
    result = run_main(build_main, "--root", str(package))
    assert result.returncode == 0, result.output
    output = package / "build" / f"{PACKAGE_NAME}.db"
    assert result.stdout.startswith(f"wrote {output}") and output.is_file()
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name]


@pytest.mark.parametrize("table, key, row, field, value", [
    ("persons", "person_id", "shashi-tharoor", "party_id", "no-such-party"),  # the build alone would succeed
    ("delegations", "delegation_id", "pakistani-delegation", "stated_size", "nine"),  # the build alone would fail
])
def test_an_invalid_package_is_refused_and_the_previous_database_kept(tmp_path, built_db, table, key, row, field, value):
    package = copy_package(tmp_path / "package")
    output = package / "build" / f"{PACKAGE_NAME}.db"
    output.parent.mkdir()
    shutil.copy(built_db, output)
    before = output.read_bytes()
    line = set_cell(package, table, key, row, field, value)
    result = run_main(build_main, "--root", str(package))
    assert result.returncode == 1
    assert f"data/{table}.csv:{line}: [{table}.{field}]" in result.stderr
    assert "`make check` rejects the package" in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.output
    assert output.read_bytes() == before
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name]


def test_an_unusable_package_is_refused_with_a_message(tmp_path):
    # the suite's one `python -m scripts.build_sqlite` that runs to its end (a terminated one is below); the other
    # tests call its main in this process
    result = run_module("scripts.build_sqlite", "--root", str(tmp_path), "--output", str(tmp_path / "x.db"))
    assert result.returncode == 1 and "the package cannot be checked" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "x.db").exists()
    result = run_main(build_main, "--root", str(tmp_path))
    assert result.returncode == 1 and "the package cannot be checked" in result.stderr and "descriptor-missing" in result.stderr


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("failure", [Interrupted, KeyboardInterrupt])
@pytest.mark.parametrize("step", range(len(BUILD_STEPS) + 1), ids=[s.__name__ for s in BUILD_STEPS] + ["rename"])
def test_a_build_that_fails_at_any_point_leaves_the_previous_database(tmp_path, monkeypatch, step, failure):
    output = tmp_path / "build" / f"{PACKAGE_NAME}.db"
    output.parent.mkdir()
    output.write_bytes(b"the previous database")
    if step < len(BUILD_STEPS):
        original = BUILD_STEPS[step]

        def fail_after(*args):
            original(*args)  # the step has written part of the database when the failure comes
            raise failure("simulated failure")

        monkeypatch.setattr(build_sqlite, "BUILD_STEPS", BUILD_STEPS[:step] + (fail_after,) + BUILD_STEPS[step + 1:])
    else:
        def failing_replace(*args):
            raise failure("simulated failure")
        monkeypatch.setattr(build_sqlite.os, "replace", failing_replace)
    with pytest.raises(failure):
        build_database(ROOT, output)
    assert output.read_bytes() == b"the previous database"
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name]


def test_a_terminated_build_process_leaves_the_previous_database(tmp_path, built_db):
    """SIGTERM to `python -m scripts.build_sqlite` while it writes (a child forked from this warm process runs the
    module as __main__, tests/measured.py, so its own handler is what unwinds): the previous database stays."""
    from tests.measured import fork_module

    package = copy_package(tmp_path / "package")
    output = package / "build" / f"{PACKAGE_NAME}.db"
    output.parent.mkdir()
    before = built_db.read_bytes()
    for attempt in range(5):  # the scratch file lives a fraction of a second: on a busy machine a try may miss it
        output.write_bytes(before)
        scratch = tmp_path / f"child-{attempt}"
        scratch.mkdir()
        child = fork_module("scripts.build_sqlite", ["--root", str(package)], ROOT, scratch)
        deadline = time.monotonic() + 60
        while not list(output.parent.glob("*.partial")) and child.running() and time.monotonic() < deadline:
            time.sleep(0.002)  # until the scratch file is being written
        if child.running():
            os.kill(child.pid, signal.SIGTERM)
            code, _ = child.wait(timeout=30)
            break
        child.wait(timeout=30)
    else:
        pytest.fail("five builds ended before any could be stopped while writing")
    assert code == 128 + signal.SIGTERM, child.output("stderr")
    assert output.read_bytes() == before
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name]
