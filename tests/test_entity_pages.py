"""The entity pages (/person/<id>, ..., /event/<id>; scripts/entity_pages.py through datasette/plugins/article.py),
through Datasette's in-process client, against the CSVs and the seed: every entity has its page; every mention
is shown in its sentence, marked, and linked to its span in the article; every evidence link quotes the seed's
words at the span it points to, and that span is marked in the article; roles, fellow members, quotes, notes,
relations and the place's coordinates are those of the CSVs; the pages are linked from tables and home page."""
from __future__ import annotations

import html
import re
from collections import defaultdict

import pytest

from scripts.schemas import load_spec
from tests.conftest import ROOT, read_csv

pytestmark = pytest.mark.anyio
SPEC = load_spec(ROOT)
DB = f"/{SPEC.metadata['name']}"
(SOURCE,) = read_csv(ROOT / "data" / "sources.csv")[1]
SEED = (ROOT / SOURCE["path"]).read_bytes().decode("utf-8")
KINDS = {"persons": ("person", "person_id"), "organizations": ("organization", "organization_id"),
         "parties": ("party", "party_id"), "places": ("place", "place_id"),
         "delegations": ("delegation", "delegation_id"), "events": ("event", "event_id")}
SPAN_LINK = re.compile(r'href="/article/([^"#]+)#span-(\d+)-(\d+)"')


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


def rows(table: str) -> list[dict]:
    return read_csv(ROOT / "data" / f"{table}.csv")[1]


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.fixture(scope="module")
async def pages(served_datasette) -> dict[str, str]:
    found = {}
    for table, (route, key) in KINDS.items():
        for row in rows(table):
            response = await served_datasette.client.get(f"/{route}/{row[key]}")
            assert response.status_code == 200, (route, row[key])
            found[f"/{route}/{row[key]}"] = response.text
    return found


@pytest.fixture(scope="module")
async def article_anchors(served_datasette) -> set[str]:
    page = (await served_datasette.client.get(f"/article/{SOURCE['source_id']}")).text
    return set(re.findall(r'<sup class="refs" id="(span-\d+-\d+)">', page))


async def test_every_entity_has_a_page_and_unknown_ones_are_404(pages, served_datasette):
    for path, page in pages.items():
        name = re.search(r"<h1><span class=\"entity-kind\">\w+</span> (.*?)</h1>", page, re.S).group(1)
        assert html.unescape(name).strip()
    for route, _ in KINDS.values():
        response = await served_datasette.client.get(f"/{route}/no-such-{route}")
        assert response.status_code == 404 and "No " in response.text


async def test_every_link_to_the_article_shows_the_seeds_words_and_lands_on_a_marked_span(pages, article_anchors):
    checked = 0
    for path, page in pages.items():
        for match in re.finditer(r'<a class="(evidence-link|mention)" href="/article/[^"#]+#span-(\d+)-(\d+)"[^>]*>'
                                 r'(.*?)</a>', page, re.S):
            kind, start, end, inner = match.group(1), int(match.group(2)), int(match.group(3)), match.group(4)
            words = text_of(inner)
            expected = f"“{SEED[start:end]}”" if kind == "evidence-link" else SEED[start:end]
            assert words == expected, (path, start, end)
            assert f"span-{start}-{end}" in article_anchors, (path, start, end)
            checked += 1
    assert checked > 300


async def test_a_person_page_holds_every_mention_role_delegation_quote_and_note(pages):
    person = "bilawal-bhutto-zardari"
    page = pages[f"/person/{person}"]
    mentions = [m for m in rows("mentions") if m["person_id"] == person]
    marked = re.findall(r'<a class="mention" href="/article/[^"#]+#span-(\d+)-(\d+)"><mark>', page)
    assert sorted(marked) == sorted((m["evidence_start"], m["evidence_end"]) for m in mentions)
    assert f"Mentions ({len(mentions)})" in page
    for role in rows("roles"):
        if role["person_id"] == person:
            assert html.escape(role["title"], quote=False) in page
    for member in rows("delegation_members"):
        if member["person_id"] == person:
            fellows = {m["person_id"] for m in rows("delegation_members")
                       if m["delegation_id"] == member["delegation_id"] and m["person_id"] != person}
            section = page.split('id="delegations"', 1)[1].split("</section>", 1)[0]
            assert {p for p in re.findall(r'href="/person/([^"]+)"', section)} == fellows
    quotes = page.split('id="quotes"', 1)[1].split("</section>", 1)[0]
    for quote in rows("quotes"):
        if quote["speaker_person_id"] == person and quote["kind"] == "direct":
            assert f'<q class="verbatim">{html.escape(quote["text"])}</q>' in quotes
    notes = page.split('id="source-notes"', 1)[1].split("</section>", 1)[0]
    concerning = {r["note_id"] for r in rows("source_note_rows") if (r["table_name"], r["row_key"]) == ("persons", person)}
    assert set(re.findall(rf'href="{DB}/source_notes/([^"]+)"', notes)) == concerning


async def test_event_pages_show_relations_both_ways_and_places(pages):
    relations = defaultdict(set)
    for rel in rows("event_relations"):
        relations[rel["event_id"]].add(rel["related_event_id"])
        relations[rel["related_event_id"]].add(rel["event_id"])
    places = defaultdict(set)
    for link in rows("event_places"):
        places[link["event_id"]].add(link["place_id"])
    for event in rows("events"):
        page = pages[f"/event/{event['event_id']}"]
        section = page.split('id="relations"', 1)[1].split("</section>", 1)[0]
        assert set(re.findall(r'href="/event/([^"]+)"', section)) == relations[event["event_id"]]
        section = page.split('id="places"', 1)[1].split("</section>", 1)[0]
        assert set(re.findall(r'href="/place/([^"]+)"', section)) == places[event["event_id"]]
        if event["date_edtf"]:
            assert f"Date (EDTF): {event['date_edtf']}" in page


async def test_place_pages_map_the_gazetteers_coordinates_and_list_the_events_there(pages):
    for place in rows("places"):
        page = pages[f"/place/{place['place_id']}"]
        if place["latitude"]:
            assert f'data-latitude="{float(place["latitude"])}" data-longitude="{float(place["longitude"])}"' in page
            assert re.search(r'<script src="[^"]*place-map\.js" defer>', page)
            assert f"GeoNames {place['geonames_id']}" in page
        elif place["geonames_id"]:  # a country: an identifier, no coordinates, no map
            assert 'id="place-map"' not in page and f"GeoNames {place['geonames_id']}" in page
            assert "which gives no coordinates" in page
        else:
            assert 'id="place-map"' not in page and "Not in the gazetteer" in page
        section = page.split('id="events"', 1)[1].split("</section>", 1)[0]
        assert set(re.findall(r'href="/event/([^"]+)"', section)) == {
            link["event_id"] for link in rows("event_places") if link["place_id"] == place["place_id"]}


async def test_entity_pages_are_linked_from_tables_home_and_article(served_datasette):
    home = (await served_datasette.client.get("/")).text
    article = (await served_datasette.client.get(f"/article/{SOURCE['source_id']}")).text
    for table, (route, key) in KINDS.items():
        listing = (await served_datasette.client.get(f"{DB}/{table}?_size=max")).text
        for row in rows(table):
            assert f'href="/{route}/{row[key]}"' in listing, (table, row[key])
            if table != "events":
                assert f'href="/{route}/{row[key]}"' in home, (table, row[key])
    assert 'class="entity-link" href="/person/bilawal-bhutto-zardari"' in article


async def test_the_maps_plugin_is_on_places_and_located_events(served_datasette):
    for path in (f"{DB}/places", f"{DB}/located_events"):
        page = (await served_datasette.client.get(path)).text
        assert "datasette-cluster-map.js" in page, path
    located = (await served_datasette.client.get(f"{DB}/located_events.json?_shape=array")).json()
    coordinates = {p["place_id"]: p for p in rows("places") if p["latitude"]}
    expected = {(link["event_id"], link["place_id"]) for link in rows("event_places") if link["place_id"] in coordinates}
    assert {(row["event_id"], row["place_id"]) for row in located} == expected
    assert all(row["latitude"] == float(coordinates[row["place_id"]]["latitude"]) for row in located)
