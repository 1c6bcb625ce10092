"""Datasette on the built database, through its in-process client (the instance `make serve` runs, from
scripts/datasette_app.make_datasette): pages, labels, search, canned queries, metadata, the annotated article,
escaping of markup in the data, and the hardening (read-only, time limit, row cap, no writes, 127.0.0.1)."""
from __future__ import annotations

import functools
import hashlib
import html
import importlib.util
import json
import re
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from markupsafe import escape

from scripts.build_sqlite import build_database
from scripts.datasette_app import SETTINGS, inspect_data, make_datasette, stored_metadata
from scripts.datasette_app import main as app_main
from scripts.datasette_config import PLUGINS_DIR, QUERIES_CONFIG, TABLES_CONFIG, VIEWS_CONFIG, article_path
from scripts.datasette_metadata import build_metadata, stored_form
from scripts.package import main as package_main
from scripts.schemas import load_spec
from scripts.sentences import main as sentences_main
from tests.conftest import ROOT, copy_package, read_csv, set_cell, write_csv

pytestmark = pytest.mark.anyio
SPEC = load_spec(ROOT)
NAME = SPEC.metadata["name"]
DB = f"/{NAME}"
SOURCE = "myind-2025-06-04-bhutto-isi-raw"
ARTICLE = article_path(SOURCE)
MARKUP = "<script>alert('x')</script> & AT&T <b>bold</b>"
VIEWS = yaml.safe_load(VIEWS_CONFIG.read_text(encoding="utf-8"))
QUERIES = yaml.safe_load(QUERIES_CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module")
def built(built_db) -> Path:
    return built_db


@pytest.fixture(scope="module")
def ds(built):
    return make_datasette(built)


def rows_of(table: str) -> list[dict]:
    return read_csv(ROOT / "data" / f"{table}.csv")[1]


async def get_json(ds, path: str) -> dict:
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


async def query(ds, name: str, **params) -> list[dict]:
    return (await get_json(ds, f"{DB}/{name}.json?" + urlencode({**params, "_shape": "objects"})))["rows"]


def sql_path(sql: str) -> str:
    return f"{DB}.json?" + urlencode({"sql": sql})


def visible_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# ---------------------------------------------------------------- pages, labels, search

async def test_every_table_and_view_page_shows_its_title_description_and_rows(ds):
    for table in SPEC.tables:
        response = await ds.client.get(f"{DB}/{table.name}")
        assert response.status_code == 200, table.name
        assert f">{escape(table.title)}</h1>" in response.text and escape(table.description) in response.text
        data = await get_json(ds, f"{DB}/{table.name}.json?_size=0")
        assert data["filtered_table_rows_count"] == len(rows_of(table.name)), table.name
    for view in [*VIEWS, "evidence_spans"]:
        response = await ds.client.get(f"{DB}/{view}")
        assert response.status_code == 200, view
    assert len((await get_json(ds, f"{DB}/delegation_rosters.json?_size=max"))["rows"]) == len(rows_of("delegation_members"))


async def test_foreign_keys_show_the_names_and_rows_list_what_points_at_them(ds):
    persons = {p["person_id"]: p["name"] for p in rows_of("persons")}
    data = await get_json(ds, f"{DB}/delegation_members.json?_labels=on&_size=max")
    for row in data["rows"]:
        assert row["person_id"] == {"value": row["person_id"]["value"], "label": persons[row["person_id"]["value"]]}
    page = (await ds.client.get(f"{DB}/roles")).text
    assert ">Pakistan Peoples Party</a>" in page and ">Antonio Guterres</a>" in page
    # the row page of a person lists the rows of other tables that point at it, with their counts
    row_page = (await ds.client.get(f"{DB}/persons/bilawal-bhutto-zardari")).text
    for table, column in (("roles", "person_id"), ("quotes", "speaker_person_id"), ("delegation_members", "person_id")):
        count = sum(1 for r in rows_of(table) if r[column] == "bilawal-bhutto-zardari")
        assert re.search(rf">\s*{count} rows?</a>\s*from {column} in {table}\s*<", row_page), (table, count)


async def test_search_uses_the_full_text_indexes(ds):
    found = await get_json(ds, f"{DB}/persons.json?_search=Bhutto&_shape=objects")
    assert [r["person_id"] for r in found["rows"]] == ["bilawal-bhutto-zardari"]
    expected = {r["event_id"] for r in rows_of("events") if re.search(r"\bmeet(s|ing|ings)?\b", r["description"])}
    found = await get_json(ds, f"{DB}/events.json?_search=meeting&_shape=objects&_size=max")
    assert {r["event_id"] for r in found["rows"]} == expected
    for table in ("quotes", "sentences"):
        found = await get_json(ds, f"{DB}/{table}.json?_search=terrorism&_shape=objects&_size=max")
        expected = {r[f"{table[:-1]}_id"] for r in rows_of(table) if re.search(r"\bterror(ism|ist|ists)?\b", r["text"], re.I)}
        assert {r[f"{table[:-1]}_id"] for r in found["rows"]} == expected and expected  # porter: terror, terrorism
    assert 'name="_search"' in (await ds.client.get(f"{DB}/quotes")).text


# ---------------------------------------------------------------- canned queries

async def test_every_canned_query_has_a_title_a_description_and_a_page(ds):
    metadata = await get_json(ds, "/-/metadata.json")
    queries = metadata["databases"][NAME]["queries"]
    assert set(queries) == set(QUERIES) >= {"who_said_what", "evidence_for_row", "delegation_roster", "timeline",
                                            "person_profile"}
    for name, definition in queries.items():
        assert definition["title"] and definition["description"], name
        page = (await ds.client.get(f"{DB}/{name}")).text
        assert escape(definition["title"]) in page and escape(definition["description"]) in page


async def test_who_said_what(ds):
    quotes = rows_of("quotes")
    by_person = await query(ds, "who_said_what", speaker="bilawal-bhutto-zardari")
    assert sorted(r["quote_id"] for r in by_person) == sorted(q["quote_id"] for q in quotes
                                                              if q["speaker_person_id"] == "bilawal-bhutto-zardari")
    by_name = await query(ds, "who_said_what", speaker="Bhutto")
    assert [r["quote_id"] for r in by_name] == [r["quote_id"] for r in by_person]
    by_state = await query(ds, "who_said_what", speaker="india")
    assert {r["quote_id"] for r in by_state} == {q["quote_id"] for q in quotes if q["speaker_organization_id"] == "india"}
    assert len(await query(ds, "who_said_what", speaker="")) == len(quotes)


async def test_evidence_for_a_row_gives_its_sentence_with_the_span_highlighted(ds):
    member = next(r for r in rows_of("delegation_members") if r["person_id"] == "shashi-tharoor")
    sentence = next(s for s in rows_of("sentences") if s["sentence_id"] == member["sentence_id"])
    offset = int(member["evidence_start"]) - int(sentence["start"])
    result = await query(ds, "evidence_for_row", table="delegation_members", id="indian-delegation,shashi-tharoor")
    assert len(result) == 1
    assert result[0]["sentence"] == sentence["text"]
    assert result[0]["highlighted_sentence"] == (sentence["text"][:offset] + "⟦" + member["evidence"] + "⟧"
                                                 + sentence["text"][offset + len(member["evidence"]):])
    role_id = "shashi-tharoor-chairperson-standing-committee-external-affairs"
    page = (await ds.client.get(f"{DB}/evidence_for_row?table=roles&id={role_id}")).text
    role = next(r for r in rows_of("roles") if r["role_id"] == role_id)
    assert f"<mark>{escape(role['evidence'])}</mark>" in page
    assert await query(ds, "evidence_for_row", table="roles", id="nobody") == []


async def test_a_delegations_roster(ds):
    members = [m for m in rows_of("delegation_members") if m["delegation_id"] == "pakistani-delegation"]
    persons = {p["person_id"]: p["name"] for p in rows_of("persons")}
    roster = await query(ds, "delegation_roster", delegation="pakistani-delegation")
    assert sorted(r["person"] for r in roster) == sorted(persons[m["person_id"]] for m in members)
    assert roster[0]["role"] == "leader" and roster[0]["person_id"] == next(
        m["person_id"] for m in members if m["role"] == "leader")
    assert [r["person"] for r in await query(ds, "delegation_roster", delegation="Pakistani")] == [r["person"] for r in roster]


async def test_the_timeline_between_two_dates(ds):
    def overlaps_may(event):
        end = event["date_end"] or event["date_start"]
        return event["date_start"] and event["date_start"] <= "2025-05-31" and end >= "2025-05-01"

    may = await query(ds, "timeline", date_from="2025-05-01", date_to="2025-05-31")
    assert sorted(r["event_id"] for r in may) == sorted(e["event_id"] for e in rows_of("events") if overlaps_may(e))
    assert [r["date_start"] for r in may] == sorted(r["date_start"] for r in may)
    everything_dated = await query(ds, "timeline", date_from="", date_to="")
    assert len(everything_dated) == sum(1 for e in rows_of("events") if e["date_start"])


async def test_everything_about_one_person(ds):
    person = "shashi-tharoor"
    facts = await query(ds, "person_profile", person=person)
    delegations = {m["delegation_id"] for m in rows_of("delegation_members") if m["person_id"] == person}
    participations = rows_of("event_participants")
    expected = (
        [("role", r["role_id"]) for r in rows_of("roles") if r["person_id"] == person]
        + [("delegation", f"{m['delegation_id']},{person}") for m in rows_of("delegation_members") if m["person_id"] == person]
        + [("quote", q["quote_id"]) for q in rows_of("quotes") if q["speaker_person_id"] == person]
        + [("event", f"{p['event_id']},{p['participant_id']}") for p in participations if p["person_id"] == person]
        + [("event with a delegation", f"{p['event_id']},{p['participant_id']}") for p in participations
           if p["delegation_id"] in delegations])
    assert sorted((f["kind"], f["row_id"]) for f in facts) == sorted(expected)
    assert {f["person"] for f in facts} == {"Shashi Tharoor"}
    page = (await ds.client.get(f"{DB}/person_profile?person={person}")).text
    assert f'href="{DB}/roles/shashi-tharoor-chairperson-standing-committee-external-affairs"' in page


# ---------------------------------------------------------------- metadata

async def test_metadata_is_derived_from_the_package_and_the_schemas(ds):
    metadata = await get_json(ds, "/-/metadata.json")
    package = SPEC.metadata
    assert metadata["title"] == package["title"] and metadata["description"] == package["description"]
    assert (metadata["license"], metadata["license_url"]) == (package["licenses"][0]["name"], package["licenses"][0]["path"])
    source = rows_of("sources")[0]
    assert source["title"] in metadata["source"] and metadata["source_url"] == ARTICLE
    assert package["version"] in metadata["about"]
    tables = metadata["databases"][NAME]["tables"]
    presentation = yaml.safe_load(TABLES_CONFIG.read_text(encoding="utf-8"))
    for table in SPEC.tables:
        entry = tables[table.name]
        assert (entry["title"], entry["description"]) == (table.title, table.description)
        assert list(entry["columns"]) == table.field_names
        for f in table.fields:
            assert f.description in entry["columns"][f.name]
        settings = presentation.get(table.name) or {}
        assert entry.get("label_column") == settings.get("label_column")
        assert entry.get("facets", []) == settings.get("facets", [])
        assert ("fts_table" in entry) == bool(settings.get("search"))
    assert tables["quotes"]["facets"][:2] == ["kind", "speaker_person_id"]
    assert {"status", "cameo_code"} <= set(tables["events"]["facets"])
    assert "classification" in tables["organizations"]["facets"] and "status" in tables["roles"]["facets"]
    assert "gazetteer" in tables["places"]["columns"]["geonames_id"]


async def test_every_view_column_is_described(ds, built):
    metadata = (await get_json(ds, "/-/metadata.json"))["databases"][NAME]["tables"]
    connection = sqlite3.connect(f"file:{built}?mode=ro", uri=True)
    views = [name for (name,) in connection.execute("select name from sqlite_master where type = 'view'")]
    assert set(views) == {*VIEWS, "evidence_spans"}
    for view in views:
        columns = [d[0] for d in connection.execute(f'select * from "{view}" limit 0').description]
        assert list(metadata[view]["columns"]) == columns, view
        assert all(metadata[view]["columns"].values()) and metadata[view]["description"]
    connection.close()
    assert metadata["delegation_rosters"]["columns"]["person"] == \
        (await get_json(ds, "/-/metadata.json"))["databases"][NAME]["tables"]["persons"]["columns"]["name"]


def test_metadata_follows_a_change_of_the_schemas(tmp_path):
    package = copy_package(tmp_path / "package")
    schema_file = package / "schemas" / "parties.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["properties"]["name"]["description"] = "changed in the JSON Schema only"
    schema["description"] = "A new table description."
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    assert package_main(["--root", str(package)]) == 0  # `make package`: the metadata is made from checked packages only
    parties = build_metadata(package)["databases"][NAME]["tables"]["parties"]
    assert parties["description"] == "A new table description."
    assert "changed in the JSON Schema only" in parties["columns"]["name"]
    served = stored_metadata(build_database(package, tmp_path / "renamed.db"))  # what the server shows of the build
    assert served["databases"]["renamed"]["tables"]["parties"] == parties


async def test_the_server_shows_the_metadata_the_build_generated_and_reads_no_file_of_the_package(tmp_path):
    """The metadata travels in the database (table datasette_metadata): a database whose package is gone is served
    with every title, description and query, equal to what build_metadata generates from the checked package."""
    package = copy_package(tmp_path / "package")
    expected = build_metadata(package)
    db = build_database(package, tmp_path / "served" / f"{NAME}.db")
    shutil.rmtree(package)
    ds = make_datasette(db)
    assert ds.metadata() == expected
    page = await ds.client.get(f"{DB}/parties")
    assert page.status_code == 200 and html.escape(expected["databases"][NAME]["tables"]["parties"]["title"]) in page.text


@pytest.fixture
def not_served(monkeypatch):
    """app_main stops where it would start uvicorn: a database it accepts fails the test instead of being served."""
    import uvicorn

    def accepted(*args, **kwargs):
        raise AssertionError("the database was accepted and would be served")
    monkeypatch.setattr(uvicorn, "run", accepted)


def database_with(path: Path, *statements: tuple, base: Path | None = None) -> Path:
    """A copy of base (else a database of one small table), changed by the statements (sql, parameters)."""
    if base is not None:
        shutil.copyfile(base, path)
    connection = sqlite3.connect(path)
    if base is None:
        connection.execute("create table persons (person_id text primary key)")
    for sql, *parameters in statements:
        connection.execute(sql, *parameters)
    connection.commit()
    connection.close()
    return path


@functools.cache
def _stored_as_built() -> str:
    return json.dumps(stored_form(build_metadata(ROOT)))


def stored_as_built(change=None) -> str:
    """The metadata the build stores for the real package (stored_form), changed in place by change(top, database)."""
    metadata = json.loads(_stored_as_built())
    if change:
        change(metadata, metadata["databases"][NAME])
    return json.dumps(metadata)


def restored(change=None) -> tuple:
    return ("update datasette_metadata set metadata = ?", (stored_as_built(change),))


def test_the_metadata_as_the_build_stores_it_is_served_with_the_projects_queries(tmp_path, built):
    db = database_with(tmp_path / "other-name.db", restored(), base=built)
    served = stored_metadata(db)
    assert served["databases"]["other-name"]["queries"] == build_metadata(ROOT)["databases"][NAME]["queries"]
    assert "queries" not in json.loads(stored_as_built())["databases"][NAME]  # SQL is never taken from a database


# What a database altered after the build could ask Datasette to render as HTML, to load, to link to or to run,
# or pages it would answer with an error.
HOSTILE_METADATA = {
    "description-html": lambda top, db: top.update(description_html="<form action=//evil>"),
    "extra-js": lambda top, db: db.update(extra_js_urls=["/assets/x.js"]),
    "table-extra-css": lambda top, db: db["tables"]["persons"].update(extra_css_urls=["https://evil/x.css"]),
    "javascript-link": lambda top, db: top.update(license_url="javascript:alert(1)"),
    "protocol-relative-link": lambda top, db: top.update(source_url="//evil.example/article"),
    "quoted-table-name": lambda top, db: top["plugins"]["article"].update(texts_table='x" union select 1 --'),
    "other-stylesheet": lambda top, db: top["plugins"]["article"].update(stylesheet="https://evil/x.css"),
    "canned-attach": lambda top, db: db.update(queries={"q": {"title": "t", "description": "d",
                                                               "sql": "attach database '/etc/x.db' as other"}}),
    "markup-in-a-map": lambda top, db: top["plugins"]["article"]["span_entities"].update(x=["<b>"]),
    "lone-surrogate": lambda top, db: top.update(title="\ud800 title"),
    "sort-by-no-column": lambda top, db: db["tables"]["persons"].update(sort="nope"),
    "facet-no-column": lambda top, db: db["tables"]["persons"].update(facets=["nope"]),
    "search-no-index": lambda top, db: db["tables"]["persons"].update(fts_table="persons"),
    "no-such-table": lambda top, db: db["tables"].update(nope={"title": "t"}),
    "plugin-no-table": lambda top, db: top["plugins"]["article"].update(texts_table="nope"),
}


@pytest.mark.parametrize("change", HOSTILE_METADATA.values(), ids=HOSTILE_METADATA.keys())
def test_metadata_beyond_what_the_build_writes_is_refused(tmp_path, capsys, built, not_served, change):
    db = database_with(tmp_path / f"{NAME}.db", restored(change), base=built)
    assert app_main(["--db", str(db), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "is not what the build writes" in err and "make build" in err and "Traceback" not in err


ENDLESS = "with recursive r(x) as (select 1 union all select x + 1 from r) select x as metadata from r"
# A database that would make the server's start hang, grow or crash in its workers: refused at once by the command.
ODD_DATABASES = {
    "endless-view": [("drop table datasette_metadata",), (f"create view datasette_metadata as {ENDLESS}",)],
    "view-of-a-huge-value": [("drop table datasette_metadata",), (
        "create view datasette_metadata as select printf('%.*c', 999999990, 'x') as metadata",)],
    "huge-stored-value": [("update datasette_metadata set metadata = ?", ('"' + "x" * 5_000_000 + '"',))],
    "unknown-virtual-table": [("pragma writable_schema = on",), (
        "insert into sqlite_master values ('table', 'v', 'v', 0, 'create virtual table v using no_such_module()')",)],
    "fts4-over-an-endless-view": [(f"create view endless as {ENDLESS}",),
                                  ("create virtual table zz using fts4(metadata, content='endless')",)],
    "no-source-texts": [("drop table source_texts",)],
}


@pytest.mark.parametrize("statements", ODD_DATABASES.values(), ids=ODD_DATABASES.keys())
def test_a_database_the_workers_could_not_serve_is_refused_at_once(tmp_path, capsys, built, monkeypatch, not_served,
                                                                  statements):
    from scripts import datasette_app

    monkeypatch.setattr(datasette_app, "START_READ_SECONDS", 0.5)  # the bound is 10 s: the refusal is tested
    db = database_with(tmp_path / f"{NAME}.db", *statements, base=built)
    started = time.perf_counter()
    assert app_main(["--db", str(db), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "make build" in err and "Traceback" not in err and time.perf_counter() - started < 8, err


def test_a_generated_column_cannot_make_the_start_slow(tmp_path, built, monkeypatch):
    """SQLite's printf runs inside one step, where no time bound reaches: every connection the start opens has the
    bounded printf, which answers NULL at once past the length limit."""
    huge = "printf('%.*c', 2147483647, 'x')"
    db = tmp_path / f"{NAME}.db"
    shutil.copyfile(built, db)
    connection = sqlite3.connect(db)
    connection.create_function("printf", -1, lambda *args: None, deterministic=True)  # SQLite's own takes ~8 s a call here, as it would
    connection.executescript(f"""alter table datasette_metadata rename to kept;
        create table datasette_metadata (m text, metadata text as (coalesce({huge}, {huge}, {huge}, {huge}, m)));
        insert into datasette_metadata (m) select metadata from kept; drop table kept;""")
    connection.close()
    started = time.perf_counter()
    assert stored_metadata(db)["title"] == SPEC.metadata["title"]
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("directory", ["dir#1", "a?b", "a%2Fb"])
def test_a_database_path_datasette_cannot_open_is_refused(tmp_path, capsys, built, not_served, directory):
    (tmp_path / directory).mkdir()
    db = database_with(tmp_path / directory / f"{NAME}.db", base=built)
    assert app_main(["--db", str(db), "--port", "1"]) == 1
    assert "cannot open" in capsys.readouterr().err


def test_a_table_named_with_a_quote_is_counted(tmp_path):
    db = database_with(tmp_path / "x.db", ('create table "a""b" (x)',), ('insert into "a""b" values (1)',))
    assert inspect_data(db)["x"]["tables"]['a"b'] == {"count": 1}


def test_the_build_refuses_metadata_its_schema_does_not_describe(tmp_path, monkeypatch):
    """A generator that drifted from datasette/metadata.schema.json fails the build, not the server at start."""
    from scripts import datasette_metadata
    from scripts.build_sqlite import BuildRefused

    real = datasette_metadata.build_metadata
    monkeypatch.setattr(datasette_metadata, "build_metadata", lambda *a, **k: {**real(*a, **k), "new_key": "x"})
    with pytest.raises(BuildRefused, match="metadata.schema.json"):
        build_database(ROOT, tmp_path / "x.db")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("stored", [None, [], ["not json"], ['"a string"'], ['{"databases": {}}'],
                                    ['{"databases": {"a": {}, "b": {}}}'], ['{"databases": {"a": 1}}'],
                                    ['[' * 100_000], ['{}', '{}']],
                         ids=["no-table", "no-row", "not-json", "a-string", "no-database", "two-databases",
                              "entry-not-object", "deep", "two-rows"])
def test_a_database_without_its_metadata_is_refused_with_what_to_do(tmp_path, capsys, not_served, stored):
    db = tmp_path / f"{NAME}.db"
    connection = sqlite3.connect(db)
    connection.execute("create table persons (person_id text primary key)")
    if stored is not None:
        connection.execute("create table datasette_metadata (metadata text not null)")
        connection.executemany("insert into datasette_metadata values (?)", [(value,) for value in stored])
        connection.commit()
    connection.close()
    assert app_main(["--db", str(db), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "datasette_metadata" in err and "make build" in err and "Traceback" not in err


# ---------------------------------------------------------------- the annotated article

async def test_the_annotated_article(ds):
    response = await ds.client.get(ARTICLE)
    assert response.status_code == 200
    page = response.text
    article = re.search(r'<div class="article-text">(.*?)</div>', page, re.S).group(1)
    seed = (ROOT / rows_of("sources")[0]["path"]).read_bytes().decode("utf-8")
    # the whole text, exactly once: without the reference numbers, the marks hold the seed
    assert visible_text(re.sub(r"<sup .*?</sup>", "", article)) == seed
    cited = [(t.name, ",".join(r[k] for k in t.primary_key), r) for t in SPEC.tables if t.has_evidence
             for r in rows_of(t.name) if r["source_id"] == SOURCE]
    references = re.findall(r'<a class="c\d+" href="([^"]+)" title="[^"]*">(\d+)</a>', article)
    assert len(references) == len(cited)
    assert sorted(href for href, _ in references) == sorted(f"{DB}/{table}/{row_id}" for table, row_id, _ in cited)
    assert sorted(int(n) for _, n in references) == list(range(1, len(cited) + 1))
    for table, row_id, row in cited:  # each span carries the links to the rows it supports
        anchor = f'<sup class="refs" id="span-{row["evidence_start"]}-{row["evidence_end"]}">'
        assert anchor in article
        refs = article.split(anchor, 1)[1].split("</sup>", 1)[0]
        assert f'href="{DB}/{table}/{row_id}"' in refs
        assert seed[int(row["evidence_start"]):int(row["evidence_end"])] == row["evidence"]
    # a span cited by two rows: one mark, two links, marked as an overlap
    shared = next(r for r in rows_of("events") if r["event_id"] == "bilawal-repeats-willingness-for-dialogue")
    refs = article.split(f'id="span-{shared["evidence_start"]}-{shared["evidence_end"]}">', 1)[1].split("</sup>")[0]
    assert len(re.findall(r"<a ", refs)) >= 2
    assert re.search(r'<mark class="c\d+ overlap" data-layers="[2-9]"', article)
    legend = page.split('class="layer-tables"', 1)[1].split("</fieldset>", 1)[0]
    for table in {t for t, _, _ in cited}:
        assert f'href="{DB}/{table}"' in legend
    assert (await ds.client.get(article_path("no-such-source"))).status_code == 404


def test_crossing_and_identical_spans_are_cut_into_pieces_that_show_every_layer():
    spec = importlib.util.spec_from_file_location("article_plugin", PLUGINS_DIR / "article.py")
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)

    def span(n, start, end):
        return {"n": n, "start": start, "end": end, "colour": n, "table_title": "T", "row_id": f"r{n}"}

    # "abcdefgh": [0:4) and [2:6) cross; [2:4) is cited twice more, by two rows
    pieces = plugin.annotate("abcdefgh", [span(1, 0, 4), span(2, 2, 6), span(3, 2, 4), span(4, 2, 4)])
    shown = [(p["kind"], p["id"], [r["n"] for r in p["refs"]]) if p["kind"] == "refs"
             else (p["kind"], p["text"], p.get("layers", 0)) for p in pieces]
    assert shown == [("mark", "ab", 1), ("mark", "cd", 4), ("refs", "span-2-4", [3, 4]), ("refs", "span-0-4", [1]),
                     ("mark", "ef", 1), ("refs", "span-2-6", [2]), ("text", "gh", 0)]
    assert pieces[1]["colour"] == 3  # the innermost span colours the piece


async def test_the_article_is_linked_from_the_home_page_sources_and_every_evidence(ds):
    home = (await ds.client.get("/")).text
    assert f'href="{ARTICLE}"' in home and "Read the annotated article" in home
    sources = (await ds.client.get(f"{DB}/sources")).text
    assert f'<a class="article-link" href="{ARTICLE}"' in sources
    article = (await ds.client.get(ARTICLE)).text
    for page in (f"{DB}/quotes", f"{DB}/roles/shashi-tharoor-chairperson-standing-committee-external-affairs", f"{DB}/quotes_with_speakers",
                 f"{DB}/who_said_what?speaker="):
        links = re.findall(rf'class="evidence-link" href="{ARTICLE}#(span-\d+-\d+)"', (await ds.client.get(page)).text)
        assert links, page
        for anchor in links:
            assert f'id="{anchor}"' in article, (page, anchor)


# ---------------------------------------------------------------- markup in the data comes out escaped

def markup_package(target: Path) -> Path:
    """A valid copy of the package whose seed, a source note and a person's note hold markup."""
    package = copy_package(target)
    seed = package / rows_of("sources")[0]["path"]
    text = seed.read_bytes().decode("utf-8")
    assert text.endswith("\nComments")
    text = text.removesuffix("Comments") + f"A line for the test: {MARKUP}.\nComments"
    seed.write_bytes(text.encode("utf-8"))
    set_cell(package, "sources", "source_id", SOURCE, "sha256", hashlib.sha256(text.encode("utf-8")).hexdigest())
    assert sentences_main(["--root", str(package)]) == 0
    start = text.index(MARKUP)
    sentence = next(s for s in read_csv(package / "data" / "sentences.csv")[1]
                    if int(s["start"]) <= start < int(s["end"]))
    header, notes = read_csv(package / "data" / "source_notes.csv")
    notes.append({"note_id": "zz-markup-in-the-seed", "kind": "omission", "description": f"A note holding {MARKUP}",
                  "source_id": SOURCE, "sentence_id": sentence["sentence_id"], "evidence_start": str(start),
                  "evidence_end": str(start + len(MARKUP)), "evidence": MARKUP})
    write_csv(package / "data" / "source_notes.csv", header, notes)
    set_cell(package, "persons", "person_id", "shashi-tharoor", "note", f"A note holding {MARKUP}")
    return package


@pytest.fixture(scope="module")
def markup_ds(tmp_path_factory):
    package = markup_package(tmp_path_factory.mktemp("markup") / "package")
    return make_datasette(build_database(package, package / "build" / f"{NAME}.db"))


async def test_markup_in_the_data_comes_out_escaped(markup_ds):
    for path in (ARTICLE, f"{DB}/persons/shashi-tharoor", f"{DB}/persons", f"{DB}/source_notes",
                 "/person/shashi-tharoor",
                 f"{DB}/evidence_for_row?table=source_notes&id=zz-markup-in-the-seed"):
        page = (await markup_ds.client.get(path)).text
        assert "<script>alert" not in page and "<b>bold" not in page, path
        assert re.search(r"&lt;script&gt;alert\((&#39;|&#x27;|')x(&#39;|&#x27;|')\)&lt;/script&gt; &amp; AT&amp;T", page), path
    article = (await markup_ds.client.get(ARTICLE)).text
    assert re.search(r'<mark class="c\d+"[^>]*>&lt;script&gt;alert', article)


# ---------------------------------------------------------------- hardening

async def test_a_runaway_query_is_cut_off(ds):
    started = time.monotonic()
    response = await ds.client.get(sql_path("with recursive c(x) as (select 1 union all select x + 1 from c) "
                                            "select count(*) from c"))
    assert response.status_code == 400 and "too long" in response.json()["error"]
    assert time.monotonic() - started < 10 * SETTINGS["sql_time_limit_ms"] / 1000


async def test_the_rows_a_query_returns_are_capped(ds):
    data = await get_json(ds, sql_path("with recursive c(x) as (select 1 union all select x + 1 from c "
                                       "where x < 5000) select x from c"))
    assert data["truncated"] is True and len(data["rows"]) == 1000
    streamed = await ds.client.get(f"{DB}/sentences.csv?_stream=on&_size=max")
    assert streamed.status_code in (200, 400) and streamed.text.count("\n") <= 1001


async def test_nothing_writes_to_the_database(ds, built):
    before = hashlib.sha256(built.read_bytes()).hexdigest()
    count = len(rows_of("persons"))
    token_page = await ds.client.get(f"{DB}/who_said_what")
    cookies = dict(token_page.cookies)
    token = re.search(r'name="csrftoken" value="([^"]+)"', token_page.text)
    form = {"sql": "delete from persons", **({"csrftoken": token.group(1)} if token else {})}
    for path in (f"{DB}", f"{DB}.json", f"{DB}/persons", f"{DB}/persons/shashi-tharoor", f"{DB}/who_said_what",
                 f"{DB}/persons/-/insert", "/-/messages", "/-/logout"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = await ds.client.request(method, path, data=form, cookies=cookies)
            assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD", (method, path)
    refused = await ds.client.get(sql_path("delete from persons"))
    assert refused.status_code == 400
    database = ds.get_database(NAME)
    assert database.is_mutable is False
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await database.execute_fn(lambda connection: connection.execute("delete from persons"))
    assert (await get_json(ds, f"{DB}/persons.json?_size=0"))["filtered_table_rows_count"] == count
    assert hashlib.sha256(built.read_bytes()).hexdigest() == before


async def test_row_counts_come_from_the_inspected_database(ds, built):
    assert ds.inspect_data[NAME]["hash"] == hashlib.sha256(built.read_bytes()).hexdigest()
    assert ds.inspect_data[NAME]["tables"]["persons"]["count"] == len(rows_of("persons"))
    assert not list(built.parent.glob("*.inspect.json"))
    databases = await get_json(ds, "/-/databases.json")
    assert [(d["name"], d["is_mutable"]) for d in databases] == [(NAME, False)]


def test_make_serve_runs_the_one_entry_point():
    dry_run = subprocess.run(["make", "-n", "serve", "PORT=8123"], cwd=ROOT, capture_output=True, text=True)
    command = next(line for line in dry_run.stdout.splitlines() if "scripts.datasette_app" in line)
    assert "--port 8123" in command and "--host 127.0.0.1" in command


def test_the_server_listens_on_127_0_0_1_only(live_server):
    port = int(live_server.url.rsplit(":", 1)[1])
    response = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
    assert response.status_code == 200 and SPEC.metadata["title"] in response.text
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    local = {fields[1] for fields in listening if fields[3] == "0A" and fields[1].endswith(f":{port:04X}")}
    assert local == {f"0100007F:{port:04X}"}  # 127.0.0.1, in /proc's little-endian hex
    assert httpx.post(f"http://127.0.0.1:{port}/", timeout=10).status_code == 405
