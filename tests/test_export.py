"""The three exports (scripts/export/) read back by their formats' own rules, against the seed and the CSVs:
the W3C Web Annotation collection expanded by pyld against a local copy of the W3C context, the brat standoff
parsed per brat's format and checked span by span, the Popolo JSON validated against Popolo's JSON Schemas."""
from __future__ import annotations

import copy
import csv
import json
import re
from collections import Counter

import pytest

from scripts.schemas import load_spec
from tests.conftest import ROOT, read_csv

FIXTURES = ROOT / "tests" / "fixtures"
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
OA = "http://www.w3.org/ns/oa#"
RDF_VALUE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
PACKAGE_BASE = "file:///package/"  # stands for wherever the package lies: the exports' addresses are relative
SPEC = load_spec(ROOT)
ENTITY_COLUMNS = ("person_id", "organization_id", "party_id", "place_id", "delegation_id")
SOURCES = {row["source_id"]: row for row in read_csv(ROOT / "data" / "sources.csv")[1]}
SEED_TEXTS = {sid: (ROOT / row["path"]).read_bytes().decode("utf-8") for sid, row in SOURCES.items()}
SEED_BY_PATH = {row["path"]: SEED_TEXTS[sid] for sid, row in SOURCES.items()}


def evidence_rows() -> dict[tuple[str, str], dict]:
    """(table, row key) -> row, for every row of every table with evidence columns, read from the CSVs."""
    rows = {}
    for table in SPEC.tables:
        if table.has_evidence:
            for row in read_csv(ROOT / table.data_path)[1]:
                rows[table.name, ",".join(row[key] for key in table.primary_key)] = row
    return rows


# ---------------------------------------------------------------- W3C Web Annotation

def local_context_loader(url, options=None):
    """pyld's document loader: the W3C context from tests/fixtures, and nothing else (no network)."""
    if url != ANNO_CONTEXT:
        raise RuntimeError(f"the test loader serves only {ANNO_CONTEXT}, not {url}")
    document = json.loads((FIXTURES / "w3c-web-annotation" / "anno.jsonld").read_text(encoding="utf-8"))
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}


def expand(document: dict) -> list:
    from pyld import jsonld

    return jsonld.expand(document, {"documentLoader": local_context_loader, "base": PACKAGE_BASE})


def one(node: dict, prop: str):
    values = node[OA + prop] if not prop.startswith("http") else node[prop]
    assert len(values) == 1, (prop, values)
    value = values[0]
    return value.get("@value", value.get("@id", value)) if isinstance(value, dict) else value


def selector_problems(expanded: list, seeds: dict[str, str] = SEED_BY_PATH) -> list[str]:
    """Every annotation's two selectors checked against the seed they target: the position selector's span is the
    quote selector's exact text, and prefix and suffix are the words around it."""
    problems = []
    page = expanded[0]["http://www.w3.org/ns/activitystreams#first"][0]
    for annotation in page["http://www.w3.org/ns/activitystreams#items"][0]["@list"]:
        target = annotation[OA + "hasTarget"][0]
        text = seeds[one(target, "hasSource").removeprefix(PACKAGE_BASE)]
        selectors = {s["@type"][0].removeprefix(OA): s for s in target[OA + "hasSelector"]}
        start, end = one(selectors["TextPositionSelector"], "start"), one(selectors["TextPositionSelector"], "end")
        quote = selectors["TextQuoteSelector"]
        exact, prefix, suffix = (one(quote, name) for name in ("exact", "prefix", "suffix"))
        if text[start:end] != exact:
            problems.append(f"{annotation['@id']}: text[{start}:{end}] is {text[start:end]!r}, exact is {exact!r}")
        if not text[:start].endswith(prefix) or not text[end:].startswith(suffix):
            problems.append(f"{annotation['@id']}: prefix or suffix are not the seed's words around the span")
    return problems


@pytest.fixture(scope="module")
def annotation_document(exports) -> dict:
    return json.loads((exports / "annotations.jsonld").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def expanded(annotation_document) -> list:
    return expand(annotation_document)


def test_annotations_expand_with_the_w3c_context_and_lose_nothing(annotation_document, expanded):
    from pyld import jsonld

    assert annotation_document["@context"] == ANNO_CONTEXT
    assert expanded[0]["@type"] == ["http://www.w3.org/ns/activitystreams#OrderedCollection"]
    # Expansion silently drops what the context does not define: compacting back must give the same document.
    compacted = jsonld.compact(expanded, ANNO_CONTEXT, {"documentLoader": local_context_loader, "base": PACKAGE_BASE})
    assert compacted == annotation_document


def test_every_evidence_span_is_an_annotation_whose_selectors_match_the_seed(annotation_document, expanded):
    assert selector_problems(expanded) == []
    items = annotation_document["first"]["items"]
    assert annotation_document["total"] == len(items)
    expected = evidence_rows()
    by_row = {}
    for item in items:
        row_body = item["body"][0]
        table = row_body["source"]["id"].removeprefix("data/").removesuffix(".csv")
        by_row[table, row_body["label"].split(" ", 1)[1]] = item
    assert sorted(by_row) == sorted(expected)
    for (table, key), row in expected.items():
        item = by_row[table, key]
        position = item["target"]["selector"][0]
        assert (position["start"], position["end"]) == (int(row["evidence_start"]), int(row["evidence_end"]))
        assert item["target"]["selector"][1]["exact"] == row["evidence"]
        assert item["target"]["source"]["id"] == SOURCES[row["source_id"]]["path"]
        # the body's RFC 7111 row (the header is row 1) is the row itself in the CSV file
        if table == "mentions":  # a mention's annotation identifies its entity too
            entity_table, entity_id = next((t, row[c]) for t, c in zip(
                ("persons", "organizations", "parties", "places", "delegations"), ENTITY_COLUMNS) if row[c])
            assert item["motivation"] == "identifying"
            assert item["body"][1]["source"]["id"] == f"data/{entity_table}.csv"
            assert item["body"][1]["label"] == f"{entity_table} {entity_id}"
        number = int(item["body"][0]["selector"]["value"].removeprefix("row="))
        with open(ROOT / "data" / f"{table}.csv", encoding="utf-8", newline="") as handle:
            record = list(csv.reader(handle))[number - 1]
        header = read_csv(ROOT / "data" / f"{table}.csv")[0]
        assert dict(zip(header, record)) == row


def test_a_wrong_selector_is_caught(annotation_document):
    broken = copy.deepcopy(annotation_document)
    broken["first"]["items"][3]["target"]["selector"][0]["start"] += 1
    problems = selector_problems(expand(broken))
    assert problems and all(broken["first"]["items"][3]["id"] in problem for problem in problems)


def test_the_local_loader_refuses_every_other_address():
    with pytest.raises(RuntimeError, match="serves only"):
        local_context_loader("https://example.org/other.jsonld")
    with pytest.raises(Exception, match="loading remote context failed"):
        expand({"@context": "https://example.org/other.jsonld", "id": "x"})


# ---------------------------------------------------------------- brat standoff

def read_brat(ann: str) -> dict[str, dict]:
    """Parse a brat .ann file per https://brat.nlplab.org/standoff.html: id -> annotation."""
    annotations = {}
    for number, line in enumerate(ann.splitlines(), start=1):
        fields = line.split("\t")
        kind = fields[0][0]
        if kind == "T":
            label, offsets = fields[1].split(" ", 1)
            fragments = [tuple(map(int, part.split())) for part in offsets.split(";")]
            annotations[fields[0]] = {"type": label, "fragments": fragments, "text": fields[2], "line": number}
        elif kind == "E":
            trigger, *arguments = fields[1].split(" ")
            annotations[fields[0]] = {"type": trigger.split(":")[0], "trigger": trigger.split(":")[1],
                                      "args": dict(a.split(":") for a in arguments)}
        elif kind == "R":
            label, arg1, arg2 = fields[1].split(" ")
            annotations[fields[0]] = {"type": label, "args": {"Arg1": arg1[5:], "Arg2": arg2[5:]}}
        elif kind == "A":
            label, target, *value = fields[1].split(" ")
            annotations[fields[0]] = {"type": label, "target": target, "value": value[0] if value else None}
        elif kind == "#":
            annotations[fields[0]] = {"type": "AnnotatorNotes", "target": fields[1].split(" ")[1],
                                      "note": fields[2]}
        else:
            raise AssertionError(f"line {number}: not a brat annotation: {line!r}")
    return annotations


def brat_problems(text: str, annotations: dict[str, dict]) -> list[str]:
    problems = []
    for aid, a in annotations.items():
        if aid.startswith("T"):
            words = " ".join(text[start:end] for start, end in a["fragments"])
            if words != a["text"]:
                problems.append(f"{aid}: the .txt has {words!r} at its offsets, the .ann says {a['text']!r}")
        for ref in [*a.get("args", {}).values(), a.get("trigger"), a.get("target")]:
            if ref and ref not in annotations:
                problems.append(f"{aid}: refers to {ref}, which is not annotated")
    return problems


@pytest.fixture(scope="module")
def brat_document(exports):
    (source_id,) = SOURCES
    folder = exports / "brat"
    return (folder / f"{source_id}.txt").read_bytes(), read_brat((folder / f"{source_id}.ann").read_text("utf-8")), \
        (folder / "annotation.conf").read_text("utf-8")


def test_brat_text_is_the_seed_and_every_span_matches_it(brat_document):
    raw, annotations, _ = brat_document
    (source,) = SOURCES.values()
    assert raw == (ROOT / source["path"]).read_bytes()
    text = raw.decode("utf-8")
    assert brat_problems(text, annotations) == []
    notes = {a["target"]: a["note"].split(" ", 1) for a in annotations.values() if a["type"] == "AnnotatorNotes"}
    rows = evidence_rows()
    for aid, a in annotations.items():
        if aid.startswith("T"):
            table, key = notes[aid]
            row = rows[table, key]
            start, end = int(row["evidence_start"]), int(row["evidence_end"])
            assert start <= a["fragments"][0][0] and a["fragments"][-1][1] <= end
            assert text[start:end].strip() == text[a["fragments"][0][0]:a["fragments"][-1][1]]


def test_brat_holds_every_event_quote_and_speaker(brat_document):
    _, annotations, conf = brat_document
    notes = {a["target"]: tuple(a["note"].split(" ", 1)) for a in annotations.values() if a["type"] == "AnnotatorNotes"}
    events = {notes[aid][1]: a for aid, a in annotations.items() if aid.startswith("E")}
    assert sorted(events) == sorted(row["event_id"] for row in read_csv(ROOT / "data" / "events.csv")[1])
    for event_id, event in events.items():
        assert notes[event["trigger"]] == ("events", event_id)
    participants = Counter(row["event_id"] for row in read_csv(ROOT / "data" / "event_participants.csv")[1])
    participants.update(row["event_id"] for row in read_csv(ROOT / "data" / "event_places.csv")[1])
    assert {event_id: len(e["args"]) for event_id, e in events.items() if e["args"]} == dict(participants)
    relations = Counter(a["type"] for a in annotations.values() if a["type"] != "AnnotatorNotes" and "args" in a
                        and set(a["args"]) == {"Arg1", "Arg2"})
    for table in ("quote_relations", "event_relations"):
        for name, count in Counter(row["relation"] for row in read_csv(ROOT / "data" / f"{table}.csv")[1]).items():
            assert relations["".join(part.capitalize() for part in name.split("_"))] >= count, name
    quotes = {notes[aid][1]: aid for aid, a in annotations.items() if a["type"] == "Quote"}
    entity_of = {("mentions", row["mention_id"]): next(row[k] for k in ENTITY_COLUMNS if row[k])
                 for row in read_csv(ROOT / "data" / "mentions.csv")[1]}
    speakers = {a["args"]["Arg1"]: entity_of.get(notes[a["args"]["Arg2"]], notes[a["args"]["Arg2"]][1])
                for a in annotations.values() if a["type"] == "Speaker"}
    for row in read_csv(ROOT / "data" / "quotes.csv")[1]:
        assert speakers[quotes[row["quote_id"]]] == (row["speaker_person_id"] or row["speaker_organization_id"])
    declared = set(re.findall(r"^([A-Za-z<][\w>-]*)", conf, re.M))
    assert {a["type"] for a in annotations.values() if a["type"] != "AnnotatorNotes"} <= declared


def test_a_wrong_brat_offset_is_caught(brat_document):
    raw, annotations, _ = brat_document
    broken = copy.deepcopy(annotations)
    start, end = broken["T2"]["fragments"][0]
    broken["T2"]["fragments"][0] = (start + 1, end + 1)
    assert [p.split(":")[0] for p in brat_problems(raw.decode("utf-8"), broken)] == ["T2"]


# ---------------------------------------------------------------- Popolo

POPOLO_SCHEMAS = FIXTURES / "popolo-schemas"
POPOLO_LISTS = {"persons": "person", "organizations": "organization", "memberships": "membership",
                "posts": "post", "events": "event"}


def popolo_validator(kind: str):
    from jsonschema import Draft3Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT3

    schemas = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in POPOLO_SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (schema["id"].rstrip("#"), DRAFT3.create_resource(schema)) for schema in schemas.values())
    return Draft3Validator(schemas[kind], registry=registry)


@pytest.fixture(scope="module")
def popolo(exports) -> dict:
    return json.loads((exports / "popolo.json").read_text(encoding="utf-8"))


def test_popolo_is_valid_against_popolos_schemas(popolo):
    assert set(popolo) == set(POPOLO_LISTS)
    for key, kind in POPOLO_LISTS.items():
        validator = popolo_validator(kind)
        for item in popolo[key]:
            assert not list(validator.iter_errors(item)), (key, item["id"])
    # the validator is not a rubber stamp
    assert list(popolo_validator("event").iter_errors({"id": "x", "start_date": "3 June"}))


def test_popolo_holds_the_package_and_every_link_points_at_its_words(popolo):
    data = {name: read_csv(ROOT / "data" / f"{name}.csv")[1] for name in
            ("persons", "organizations", "parties", "delegations", "roles", "delegation_members", "events")}
    assert sorted(p["id"] for p in popolo["persons"]) == sorted(r["person_id"] for r in data["persons"])
    organizations = {o["id"]: o for o in popolo["organizations"]}
    assert set(organizations) == ({r["organization_id"] for r in data["organizations"]} |
                                  {r["party_id"] for r in data["parties"]} |
                                  {r["delegation_id"] for r in data["delegations"]})
    persons = {p["id"] for p in popolo["persons"]}
    for membership in popolo["memberships"]:
        assert membership["person_id"] in persons
        assert membership.get("organization_id") is None or membership["organization_id"] in organizations
    assert {p["id"] for p in popolo["posts"]} == {r["role_id"] for r in data["roles"]}
    members = {(m["person_id"], m.get("organization_id"), m["role"]) for m in popolo["memberships"]}
    assert {(r["person_id"], r["delegation_id"], r["role"]) for r in data["delegation_members"]} <= members
    events = {e["id"]: e for e in popolo["events"]}
    for row in data["events"]:
        assert events[row["event_id"]].get("start_date", "") == row["date_start"]
    for item in [obj for key in POPOLO_LISTS for obj in popolo[key]]:
        for link in item.get("sources", []):
            path, span = link["url"].split("#char=")
            start, end = map(int, span.split(","))
            assert SEED_BY_PATH[path][start:end] == link["note"]


# ---------------------------------------------------------------- a second article (invented, tests only)

def test_the_exports_of_a_package_with_a_second_article(tmp_path):
    """With the invented second article of tests/test_model.py: one brat document per seed, each .txt the seed's
    bytes and each span its words; every annotation's selectors match its own seed; Bhutto-Zardari stays one
    Popolo person."""
    from scripts.build_sqlite import build_database, package_name
    from scripts.export import write_exports
    from tests.conftest import copy_package
    from tests.test_model import add_invented_article

    package = copy_package(tmp_path / "package")
    second = add_invented_article(package)
    db = build_database(package, package / "build" / f"{package_name(package)}.db")
    out = tmp_path / "exports"
    write_exports(db, package, out)
    sources = {row["source_id"]: row for row in read_csv(package / "data" / "sources.csv")[1]}
    assert set(sources) == {*SOURCES, second}
    seeds = {row["path"]: (package / row["path"]).read_bytes().decode("utf-8") for row in sources.values()}
    for source_id, row in sources.items():
        raw = (out / "brat" / f"{source_id}.txt").read_bytes()
        assert raw == (package / row["path"]).read_bytes()
        annotations = read_brat((out / "brat" / f"{source_id}.ann").read_text("utf-8"))
        assert brat_problems(raw.decode("utf-8"), annotations) == []
        assert any(a["type"] == "Person" for a in annotations.values())
    document = json.loads((out / "annotations.jsonld").read_text(encoding="utf-8"))
    assert selector_problems(expand(document), seeds) == []
    targets = {item["target"]["source"]["id"] for item in document["first"]["items"]}
    assert targets == set(seeds)
    people = [p["id"] for p in json.loads((out / "popolo.json").read_text(encoding="utf-8"))["persons"]]
    assert people.count("bilawal-bhutto-zardari") == 1 and "ingrid-solberg" in people


def test_the_exports_read_nothing_of_the_package_but_what_the_check_vetted(tmp_path, built_db):
    """Red team: a named pipe as schemas/package.yaml hung the export (it read the schemas itself); now the export takes
    the check's reading, which refuses the pipe at once."""
    import os

    from scripts.export import main as export_main
    from tests.conftest import copy_package, run_main

    package = copy_package(tmp_path / "package")
    (package / "schemas" / "package.yaml").unlink()
    os.mkfifo(package / "schemas" / "package.yaml")
    result = run_main(export_main, "--root", str(package), "--db", str(built_db), "--output-dir", str(tmp_path / "out"),
                      pipe=package / "schemas" / "package.yaml")  # fails the test, instead of hanging, if it reads it
    assert result.returncode != 0 and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_python_m_scripts_export_starts():
    from tests.conftest import assert_runs_as_a_module

    assert_runs_as_a_module("scripts.export")  # the suite's one `python -m scripts.export`
